package dev.chunkvault.client.model;

import dev.chunkvault.core.manifest.Manifest;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** The answer to {@code POST /v1/downloads}: the manifest (inline or at {@code manifestUrl}) and chunk URLs. */
public record DownloadPlan(VersionInfo version, String profile, Manifest manifest, Presigned manifestUrl,
                           String manifestHash, List<ChunkUrl> chunks, boolean allChunks) {
    public DownloadPlan {
        chunks = chunks == null ? List.of() : List.copyOf(chunks);
    }

    /** A presigned GET of one chunk. */
    public record ChunkUrl(String id, String url, Map<String, String> headers, Instant expiresAt) {
        public ChunkUrl {
            headers = headers == null ? Map.of() : Map.copyOf(headers);
        }

        public Presigned presigned() {
            return new Presigned("GET", url, headers, expiresAt);
        }
    }
}
