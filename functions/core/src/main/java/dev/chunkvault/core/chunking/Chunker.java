package dev.chunkvault.core.chunking;

import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.core.hash.ContentHash;
import dev.chunkvault.core.hash.ContentHasher;
import dev.chunkvault.core.hash.Sha256;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Cuts content into {@link FastCdc} chunks and hashes it, in one pass: for each chunk its offset, size
 * and SHA-256 {@link ChunkId}, handed with the chunk's bytes to a {@link ChunkVisitor}, and at the end the
 * {@link ContentHash} of the whole content (its SHA-256 always, Dropbox's {@code content_hash} only if
 * {@link #withDropboxContentHash enabled}).
 *
 * <p>Streams, channels and files are read through one buffer that never grows beyond
 * {@code 2 × maxSize} bytes (2 MiB with the default profile), whatever the input's size. It starts small
 * (the file's size + 1 for a file or {@link FileChannel}, 64 KiB for other inputs) and doubles only while
 * it holds less than {@code maxSize} unchunked bytes, so small files cost small buffers. A chunk is cut
 * only once {@code maxSize} bytes past its start are buffered or the input has ended, which makes the
 * result independent of how the input arrives: one array, or reads of any sizes.
 *
 * <p>Cost per byte: the chunk-boundary scan, the chunk's SHA-256 and the content's SHA-256 (a second,
 * separate SHA-256 pass: a file's SHA-256 cannot be derived from its chunks' SHA-256s), plus a third
 * SHA-256 pass if the Dropbox content hash is on. The chunk is hashed twice while it is still in cache.
 *
 * <p>Immutable and thread-safe; every call has its own buffer and digests.
 */
public final class Chunker {
    private static final int INITIAL_CAPACITY = 64 << 10;
    private static final int MAX_READ = 1 << 20;
    /** Keeps {@code 2 × maxSize} a valid array length. */
    private static final int MAX_SUPPORTED_MAX_SIZE = 1 << 29;

    private final FastCdc cdc;
    private final boolean dropboxContentHash;

    private Chunker(FastCdc cdc, boolean dropboxContentHash) {
        this.cdc = cdc;
        this.dropboxContentHash = dropboxContentHash;
    }

    /**
     * A chunker for {@code profile}, computing the content's SHA-256 but not Dropbox's content hash.
     *
     * @throws IllegalArgumentException if the profile's {@code maxSize} exceeds 512 MiB
     */
    public static Chunker of(ChunkingProfile profile) {
        if (profile.maxSize() > MAX_SUPPORTED_MAX_SIZE) {
            throw new IllegalArgumentException("maxSize above 512 MiB is not supported by the streaming chunker");
        }
        return new Chunker(FastCdc.of(profile), false);
    }

    /** This chunker with Dropbox's {@code content_hash} computed too ({@code true}) or not. */
    public Chunker withDropboxContentHash(boolean enabled) {
        return new Chunker(cdc, enabled);
    }

    public ChunkingProfile profile() {
        return cdc.profile();
    }

    /** Whether results include Dropbox's {@code content_hash}. */
    public boolean computesDropboxContentHash() {
        return dropboxContentHash;
    }

    /**
     * Chunks {@code data[offset, offset+length)} in place (no copy).
     *
     * @throws IOException only when {@code visitor} throws it
     */
    public ContentHash chunk(byte[] data, int offset, int length, ChunkVisitor visitor) throws IOException {
        Objects.checkFromIndexSize(offset, length, data.length);
        Emitter emitter = new Emitter(visitor);
        int pos = offset;
        int end = offset + length;
        while (pos < end) {
            int n = cdc.cut(data, pos, end - pos);
            emitter.emit(data, pos, n);
            pos += n;
        }
        return emitter.finish();
    }

    /** Chunks everything {@code in} yields until end of stream. Does not close it. */
    public ContentHash chunk(InputStream in, ChunkVisitor visitor) throws IOException {
        Objects.requireNonNull(in, "in");
        return stream(in::read, INITIAL_CAPACITY, visitor);
    }

    /**
     * Chunks everything {@code channel} yields from its current position until end of stream (offsets
     * count from that position). It must be a blocking channel. Does not close it. For a
     * {@link FileChannel} the buffer starts at the size left to read, capped at {@code 2 × maxSize}.
     */
    public ContentHash chunk(ReadableByteChannel channel, ChunkVisitor visitor) throws IOException {
        Objects.requireNonNull(channel, "channel");
        int initialCapacity = channel instanceof FileChannel file
                ? capacityFor(file.size() - file.position())
                : INITIAL_CAPACITY;
        // Reads of at most 1 MiB: the JDK reads into a heap array through a temporary direct buffer of the read's size,
        // kept per thread, and the large-file profile's buffer is 16 MiB.
        return stream((b, off, len) -> channel.read(ByteBuffer.wrap(b, off, Math.min(len, MAX_READ))), initialCapacity,
                visitor);
    }

    /** Chunks the file at {@code file}. */
    public ContentHash chunk(Path file, ChunkVisitor visitor) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            return chunk(channel, visitor);
        }
    }

    /** All chunks of {@code data}, with the content hash. */
    public ChunkedContent chunkAll(byte[] data) {
        Collector collector = new Collector();
        try {
            return collector.result(chunk(data, 0, data.length, collector));
        } catch (IOException e) {
            throw new UncheckedIOException("unreachable: the collector does no I/O", e);
        }
    }

    /** All chunks of what {@code in} yields until end of stream, with the content hash. Does not close it. */
    public ChunkedContent chunkAll(InputStream in) throws IOException {
        Collector collector = new Collector();
        return collector.result(chunk(in, collector));
    }

    /** All chunks of what {@code channel} yields from its position on, with the content hash. */
    public ChunkedContent chunkAll(ReadableByteChannel channel) throws IOException {
        Collector collector = new Collector();
        return collector.result(chunk(channel, collector));
    }

    /** All chunks of the file at {@code file}, with the content hash. */
    public ChunkedContent chunkAll(Path file) throws IOException {
        Collector collector = new Collector();
        return collector.result(chunk(file, collector));
    }

    private int capacityFor(long remaining) {
        // +1: room for the read that reports end of input, so an exactly-sized buffer never grows.
        return (int) Math.min(2L * cdc.profile().maxSize(), Math.max(0, remaining) + 1);
    }

    /** Reads like {@link InputStream#read(byte[], int, int)}: -1 at end of input. */
    @FunctionalInterface
    private interface Source {
        int read(byte[] buffer, int offset, int length) throws IOException;
    }

    private ContentHash stream(Source source, int initialCapacity, ChunkVisitor visitor) throws IOException {
        int maxSize = cdc.profile().maxSize();
        int maxCapacity = 2 * maxSize;
        Emitter emitter = new Emitter(visitor);
        byte[] buffer = new byte[Math.min(initialCapacity, maxCapacity)];
        int start = 0;
        int limit = 0;
        boolean eof = false;
        while (true) {
            // Buffer maxSize bytes past the chunk start, or all that is left: then the cut is final.
            while (!eof && limit - start < maxSize) {
                if (limit == buffer.length) {
                    byte[] target = buffer.length < maxCapacity
                            ? new byte[(int) Math.min(maxCapacity, 2L * buffer.length)]
                            : buffer;
                    System.arraycopy(buffer, start, target, 0, limit - start);
                    limit -= start;
                    start = 0;
                    buffer = target;
                }
                int n = source.read(buffer, limit, buffer.length - limit);
                if (n < 0) {
                    eof = true;
                } else {
                    limit += n;
                }
            }
            if (start == limit) {
                return emitter.finish();
            }
            int n = cdc.cut(buffer, start, limit - start);
            emitter.emit(buffer, start, n);
            start += n;
        }
    }

    /** Hashes each chunk, feeds the content hash and calls the visitor; tracks offsets. */
    private final class Emitter {
        private final ChunkVisitor visitor;
        private final MessageDigest chunkDigest = Sha256.newDigest();
        private final ContentHasher content = dropboxContentHash
                ? ContentHasher.withDropboxContentHash()
                : ContentHasher.sha256Only();
        private long offset;

        Emitter(ChunkVisitor visitor) {
            this.visitor = Objects.requireNonNull(visitor, "visitor");
        }

        void emit(byte[] buffer, int start, int size) throws IOException {
            chunkDigest.update(buffer, start, size);
            Chunk chunk = new Chunk(offset, size, ChunkId.ofDigest(chunkDigest.digest()));
            content.update(buffer, start, size);
            offset += size;
            visitor.visit(chunk, ByteBuffer.wrap(buffer, start, size).slice().asReadOnlyBuffer());
        }

        ContentHash finish() {
            return content.finish();
        }
    }

    /** Visitor that keeps the chunk list (ids and sizes only, never the bytes). */
    private static final class Collector implements ChunkVisitor {
        private final List<Chunk> chunks = new ArrayList<>();

        @Override
        public void visit(Chunk chunk, ByteBuffer bytes) {
            chunks.add(chunk);
        }

        ChunkedContent result(ContentHash hash) {
            return new ChunkedContent(chunks, hash);
        }
    }
}
