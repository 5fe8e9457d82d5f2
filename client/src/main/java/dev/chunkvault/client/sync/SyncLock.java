package dev.chunkvault.client.sync;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One sync of a folder at a time: an exclusive lock on {@code DIR/.chunkvault/lock} (an OS file lock, so it is
 * released when the process dies, even by SIGKILL). Two syncs of one folder would both clean each other's temporary
 * files, apply the same decisions twice and race on every rename.
 */
public final class SyncLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private SyncLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** @throws SyncBusyException when another sync (in this process or another) holds the folder */
    public static SyncLock acquire(Path root) throws IOException {
        Path dir = root.resolve(".chunkvault");
        Files.createDirectories(dir);
        FileChannel ch = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock l;
        try {
            l = ch.tryLock();
        } catch (OverlappingFileLockException heldHere) {
            l = null;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        if (l == null) {
            ch.close();
            throw new SyncBusyException("Another sync of " + root + " is running; nothing was done. Try again when it"
                    + " has finished.");
        }
        return new SyncLock(ch, l);
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
