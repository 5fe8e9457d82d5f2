package dev.chunkvault.api.dto;

import dev.chunkvault.service.vault.CommitService;
import dev.chunkvault.service.vault.Owner;

/**
 * POST /v1/delete. With {@code parentVersion}, the delete applies only if that is still the head (a sync
 * client never deletes an edit it has not seen); without it, whatever the head is now is deleted.
 */
public record DeleteRequestDto(String path, String parentVersion, String idempotencyKey) {
    public DeleteRequestDto {
        Check.required(path, "path");
        Check.required(idempotencyKey, "idempotencyKey");
    }

    public CommitService.CommitRequest toDomain(Owner owner) {
        return new CommitService.CommitRequest(owner, path, parentVersion, new CommitService.Source.Tombstone(), 0,
                null, 0, idempotencyKey);
    }
}
