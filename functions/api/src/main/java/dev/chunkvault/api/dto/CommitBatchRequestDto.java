package dev.chunkvault.api.dto;

import dev.chunkvault.api.http.BadInput;
import dev.chunkvault.service.vault.CommitService;
import dev.chunkvault.service.vault.Owner;
import java.util.List;

/**
 * POST /v1/commit-batch: up to {@link CommitService#MAX_BATCH_COMMITS} commits, each as for POST /v1/commits; and
 * optionally {@code seal}, packs (ids from POST /v1/packs, uploaded) to seal exactly as POST /v1/packs/seal would,
 * before any of the commits is looked at (at most {@link dev.chunkvault.service.vault.PackService#MAX_SEALS_PER_REQUEST}).
 */
public record CommitBatchRequestDto(List<CommitRequestDto> commits, List<String> seal) {
    public CommitBatchRequestDto {
        Check.required(commits, "commits");
        if (commits.contains(null)) {
            throw new BadInput("INVALID_FIELD", "'commits' holds commit objects only.");
        }
        commits = List.copyOf(commits);
        if (seal == null) {
            seal = List.of();
        } else if (seal.contains(null)) {
            throw new BadInput("INVALID_FIELD", "'seal' holds pack ids only.");
        } else {
            seal = List.copyOf(seal);
        }
    }

    public List<CommitService.CommitRequest> toDomain(Owner owner) {
        return commits.stream().map(c -> c.toDomain(owner)).toList();
    }
}
