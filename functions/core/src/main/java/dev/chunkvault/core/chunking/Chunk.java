package dev.chunkvault.core.chunking;

import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.core.manifest.ManifestEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One chunk of a file: where it starts, how long it is, and the SHA-256 of its bytes.
 *
 * @param offset position of the first byte in the file, from 0
 * @param size   length in bytes, positive
 * @param id     SHA-256 of the bytes
 */
public record Chunk(long offset, int size, ChunkId id) {
    public Chunk {
        Objects.requireNonNull(id, "id");
        if (offset < 0) {
            throw new IllegalArgumentException("a chunk has a non-negative offset");
        }
        if (size <= 0) {
            throw new IllegalArgumentException("a chunk has a positive size");
        }
    }

    /** Offset of the byte just after this chunk: where the next one starts. */
    public long end() {
        return offset + size;
    }

    /** The manifest form: id and size (a manifest derives offsets from the order). */
    public ManifestEntry toManifestEntry() {
        return new ManifestEntry(id, size);
    }

    /** The manifest entries of {@code chunks}, in order. */
    public static List<ManifestEntry> toManifestEntries(List<Chunk> chunks) {
        List<ManifestEntry> entries = new ArrayList<>(chunks.size());
        for (Chunk c : chunks) {
            entries.add(c.toManifestEntry());
        }
        return entries;
    }

    /** The chunks a manifest describes, with offsets derived from the sizes of the entries before each. */
    public static List<Chunk> fromManifestEntries(List<ManifestEntry> entries) {
        List<Chunk> chunks = new ArrayList<>(entries.size());
        long offset = 0;
        for (ManifestEntry e : entries) {
            chunks.add(new Chunk(offset, e.size(), e.id()));
            offset += e.size();
        }
        return chunks;
    }
}
