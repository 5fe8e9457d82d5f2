package dev.chunkvault.core.manifest;

import dev.chunkvault.core.hash.ChunkId;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The distinct-set difference between two manifests, which drives reference counts (span model): committing
 * {@code to} after {@code from} references {@code added}; expiring {@code from} before {@code to} releases
 * {@code removed}. Both lists are sorted and distinct.
 */
public record ManifestDiff(List<ChunkId> added, List<ChunkId> removed) {
    public ManifestDiff {
        added = List.copyOf(added);
        removed = List.copyOf(removed);
    }

    public static ManifestDiff between(Manifest from, Manifest to) {
        Set<ChunkId> a = from.distinctIds();
        Set<ChunkId> b = to.distinctIds();
        return new ManifestDiff(minus(b, a), minus(a, b));
    }

    private static List<ChunkId> minus(Set<ChunkId> x, Set<ChunkId> y) {
        List<ChunkId> out = new ArrayList<>();
        for (ChunkId c : x) {
            if (!y.contains(c)) {
                out.add(c);
            }
        }
        out.sort(null);
        return out;
    }
}
