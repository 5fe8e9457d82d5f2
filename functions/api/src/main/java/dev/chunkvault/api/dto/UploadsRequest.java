package dev.chunkvault.api.dto;

import dev.chunkvault.api.http.BadInput;
import dev.chunkvault.service.vault.UploadService;
import java.util.List;

/**
 * POST /v1/uploads: the chunks a client wants to store; with {@code pack: true} the client sends small chunks in packs
 * (POST /v1/packs) and wants no URL for them.
 */
public record UploadsRequest(List<Chunk> chunks, Boolean pack) {
    /** Hard cap on the JSON list; the service's own limit (smaller) answers 413 with a clear message. */
    static final int MAX_LISTED = 10_000;

    public UploadsRequest {
        chunks = Check.list(chunks, "chunks", MAX_LISTED);
    }

    public record Chunk(String id, Integer size) {
        public Chunk {
            Check.chunkId(id, "chunks[].id");
            Check.required(size, "chunks[].size");
            if (size <= 0) {
                throw new BadInput("INVALID_FIELD", "'chunks[].size' must be positive.");
            }
        }
    }

    public boolean packs() {
        return Boolean.TRUE.equals(pack);
    }

    public List<UploadService.ChunkRequest> toDomain() {
        return chunks.stream().map(c -> new UploadService.ChunkRequest(Check.chunkId(c.id(), "id"), c.size())).toList();
    }
}
