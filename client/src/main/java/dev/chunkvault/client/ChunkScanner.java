package dev.chunkvault.client;

import dev.chunkvault.core.chunking.Chunk;
import dev.chunkvault.core.chunking.Chunker;
import dev.chunkvault.core.chunking.ChunkingPolicy;
import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.core.hash.ContentHash;
import dev.chunkvault.core.hash.ContentHasher;
import dev.chunkvault.core.manifest.Manifest;
import dev.chunkvault.core.manifest.ManifestEntry;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The scan stage of a push: cuts a local file into chunks and hashes it in one streaming pass (bounded memory,
 * whatever the file's size), with the profile {@link ChunkingPolicy} gives for its size and the version it replaces.
 * Each chunk is handed to a {@link ChunkSink} as it is cut, so the stages after it can start before the file is read
 * to the end ({@link Background} does that on a thread of its own). The file's stat is read before and compared
 * after: a file that changed while it was read is refused ({@link LocalFileChangedException}).
 */
final class ChunkScanner {
    private ChunkScanner() {}

    /** A file as cut: its manifest, its content hash (SHA-256 and length), and its mtime when it was read. */
    record Cut(Manifest manifest, ContentHash hash, long mtimeMillis) {}

    /** Where a scan hands its chunks, in file order, on the scanning thread. */
    @FunctionalInterface
    interface ChunkSink {
        void chunk(Chunk c) throws IOException;

        /** After the last chunk, before the file's stat is compared again. */
        default void end() throws IOException {}
    }

    /** Cuts and hashes {@code file}, reporting progress as the phase "hash". */
    static Cut scan(Path file, String baseProfile, TransferListener listener) throws IOException {
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
        listener.start("hash", file.getFileName().toString(), a.size());
        try {
            return cut(file, a, baseProfile, c -> listener.advance(c.size()));
        } finally {
            listener.finish();
        }
    }

    /**
     * Cuts and hashes {@code file}, whose stat {@code a} was read before, handing every chunk to {@code sink}; refused
     * if the file's size or mtime is not {@code a}'s afterwards.
     */
    static Cut cut(Path file, BasicFileAttributes a, String baseProfile, ChunkSink sink) throws IOException {
        Chunker chunker = ChunkingPolicy.chunkerFor(a.size(), baseProfile);
        List<ManifestEntry> entries = new ArrayList<>();
        ContentHash hash;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            hash = chunker.chunk(ch, (chunk, bytes) -> {
                entries.add(chunk.toManifestEntry());
                sink.chunk(chunk);
            });
        }
        sink.end();
        BasicFileAttributes b = Files.readAttributes(file, BasicFileAttributes.class);
        if (b.size() != hash.length() || b.lastModifiedTime().toMillis() != a.lastModifiedTime().toMillis()) {
            throw new LocalFileChangedException(file, "changed while it was being read");
        }
        return new Cut(Manifest.of(chunker.profile().name(), entries), hash, a.lastModifiedTime().toMillis());
    }

    /** Checks that {@code file} is cut as {@code cut} says (every chunk's SHA-256) and hashes it. */
    static Cut verify(Path file, Manifest cut, TransferListener listener) throws IOException {
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
        if (a.size() != cut.totalSize()) {
            throw new IntegrityException(file + " does not have the size its manifest says.");
        }
        listener.start("hash", file.getFileName().toString(), a.size());
        ContentHasher content = ContentHasher.sha256Only();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            for (int i = 0; i < cut.chunkCount(); i++) {
                byte[] b = FileRegions.readFully(ch, cut.offset(i), cut.size(i));
                if (!ChunkId.sha256(b).equals(cut.id(i))) {
                    throw new IntegrityException(file + " does not match its manifest at chunk " + i + ".");
                }
                content.update(b, 0, b.length);
                listener.advance(b.length);
            }
        } finally {
            listener.finish();
        }
        return new Cut(cut, content.finish(), a.lastModifiedTime().toMillis());
    }

    /** Refuses a file whose size or mtime is no longer what it was scanned with. */
    static void requireUnchanged(Path file, long size, long mtimeMillis) throws IOException {
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
        if (a.size() != size || a.lastModifiedTime().toMillis() != mtimeMillis) {
            throw new LocalFileChangedException(file, "changed while it was being uploaded");
        }
    }

    /**
     * A {@link #cut} running on a thread of its own ({@code chunkvault-scan}), so that the stages after it work while
     * the file is read: the sink is called on that thread. Closing it abandons the scan (the next chunk stops it) and
     * waits for the thread.
     */
    static final class Background implements AutoCloseable {
        private final AtomicBoolean stop = new AtomicBoolean();
        private final CompletableFuture<Cut> cut = new CompletableFuture<>();
        private final Thread thread;

        /** Starts cutting {@code file} (stat {@code a}); {@code atEnd} runs on the thread when it ends, however it ends. */
        Background(Path file, BasicFileAttributes a, String baseProfile, ChunkSink sink, Runnable atEnd) {
            ChunkSink stoppable = new ChunkSink() {
                @Override
                public void chunk(Chunk c) throws IOException {
                    if (stop.get()) {
                        throw new InterruptedIOException("push abandoned");
                    }
                    sink.chunk(c);
                }

                @Override
                public void end() throws IOException {
                    sink.end();
                }
            };
            thread = new Thread(() -> {
                try {
                    cut.complete(ChunkScanner.cut(file, a, baseProfile, stoppable));
                } catch (Throwable t) {
                    cut.completeExceptionally(t);
                } finally {
                    atEnd.run();
                }
            }, "chunkvault-scan");
            thread.setDaemon(true);
            thread.start();
        }

        /** Waits for the scan's result; its failure is thrown here. */
        Cut await() throws IOException {
            try {
                return cut.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ChunkvaultException("Interrupted.", e);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof IOException io) {
                    throw io;
                }
                if (cause instanceof RuntimeException re) {
                    throw re;
                }
                if (cause instanceof Error err) {
                    throw err;
                }
                throw new ChunkvaultException("Chunking failed.", cause);
            }
        }

        @Override
        public void close() {
            stop.set(true);
            boolean interrupted = false;
            while (thread.isAlive()) {
                try {
                    thread.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
