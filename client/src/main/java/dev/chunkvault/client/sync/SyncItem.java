package dev.chunkvault.client.sync;

import dev.chunkvault.client.FilePusher;
import dev.chunkvault.client.model.FileEntry;
import dev.chunkvault.client.sync.LocalScanner.LocalFile;
import dev.chunkvault.client.sync.SyncPlanner.Action;
import dev.chunkvault.client.sync.SyncPlanner.Local;
import dev.chunkvault.client.sync.SyncPlanner.Remote;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/** One path's situation in a sync (its record, the local file, the remote head) and the decision taken for it. */
final class SyncItem {
    final String key;
    final SyncRecord rec;
    final LocalFile local;
    final FileEntry remote;
    Local localState;
    Remote remoteState;
    /** The local file's chunks and hash, once read (only when its stat alone does not decide). */
    FilePusher.Scanned scanned;
    /** For a link kept as a link: its target's bytes staged in a regular file (what is chunked and pushed). */
    Path staged;
    Action action;
    /** An empty folder's marker (issue 21), planned and applied apart from files: {@code local} is then the folder. */
    boolean folder;
    /** For a file here over which the server holds an empty folder's marker: that marker's version (the file wins). */
    String overFolder;

    SyncItem(String key, SyncRecord rec, LocalFile local, FileEntry remote) {
        this.key = key;
        this.rec = rec;
        this.local = local;
        this.remote = remote;
    }

    /**
     * The executable bit the local file has: as read from disk, or where the file system keeps no modes, the bit it was
     * synced with (else the remote head's), so that a device without modes never clears a bit.
     */
    static boolean localBit(SyncItem it) {
        if (it.local != null && it.local.executable() != null) {
            return it.local.executable();
        }
        if (it.rec != null) {
            return it.rec.executable();
        }
        return it.remote != null && Boolean.TRUE.equals(it.remote.executable());
    }

    /** Whether the local file's bit is known and differs from the one it was synced with. */
    boolean localBitChanged() {
        return rec != null && local != null && local.executable() != null && local.executable() != rec.executable();
    }

    /** Whether the remote head's bit is known and differs from the one this folder synced. */
    boolean remoteBitChanged() {
        return rec != null && remote != null && remote.executable() != null && remote.executable() != rec.executable();
    }

    /** Whether the local side is a symbolic link (kept as one) where the synced version was not, or the other way. */
    boolean localKindChanged() {
        return rec != null && local != null && local.isLink() != rec.link();
    }

    /** Whether the remote head is a link where the synced version was not, or the other way. */
    boolean remoteKindChanged() {
        return rec != null && remote != null && !remote.deleted() && remote.isLink() != rec.link();
    }

    /** Whether a symbolic link is on either side (local, remote head, or the synced version). */
    boolean involvesLink() {
        return (local != null && local.isLink()) || (remote != null && !remote.deleted() && remote.isLink())
                || (rec != null && rec.link());
    }

    String displayPath() {
        return local != null ? local.path() : rec != null ? rec.path() : remote.path();
    }

    /** The file is exactly as the scan saw it (absent if it was absent). */
    static boolean unchangedSinceScan(Path target, LocalFile seen) throws IOException {
        if (seen == null) {
            return !Files.exists(target, LinkOption.NOFOLLOW_LINKS);
        }
        if (seen.isLink()) {
            return dev.chunkvault.client.SymLinks.unchanged(target, seen.link()); // the same link to the same target
        }
        if (!Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        BasicFileAttributes a = Files.readAttributes(target, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        return a.size() == seen.size() && a.lastModifiedTime().toMillis() == seen.mtimeMillis();
    }
}
