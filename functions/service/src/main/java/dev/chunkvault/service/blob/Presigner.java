package dev.chunkvault.service.blob;

import java.time.Duration;
import java.util.Map;

/**
 * Short-lived direct-to-store URLs. Uploaders do not choose how objects are served: a PUT signs a fixed
 * {@link #CONTENT_TYPE}, {@link #CONTENT_DISPOSITION} and {@link #CACHE_CONTROL} (a request with other values is
 * refused), and every GET makes the store answer with those three whatever the object was stored with — bytes to
 * save, never a page a browser renders, and never kept by a shared cache.
 */
public interface Presigner {
    /** The content type every object is uploaded with and served as. */
    String CONTENT_TYPE = "application/octet-stream";
    /** The content disposition every object is uploaded with and served with. */
    String CONTENT_DISPOSITION = "attachment";
    /** The cache policy every object is uploaded with and served with. */
    String CACHE_CONTROL = "private, no-store";

    /**
     * A PUT of exactly {@code contentLength} bytes whose SHA-256 is {@code sha256Base64} to {@code key},
     * carrying {@code metadata}. The checksum, the length, the metadata and the fixed content type, disposition and
     * cache policy are signed as headers, so the store rejects any other body or header value, and the URL is bound
     * to the key.
     */
    PresignedRequest presignPut(String key, long contentLength, String sha256Base64, Map<String, String> metadata,
                                Duration ttl);

    /**
     * A GET of {@code key} whose answer has the fixed content type, disposition and cache policy (signed query
     * parameters {@code response-content-type}, {@code response-content-disposition}, {@code response-cache-control}).
     */
    PresignedRequest presignGet(String key, Duration ttl);
}
