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
    Action action;

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

    String displayPath() {
        return local != null ? local.path() : rec != null ? rec.path() : remote.path();
    }

    /** The file is exactly as the scan saw it (absent if it was absent). */
    static boolean unchangedSinceScan(Path target, LocalFile seen) throws IOException {
        if (seen == null) {
            return !Files.exists(target, LinkOption.NOFOLLOW_LINKS);
        }
        if (!Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        BasicFileAttributes a = Files.readAttributes(target, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        return a.size() == seen.size() && a.lastModifiedTime().toMillis() == seen.mtimeMillis();
    }
}
