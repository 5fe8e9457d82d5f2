package dev.chunkvault.bench.compression;

import java.util.Arrays;
import java.util.List;

/**
 * Counted, not timed: compression ratios of every {@link Codec} over each {@link ChunkSets chunk set}, the effect of
 * cheap incompressibility detection (probe size and saving threshold), and whether each zstd library reads the
 * other's frames. Prints Markdown. Usage: {@code java -cp bench/target/benchmarks.jar
 * dev.chunkvault.bench.compression.CompressionSurvey [set...]} (default: text mixed incompressible random).
 */
public final class CompressionSurvey {
    private static final int[] PROBE_KIB = {4, 8, 16};
    private static final int[] PROBE_SAVING_PCT = {2, 5, 10, 20};

    private CompressionSurvey() {}

    public static void main(String[] args) {
        List<String> sets = args.length == 0 ? List.of("text", "mixed", "incompressible", "random") : Arrays.asList(args);
        for (String set : sets) {
            List<byte[]> chunks = ChunkSets.load(set);
            long plain = ChunkSets.plainBytes(chunks);
            System.out.printf("%n### %s: %d chunks, %,d plain bytes (mean chunk %,d bytes)%n%n", set, chunks.size(), plain,
                    plain / chunks.size());
            System.out.println("| codec | compressed, all chunks | ratio | stored (kept if ≥ "
                    + CompressionBenchmark.KEEP_SAVING_PCT + " % smaller) | ratio stored | chunks kept compressed |");
            System.out.println("| --- | ---: | ---: | ---: | ---: | ---: |");
            for (String name : Codec.NAMES) {
                Codec c = Codec.of(name);
                byte[] out = new byte[c.maxCompressedLength(1 << 24)];
                long all = 0;
                long stored = 0;
                int kept = 0;
                for (byte[] chunk : chunks) {
                    int n = c.compress(chunk, 0, chunk.length, out);
                    all += n;
                    if (keep(chunk.length, n)) {
                        stored += n;
                        kept++;
                    } else {
                        stored += chunk.length;
                    }
                }
                System.out.printf("| %s | %,d | %.2f | %,d | %.2f | %d of %d |%n", name, all, (double) plain / all, stored,
                        (double) plain / stored, kept, chunks.size());
            }
            detection(chunks, plain, "zstd-jni-3", "zstd-jni-3");
            detection(chunks, plain, "zstd-jni-3", "zstd-jni-1");
            detection(chunks, plain, "air-zstd", "air-zstd");
            crossCheck(chunks);
        }
    }

    private static boolean keep(int plain, int compressed) {
        return (long) (plain - compressed) * 100 >= (long) plain * CompressionBenchmark.KEEP_SAVING_PCT;
    }

    /**
     * For each probe size and threshold: chunks skipped (stored raw without compressing them whole), stored bytes
     * against compressing every chunk whole, chunks skipped that would have been kept compressed, and the bytes the
     * compressor is fed (probes + whole chunks) per plain byte, the cost's proxy. Chunks shorter than
     * {@link CompressionBenchmark#PROBE_MIN_FACTOR} probes are not probed (compressed whole).
     */
    private static void detection(List<byte[]> chunks, long plain, String finalName, String probeName) {
        Codec fin = Codec.of(finalName);
        Codec probe = Codec.of(probeName);
        byte[] out = new byte[fin.maxCompressedLength(1 << 24)];
        int[] whole = new int[chunks.size()];
        long base = 0;
        for (int i = 0; i < whole.length; i++) {
            byte[] chunk = chunks.get(i);
            whole[i] = fin.compress(chunk, 0, chunk.length, out);
            base += keep(chunk.length, whole[i]) ? whole[i] : chunk.length;
        }
        System.out.printf("%nDetection, final %s, probe %s (no probe: stored %,d bytes, compressor fed 1.00 byte per"
                + " plain byte):%n%n", finalName, probeName, base);
        System.out.println("| probe | skip if probe saves < | chunks skipped | skipped that would be kept | stored vs no probe"
                + " | compressor fed per plain byte |");
        System.out.println("| ---: | ---: | ---: | ---: | ---: | ---: |");
        for (int kib : PROBE_KIB) {
            int[] probeLen = new int[chunks.size()];
            for (int i = 0; i < probeLen.length; i++) {
                byte[] chunk = chunks.get(i);
                probeLen[i] = chunk.length >= CompressionBenchmark.PROBE_MIN_FACTOR * (kib << 10)
                        ? probe.compress(chunk, 0, kib << 10, out) : -1;
            }
            for (int pct : PROBE_SAVING_PCT) {
                int skipped = 0;
                int wrong = 0;
                long stored = 0;
                long fed = 0;
                for (int i = 0; i < probeLen.length; i++) {
                    int len = chunks.get(i).length;
                    int head = kib << 10;
                    fed += probeLen[i] < 0 ? 0 : head;
                    if (probeLen[i] >= 0 && (long) (head - probeLen[i]) * 100 < (long) head * pct) {
                        skipped++;
                        stored += len;
                        if (keep(len, whole[i])) {
                            wrong++;
                        }
                    } else {
                        fed += len;
                        stored += keep(len, whole[i]) ? whole[i] : len;
                    }
                }
                System.out.printf("| %d KiB | %d %% | %d of %d | %d | %+.2f %% | %.3f |%n", kib, pct, skipped, chunks.size(),
                        wrong, (stored - base) * 100.0 / base, (double) fed / plain);
            }
        }
    }

    /** zstd frames are a standard: each library must read the other's, or client and function must use the same. */
    private static void crossCheck(List<byte[]> chunks) {
        Codec jni = Codec.of("zstd-jni-3");
        Codec air = Codec.of("air-zstd");
        byte[] out = new byte[jni.maxCompressedLength(1 << 24)];
        byte[] back = new byte[1 << 24];
        int ok = 0;
        for (byte[] chunk : chunks) {
            int n = jni.compress(chunk, 0, chunk.length, out);
            int m = air.decompress(Arrays.copyOf(out, n), n, back, back.length);
            boolean a = m == chunk.length && Arrays.equals(chunk, 0, m, back, 0, m);
            n = air.compress(chunk, 0, chunk.length, out);
            m = jni.decompress(Arrays.copyOf(out, n), n, back, back.length);
            boolean b = m == chunk.length && Arrays.equals(chunk, 0, m, back, 0, m);
            if (a && b) {
                ok++;
            }
        }
        System.out.printf("%nCross-check: %d of %d chunks round-trip zstd-jni → aircompressor and aircompressor → zstd-jni.%n",
                ok, chunks.size());
    }
}
