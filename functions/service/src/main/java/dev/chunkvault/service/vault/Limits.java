package dev.chunkvault.service.vault;

/** Fixed limits of the service and names shared with clients. */
public final class Limits {
    private Limits() {}

    /** The largest chunk any known chunking profile produces (the large-file profile's 8 MiB). */
    public static final int MAX_CHUNK_SIZE = 8 << 20;

    /**
     * The longest case-folded path key (UTF-8 bytes) a file may have. It is the files table's sort key, and DynamoDB
     * refuses sort-key values over 1,024 bytes, in items and in key conditions alike; a folder listing's upper bound is
     * the folder's key, a slash and a 4-byte U+10FFFF, so keys stop 3 bytes short of the limit. Paths within
     * {@code FilePath}'s own limits can still be longer than this (and case folding can lengthen a path: "İ" folds to
     * "i̇"); they are refused as too long instead of failing in the store.
     */
    public static final int MAX_PATH_KEY_BYTES = 1021;

    /** User-metadata name carrying the uploader's owner tag on chunk objects. */
    public static final String OWNER_METADATA = "owner";
}
