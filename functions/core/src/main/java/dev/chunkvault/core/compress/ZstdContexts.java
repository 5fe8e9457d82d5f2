package dev.chunkvault.core.compress;

import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * zstd-jni's native contexts, kept for the next chunk instead of made and freed for each one. Making a compression
 * context and clearing its tables was half of zstd's time in a first sync of many small files (about 3 % of the
 * client's CPU: docs/perf-many-files.md). A context is used by one thread at a time: taken from the pool, or made when
 * none is idle, and given back after one call. At most {@link #IDLE} of each kind stay idle (a compression context for
 * chunks of up to 1 MiB holds about 1 MB of native memory); the others are freed. A context whose call failed is freed,
 * never reused. Output is the same as with a fresh context: zstd resets the session at each one-shot call, and the
 * parameters (the level) are set once, when the context is made.
 */
final class ZstdContexts {
    private ZstdContexts() {}

    /** Idle contexts kept, of each kind: enough for the cores that compress side by side. */
    static final int IDLE = Math.max(2, Math.min(8, Runtime.getRuntime().availableProcessors()));

    static final Pool<ZstdCompressCtx> COMPRESS = new Pool<>(() -> new ZstdCompressCtx().setLevel(ChunkCodec.LEVEL),
            ZstdCompressCtx::close);
    static final Pool<ZstdDecompressCtx> DECOMPRESS = new Pool<>(ZstdDecompressCtx::new, ZstdDecompressCtx::close);

    /** A bounded pool of one kind of context. */
    static final class Pool<C> {
        private final ConcurrentLinkedQueue<C> idle = new ConcurrentLinkedQueue<>();
        private final AtomicInteger idleCount = new AtomicInteger();
        private final AtomicInteger made = new AtomicInteger();
        private final Supplier<C> make;
        private final Consumer<C> free;

        Pool(Supplier<C> make, Consumer<C> free) {
            this.make = make;
            this.free = free;
        }

        C take() {
            C c = idle.poll();
            if (c != null) {
                idleCount.decrementAndGet();
                return c;
            }
            made.incrementAndGet();
            return make.get();
        }

        /** Gives back a context after a call that succeeded. */
        void give(C c) {
            if (idleCount.incrementAndGet() <= IDLE) {
                idle.offer(c);
            } else {
                idleCount.decrementAndGet();
                free.accept(c);
            }
        }

        /** Frees a context whose call failed. */
        void discard(C c) {
            free.accept(c);
        }

        /** Contexts made so far (for tests). */
        int made() {
            return made.get();
        }

        /** Contexts idle now (for tests). */
        int idle() {
            return idleCount.get();
        }
    }
}
