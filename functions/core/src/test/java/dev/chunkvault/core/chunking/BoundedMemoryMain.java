package dev.chunkvault.core.chunking;

import dev.chunkvault.core.hash.ContentHash;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.ByteOrder;

/**
 * Run by {@link BoundedMemoryTest} in a JVM with a small heap: chunks a synthetic stream, generated on
 * the fly, far larger than the heap. Prints one result line; exits 1 if the chunks do not tile the
 * stream or break the size limits (an {@link OutOfMemoryError} also exits non-zero).
 *
 * <p>Arguments: stream length in bytes, generator seed.
 */
public final class BoundedMemoryMain {
    private BoundedMemoryMain() {}

    public static void main(String[] args) throws Exception {
        long length = Long.parseLong(args[0]);
        long seed = Long.parseLong(args[1]);
        ChunkingProfile p = ChunkingProfile.DEFAULT;
        long[] stats = new long[4]; // next offset, chunks, bad chunks, largest chunk
        long started = System.nanoTime();
        ContentHash hash = Chunker.of(p).chunk(new SyntheticStream(length, seed), (chunk, bytes) -> {
            boolean last = chunk.end() == length;
            if (chunk.offset() != stats[0] || chunk.size() > p.maxSize() || (!last && chunk.size() <= p.minSize())) {
                stats[2]++;
            }
            stats[0] = chunk.end();
            stats[1]++;
            stats[3] = Math.max(stats[3], chunk.size());
        });
        double seconds = (System.nanoTime() - started) / 1e9;
        long peakHeap = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peakHeap += pool.getPeakUsage().getUsed();
            }
        }
        System.out.printf("length=%d chunks=%d bad=%d largest=%d hashedLength=%d sha256=%s peakHeapMiB=%.1f"
                        + " maxHeapMiB=%.1f seconds=%.2f MiBps=%.0f%n",
                stats[0], stats[1], stats[2], stats[3], hash.length(), hash.sha256Hex(), peakHeap / 1048576.0,
                Runtime.getRuntime().maxMemory() / 1048576.0, seconds, length / 1048576.0 / seconds);
        System.exit(stats[0] == length && hash.length() == length && stats[2] == 0 ? 0 : 1);
    }

    /** {@code length} pseudo-random bytes (SplitMix64 words), made as they are read: nothing is stored. */
    static final class SyntheticStream extends InputStream {
        private static final VarHandle LONGS =
                MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
        private long remaining;
        private long state;

        SyntheticStream(long length, long seed) {
            this.remaining = length;
            this.state = seed;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (remaining == 0) {
                return len == 0 ? 0 : -1;
            }
            int n = (int) Math.min(len, remaining);
            int i = 0;
            for (; i + 8 <= n; i += 8) {
                LONGS.set(b, off + i, next());
            }
            for (long z = next(); i < n; i++, z >>>= 8) {
                b[off + i] = (byte) z;
            }
            remaining -= n;
            return n;
        }

        private long next() {
            long z = (state += 0x9E3779B97F4A7C15L);
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            return z ^ (z >>> 31);
        }
    }
}
