package dev.chunkvault.client.sync;

import dev.chunkvault.core.manifest.Manifest;

/**
 * What the last sync left a file as: the version the local copy is based on, and the local file's size, mtime
 * and content hash when it matched that version.
 *
 * @param pathKey          the fold key of the path (case and normalisation folded)
 * @param path             the path as it is spelled on this disk, relative to the sync root
 * @param manifest         the base version's manifest (for manifest deltas and local chunk reuse)
 * @param recordedAtMillis when the stat was recorded (wall clock; 0 when not known yet): a file whose mtime is
 *                         that recent may have changed since without its stat showing it (see {@link #racy})
 * @param executable       the synced version's executable bit (what this folder last agreed with the server; a change
 *                         of the bit on disk is a change to sync)
 * @param link             whether the synced version is a symbolic link (kept as one with --links): its content hash
 *                         and manifest are the target path's bytes; size and mtime the link's own (lstat)
 * @param folder           whether the synced version is an empty folder's marker (no content): the folder was empty
 *                         here and on the server when last synced
 */
public record SyncRecord(String pathKey, String path, String version, long size, long mtimeMillis,
                         String contentHash, Manifest manifest, long recordedAtMillis, boolean executable,
                         boolean link, boolean folder) {
    /** A stored record of a file or link (not a folder's marker). */
    public SyncRecord(String pathKey, String path, String version, long size, long mtimeMillis, String contentHash,
                      Manifest manifest, long recordedAtMillis, boolean executable, boolean link) {
        this(pathKey, path, version, size, mtimeMillis, contentHash, manifest, recordedAtMillis, executable, link, false);
    }

    /** A record about to be stored of an empty folder's marker, synced as {@code version}. */
    public static SyncRecord folder(String pathKey, String path, String version, Manifest empty, String emptyHash) {
        return new SyncRecord(pathKey, path, version, 0, 0, emptyHash, empty, 0, false, false, true);
    }

    /**
     * File systems keep mtimes with a granularity (2 s on FAT, 1 s on HFS+ and some network file systems); an edit
     * within that much of the recording can leave size and mtime as recorded.
     */
    public static final long RACY_WINDOW_MILLIS = 2_000;

    /** A record about to be stored (stored records carry the time they were written). */
    public SyncRecord(String pathKey, String path, String version, long size, long mtimeMillis, String contentHash,
                      Manifest manifest) {
        this(pathKey, path, version, size, mtimeMillis, contentHash, manifest, 0, false, false);
    }

    /** A record about to be stored, of a file whose synced version has executable bit {@code executable}. */
    public SyncRecord(String pathKey, String path, String version, long size, long mtimeMillis, String contentHash,
                      Manifest manifest, boolean executable) {
        this(pathKey, path, version, size, mtimeMillis, contentHash, manifest, 0, executable, false);
    }

    /** A record about to be stored, of a symbolic link ({@code link}) or a file with the executable bit as given. */
    public SyncRecord(String pathKey, String path, String version, long size, long mtimeMillis, String contentHash,
                      Manifest manifest, boolean executable, boolean link) {
        this(pathKey, path, version, size, mtimeMillis, contentHash, manifest, 0, executable, link);
    }

    /**
     * Whether the recorded stat cannot vouch for the content (git's "racily clean" entries): the mtime is within
     * {@link #RACY_WINDOW_MILLIS} of (or after) the time it was recorded, so a same-size edit saved right after the
     * sync could have kept it. Such a file is hashed again by the next scan.
     */
    public boolean racy() {
        return recordedAtMillis <= 0 || mtimeMillis >= recordedAtMillis - RACY_WINDOW_MILLIS;
    }

    /** The same record of a file at {@code p}. */
    SyncRecord withPath(String p) {
        return new SyncRecord(pathKey, p, version, size, mtimeMillis, contentHash, manifest, recordedAtMillis, executable,
                link, folder);
    }

    /** The chunking profile of the synced version, or null when its manifest is not kept. */
    public String profile() {
        return manifest == null ? null : manifest.profile();
    }
}
