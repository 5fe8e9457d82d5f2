package dev.chunkvault.core.chunking;

import dev.chunkvault.core.hash.ContentHash;
import dev.chunkvault.core.manifest.ManifestEntry;
import java.util.List;
import java.util.Objects;

/**
 * All chunks of a content, in order, and the hash of the whole content.
 *
 * @param chunks contiguous from offset 0; empty for empty content
 * @param hash   the hashes of all the bytes
 */
public record ChunkedContent(List<Chunk> chunks, ContentHash hash) {
    public ChunkedContent {
        chunks = List.copyOf(chunks);
        Objects.requireNonNull(hash, "hash");
    }

    /** The manifest entries (id, size) of the chunks, in order. */
    public List<ManifestEntry> manifestEntries() {
        return Chunk.toManifestEntries(chunks);
    }
}
