package dev.chunkvault.api.dto;

import dev.chunkvault.api.http.BadInput;
import dev.chunkvault.core.manifest.Manifest;
import dev.chunkvault.core.manifest.ManifestDelta;
import dev.chunkvault.service.vault.CommitService;
import dev.chunkvault.service.vault.Owner;

/**
 * POST /v1/commits, and one commit of POST /v1/commit-batch. Exactly one of {@code manifest} (the full chunk list) and
 * {@code manifestDelta} (against {@code parentVersion}'s manifest) is given — or {@code delete: true} and neither: the
 * file is deleted, as by POST /v1/delete (so that a sync's deletions travel in its commit batches), and then no size,
 * content hash or modification time is given either.
 *
 * @param clientMtime the file's modification time on the client, epoch milliseconds (optional: the commit's own time when absent)
 * @param executable  whether the file is executable (optional, false when absent: clients from before the bit send
 *                    none); a change of the bit alone is a new version with the same chunks
 * @param link        whether the version is a symbolic link (optional, false when absent): its content is the link's
 *                    target path as UTF-8 bytes, at most 4096; never with executable or delete
 * @param folder      whether the version marks an empty folder (optional, false when absent): an empty manifest and size 0,
 *                    never with executable, link or delete (deleting a folder's marker is a plain delete)
 * @param originalName the file's name on the device that wrote it, when {@code path} holds a marked name because that
 *                    folder also holds a name differing only by case or Unicode form (optional; never with delete or
 *                    folder): a device whose file system holds both names writes the file under this one
 */
public record CommitRequestDto(String path, String parentVersion, Manifest manifest, ManifestDelta manifestDelta,
                               Long size, String contentHash, Long clientMtime, String idempotencyKey, Boolean delete,
                               Boolean executable, Boolean link, Boolean folder, String originalName) {
    public CommitRequestDto {
        Check.required(path, "path");
        Check.required(idempotencyKey, "idempotencyKey");
        if (Boolean.TRUE.equals(delete)) {
            if (manifest != null || manifestDelta != null || size != null || contentHash != null || clientMtime != null
                    || executable != null || link != null || folder != null || originalName != null) {
                throw new BadInput("INVALID_FIELD", "A delete ('delete': true) gives no manifest, manifestDelta, size,"
                        + " contentHash, clientMtime, executable, link, folder or originalName.");
            }
        } else {
            Check.required(size, "size");
            Check.required(contentHash, "contentHash");
            if ((manifest == null) == (manifestDelta == null)) {
                throw new BadInput("MANIFEST_REQUIRED", "Give exactly one of 'manifest' and 'manifestDelta'.");
            }
        }
    }

    public CommitService.CommitRequest toDomain(Owner owner) {
        if (Boolean.TRUE.equals(delete)) {
            return new CommitService.CommitRequest(owner, path, parentVersion, new CommitService.Source.Tombstone(), 0,
                    null, 0, idempotencyKey);
        }
        CommitService.Source source = manifest != null ? new CommitService.Source.Full(manifest)
                : new CommitService.Source.Delta(manifestDelta);
        return new CommitService.CommitRequest(owner, path, parentVersion, source, size, contentHash,
                clientMtime == null ? CommitService.CommitRequest.MTIME_UNKNOWN : clientMtime, idempotencyKey, Boolean.TRUE.equals(executable),
                Boolean.TRUE.equals(link), Boolean.TRUE.equals(folder), originalName);
    }
}
