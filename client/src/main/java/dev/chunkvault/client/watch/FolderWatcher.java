package dev.chunkvault.client.watch;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Watches a sync folder and everything under it (one watch per folder: the JDK has no recursive watch on Linux)
 * and signals {@link Wake#LOCAL} when something in it changes — except in the sync state folder
 * ({@code .chunkvault}). A folder created later is watched from then on, and its contents count as changed; lost
 * events (the kernel's queue overflowed) or a folder that cannot be watched (the system's limit on watches) signal
 * {@link Wake#RESCAN}: the sync loop's full scan finds what the events missed. Symbolic links are not followed.
 */
public final class FolderWatcher implements AutoCloseable {
    private final Path root;
    private final Signals signals;
    private final Consumer<String> warn;
    private final WatchService service;
    private final Map<WatchKey, Path> keys = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean closed;
    private volatile boolean complete = true;

    public FolderWatcher(Path root, Signals signals, Consumer<String> warn) throws IOException {
        this.root = root.toAbsolutePath().normalize();
        this.signals = signals;
        this.warn = warn;
        this.service = FileSystems.getDefault().newWatchService();
        registerTree(this.root);
        this.thread = new Thread(this::run, "chunkvault-watch-files");
        thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    /** Whether every folder is watched (false after the system refused a watch: only the periodic scans find changes). */
    public boolean complete() {
        return complete;
    }

    /** Folders watched now. */
    public int folders() {
        return keys.size();
    }

    private boolean skipped(Path dir) {
        Path rel = root.relativize(dir);
        return rel.getNameCount() > 0 && rel.getName(0).toString().equals(".chunkvault");
    }

    private void registerTree(Path start) {
        try {
            Files.walkFileTree(start, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                    if (skipped(dir)) {
                        return FileVisitResult.SKIP_SUBTREE;
                    }
                    try {
                        keys.put(dir.register(service, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_DELETE,
                                StandardWatchEventKinds.ENTRY_MODIFY), dir);
                    } catch (IOException e) {
                        if (complete) {
                            warn.accept("cannot watch " + dir + " (" + e.getMessage() + "); changes there are found by the"
                                    + " periodic scans");
                        }
                        complete = false;
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException exc) {
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            complete = false;
        }
    }

    private void run() {
        while (!closed) {
            WatchKey key;
            try {
                key = service.take();
            } catch (InterruptedException | ClosedWatchServiceException e) {
                return;
            }
            Path dir = keys.get(key);
            for (WatchEvent<?> event : key.pollEvents()) {
                handle(dir, event.kind(), event.context());
            }
            if (!key.reset()) {
                keys.remove(key);
            }
        }
    }

    /**
     * One event of folder {@code dir} (null: a folder no longer known): events lost to the system's queue (an overflow)
     * ask for a rescan of everything; a change asks for a sync, and a new folder is watched too.
     */
    void handle(Path dir, WatchEvent.Kind<?> kind, Object context) {
        if (kind == StandardWatchEventKinds.OVERFLOW) {
            signals.signal(Wake.RESCAN);
            return;
        }
        if (dir == null || !(context instanceof Path name)) {
            return;
        }
        Path child = dir.resolve(name);
        if (skipped(child)) {
            return;
        }
        if (kind == StandardWatchEventKinds.ENTRY_CREATE && Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS)) {
            registerTree(child); // files made in it before its watch began are found by the sync's scan
        }
        signals.signal(Wake.LOCAL);
    }

    @Override
    public void close() {
        closed = true;
        try {
            service.close();
        } catch (IOException ignored) {
            // closing
        }
        thread.interrupt();
    }
}
