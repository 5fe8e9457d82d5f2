package dev.chunkvault.api.dto;

import dev.chunkvault.api.http.BadInput;
import dev.chunkvault.core.manifest.Manifest;
import dev.chunkvault.core.manifest.ManifestDelta;
import dev.chunkvault.service.vault.CommitService;
import dev.chunkvault.service.vault.Owner;

/**
 * POST /v1/commits. Exactly one of {@code manifest} (the full chunk list) and {@code manifestDelta} (against
 * {@code parentVersion}'s manifest) is given.
 *
 * @param clientMtime the file's modification time on the client, epoch milliseconds (optional)
 */
public record CommitRequestDto(String path, String parentVersion, Manifest manifest, ManifestDelta manifestDelta,
                               Long size, String contentHash, Long clientMtime, String idempotencyKey) {
    public CommitRequestDto {
        Check.required(path, "path");
        Check.required(size, "size");
        Check.required(contentHash, "contentHash");
        Check.required(idempotencyKey, "idempotencyKey");
        if ((manifest == null) == (manifestDelta == null)) {
            throw new BadInput("MANIFEST_REQUIRED", "Give exactly one of 'manifest' and 'manifestDelta'.");
        }
    }

    public CommitService.CommitRequest toDomain(Owner owner) {
        CommitService.Source source = manifest != null ? new CommitService.Source.Full(manifest)
                : new CommitService.Source.Delta(manifestDelta);
        return new CommitService.CommitRequest(owner, path, parentVersion, source, size, contentHash,
                clientMtime == null ? 0 : clientMtime, idempotencyKey);
    }
}
