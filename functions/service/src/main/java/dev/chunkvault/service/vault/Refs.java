package dev.chunkvault.service.vault;

import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.service.store.Key;

/**
 * Keys of the refs table. One item collection per (owner, chunk): the holding count ({@code edge = "#"},
 * attribute {@code n}) and one edge per run ({@code edge = <fileId>#<runStartVersionId>}).
 */
public final class Refs {
    private Refs() {}

    public static final String REF = "ref";
    public static final String EDGE = "edge";
    public static final String HOLDING = "#";
    public static final String COUNT = "n";
    /** The holding's stamp: advanced by every write that adds or removes an edge of this (owner, chunk). */
    public static final String SEQ = "seq";

    public static String ref(Owner owner, ChunkId chunk) {
        return owner.sub() + "#" + chunk.hex();
    }

    public static Key holding(Owner owner, ChunkId chunk) {
        return Key.of(ref(owner, chunk), HOLDING);
    }

    public static Key edge(Owner owner, ChunkId chunk, String fileId, String runStartVersionId) {
        return Key.of(ref(owner, chunk), fileId + "#" + runStartVersionId);
    }

    /** The chunk id at the end of a ref value (ids have a fixed length, so owners may contain '#'). */
    public static ChunkId chunkOf(String ref) {
        return ChunkId.parse(ref.substring(ref.length() - ChunkId.HEX_LENGTH));
    }

    public static String ownerOf(String ref) {
        return ref.substring(0, ref.length() - ChunkId.HEX_LENGTH - 1);
    }
}
