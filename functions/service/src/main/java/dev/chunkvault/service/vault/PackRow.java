package dev.chunkvault.service.vault;

import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.core.pack.PackFormat;
import dev.chunkvault.service.store.Binary;
import dev.chunkvault.service.store.Item;
import dev.chunkvault.service.store.Key;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A pack's row, in the chunks table under {@code pack#<packId>} (docs/design-packs.md). The pack id is random and chosen
 * by the service at declaration: two owners who upload byte-identical packs get two packs, so a declaration tells
 * nobody what anyone else stores, and the key names no owner (a namespace can take the owner's place later).
 *
 * @param ns          the uploader's owner tag: its commits may reference the chunks this pack placed
 * @param sha256      the declared SHA-256 of the whole object (the presigned PUT signs it)
 * @param index       the declared index, as it ends the object ({@link PackFormat#encodeIndex})
 * @param liveChunks  chunk rows located in this pack; the object is deleted only while this is 0
 * @param liveBytes   their plain bytes (compressed chunks count their plain size, as their rows do)
 * @param gcRun       fencing token of the GC run that marked it DELETING, or -1
 * @param format      the pack format of {@code index} and the object ({@link PackFormat}: 2 holds compressed chunks)
 */
public record PackRow(String id, State state, long size, String ns, ChunkId sha256, byte[] index, long liveChunks,
                      long liveBytes, long createdAt, long sealedAt, long gcRun, int format) {
    /** PENDING (declared) → SEALED (verified, chunks placed) or REJECTED (bytes not as declared) → DELETING. */
    public enum State { PENDING, SEALED, REJECTED, DELETING }

    public static final String KEY_PREFIX = "pack#";
    public static final String OBJECT_PREFIX = "packs/";
    private static final Pattern ID_PATTERN = Pattern.compile("[0-9a-f]{32}");

    public static final String STATE = ChunkRow.STATE;
    public static final String SIZE = ChunkRow.SIZE;
    public static final String NS = "ns";
    public static final String SHA256 = "sha256";
    public static final String INDEX = "packIndex";
    /** The pack format, written only when it is 2 (absent: 1). */
    public static final String FORMAT = "packFormat";
    public static final String LIVE_CHUNKS = "liveChunks";
    public static final String LIVE_BYTES = "liveBytes";
    /**
     * The count stamp: advanced (never reset) by every write that changes {@link #LIVE_CHUNKS} — a placement, a sweep,
     * a repack's move — so the audit can tell a recount that raced with one from drift. Absent: 0.
     */
    public static final String SEQ = "packSeq";
    public static final String CREATED_AT = ChunkRow.CREATED_AT;
    public static final String SEALED_AT = "sealedAt";
    /** Set on a pack the GC wrote by repacking others (docs/design-packs.md, "Repack"). */
    public static final String REPACKED = "repacked";
    public static final String GC_SHARD = ChunkRow.GC_SHARD;
    public static final String GC_AT = ChunkRow.GC_AT;
    public static final String GC_RUN = ChunkRow.GC_RUN;

    public static boolean isValidId(String id) {
        return id != null && ID_PATTERN.matcher(id).matches();
    }

    public static Key key(String packId) {
        return Key.of(KEY_PREFIX + packId);
    }

    public static String objectKey(String packId) {
        return OBJECT_PREFIX + packId;
    }

    /** The pack id of a chunks-table key that is a pack's, else null. */
    public static String idOfKey(String key) {
        return key.startsWith(KEY_PREFIX) ? key.substring(KEY_PREFIX.length()) : null;
    }

    public List<PackFormat.Entry> entries() {
        return PackFormat.decodeIndex(index, size, format);
    }

    public static PackRow from(Item i) {
        Binary index = i.binary(INDEX);
        String sha = i.string(SHA256);
        return new PackRow(idOfKey(i.string(ChunkRow.ID)), State.valueOf(i.string(STATE)), i.numberOr(SIZE, 0), i.string(NS),
                sha == null ? null : ChunkId.parse(sha), index == null ? new byte[0] : index.toByteArray(),
                i.numberOr(LIVE_CHUNKS, 0), i.numberOr(LIVE_BYTES, 0), i.numberOr(CREATED_AT, 0), i.numberOr(SEALED_AT, 0),
                i.numberOr(GC_RUN, -1), (int) i.numberOr(FORMAT, 1));
    }
}
