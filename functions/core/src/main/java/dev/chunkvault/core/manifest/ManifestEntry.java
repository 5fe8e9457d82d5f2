package dev.chunkvault.core.manifest;

import dev.chunkvault.core.hash.ChunkId;
import java.util.Objects;

/** One chunk of a file, in order: its id and its size in bytes (positive). */
public record ManifestEntry(ChunkId id, int size) {
    public ManifestEntry {
        Objects.requireNonNull(id, "id");
        if (size <= 0) {
            throw new IllegalArgumentException("a chunk has a positive size");
        }
    }
}
