package dev.chunkvault.service.blob;

import java.time.Instant;
import java.util.Map;

/**
 * What a HEAD of an object tells.
 *
 * @param key          object key
 * @param size         bytes
 * @param sha256Base64 the stored SHA-256 checksum (base64), or null if the object was stored without one
 * @param metadata     user metadata ({@code x-amz-meta-*}), lower-case names without the prefix
 * @param versionId    the object version, or null for an unversioned store
 * @param lastModified when it was written
 */
public record BlobInfo(String key, long size, String sha256Base64, Map<String, String> metadata, String versionId,
                       Instant lastModified) {
    public BlobInfo {
        metadata = Map.copyOf(metadata);
    }
}
