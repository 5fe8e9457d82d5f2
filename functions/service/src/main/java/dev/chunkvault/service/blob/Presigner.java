package dev.chunkvault.service.blob;

import java.time.Duration;
import java.util.Map;

/** Short-lived direct-to-store URLs. */
public interface Presigner {
    /**
     * A PUT of exactly {@code contentLength} bytes whose SHA-256 is {@code sha256Base64} to {@code key},
     * carrying {@code metadata}. The checksum, the length and the metadata are signed as headers, so the
     * store rejects any other body, and the URL is bound to the key.
     */
    PresignedRequest presignPut(String key, long contentLength, String sha256Base64, Map<String, String> metadata,
                                Duration ttl);

    /** A GET of {@code key}. */
    PresignedRequest presignGet(String key, Duration ttl);
}
