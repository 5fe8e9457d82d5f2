package dev.chunkvault.bench.compression;

import dev.chunkvault.core.hash.Sha256;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The same operations as {@link CompressionBenchmark}, timed by the thread's <em>CPU</em> time rather than wall time:
 * on a machine shared with other work, CPU seconds are far less disturbed by the load than wall seconds (JMH's
 * figures there carry errors of ±100 % and more). For each set, codec and operation: 2 untimed passes over the whole
 * chunk set, then 5 timed ones; prints the median MB (10^6 plain bytes) per CPU second and the median wall MB/s.
 * Usage: {@code java -cp bench/target/benchmarks.jar dev.chunkvault.bench.compression.CompressionCpuTiming [set...]}
 * (default: text mixed incompressible random).
 */
public final class CompressionCpuTiming {
    private static final int WARMUPS = Integer.getInteger("bench.compression.warmups", 2);
    private static final int PASSES = Integer.getInteger("bench.compression.passes", 5);
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private CompressionCpuTiming() {}

    public static void main(String[] args) {
        List<String> sets = args.length == 0 ? List.of("text", "mixed", "incompressible", "random") : Arrays.asList(args);
        System.out.println("| set | codec | compress | policy | decompress | verify | SHA-256 alone |");
        System.out.println("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
        for (String set : sets) {
            List<byte[]> chunks = ChunkSets.load(set);
            long plain = ChunkSets.plainBytes(chunks);
            int max = 0;
            for (byte[] chunk : chunks) {
                max = Math.max(max, chunk.length);
            }
            MessageDigest sha = Sha256.newDigest();
            String shaFigure = time(plain, () -> {
                long n = 0;
                for (byte[] chunk : chunks) {
                    sha.update(chunk);
                    n += sha.digest()[0];
                }
                return n;
            });
            for (String name : Codec.NAMES) {
                Codec c = Codec.of(name);
                byte[] out = new byte[c.maxCompressedLength(max)];
                byte[] back = new byte[max];
                byte[][] compressed = new byte[chunks.size()][];
                for (int i = 0; i < compressed.length; i++) {
                    byte[] chunk = chunks.get(i);
                    compressed[i] = Arrays.copyOf(out, c.compress(chunk, 0, chunk.length, out));
                }
                String compress = time(plain, () -> {
                    long n = 0;
                    for (byte[] chunk : chunks) {
                        n += c.compress(chunk, 0, chunk.length, out);
                    }
                    return n;
                });
                String policy = time(plain, () -> {
                    long n = 0;
                    int probe = 8 << 10;
                    for (byte[] chunk : chunks) {
                        if (chunk.length >= CompressionBenchmark.PROBE_MIN_FACTOR * probe
                                && (long) (probe - c.compress(chunk, 0, probe, out)) * 100 < (long) probe * 10) {
                            n += chunk.length;
                            continue;
                        }
                        n += c.compress(chunk, 0, chunk.length, out);
                    }
                    return n;
                });
                String decompress = time(plain, () -> {
                    long n = 0;
                    for (byte[] z : compressed) {
                        n += c.decompress(z, z.length, back, back.length);
                    }
                    return n;
                });
                String verify = time(plain, () -> {
                    long n = 0;
                    for (byte[] z : compressed) {
                        int len = c.decompress(z, z.length, back, back.length);
                        sha.update(back, 0, len);
                        n += sha.digest()[0];
                    }
                    return n;
                });
                System.out.printf("| %s | %s | %s | %s | %s | %s | %s |%n", set, name, compress, policy, decompress, verify,
                        shaFigure);
            }
        }
    }

    /** "CPU MB/s (wall MB/s)", medians of the timed passes. */
    private static String time(long plain, LongSupplier pass) {
        long sink = 0;
        for (int i = 0; i < WARMUPS; i++) {
            sink += pass.getAsLong();
        }
        double[] cpu = new double[PASSES];
        double[] wall = new double[PASSES];
        for (int i = 0; i < PASSES; i++) {
            long c0 = THREADS.getCurrentThreadCpuTime();
            long w0 = System.nanoTime();
            sink += pass.getAsLong();
            cpu[i] = plain * 1e3 / (THREADS.getCurrentThreadCpuTime() - c0);
            wall[i] = plain * 1e3 / (System.nanoTime() - w0);
        }
        Arrays.sort(cpu);
        Arrays.sort(wall);
        if (sink == 42) {
            System.out.print("");
        }
        return String.format("%.0f (%.0f)", cpu[PASSES / 2], wall[PASSES / 2]);
    }
}
