package dev.chunkvault.bench.compression;

import dev.chunkvault.core.compress.ChunkCodec;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The client's work for a large file's chunks before it decides how to send them (docs/compression.md, "Chunks over
 * 1 MiB"): per large chunk (one every 4 MiB, the profile's average) 8 KiB read from the file at its offset and {@link
 * ChunkCodec#probeSaves probed}; by this thread's CPU time, three passes (the first includes loading zstd and the JIT).
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar dev.chunkvault.bench.compression.LargeChunkProbeCost FILE...
 * </pre>
 */
public final class LargeChunkProbeCost {
    private LargeChunkProbeCost() {}

    public static void main(String[] args) throws Exception {
        ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        for (String arg : args) {
            try (FileChannel ch = FileChannel.open(Path.of(arg))) {
                long size = ch.size();
                for (int pass = 0; pass < 3; pass++) {
                    long t0 = bean.getCurrentThreadCpuTime();
                    int probes = 0;
                    int compressible = 0;
                    for (long off = 0; off + ChunkCodec.PROBE_BYTES <= size; off += 4L << 20) {
                        ByteBuffer b = ByteBuffer.allocate(ChunkCodec.PROBE_BYTES);
                        while (b.hasRemaining() && ch.read(b, off + b.position()) > 0) {
                            // read on
                        }
                        if (ChunkCodec.probeSaves(b.array())) {
                            compressible++;
                        }
                        probes++;
                    }
                    double s = (bean.getCurrentThreadCpuTime() - t0) / 1e9;
                    System.out.printf(Locale.ROOT, "%s pass %d: %d probes (%d compressible) over %,d bytes: %.4f CPU s (%.4f CPU s per GB)%n",
                            arg, pass, probes, compressible, size, s, s / (size / 1e9));
                }
            }
        }
    }
}
