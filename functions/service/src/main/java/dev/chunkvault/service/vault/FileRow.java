package dev.chunkvault.service.vault;

import dev.chunkvault.service.store.Item;
import dev.chunkvault.service.store.Key;

/**
 * A row of the files table: one file of one owner, keyed by its case-folded path, pointing at its head.
 *
 * @param changeKey   sort key of the change feed: {@code <13-digit millis>#<fileId>}
 * @param windowHour  the clock hour (millis / 3,600,000) of the file's last new version with content, or 0
 * @param windowCount how many new versions with content it got in that hour: written by the head CAS itself, so the
 *                    limit on versions per file per hour is exact (a row whose head did not move has the same count)
 * @param executable  the head's executable bit (stored only when set; a row without it is not executable)
 * @param link        whether the head is a symbolic link (stored only when set; a row without it is a regular file)
 * @param folder      whether the head is an empty folder's marker (stored only when set)
 * @param originalName the head's {@linkplain VersionRow#originalName original name}, or null (stored only when set)
 * @param writer      the sync replica that wrote the head ({@link CommitService.CommitRequest#writer}), or null: the
 *                    change feed leaves a row out for the replica that wrote it (stored only when set; every commit writes
 *                    the whole row, so a row never keeps an earlier commit's writer)
 */
public record FileRow(String owner, String pathKey, String displayPath, String fileId, String head, long headSeq,
                      long size, String contentHash, boolean deleted, long mtime, long updatedAt, String changeKey,
                      long windowHour, long windowCount, boolean executable, boolean link,
                      boolean folder, String originalName, String writer) {
    public static final String OWNER = "owner";
    public static final String PATH = "path";
    public static final String DISPLAY_PATH = "displayPath";
    public static final String FILE_ID = "fileId";
    public static final String HEAD = "head";
    public static final String HEAD_SEQ = "headSeq";
    public static final String SIZE = "size";
    public static final String CONTENT_HASH = "contentHash";
    public static final String DELETED = "deleted";
    public static final String MTIME = "mtime";
    public static final String UPDATED_AT = "updatedAt";
    public static final String CHANGE_KEY = "changeKey";
    public static final String WINDOW_HOUR = "windowHour";
    public static final String WINDOW_COUNT = "windowCount";
    public static final String EXECUTABLE = "executable";
    public static final String LINK = "link";
    public static final String FOLDER = "folder";
    public static final String ORIGINAL_NAME = "originalName";
    public static final String WRITER = "writer";
    static final long HOUR_MILLIS = 3_600_000L;

    public static Key key(Owner owner, String pathKey) {
        return Key.of(owner.sub(), pathKey);
    }

    public static FileRow from(Item i) {
        return new FileRow(i.string(OWNER), i.string(PATH), i.string(DISPLAY_PATH), i.string(FILE_ID), i.string(HEAD),
                i.number(HEAD_SEQ), i.number(SIZE), i.string(CONTENT_HASH), i.bool(DELETED), i.numberOr(MTIME, 0),
                i.number(UPDATED_AT), i.string(CHANGE_KEY), i.numberOr(WINDOW_HOUR, 0), i.numberOr(WINDOW_COUNT, 0),
                i.has(EXECUTABLE) && i.bool(EXECUTABLE), i.has(LINK) && i.bool(LINK),
                i.has(FOLDER) && i.bool(FOLDER), i.string(ORIGINAL_NAME), i.string(WRITER));
    }

    public Item toItem() {
        Item.Builder b = Item.builder().set(OWNER, owner).set(PATH, pathKey).set(DISPLAY_PATH, displayPath).set(FILE_ID, fileId)
                .set(HEAD, head).set(HEAD_SEQ, headSeq).set(SIZE, size).set(CONTENT_HASH, contentHash)
                .set(DELETED, deleted).set(MTIME, mtime).set(UPDATED_AT, updatedAt).set(CHANGE_KEY, changeKey).set(WINDOW_HOUR, windowHour)
                .set(WINDOW_COUNT, windowCount);
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
        if (writer != null) {
            b.set(WRITER, writer);
        }
        return b.build();
    }

    /** This row as published at {@code millis}: its change feed position (and update time) taken then. */
    FileRow publishedAt(long millis) {
        return new FileRow(owner, pathKey, displayPath, fileId, head, headSeq, size, contentHash, deleted, mtime, millis,
                changeKey(millis, fileId), windowHour, windowCount, executable, link, folder, originalName, writer);
    }

    /** Whether one of {@code replicas} wrote the head. */
    boolean writtenByOneOf(java.util.Set<String> replicas) {
        return writer != null && replicas.contains(writer);
    }

    /** New versions with content this file got in the clock hour of {@code now}. */
    long versionsInHourOf(long now) {
        return windowHour == now / HOUR_MILLIS ? windowCount : 0;
    }

    static String changeKey(long millis, String fileId) {
        return String.format("%013d#%s", millis, fileId);
    }
}
