package dev.chunkvault.service.vault;

import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.core.hash.Sha256;
import dev.chunkvault.service.store.Binary;
import dev.chunkvault.service.store.Item;
import dev.chunkvault.service.store.Key;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * A row of the versions table. The manifest lives inline ({@code manifest}) when small, else in the blob
 * store under {@code manifestKey}; {@code manifestHash} (SHA-256 of the binary encoding) verifies either.
 *
 * @param executable the file's executable bit (one bit, as git keeps it): stored only when set, so a row written
 *                   before the bit was kept reads as not executable
 * @param link       whether the version is a symbolic link (its content is the target path's bytes): stored only when
 *                   set, so every older row is a regular file
 * @param folder     whether the version marks an empty folder (no content): stored only when set
 * @param originalName the file's name on the device that wrote it, where its path holds a marked name instead (issue 21:
 *                   a name that differs from a sibling's only by case or Unicode form, such as {@code xt_connmark.h}
 *                   beside {@code xt_CONNMARK.h}, is stored as {@code xt_connmark (Case Conflict).h}); a device whose
 *                   file system can hold both names uses it. Null for every other version (stored only when set)
 */
public record VersionRow(String fileId, String versionId, String owner, String pathKey, String displayPath, long seq,
                         String parent, State state, Binary manifest, String manifestKey, ChunkId manifestHash,
                         int chunkCount, long size, String contentHash, long mtime, long createdAt, boolean tombstone,
                         String requestHash, Long expireAt, boolean executable, boolean link,
                         boolean folder, String originalName) {
    public enum State { PENDING, ACTIVE, ABORTED }

    public static final String FILE_ID = "fileId";
    public static final String VERSION_ID = "versionId";
    public static final String OWNER = "owner";
    public static final String PATH = "path";
    public static final String DISPLAY_PATH = "displayPath";
    public static final String SEQ = "seq";
    public static final String PARENT = "parent";
    public static final String STATE = "state";
    public static final String MANIFEST = "manifest";
    public static final String MANIFEST_KEY = "manifestKey";
    public static final String MANIFEST_HASH = "manifestHash";
    public static final String CHUNK_COUNT = "chunkCount";
    public static final String SIZE = "size";
    public static final String CONTENT_HASH = "contentHash";
    public static final String MTIME = "mtime";
    public static final String CREATED_AT = "createdAt";
    public static final String TOMBSTONE = "tombstone";
    public static final String REQUEST_HASH = "requestHash";
    public static final String EXP_SHARD = "expShard";
    public static final String EXPIRE_AT = "expireAt";
    public static final String SUPERSEDED_AT = "supersededAt";
    public static final String EXECUTABLE = "executable";
    public static final String LINK = "link";
    public static final String FOLDER = "folder";
    public static final String ORIGINAL_NAME = "originalName";

    public static Key key(String fileId, String versionId) {
        return Key.of(fileId, versionId);
    }

    /** {@code <seq, 10 digits>-<16 hex of SHA-256(fileId, idempotency key)>}: sorts by seq, derived for retries. */
    public static String versionId(String fileId, long seq, String idempotencyKey) {
        byte[] d = Sha256.newDigest().digest(("version\u0000" + fileId + "\u0000" + idempotencyKey)
                .getBytes(StandardCharsets.UTF_8));
        return String.format("%010d-%s", seq, HexFormat.of().formatHex(d, 0, 8));
    }

    /** The sequence number inside a version id, or -1 if the id is not well formed. */
    public static long seqOf(String versionId) {
        if (versionId == null || versionId.length() != 27 || versionId.charAt(10) != '-') {
            return -1;
        }
        for (int i = 0; i < 27; i++) {
            char c = versionId.charAt(i);
            boolean ok = i == 10 || (i < 10 ? c >= '0' && c <= '9' : (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
            if (!ok) {
                return -1;
            }
        }
        return Long.parseLong(versionId.substring(0, 10));
    }

    public static VersionRow from(Item i) {
        String hash = i.string(MANIFEST_HASH);
        return new VersionRow(i.string(FILE_ID), i.string(VERSION_ID), i.string(OWNER), i.string(PATH),
                i.string(DISPLAY_PATH), i.number(SEQ), i.string(PARENT), State.valueOf(i.string(STATE)),
                i.binary(MANIFEST), i.string(MANIFEST_KEY), hash == null ? null : ChunkId.parse(hash),
                (int) i.number(CHUNK_COUNT), i.number(SIZE), i.string(CONTENT_HASH), i.numberOr(MTIME, 0),
                i.number(CREATED_AT), i.bool(TOMBSTONE), i.string(REQUEST_HASH),
                i.has(EXPIRE_AT) ? i.number(EXPIRE_AT) : null, i.has(EXECUTABLE) && i.bool(EXECUTABLE),
                i.has(LINK) && i.bool(LINK), i.has(FOLDER) && i.bool(FOLDER), i.string(ORIGINAL_NAME));
    }

    public Item toItem() {
        Item.Builder b = Item.builder().set(FILE_ID, fileId).set(VERSION_ID, versionId).set(OWNER, owner)
                .set(PATH, pathKey).set(DISPLAY_PATH, displayPath).set(SEQ, seq).setOrRemove(PARENT, parent)
                .set(STATE, state.name()).setOrRemove(MANIFEST, manifest).setOrRemove(MANIFEST_KEY, manifestKey)
                .set(MANIFEST_HASH, manifestHash.hex()).set(CHUNK_COUNT, (long) chunkCount).set(SIZE, size)
                .set(CONTENT_HASH, contentHash).set(MTIME, mtime).set(CREATED_AT, createdAt).set(TOMBSTONE, tombstone)
                .set(REQUEST_HASH, requestHash);
        if (expireAt != null) {
            b.set(EXPIRE_AT, expireAt).set(EXP_SHARD, Tables.shardOf(fileId));
        }
        if (executable) {
            b.set(EXECUTABLE, true);
        }
        if (link) {
            b.set(LINK, true);
        }
        if (folder) {
            b.set(FOLDER, true);
        }
        if (originalName != null) {
            b.set(ORIGINAL_NAME, originalName);
        }
        return b.build();
    }

    /**
     * Whether readers may see this version at {@code now}: published, and not past its expiry (a version past
     * retention is gone for readers even before GC removes it; the head never expires).
     */
    public boolean readableAt(long now) {
        return state == State.ACTIVE && (expireAt == null || expireAt > now || tombstone);
    }

    public VersionRow withState(State s) {
        return new VersionRow(fileId, versionId, owner, pathKey, displayPath, seq, parent, s, manifest, manifestKey,
                manifestHash, chunkCount, size, contentHash, mtime, createdAt, tombstone, requestHash, expireAt, executable,
                link, folder, originalName);
    }

    public Key key() {
        return key(fileId, versionId);
    }
}
