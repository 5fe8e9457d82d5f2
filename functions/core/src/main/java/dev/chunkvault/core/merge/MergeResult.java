package dev.chunkvault.core.merge;

import dev.chunkvault.core.manifest.Manifest;
import java.util.List;
import java.util.Objects;

/**
 * The outcome of a {@link ThreeWayMerge}: either clean, with the merged manifest, or conflicting, with every
 * region both sides changed differently (in ancestor order) and no merged manifest.
 *
 * @param merged    the merged manifest when clean, else null
 * @param conflicts the conflicting regions; empty when clean
 */
public record MergeResult(Manifest merged, List<ConflictRegion> conflicts) {
    public MergeResult {
        conflicts = List.copyOf(conflicts);
        if ((merged == null) == conflicts.isEmpty()) {
            throw new IllegalArgumentException("a merge is either clean (merged) or conflicting (regions)");
        }
    }

    static MergeResult clean(Manifest merged) {
        return new MergeResult(Objects.requireNonNull(merged, "merged"), List.of());
    }

    static MergeResult conflicting(List<ConflictRegion> regions) {
        return new MergeResult(null, regions);
    }

    public boolean isClean() {
        return merged != null;
    }
}
