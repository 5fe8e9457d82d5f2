package dev.chunkvault.client;

import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * A folder's fsync shared by the threads that need one at the same moment, as a database groups its commits: a thread
 * that has renamed a file into a folder waits until an fsync of the folder that began after its call has ended, and one
 * fsync serves every thread that asked before it began. A pull installs many files of one folder side by side (its
 * transfer threads take neighbouring paths), and each needed an fsync of the folder of its own (3.5 % of a second
 * device's CPU, and the wait on the disk besides: docs/perf-many-files.md).
 *
 * <p>What each caller gets is what a plain fsync after its rename gives: the rename is durable when the call returns
 * (a record of the file written after it never names a file a crash could take back).
 */
final class DirSync {
    private final ConcurrentHashMap<Path, Folder> folders = new ConcurrentHashMap<>();
    private final Consumer<Path> fsync;

    DirSync(Consumer<Path> fsync) {
        this.fsync = fsync;
    }

    /** Returns once an fsync of {@code dir} that began after this call has ended. */
    void sync(Path dir) {
        while (true) {
            Folder f = folders.computeIfAbsent(dir, d -> new Folder());
            if (f.await(dir)) {
                return;
            }
            // The entry was being retired as this thread found it: take the folder's next one.
        }
    }

    /** Threads waiting on a folder now (for tests). */
    int waiting(Path dir) {
        Folder f = folders.get(dir);
        return f == null ? 0 : f.waitingNow();
    }

    /** The tickets of one folder: asked, and covered by an fsync that ended. */
    private final class Folder {
        private long asked;
        private long covered;
        private boolean running;
        private int users;
        private boolean retired;

        synchronized int waitingNow() {
            return running ? users - 1 : users;
        }

        /** False if this entry was retired before the caller could use it. */
        boolean await(Path dir) {
            long ticket;
            synchronized (this) {
                if (retired) {
                    return false;
                }
                users++;
                ticket = ++asked;
            }
            try {
                while (true) {
                    long upTo;
                    synchronized (this) {
                        while (covered < ticket && running) {
                            try {
                                wait();
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                                throw new ChunkvaultException("Interrupted.", e);
                            }
                        }
                        if (covered >= ticket) {
                            return true;
                        }
                        running = true;
                        upTo = asked; // every ticket taken by now was taken after its rename: this fsync covers them
                    }
                    boolean done = false;
                    try {
                        fsync.accept(dir);
                        done = true;
                    } finally {
                        synchronized (this) {
                            running = false;
                            if (done) {
                                covered = Math.max(covered, upTo); // a failed one covers nobody: the next caller tries
                            }
                            notifyAll();
                        }
                    }
                }
            } finally {
                synchronized (this) {
                    if (--users == 0 && !running) {
                        retired = true;
                        folders.remove(dir, this);
                    }
                }
            }
        }
    }
}
