package dev.chunkvault.api.dto;

import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.service.vault.UploadService;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The answer to an upload request: chunks the caller already holds, a presigned PUT for each other one
 * (send exactly {@code headers}), chunks to ask about again later (being collected right now), and — when the request
 * asked for packs — chunks to send in a pack.
 */
public record UploadsResponse(List<String> have, List<Upload> uploads, List<Later> retry, List<String> pack) {
    public record Upload(String id, String method, String url, Map<String, String> headers, Instant expiresAt) {
        static Upload of(UploadService.Upload u) {
            return new Upload(u.id().hex(), u.request().method(), u.request().url().toString(), u.request().headers(),
                    u.request().expiresAt());
        }
    }

    public record Later(String id, long retryAfterSeconds) {
        static Later of(UploadService.Later l) {
            return new Later(l.id().hex(), Math.max(1, l.retryAfter().toSeconds()));
        }
    }

    public static UploadsResponse of(UploadService.Grant g) {
        return new UploadsResponse(g.have().stream().map(ChunkId::hex).toList(), g.uploads().stream().map(Upload::of).toList(),
                g.retry().stream().map(Later::of).toList(), g.pack().stream().map(ChunkId::hex).toList());
    }
}
