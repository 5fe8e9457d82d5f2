package dev.chunkvault.service.vault;

/** Fixed limits of the service and names shared with clients. */
public final class Limits {
    private Limits() {}

    /** The largest chunk any known chunking profile produces. */
    public static final int MAX_CHUNK_SIZE = 1 << 20;

    /** User-metadata name carrying the uploader's owner tag on chunk objects. */
    public static final String OWNER_METADATA = "owner";
}
