package dev.chunkvault.api.dto;

import dev.chunkvault.service.vault.CommitService;
import dev.chunkvault.service.vault.Owner;
import java.util.List;

/** POST /v1/commit-batch: up to {@link CommitService#MAX_BATCH_COMMITS} commits, each as for POST /v1/commits. */
public record CommitBatchRequestDto(List<CommitRequestDto> commits) {
    public CommitBatchRequestDto {
        Check.required(commits, "commits");
        if (commits.contains(null)) {
            throw new dev.chunkvault.api.http.BadInput("INVALID_FIELD", "'commits' holds commit objects only.");
        }
        commits = List.copyOf(commits);
    }

    public List<CommitService.CommitRequest> toDomain(Owner owner) {
        return commits.stream().map(c -> c.toDomain(owner)).toList();
    }
}
