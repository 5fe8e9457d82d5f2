package dev.chunkvault.client.model;

import java.time.Instant;
import java.util.Map;

/** A presigned request: send exactly {@code headers} (they are covered by the signature). */
public record Presigned(String method, String url, Map<String, String> headers, Instant expiresAt) {
    public Presigned {
        headers = headers == null ? Map.of() : Map.copyOf(headers);
    }
}
