package dev.chunkvault.client.model;

import dev.chunkvault.core.manifest.Manifest;
import dev.chunkvault.core.manifest.ManifestDelta;
import java.util.List;

/**
 * The verdict of {@code POST /v1/conflict-check}: act on {@code action}.
 *
 * @param mergedManifestDelta the merged manifest against the head's: commit it with the head as parent
 * @param mergedFromLocal     the merged manifest against the local one: apply it to write the merged file
 * @param mergedManifest      the merged manifest whole (given up to 10,000 chunks)
 * @param conflictedCopyPath  where to keep the local version for KEEP_BOTH (never nested, numbered when taken)
 */
public record ConflictCheck(String outcome, String direction, String action, String baseStatus, VersionInfo ancestor,
                            VersionInfo head, Boolean mergeable, String unmergeableReason, Manifest mergedManifest,
                            ManifestDelta mergedManifestDelta, ManifestDelta mergedFromLocal, Long mergedSize,
                            Integer mergedChunkCount, List<Region> regions, Integer regionCount,
                            String conflictedCopyPath, String conflictedCopyName, List<Collision> collisions) {
    public ConflictCheck {
        regions = regions == null ? List.of() : List.copyOf(regions);
        collisions = collisions == null ? List.of() : List.copyOf(collisions);
    }

    public static final String NO_CHANGE = "NO_CHANGE";
    public static final String FAST_FORWARD = "FAST_FORWARD";
    public static final String IDENTICAL_CONTENT = "IDENTICAL_CONTENT";
    public static final String MODIFY_MODIFY = "MODIFY_MODIFY";
    public static final String MODIFY_DELETE = "MODIFY_DELETE";
    public static final String DELETE_MODIFY = "DELETE_MODIFY";
    public static final String DELETE_DELETE = "DELETE_DELETE";

    public static final String ACTION_NONE = "NONE";
    public static final String ACTION_PUSH = "PUSH";
    public static final String ACTION_PULL = "PULL";
    public static final String ACTION_COMMIT_MERGED = "COMMIT_MERGED";
    public static final String ACTION_KEEP_BOTH = "KEEP_BOTH";

    /** The merged manifest: given whole, or rebuilt from the delta against the local manifest. */
    public Manifest merged(Manifest local) {
        if (mergedManifest != null) {
            return mergedManifest;
        }
        return mergedFromLocal == null ? null : mergedFromLocal.apply(local);
    }

    /** A conflicting byte range of the ancestor, and what each side made of it. */
    public record Region(int ancestorChunkStart, int ancestorChunkEnd, long ancestorByteStart, long ancestorByteEnd,
                         int localChunkStart, int localChunkEnd, long localByteStart, long localByteEnd,
                         int remoteChunkStart, int remoteChunkEnd, long remoteByteStart, long remoteByteEnd) {}

    /** A segment of the local spelling that differs from the server's for the same key. */
    public record Collision(String kind, String existingPath, String localPath) {}
}
