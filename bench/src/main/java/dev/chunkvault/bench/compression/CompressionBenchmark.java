package dev.chunkvault.bench.compression;

import dev.chunkvault.core.hash.Sha256;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * One-thread throughput of each {@link Codec} over a {@link ChunkSets chunk set} (issue 18, item 4;
 * docs/compression.md). One invocation runs over every chunk of the set; the secondary result
 * {@code :plainBytes} is the rate of <em>plain</em> bytes handled, in bytes per second (divide by 10^6 for MB/s).
 *
 * <ul>
 *   <li>{@code compress}: every chunk, whole (the client, no detection);</li>
 *   <li>{@code policy}: the client with cheap detection: compress the first {@code probeKiB} KiB; only if that
 *       saves at least {@code probeSavingPct} % compress the whole chunk (a chunk shorter than
 *       {@value #PROBE_MIN_FACTOR} probes is compressed whole without a probe) (and keep it only if it saves at least
 *       {@value #KEEP_SAVING_PCT} %);</li>
 *   <li>{@code decompress}: every chunk's compressed form back to plain bytes (the client's download);</li>
 *   <li>{@code verify}: decompress, then SHA-256 of the plain bytes (the function's verification of a compressed
 *       chunk);</li>
 *   <li>{@code sha256}: SHA-256 of the plain bytes alone (the verification of a raw chunk; independent of the
 *       codec, run it with one).</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
public class CompressionBenchmark {
    /** A compressed chunk is kept only if it is at least this much smaller than the plain one. */
    public static final int KEEP_SAVING_PCT = 5;
    /** Only a chunk at least this many times the probe's size is probed; a smaller one is compressed whole at once. */
    public static final int PROBE_MIN_FACTOR = 4;

    @Param({"text", "mixed", "incompressible"})
    public String set;

    @Param({"zstd-jni-1", "zstd-jni-3", "zstd-jni-6", "air-zstd", "air-lz4"})
    public String codec;

    @Param({"8"})
    public int probeKiB;

    @Param({"10"})
    public int probeSavingPct;

    private Codec c;
    private List<byte[]> chunks;
    private byte[][] compressed;
    private int[] compressedLength;
    private byte[] out;
    private byte[] plain;
    private long plainBytes;
    private final MessageDigest sha = Sha256.newDigest();

    /** Plain bytes handled, reported as a rate. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Bytes {
        public long plainBytes;

        @Setup(Level.Iteration)
        public void reset() {
            plainBytes = 0;
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        c = Codec.of(codec);
        chunks = ChunkSets.load(set);
        plainBytes = ChunkSets.plainBytes(chunks);
        int max = 0;
        for (byte[] chunk : chunks) {
            max = Math.max(max, chunk.length);
        }
        out = new byte[c.maxCompressedLength(max)];
        plain = new byte[max];
        compressed = new byte[chunks.size()][];
        compressedLength = new int[chunks.size()];
        for (int i = 0; i < chunks.size(); i++) {
            byte[] chunk = chunks.get(i);
            int n = c.compress(chunk, 0, chunk.length, out);
            compressed[i] = Arrays.copyOf(out, n);
            compressedLength[i] = n;
        }
    }

    @Benchmark
    public long compress(Bytes bytes) {
        long sum = 0;
        for (byte[] chunk : chunks) {
            sum += c.compress(chunk, 0, chunk.length, out);
        }
        bytes.plainBytes += plainBytes;
        return sum;
    }

    @Benchmark
    public long policy(Bytes bytes) {
        long stored = 0;
        int probe = probeKiB << 10;
        for (byte[] chunk : chunks) {
            if (chunk.length >= PROBE_MIN_FACTOR * probe && (long) (probe - c.compress(chunk, 0, probe, out)) * 100
                    < (long) probe * probeSavingPct) {
                stored += chunk.length;
                continue;
            }
            int n = c.compress(chunk, 0, chunk.length, out);
            stored += (long) (chunk.length - n) * 100 >= (long) chunk.length * KEEP_SAVING_PCT ? n : chunk.length;
        }
        bytes.plainBytes += plainBytes;
        return stored;
    }

    @Benchmark
    public long decompress(Bytes bytes) {
        long sum = 0;
        for (int i = 0; i < compressed.length; i++) {
            sum += c.decompress(compressed[i], compressedLength[i], plain, plain.length);
        }
        bytes.plainBytes += plainBytes;
        return sum;
    }

    @Benchmark
    public void verify(Bytes bytes, Blackhole bh) {
        for (int i = 0; i < compressed.length; i++) {
            int n = c.decompress(compressed[i], compressedLength[i], plain, plain.length);
            sha.update(plain, 0, n);
            bh.consume(sha.digest());
        }
        bytes.plainBytes += plainBytes;
    }

    @Benchmark
    public void sha256(Bytes bytes, Blackhole bh) {
        for (byte[] chunk : chunks) {
            sha.update(chunk);
            bh.consume(sha.digest());
        }
        bytes.plainBytes += plainBytes;
    }
}
