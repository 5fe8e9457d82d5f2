package dev.chunkvault.client;

import java.nio.file.Path;
import java.util.List;

/**
 * Where chunks can be found on local disk (any synced file, any offset), so a pull reads them locally instead of
 * downloading. Locations are hints: a reader checks the bytes' SHA-256 before using them.
 */
public interface ChunkIndex {
    /** A chunk's bytes at {@code offset} of {@code file}. */
    record Location(Path file, long offset, int size) {}

    List<Location> find(String chunkId);

    ChunkIndex EMPTY = id -> List.of();

    /** Looks in {@code this} first, then in {@code other}. */
    default ChunkIndex or(ChunkIndex other) {
        ChunkIndex self = this;
        return id -> {
            List<Location> a = self.find(id);
            List<Location> b = other.find(id);
            if (a.isEmpty()) {
                return b;
            }
            if (b.isEmpty()) {
                return a;
            }
            List<Location> all = new java.util.ArrayList<>(a);
            all.addAll(b);
            return all;
        };
    }
}
