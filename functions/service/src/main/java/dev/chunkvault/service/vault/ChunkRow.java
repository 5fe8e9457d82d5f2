package dev.chunkvault.service.vault;

import dev.chunkvault.core.compress.Encoding;
import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.service.store.Item;
import dev.chunkvault.service.store.Key;

/**
 * A row of the chunks table: the stored chunk's lifecycle state and global reference count.
 *
 * @param incarnation changes whenever the row is created anew, so a write that read an older row cannot
 *                    apply to a re-created one
 * @param size        verified size, or -1 before the first verification
 * @param s3Version   object version recorded at verification (versioned buckets), or null
 * @param gcRun       fencing token of the GC run that marked it DELETING, or -1
 * @param damagedAt   when its stored object was found not to hold its bytes (see {@link Quarantine}), or 0
 * @param pack        the pack whose range {@code [packOffset, packOffset + size)} holds the chunk's bytes, or null when
 *                    they are the object {@link #objectKey} (docs/design-packs.md)
 * @param encoding    how its stored bytes encode its plain bytes ({@link Encoding#RAW} unless it is a compressed chunk
 *                    in a pack, docs/compression.md); {@code size} is always the plain size
 * @param storedSize  the stored bytes' length when they are compressed, else -1 (the same as {@code size})
 */
public record ChunkRow(ChunkId id, State state, long refs, String incarnation, long size, long lastGrantAt,
                       long lastDecAt, long gcRun, String s3Version, long damagedAt, String pack, long packOffset,
                       Encoding encoding, long storedSize) {
    public enum State { PENDING, LIVE, DELETING }

    public static final String ID = "chunkId";
    public static final String STATE = "state";
    public static final String REFS = "refs";
    /**
     * The refs stamp: advanced (never reset) by every write that adds or removes one of this chunk's edges. Absent on
     * rows no edge ever touched (read as 0).
     */
    public static final String REFS_SEQ = "refsSeq";
    public static final String INCARNATION = "incarnation";
    public static final String SIZE = "size";
    public static final String CREATED_AT = "createdAt";
    public static final String LAST_GRANT_AT = "lastGrantAt";
    public static final String LAST_DEC_AT = "lastDecAt";
    public static final String GC_SHARD = "gcShard";
    public static final String GC_AT = "gcAt";
    public static final String GC_RUN = "gcRun";
    public static final String S3_VERSION = "s3Version";
    /** Set while the object is known to be damaged (missing, or bytes that do not hash to the id): quarantined. */
    public static final String DAMAGED_AT = "damagedAt";
    /** The pack holding the chunk (its id's hex), absent when the chunk is an object of its own. */
    public static final String PACK = "pack";
    /** The chunk's offset in its pack. */
    public static final String PACK_OFFSET = "packOffset";
    /** How the stored bytes encode the chunk ({@link Encoding#wireName}); absent: raw. Only on packed chunks. */
    public static final String ENCODING = "encoding";
    /** The stored (compressed) bytes' length; absent: {@link #SIZE}. Only with {@link #ENCODING}. */
    public static final String STORED_SIZE = "storedSize";

    public static Key key(ChunkId id) {
        return Key.of(id.hex());
    }

    public static String objectKey(ChunkId id) {
        return "chunks/" + id.hex();
    }

    /** The length of the stored bytes where the row locates them (the range of its pack). */
    public long storedLength() {
        return storedSize >= 0 ? storedSize : size;
    }

    public boolean packed() {
        return pack != null;
    }

    /** Whether this key of the chunks table is a chunk's (not a pack's, {@link PackRow}). */
    public static boolean isChunkKey(String key) {
        return !key.startsWith(PackRow.KEY_PREFIX);
    }

    public boolean damaged() {
        return damagedAt > 0;
    }

    public static ChunkRow from(Item item) {
        return new ChunkRow(ChunkId.parse(item.string(ID)), State.valueOf(item.string(STATE)), item.numberOr(REFS, 0),
                item.string(INCARNATION), item.numberOr(SIZE, -1), item.numberOr(LAST_GRANT_AT, 0),
                item.numberOr(LAST_DEC_AT, 0), item.numberOr(GC_RUN, -1), item.string(S3_VERSION),
                item.numberOr(DAMAGED_AT, 0), item.string(PACK), item.numberOr(PACK_OFFSET, 0), encodingOf(item),
                item.numberOr(STORED_SIZE, -1));
    }

    /** The row's encoding; an unknown name (a newer service's) reads as raw, which fails its hash check, never worse. */
    static Encoding encodingOf(Item item) {
        Encoding e = Encoding.ofName(item.string(ENCODING));
        return e == null ? Encoding.RAW : e;
    }
}
