package dev.chunkvault.service.blob;

import java.net.URI;
import java.time.Instant;
import java.util.Map;

/**
 * A request a client may make directly to the object store until {@code expiresAt}. The client must send
 * exactly {@code headers} (they are signed; a different value breaks the signature).
 */
public record PresignedRequest(String method, URI url, Map<String, String> headers, Instant expiresAt) {
    public PresignedRequest {
        headers = Map.copyOf(headers);
    }
}
