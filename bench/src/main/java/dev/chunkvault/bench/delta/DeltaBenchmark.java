package dev.chunkvault.bench.delta;

import dev.chunkvault.core.delta.BlockSignature;
import dev.chunkvault.core.delta.DeltaApplier;
import dev.chunkvault.core.delta.DeltaEncoder;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Throughput of the three delta steps over 64 MiB of random data cut into 256 KiB chunks (the default
 * average chunk size); the new version of each chunk has one to three random edits (insert, delete or
 * overwrite of 1–64 bytes).
 *
 * <ul>
 *   <li>{@code signature}: {@link BlockSignature#compute} of every base chunk (what the service does to
 *       answer {@code delta-signature});</li>
 *   <li>{@code encode}: {@link DeltaEncoder#encode} of every new chunk against its base's signature, to
 *       wire bytes, including the new chunk's SHA-256 (the client side of a delta push);</li>
 *   <li>{@code apply}: {@link DeltaApplier#apply(byte[], byte[], int)} of every encoded delta: decode,
 *       rebuild, verify the SHA-256 (the service side).</li>
 * </ul>
 * Each invocation processes all 64 MiB and counts as 64 operations
 * ({@link OperationsPerInvocation}), so the score in ops/s <em>is</em> MiB/s of chunk data (base bytes
 * for {@code signature}, new bytes for the other two). Single-threaded.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class DeltaBenchmark {
    private static final int MIB = 1 << 20;
    private static final int TOTAL_MIB = 64;
    private static final int CHUNK = 256 << 10;
    private static final int CHUNKS = TOTAL_MIB * MIB / CHUNK;
    private static final long SEED = 0xDE17AL;

    private byte[][] bases;
    private byte[][] targets;
    private BlockSignature[] signatures;
    private byte[][] deltas;

    @Setup
    public void setUp() {
        Random random = new Random(SEED);
        bases = new byte[CHUNKS][];
        targets = new byte[CHUNKS][];
        signatures = new BlockSignature[CHUNKS];
        deltas = new byte[CHUNKS][];
        long deltaBytes = 0;
        for (int i = 0; i < CHUNKS; i++) {
            bases[i] = new byte[CHUNK];
            random.nextBytes(bases[i]);
            byte[] target = bases[i];
            for (int e = 1 + random.nextInt(3); e > 0; e--) {
                target = edit(random, target);
            }
            targets[i] = target;
            signatures[i] = BlockSignature.compute(bases[i]);
            deltas[i] = DeltaEncoder.encode(signatures[i], targets[i]).encode();
            deltaBytes += deltas[i].length;
        }
        System.out.printf("%n%d chunks of %d KiB: deltas total %d bytes (%.3f%% of the new data)%n",
                CHUNKS, CHUNK >> 10, deltaBytes, 100.0 * deltaBytes / ((long) TOTAL_MIB * MIB));
    }

    private static byte[] edit(Random random, byte[] data) {
        int n = 1 + random.nextInt(64);
        int at = random.nextInt(data.length - n);
        byte[] insert = new byte[n];
        random.nextBytes(insert);
        switch (random.nextInt(3)) {
            case 0: {
                byte[] out = Arrays.copyOf(data, data.length + n);
                System.arraycopy(insert, 0, out, at, n);
                System.arraycopy(data, at, out, at + n, data.length - at);
                return out;
            }
            case 1: {
                byte[] out = Arrays.copyOf(data, data.length - n);
                System.arraycopy(data, at + n, out, at, data.length - at - n);
                return out;
            }
            default: {
                byte[] out = data.clone();
                System.arraycopy(insert, 0, out, at, n);
                return out;
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(TOTAL_MIB)
    public void signature(Blackhole bh) {
        for (byte[] base : bases) {
            bh.consume(BlockSignature.compute(base));
        }
    }

    @Benchmark
    @OperationsPerInvocation(TOTAL_MIB)
    public void encode(Blackhole bh) {
        for (int i = 0; i < CHUNKS; i++) {
            bh.consume(DeltaEncoder.encode(signatures[i], targets[i]).encode());
        }
    }

    @Benchmark
    @OperationsPerInvocation(TOTAL_MIB)
    public void apply(Blackhole bh) {
        for (int i = 0; i < CHUNKS; i++) {
            bh.consume(DeltaApplier.apply(bases[i], deltas[i], MIB));
        }
    }
}
