package dev.chunkvault.client;

import dev.chunkvault.core.chunking.Chunk;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.ToIntFunction;

/**
 * Cuts a stream of chunks to send into upload-grant requests, in order: a request closes at {@link #GRANT_BATCH}
 * chunks, or once its chunks reach {@link #FIRST_GRANT_BATCH_BYTES} (the first request) or {@link #GRANT_BATCH_BYTES}
 * (the others). Each request is handed on as soon as it closes.
 *
 * @param <T> what is batched: a chunk, or a chunk with the file it is read from
 */
final class GrantBatcher<T> {
    /** Chunks per upload-grant request: small enough that URLs are used well before they expire. */
    static final int GRANT_BATCH = 128;
    /**
     * A grant request closes once its chunks reach this many bytes (or {@link #GRANT_BATCH} chunks): with the
     * large-file profile's 4 MiB chunks that is about 32 chunks, not 128 (512 MiB), and two batches in flight keep
     * about 256 MiB granted ahead of the transfers.
     */
    static final long GRANT_BATCH_BYTES = 128L << 20;
    /** The first grant request of a push closes sooner, so that the transfers start while the rest is chunked. */
    static final long FIRST_GRANT_BATCH_BYTES = 16L << 20;

    private final ToIntFunction<T> size;
    private final Consumer<List<T>> out;
    private List<T> batch = new ArrayList<>();
    private long bytes;
    private int closed;

    /** @param size a chunk's size; @param out takes each request as it closes */
    GrantBatcher(ToIntFunction<T> size, Consumer<List<T>> out) {
        this.size = size;
        this.out = out;
    }

    void add(T item) {
        batch.add(item);
        bytes += size.applyAsInt(item);
        if (batch.size() == GRANT_BATCH || bytes >= (closed == 0 ? FIRST_GRANT_BATCH_BYTES : GRANT_BATCH_BYTES)) {
            close();
        }
    }

    /** Hands on the request being filled, if it holds anything (the stream ended). */
    void flush() {
        if (!batch.isEmpty()) {
            close();
        }
    }

    private void close() {
        out.accept(batch);
        closed++;
        batch = new ArrayList<>();
        bytes = 0;
    }

    /** {@code chunks} cut into grant requests. */
    static List<List<Chunk>> cut(List<Chunk> chunks) {
        List<List<Chunk>> out = new ArrayList<>();
        GrantBatcher<Chunk> b = new GrantBatcher<>(Chunk::size, out::add);
        chunks.forEach(b::add);
        b.flush();
        return out;
    }
}
