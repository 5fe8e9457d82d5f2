package dev.chunkvault.service.blob;

import java.util.Map;
import java.util.Optional;

/**
 * Objects by key: chunk bytes under {@code chunks/<id>} (uploaded by clients through presigned URLs, or
 * written by the service from a delta), packs of small chunks under {@code packs/<id>} (at most 16 MiB, read whole
 * to verify them and by range to read one chunk) and large manifests under {@code manifests/...}.
 * <p>
 * Any call may throw {@link BlobStoreException}; a failed put or delete may or may not have happened,
 * and both are idempotent.
 */
public interface BlobStore {
    Optional<BlobInfo> head(String key);

    Optional<byte[]> get(String key);

    /**
     * {@code length} bytes of the object from {@code offset} (a chunk inside a pack); fewer if the object is shorter.
     * Stores that can read a range do so; this default reads the whole object.
     */
    default Optional<byte[]> getRange(String key, long offset, int length) {
        return get(key).map(b -> java.util.Arrays.copyOfRange(b, (int) Math.min(offset, b.length),
                (int) Math.min((long) b.length, offset + length)));
    }

    /** Stores {@code bytes} with their SHA-256 checksum (verified by the store) and user metadata. */
    void put(String key, byte[] bytes, Map<String, String> metadata);

    /**
     * Deletes the object. With a {@code versionId} (versioned stores) only that version goes, so a newer
     * write of the same key survives; without one the current object goes. Deleting nothing is no error.
     */
    void delete(String key, String versionId);

    /** Keys under {@code prefix} after {@code startAfter} (null: from the start), in key order. */
    BlobPage list(String prefix, String startAfter, int limit);
}
