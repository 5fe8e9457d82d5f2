package dev.chunkvault.api.dto;

import dev.chunkvault.service.vault.CommitService;
import dev.chunkvault.service.vault.Owner;

/** POST /v1/restore: commit {@code version}'s content as the new head (on {@code parentVersion} if given). */
public record RestoreRequestDto(String path, String version, String parentVersion, String idempotencyKey) {
    public RestoreRequestDto {
        Check.required(path, "path");
        Check.required(version, "version");
        Check.required(idempotencyKey, "idempotencyKey");
    }

    public CommitService.CommitRequest toDomain(Owner owner) {
        return new CommitService.CommitRequest(owner, path, parentVersion, new CommitService.Source.FromVersion(version),
                0, null, 0, idempotencyKey);
    }
}
