package dev.chunkvault.api.dto;

import dev.chunkvault.core.hash.ChunkId;
import java.util.List;

/** POST /v1/downloads: the head (or {@code version}) of {@code path}; presigned GETs for {@code chunks} (or all). */
public record DownloadRequestDto(String path, String version, List<String> chunks) {
    public DownloadRequestDto {
        Check.required(path, "path");
        if (chunks != null) {
            chunks = Check.list(chunks, "chunks", UploadsRequest.MAX_LISTED);
            chunks.forEach(c -> Check.chunkId(c, "chunks[]"));
        }
    }

    public List<ChunkId> chunkIds() {
        return chunks == null ? null : chunks.stream().map(ChunkId::parse).toList();
    }
}
