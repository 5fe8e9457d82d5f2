package dev.chunkvault.api.dto;

import dev.chunkvault.core.hash.ChunkId;
import java.util.List;

/**
 * POST /v1/signatures: the head (or {@code version}) of {@code path} — as a manifest delta against {@code against}
 * when given — and the block signatures of {@code chunks}.
 */
public record SignaturesRequest(String path, String version, String against, List<String> chunks) {
    public SignaturesRequest {
        Check.required(path, "path");
        chunks = chunks == null ? List.of() : Check.list(chunks, "chunks", 1000);
        chunks.forEach(c -> Check.chunkId(c, "chunks[]"));
    }

    public List<ChunkId> chunkIds() {
        return chunks.stream().map(ChunkId::parse).toList();
    }
}
