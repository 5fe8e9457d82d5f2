package dev.chunkvault.bench.chunking;

import dev.chunkvault.core.chunking.Chunker;
import dev.chunkvault.core.chunking.ChunkingProfile;
import dev.chunkvault.core.chunking.FastCdc;
import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.core.hash.Sha256;
import java.io.IOException;
import java.security.MessageDigest;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * Throughput of chunking and hashing 64 MiB of random data held in memory, with the default profile
 * ({@link ChunkingProfile#DEFAULT}).
 *
 * <ul>
 *   <li>{@code boundaries}: {@link FastCdc#cut} over the whole buffer (boundaries only);</li>
 *   <li>{@code chunkAndHash}: boundaries plus the SHA-256 {@link ChunkId} of every chunk;</li>
 *   <li>{@code chunkAndHashAllThreads}: the same on every available processor at once, each thread with
 *       its own 64 MiB buffer; the score is the sum over the threads;</li>
 *   <li>{@code chunker}: the full client path, {@link Chunker#chunk(byte[], int, int,
 *       dev.chunkvault.core.chunking.ChunkVisitor)}: boundaries, chunk ids and the SHA-256 of the whole
 *       content (a second SHA-256 pass);</li>
 *   <li>{@code sha256}: one plain SHA-256 over the buffer, the floor for anything that hashes.</li>
 * </ul>
 * Each invocation processes the whole buffer and counts as 64 operations
 * ({@link OperationsPerInvocation}), so the score in ops/s <em>is</em> MiB/s of input. Each thread has
 * its own state ({@link Scope#Thread}); all but {@code chunkAndHashAllThreads} run on one thread.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class ChunkingBenchmark {
    private static final int MIB = 1 << 20;
    private static final int TOTAL_MIB = 64;
    private static final long SEED = 0xC4C0_0001L;

    private final FastCdc cdc = FastCdc.of(ChunkingProfile.DEFAULT);
    private final Chunker chunker = Chunker.of(ChunkingProfile.DEFAULT);
    private final MessageDigest sha256 = Sha256.newDigest();
    private byte[] data;

    @Setup
    public void setUp(ThreadParams thread) {
        data = new byte[TOTAL_MIB * MIB];
        new Random(SEED + thread.getThreadIndex()).nextBytes(data);
    }

    @Benchmark
    @OperationsPerInvocation(TOTAL_MIB)
    public int boundaries() {
        int chunks = 0;
        for (int pos = 0; pos < data.length; chunks++) {
            pos += cdc.cut(data, pos, data.length - pos);
        }
        return chunks;
    }

    @Benchmark
    @OperationsPerInvocation(TOTAL_MIB)
    public void chunkAndHash(Blackhole bh) {
        cutAndHash(bh);
    }

    @Benchmark
    @Threads(Threads.MAX)
    @OperationsPerInvocation(TOTAL_MIB)
    public void chunkAndHashAllThreads(Blackhole bh) {
        cutAndHash(bh);
    }

    private void cutAndHash(Blackhole bh) {
        for (int pos = 0; pos < data.length; ) {
            int n = cdc.cut(data, pos, data.length - pos);
            sha256.update(data, pos, n);
            bh.consume(ChunkId.ofDigest(sha256.digest()));
            pos += n;
        }
    }

    @Benchmark
    @OperationsPerInvocation(TOTAL_MIB)
    public Object chunker(Blackhole bh) throws IOException {
        return chunker.chunk(data, 0, data.length, (chunk, bytes) -> bh.consume(chunk));
    }

    @Benchmark
    @OperationsPerInvocation(TOTAL_MIB)
    public byte[] sha256() {
        sha256.update(data);
        return sha256.digest();
    }
}
