package dev.chunkvault.bench.compression;

import dev.chunkvault.core.chunking.ChunkingPolicy;
import dev.chunkvault.core.chunking.FastCdc;
import dev.chunkvault.core.compress.ChunkCodec;
import dev.chunkvault.core.hash.ChunkId;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Whether chunks over 1 MiB (the large-file profile's, files of 128 MiB and more) are worth compressing: cuts each
 * file given as the client would ({@code ChunkingPolicy.forFile(size)}), then, per chunk, the client's own encoding
 * ({@link ChunkCodec#encode}: zstd level 3, the 8 KiB probe, kept when 5 % smaller), and the service's verification of
 * a compressed chunk (decode to the declared plain length + SHA-256) against a raw one's (SHA-256 alone). Timed by the
 * thread's CPU time, the best of {@code passes} (default 3) passes, so other work on the machine matters little.
 *
 * <pre>
 * java -Xmx3g -cp bench/target/benchmarks.jar dev.chunkvault.bench.compression.LargeChunkCompression FILE... [-Dpasses=3]
 * </pre>
 */
public final class LargeChunkCompression {
    private LargeChunkCompression() {}

    public static void main(String[] args) throws Exception {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        int passes = Integer.getInteger("passes", 3);
        System.out.println("zstd native: " + ChunkCodec.nativeZstd());
        System.out.println("| file | bytes | chunks | mean chunk | stored compressed | ratio | kept raw | encode CPU s/GB "
                + "| verify compressed ms/MiB | verify raw (SHA-256) ms/MiB | verify ms per mean chunk, compressed / raw |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (String name : args) {
            byte[] data = Files.readAllBytes(Path.of(name));
            FastCdc cdc = FastCdc.of(ChunkingPolicy.forFile(data.length, null));
            List<byte[]> chunks = new ArrayList<>();
            for (int pos = 0; pos < data.length;) {
                int len = cdc.cut(data, pos, data.length - pos);
                chunks.add(Arrays.copyOfRange(data, pos, pos + len));
                pos += len;
            }
            List<ChunkCodec.Stored> stored = new ArrayList<>();
            long encodeNs = Long.MAX_VALUE;
            for (int p = 0; p < passes; p++) {
                stored.clear();
                long t = mx.getCurrentThreadCpuTime();
                for (byte[] c : chunks) {
                    stored.add(ChunkCodec.encode(c));
                }
                encodeNs = Math.min(encodeNs, mx.getCurrentThreadCpuTime() - t);
            }
            long storedBytes = stored.stream().mapToLong(s -> s.bytes().length).sum();
            long raw = stored.stream().filter(s -> !s.compressed()).count();
            long verifyNs = Long.MAX_VALUE;
            long hashNs = Long.MAX_VALUE;
            for (int p = 0; p < passes; p++) {
                long t = mx.getCurrentThreadCpuTime();
                for (int i = 0; i < chunks.size(); i++) {
                    ChunkCodec.Stored s = stored.get(i);
                    byte[] plain = ChunkCodec.decode(s.encoding(), s.bytes(), 0, s.bytes().length, s.plainLength());
                    if (ChunkId.sha256(plain).hashCode() == 42) {
                        System.out.print("");
                    }
                }
                verifyNs = Math.min(verifyNs, mx.getCurrentThreadCpuTime() - t);
                t = mx.getCurrentThreadCpuTime();
                for (byte[] c : chunks) {
                    if (ChunkId.sha256(c).hashCode() == 42) {
                        System.out.print("");
                    }
                }
                hashNs = Math.min(hashNs, mx.getCurrentThreadCpuTime() - t);
            }
            double mib = data.length / (double) (1 << 20);
            double mean = data.length / (double) chunks.size();
            System.out.printf("| %s | %,d | %,d | %,.0f | %,d | %.2f | %d | %.2f | %.2f | %.2f | %.1f / %.1f |%n",
                    Path.of(name).getFileName(), data.length, chunks.size(), mean, storedBytes,
                    data.length / (double) storedBytes, raw, encodeNs / 1e9 / (data.length / 1e9),
                    verifyNs / 1e6 / mib, hashNs / 1e6 / mib,
                    verifyNs / 1e6 / chunks.size(), hashNs / 1e6 / chunks.size());
        }
    }
}
