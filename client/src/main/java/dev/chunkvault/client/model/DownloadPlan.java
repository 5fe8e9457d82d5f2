package dev.chunkvault.client.model;

import dev.chunkvault.core.compress.Encoding;
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
     * it, whose bytes {@code [offset, offset + length)} are the chunk — or, with {@code encoding} ({@code zstd}), the
     * chunk compressed, which decodes to {@code plainLength} bytes (docs/compression.md).
     */
    public record ChunkUrl(String id, String url, Map<String, String> headers, Instant expiresAt, Long offset, Long length,
                           String encoding, Long plainLength) {
        public ChunkUrl {
            headers = headers == null ? Map.of() : Map.copyOf(headers);
            if ((offset == null) != (length == null) || (offset != null && (offset < 0 || length <= 0))) {
                throw new IllegalArgumentException("a chunk's range needs both a non-negative offset and a positive length");
            }
            if (encoding != null && (offset == null || plainLength == null || plainLength <= 0)) {
                throw new IllegalArgumentException("a compressed chunk is a range of a pack with a positive plain length");
            }
        }

        public ChunkUrl(String id, String url, Map<String, String> headers, Instant expiresAt, Long offset, Long length) {
            this(id, url, headers, expiresAt, offset, length, null, null);
        }

        public ChunkUrl(String id, String url, Map<String, String> headers, Instant expiresAt) {
            this(id, url, headers, expiresAt, null, null, null, null);
        }

        /** How the fetched bytes encode the chunk; null if this client does not know the encoding (a newer service's). */
        public Encoding encodingOrNull() {
            return Encoding.ofName(encoding);
        }

        public boolean compressed() {
            return encoding != null && !Encoding.RAW.wireName().equals(encoding);
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
