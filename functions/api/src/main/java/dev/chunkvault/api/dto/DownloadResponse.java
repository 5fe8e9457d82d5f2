package dev.chunkvault.api.dto;

import dev.chunkvault.core.manifest.Manifest;
import dev.chunkvault.service.vault.ReadService;
import dev.chunkvault.service.vault.VersionView;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A download plan. The manifest is inline, or (large files) at {@code manifestUrl} in its binary encoding,
 * whose SHA-256 must equal {@code manifestHash}. {@code allChunks} is false when more chunk URLs must be asked
 * for (by listing them in {@code chunks}).
 */
public record DownloadResponse(VersionView version, String profile, Manifest manifest, Presigned manifestUrl,
                               String manifestHash, List<ChunkUrl> chunks, boolean allChunks) {
    /**
     * A presigned GET of one chunk. With {@code offset} and {@code length} the URL is a pack's, and the chunk is its
     * bytes {@code [offset, offset + length)}: ask for them with {@code Range: bytes=offset-(offset+length-1)} (an
     * unsigned header a presigned GET allows). Without them the URL is the chunk's own object. With {@code encoding}
     * ({@code zstd}; absent: raw) those bytes are compressed and decode to {@code plainLength} bytes, the chunk.
     */
    public record ChunkUrl(String id, String url, Map<String, String> headers, Instant expiresAt, Long offset, Long length,
                           String encoding, Long plainLength) {
        static ChunkUrl of(ReadService.ChunkUrl c) {
            return new ChunkUrl(c.id().hex(), c.request().url().toString(), c.request().headers(), c.request().expiresAt(),
                    c.ranged() ? c.offset() : null, c.ranged() ? c.length() : null,
                    c.compressed() ? c.encoding().wireName() : null, c.compressed() ? c.plainLength() : null);
        }
    }

    public static DownloadResponse of(ReadService.DownloadPlan p) {
        return new DownloadResponse(p.version(), p.profile(), p.manifest(), Presigned.of(p.manifestUrl()),
                p.manifestHash().hex(), p.chunks().stream().map(ChunkUrl::of).toList(), p.allChunks());
    }
}
