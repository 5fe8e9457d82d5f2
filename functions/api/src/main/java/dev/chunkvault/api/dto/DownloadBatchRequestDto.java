package dev.chunkvault.api.dto;

import dev.chunkvault.api.http.BadInput;
import dev.chunkvault.service.vault.ReadService;
import java.util.List;

/** POST /v1/download-batch: up to {@link ReadService#MAX_BATCH_FILES} files, each as for POST /v1/downloads. */
public record DownloadBatchRequestDto(List<DownloadRequestDto> files) {
    public DownloadBatchRequestDto {
        Check.required(files, "files");
        if (files.contains(null)) {
            throw new BadInput("INVALID_FIELD", "'files' holds download requests only.");
        }
        files = Check.list(files, "files", 10_000); // the service answers more than it takes with 413
    }

    public List<ReadService.FileRequest> toDomain() {
        return files.stream().map(f -> new ReadService.FileRequest(f.path(), f.version(), f.chunkIds())).toList();
    }
}
