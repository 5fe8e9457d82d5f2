package dev.chunkvault.api.dto;

import dev.chunkvault.core.manifest.Manifest;
import dev.chunkvault.core.manifest.ManifestDelta;
import dev.chunkvault.core.merge.ConflictRegion;
import dev.chunkvault.service.vault.ConflictService;
import dev.chunkvault.service.vault.VersionView;
import java.util.List;

/**
 * The verdict of a conflict-check (see {@link ConflictService} for the outcomes and what to do). Absent fields do
 * not apply: {@code direction} only for FAST_FORWARD; {@code mergeable} and the merge fields only for
 * MODIFY_MODIFY; {@code conflictedCopyPath} only for KEEP_BOTH and MODIFY_DELETE.
 *
 * @param mergedManifestDelta the merged manifest as a delta against {@code head}: commit it with
 *                            {@code parentVersion = head.versionId}
 * @param mergedFromLocal     the merged manifest as a delta against the local manifest: apply it to write the file
 *                            (its adds are chunks of the head; download them)
 * @param mergedManifest      the merged manifest whole, when it has at most 10,000 chunks
 * @param regions             at most {@value #MAX_REGIONS} conflicting regions; {@code regionCount} says how many
 */
public record ConflictCheckResponse(String outcome, String direction, String action, String baseStatus,
                                    VersionView ancestor, VersionView head, Boolean mergeable, String unmergeableReason,
                                    Manifest mergedManifest, ManifestDelta mergedManifestDelta,
                                    ManifestDelta mergedFromLocal, Long mergedSize, Integer mergedChunkCount,
                                    List<Region> regions, Integer regionCount, String conflictedCopyPath,
                                    String conflictedCopyName, List<Collision> collisions) {
    static final int MAX_REGIONS = 1000;

    /** A conflicting region: ancestor chunks {@code [start, end)} and bytes, and what each side made of them. */
    public record Region(int ancestorChunkStart, int ancestorChunkEnd, long ancestorByteStart, long ancestorByteEnd,
                         int localChunkStart, int localChunkEnd, long localByteStart, long localByteEnd,
                         int remoteChunkStart, int remoteChunkEnd, long remoteByteStart, long remoteByteEnd) {
        static Region of(ConflictRegion c) {
            return new Region(c.ancestor().startChunk(), c.ancestor().endChunk(), c.ancestor().startByte(),
                    c.ancestor().endByte(), c.local().startChunk(), c.local().endChunk(), c.local().startByte(),
                    c.local().endByte(), c.remote().startChunk(), c.remote().endChunk(), c.remote().startByte(),
                    c.remote().endByte());
        }
    }

    public record Collision(String kind, String existingPath, String localPath) {}

    public static ConflictCheckResponse of(ConflictService.Verdict v) {
        ConflictService.Merge m = v.merge();
        boolean modifyModify = v.outcome() == ConflictService.Outcome.MODIFY_MODIFY;
        boolean clean = m != null && m.clean();
        List<Region> regions = m == null || m.clean() ? null
                : m.regions().stream().limit(MAX_REGIONS).map(Region::of).toList();
        String copy = v.conflictedCopyPath();
        return new ConflictCheckResponse(v.outcome().name(), v.direction() == null ? null : v.direction().name(),
                v.action().name(), v.baseStatus().name(), v.ancestor(), v.head(), modifyModify ? clean : null,
                v.unmergeable() == null ? null : v.unmergeable().name(), clean ? m.merged() : null,
                clean ? m.mergedFromHead() : null, clean ? m.mergedFromLocal() : null, clean ? m.mergedSize() : null,
                clean ? m.mergedChunkCount() : null, regions, regions == null ? null : m.regions().size(), copy,
                copy == null ? null : copy.substring(copy.lastIndexOf('/') + 1),
                v.collisions().stream().map(c -> new Collision(c.kind().name(), c.existingPath(), c.localPath())).toList());
    }
}
