package dev.chunkvault.aws;

import dev.chunkvault.service.blob.PresignedRequest;
import dev.chunkvault.service.blob.Presigner;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.s3.presigner.model.PresignedGetObjectRequest;
import software.amazon.awssdk.services.s3.presigner.model.PresignedPutObjectRequest;

/**
 * Presigned URLs for one bucket. The PUT signs the SHA-256 checksum, the content length, the metadata and the fixed
 * content type, disposition and cache policy ({@link Presigner#CONTENT_TYPE} ...) as headers, so S3 rejects any other
 * body, owner tag or way of serving the object; the client must send exactly {@link PresignedRequest#headers()}. The GET
 * overrides the answer's content type, disposition and cache policy with the same fixed values (signed query
 * parameters), whatever the object was stored with.
 */
public final class S3ChunkPresigner implements Presigner {
    private final S3Presigner presigner;
    private final String bucket;

    public S3ChunkPresigner(S3Presigner presigner, String bucket) {
        this.presigner = presigner;
        this.bucket = bucket;
    }

    @Override
    public PresignedRequest presignPut(String key, long contentLength, String sha256Base64, Map<String, String> metadata,
                                       Duration ttl) {
        PresignedPutObjectRequest p = presigner.presignPutObject(b -> b.signatureDuration(ttl)
                .putObjectRequest(r -> r.bucket(bucket).key(key).contentLength(contentLength)
                        .checksumSHA256(sha256Base64).metadata(metadata).contentType(CONTENT_TYPE)
                        .contentDisposition(CONTENT_DISPOSITION).cacheControl(CACHE_CONTROL)));
        return new PresignedRequest("PUT", toUri(p.url()), headers(p.signedHeaders()), p.expiration());
    }

    @Override
    public PresignedRequest presignGet(String key, Duration ttl) {
        PresignedGetObjectRequest p = presigner.presignGetObject(b -> b.signatureDuration(ttl)
                .getObjectRequest(r -> r.bucket(bucket).key(key).responseContentType(CONTENT_TYPE)
                        .responseContentDisposition(CONTENT_DISPOSITION).responseCacheControl(CACHE_CONTROL)));
        return new PresignedRequest("GET", toUri(p.url()), headers(p.signedHeaders()), p.expiration());
    }

    /** The signed headers a client must send, except Host (its HTTP client sets it from the URL). */
    private static Map<String, String> headers(Map<String, List<String>> signed) {
        Map<String, String> out = new HashMap<>();
        signed.forEach((name, values) -> {
            if (!name.equalsIgnoreCase("host")) {
                out.put(name.toLowerCase(Locale.ROOT), String.join(",", values));
            }
        });
        return out;
    }

    private static URI toUri(java.net.URL url) {
        try {
            return url.toURI();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException("the presigner made an invalid URL", e);
        }
    }
}
