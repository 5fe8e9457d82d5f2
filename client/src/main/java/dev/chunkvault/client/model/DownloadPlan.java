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

    /**
     * A presigned GET of one chunk: of its own object, or (with {@code offset} and {@code length}) of the pack that holds
     * it, whose bytes {@code [offset, offset + length)} are the chunk.
     */
    public record ChunkUrl(String id, String url, Map<String, String> headers, Instant expiresAt, Long offset, Long length) {
        public ChunkUrl {
            headers = headers == null ? Map.of() : Map.copyOf(headers);
            if ((offset == null) != (length == null) || (offset != null && (offset < 0 || length <= 0))) {
                throw new IllegalArgumentException("a chunk's range needs both a non-negative offset and a positive length");
            }
        }

        public ChunkUrl(String id, String url, Map<String, String> headers, Instant expiresAt) {
            this(id, url, headers, expiresAt, null, null);
        }

        public boolean ranged() {
            return offset != null;
        }

        /** The headers to send: the signed ones, and for a chunk in a pack the {@code Range} of its bytes. */
        public Map<String, String> requestHeaders() {
            if (!ranged()) {
                return headers;
            }
            Map<String, String> out = new java.util.HashMap<>(headers);
            out.put("Range", "bytes=" + offset + "-" + (offset + length - 1));
            return Map.copyOf(out);
        }

        public Presigned presigned() {
            return new Presigned("GET", url, headers, expiresAt);
        }
    }
}
