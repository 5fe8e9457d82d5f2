package dev.chunkvault.api.dto;

import dev.chunkvault.service.blob.PresignedRequest;
import java.time.Instant;
import java.util.Map;

/** A presigned request as clients receive it: send {@code headers} exactly. */
public record Presigned(String method, String url, Map<String, String> headers, Instant expiresAt) {
    public static Presigned of(PresignedRequest r) {
        return r == null ? null : new Presigned(r.method(), r.url().toString(), r.headers(), r.expiresAt());
    }
}
