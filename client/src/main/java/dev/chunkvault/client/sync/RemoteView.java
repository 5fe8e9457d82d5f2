package dev.chunkvault.client.sync;

import dev.chunkvault.client.ChunkvaultClient;
import dev.chunkvault.client.model.Changes;
import dev.chunkvault.client.model.FileEntry;
import dev.chunkvault.client.model.VersionInfo;
import dev.chunkvault.core.paths.FilePath;
import dev.chunkvault.core.paths.InvalidFilePathException;
import java.time.Clock;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a sync knows of the server's side: the files changed since the saved change-feed cursor (cheap), or a full
 * listing with deletions (a first sync, {@code --full}, or once every {@link #FULL_EVERY}), by fold key; and the
 * cursor to save once every remote change was applied, so that a change skipped this time is seen again next time.
 */
final class RemoteView {
    static final String CURSOR = "cursor";
    static final String LAST_FULL = "lastFullListing";
    static final Duration FULL_EVERY = Duration.ofHours(24);

    private final boolean full;
    private Map<String, FileEntry> files;
    private final String newCursor;

    private RemoteView(boolean full, Map<String, FileEntry> files, String newCursor) {
        this.full = full;
        this.files = Collections.unmodifiableMap(files);
        this.newCursor = newCursor;
    }

    /**
     * Reads the server's side for the folder whose state is {@code state}. A path the server lists that is not valid
     * here is skipped, with a warning in {@code report}.
     */
    static RemoteView read(ChunkvaultClient client, StateStore state, Clock clock, boolean fullListing,
                           SyncReport report) {
        return start(client, state, clock, fullListing, report).get();
    }

    /**
     * Starts {@link #read} on a thread of its own and returns at once, the state's cursor read first on the caller's
     * thread (the thread touches only the service, never the state): a sync scans its folder while the service answers
     * (issue 15, a sync with nothing to do). {@link Pending#get} waits for the view.
     */
    static Pending start(ChunkvaultClient client, StateStore state, Clock clock, boolean fullListing, SyncReport report) {
        String cursor = state.meta(CURSOR).orElse(null);
        long lastFull = state.meta(LAST_FULL).map(Long::parseLong).orElse(0L);
        boolean full = fullListing || cursor == null || clock.millis() - lastFull > FULL_EVERY.toMillis();
        report.fullListing = full;
        java.util.concurrent.FutureTask<RemoteView> task =
                new java.util.concurrent.FutureTask<>(() -> fetch(client, full, cursor, report));
        Thread t = new Thread(task, "chunkvault-remote-view");
        t.setDaemon(true);
        t.start();
        return new Pending(task);
    }

    /** A remote view being read ({@link #start}). */
    static final class Pending {
        private final java.util.concurrent.FutureTask<RemoteView> task;

        private Pending(java.util.concurrent.FutureTask<RemoteView> task) {
            this.task = task;
        }

        /** The view, once read; what reading it threw, thrown here as it was. */
        RemoteView get() {
            boolean interrupted = false;
            try {
                while (true) {
                    try {
                        return task.get();
                    } catch (InterruptedException e) {
                        interrupted = true; // the read is short and bounded by the client's timeouts: wait for it
                    } catch (java.util.concurrent.ExecutionException e) {
                        Throwable c = e.getCause();
                        if (c instanceof RuntimeException r) {
                            throw r;
                        }
                        if (c instanceof Error err) {
                            throw err;
                        }
                        throw new IllegalStateException(c);
                    }
                }
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        /** Stops waiting for the view: the read is interrupted, its answer dropped (the caller failed meanwhile). */
        void cancel() {
            task.cancel(true);
        }
    }

    private static RemoteView fetch(ChunkvaultClient client, boolean full, String cursor, SyncReport report) {
        Map<String, FileEntry> remote = new LinkedHashMap<>();
        String newCursor;
        if (full) {
            ChunkvaultClient.FullListing listing = client.listAll("", true, true);
            for (FileEntry e : listing.files()) {
                put(remote, e, report);
            }
            newCursor = listing.changeCursor();
        } else {
            String c = cursor;
            for (int pages = 0; ; pages++) {
                Changes ch = client.changes(c, 1000);
                ch.changes().forEach(e -> put(remote, e, report));
                if (ch.cursor() == null || ch.cursor().equals(c) && ch.more()) {
                    break;
                }
                c = ch.cursor();
                if (!ch.more() || pages > 100_000) {
                    break;
                }
            }
            newCursor = c;
        }
        return new RemoteView(full, remote, newCursor);
    }

    /**
     * Keeps {@code e} by its fold key: the entry's path when the two are spelled alike (one string, not two), and without
     * the times a sync never reads (a sync holds one entry per listed file until the file is done: issue 15).
     */
    private static void put(Map<String, FileEntry> remote, FileEntry e, SyncReport report) {
        try {
            String key = FilePath.parse(e.path()).foldKey();
            remote.put(key.equals(e.path()) ? e.path() : key, e.clientMtime() == null && e.updatedAt() == null ? e
                    : new FileEntry(e.path(), e.version(), e.size(), e.contentHash(), e.deleted(), null, null, e.executable(),
                            e.link(), e.folder(), e.originalName()));
        } catch (InvalidFilePathException | NullPointerException bad) {
            report.warnings.add("the server listed a path that is not valid here; skipped");
        }
    }

    /**
     * Whether the change feed after the state's cursor holds nothing the state does not know (looked at, not applied:
     * the cursor stays): the changes of the folder's own recent runs are left out, and every other entry names the
     * version recorded for its file (a change the last sync applied, read again within the feed's settle window). One
     * page; more than that, no cursor yet, or a path not valid here is "something new".
     */
    static boolean nothingNew(ChunkvaultClient client, StateStore state) {
        String cursor = state.meta(CURSOR).orElse(null);
        if (cursor == null) {
            return false;
        }
        Changes ch = client.writingAs(null, state.recentRuns()).changes(cursor, 1000);
        if (ch.more()) {
            return false;
        }
        for (FileEntry e : ch.changes()) {
            String key;
            try {
                key = FilePath.parse(e.path()).foldKey();
            } catch (InvalidFilePathException | NullPointerException bad) {
                return false;
            }
            if (unknown(e, state.get(key).orElse(null))) {
                return false;
            }
        }
        return true;
    }

    /** Whether this is a full listing (which lists deletions too), not the change feed. */
    boolean full() {
        return full;
    }

    /** The files listed (changed, for the feed), by fold key. */
    Map<String, FileEntry> files() {
        return files;
    }

    /**
     * Whether the server has a change for {@code key} that the state does not know: its entry in the change feed, or
     * in a full listing a head other than the recorded version.
     */
    boolean changePending(String key, SyncRecord rec) {
        FileEntry listed = files.get(key);
        if (listed == null) {
            return full && rec != null;
        }
        return unknown(listed, rec);
    }

    /** Whether {@code listed} is news to a state whose record of the file is {@code rec} (null: none). */
    private static boolean unknown(FileEntry listed, SyncRecord rec) {
        return rec == null ? !listed.deleted() : !listed.version().equals(rec.version());
    }

    /** Lets go of the listed files (once the sync has planned with them); only the cursor is kept. */
    void release() {
        files = Map.of();
    }

    /** Saves the cursor (and the time of a full listing): every remote change read here was applied. */
    void advance(StateStore state, Clock clock) {
        if (newCursor != null) {
            state.putMeta(CURSOR, newCursor);
            if (full) {
                state.putMeta(LAST_FULL, Long.toString(clock.millis()));
            }
        }
    }

    /** A version as a listing entry. */
    static FileEntry entryOf(VersionInfo v) {
        return new FileEntry(v.path(), v.versionId(), v.size(), v.contentHash(), v.deleted(), v.clientMtime(),
                v.createdAt(), v.executable(), v.link(), v.folder(), v.originalName());
    }
}
