package dev.chunkvault.bench.e2e;

import static dev.chunkvault.bench.e2e.BenchContext.mark;
import static dev.chunkvault.bench.e2e.BenchContext.ratio;
import static dev.chunkvault.bench.e2e.BenchContext.secs;

import dev.chunkvault.client.ChunkvaultClient;
import dev.chunkvault.client.ClientOptions;
import dev.chunkvault.client.FilePusher;
import dev.chunkvault.client.PushJournal;
import dev.chunkvault.client.TransferListener;
import java.io.IOException;
import java.io.OutputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import software.amazon.awssdk.services.s3.model.Delete;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.s3.presigner.model.PresignedPutObjectRequest;

/**
 * Table 3: push throughput of a large file of new random data, against the raw PUT throughput of the same local
 * S3 endpoint, measured in the same run: the same bytes cut into fixed-size objects, PUT through presigned URLs
 * that sign the same headers as Chunkvault's upload grants (content length and SHA-256 checksum, which s3proxy
 * verifies), by the same HTTP client (java.net.http, HTTP/1.1) with the same parallelism. The raw runs skip
 * everything a push adds — chunking and hashing the file, upload grants, the commit (which verifies every new
 * chunk's object and pins it) — and their checksums are computed before the clock starts.
 *
 * <p>No wire meter here: every client talks to the endpoints directly.
 */
final class PushThroughputBench {
    private final BenchContext ctx;
    private final long size;
    private final int parallelism = ClientOptions.DEFAULT_PARALLELISM;
    private final String rawBucket;

    PushThroughputBench(BenchContext ctx, long size) {
        this.ctx = ctx;
        this.size = size;
        this.rawBucket = "chunkvault-bench-raw-" + ctx.run;
    }

    /** Phases of a push, timed from the listener's callbacks. */
    private static final class Phases implements TransferListener {
        final Map<String, long[]> at = new ConcurrentHashMap<>();
        volatile String current;

        @Override
        public void start(String phase, String name, long totalBytes) {
            current = phase;
            at.putIfAbsent(phase, new long[] {System.nanoTime(), 0, cpuNanos(), 0});
        }

        @Override
        public void finish() {
            long[] t = at.get(current);
            if (t != null) {
                t[1] = System.nanoTime();
                t[3] = cpuNanos();
            }
        }

        double cpuSeconds(String phase) {
            long[] t = at.get(phase);
            return t == null || t[1] == 0 ? 0 : (t[3] - t[2]) / 1e9;
        }

        double seconds(String phase) {
            long[] t = at.get(phase);
            return t == null || t[1] == 0 ? 0 : (t[1] - t[0]) / 1e9;
        }
    }

    private record Raw(String label, int objectSize, double seconds, double cpuSeconds, ThreadCpu.Usage threads) {}

    /** One round: a push between two raw PUTs of the same bytes in 4 MiB objects. */
    private record Round(int n, Raw before, double pushSeconds, double pushCpu, Phases phases, FilePusher.Result result,
                         Raw after, ThreadCpu.Usage threads) {
        /** Push throughput over the mean raw throughput of the runs either side. */
        double ratio() {
            return (before.seconds() + after.seconds()) / 2 / pushSeconds;
        }

        /** The mean CPU seconds of the raw runs either side. */
        double rawCpu() {
            return (before.cpuSeconds() + after.cpuSeconds()) / 2;
        }

        /** CPU seconds of the push's scanning thread: the file's chunk boundaries and its two SHA-256 passes. */
        double scanCpu() {
            return threads.of(SCAN_THREAD);
        }

        /**
         * The ratio a push could reach if it added nothing to the raw PUT's CPU but its scan, which the design
         * requires (chunk ids and the file's SHA-256) and which runs at about openssl's speed: both runs are
         * CPU-bound on a machine that also runs the S3 endpoint, so their times go as their CPU.
         */
        double ceiling() {
            return rawCpu() / (rawCpu() + scanCpu());
        }
    }

    /** The push's scanning thread (FilePusher's), as the kernel names it. */
    private static final String SCAN_THREAD = "chunkvault-scan";

    /** Untimed warm-ups of every path before the rounds (system property {@code bench.push.warmups}). */
    private static final int WARM_UPS = Integer.getInteger("bench.push.warmups", 1);

    /** Rounds of raw PUT, push, raw PUT (system property {@code bench.push.rounds}). */
    private static final int ROUNDS = Integer.getInteger("bench.push.rounds", 3);

    /**
     * CPU time of this whole process: the local cloud (DynamoDB Local, s3proxy, the handlers) and the client run in
     * it, so this is the work a run costs the machine, and it is much less disturbed by other load than wall time.
     */
    static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    String run() throws Exception {
        Path dir = Files.createDirectories(ctx.work.resolve("push"));
        Path file = dir.resolve("new-data.bin");
        writeRandom(file, size, new Random(ctx.seed ^ 0x5eed));
        ctx.s3.createBucket(b -> b.bucket(rawBucket));
        double mib = size / (double) (1 << 20);

        // Warm-up, not measured: every code path of the timed runs once (s3proxy's, DynamoDB Local's, the handlers',
        // the client's), so that they compare steady states, not one run's JIT compilation against another's.
        Path warm = dir.resolve("warm-up.bin");
        long warmSize = Math.min(size, WARM_UP_BYTES);
        writeRandom(warm, warmSize, new Random(ctx.seed ^ 0x3a3a));
        // A file under the large-file threshold too: its ~380 default-profile chunks take DynamoDB Local's
        // transactional writes (grants, pins) through the JIT, which a few large chunks alone would not.
        Path warmSmall = dir.resolve("warm-up-small.bin");
        writeRandom(warmSmall, WARM_UP_SMALL_BYTES, new Random(ctx.seed ^ 0x5a5a));
        for (int w = 1; w <= WARM_UPS; w++) {
            rawPut(warm, warmSize, 4 << 20, "warm-up");
            rawPut(warm, warmSize, 256 << 10, "warm-up");
            try (ChunkvaultClient client = ctx.client("push-warm-up-" + w, false)) { // a fresh account: all new
                new FilePusher(client, PushJournal.inMemory()).push(FilePusher.Request.of(warmSmall, "bench/warm-up-small.bin", null));
                new FilePusher(client, PushJournal.inMemory()).push(FilePusher.Request.of(warm, "bench/warm-up.bin", null));
            }
        }
        Files.delete(warm);
        Files.delete(warmSmall);

        // Rounds of raw PUT, push, raw PUT, each push compared with the raw runs on either side of it: this machine's
        // speed drifts (other load, CPU steal) by more than the effects measured, so one pair would be luck.
        List<Round> rounds = new ArrayList<>();
        for (int n = 1; n <= ROUNDS; n++) {
            Raw before = rawPut(file, size, 4 << 20, "raw PUT, 4 MiB objects (before the push)");
            // The push: a fresh account, so every chunk is new to the service.
            Phases phases = new Phases();
            FilePusher.Result result;
            ThreadCpu.Usage threads;
            long pushStartUptime = java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime();
            long t0 = System.nanoTime();
            long c0 = cpuNanos();
            try (ThreadCpu.Sampler cpu = new ThreadCpu.Sampler(100);
                 ChunkvaultClient client = ctx.client("push-" + n, false)) {
                result = new FilePusher(client, PushJournal.inMemory())
                        .push(FilePusher.Request.of(file, "bench/new-data.bin", null).withListener(phases));
                threads = cpu.report();
            }
            double pushSeconds = (System.nanoTime() - t0) / 1e9;
            double pushCpu = (cpuNanos() - c0) / 1e9;
            if (result.stats().chunksUploaded() != result.stats().chunks()) {
                throw new IllegalStateException("the push skipped chunks of new data: " + result.stats());
            }
            Raw after = rawPut(file, size, 4 << 20, "raw PUT, 4 MiB objects (after the push)");
            rounds.add(new Round(n, before, pushSeconds, pushCpu, phases, result, after, threads));
            System.err.printf(Locale.ROOT, "push round %d (JVM uptime %d ms at its start): %.2f s, ratio %.2f; CPU by thread: %s%n", n,
                    pushStartUptime, pushSeconds,
                    rounds.get(rounds.size() - 1).ratio(), threads);
        }
        Raw raw256 = rawPut(file, size, 256 << 10, "raw PUT, 256 KiB objects (the default chunking profile's average)");
        ctx.s3.deleteBucket(b -> b.bucket(rawBucket));
        List<Round> byRatio = new ArrayList<>(rounds);
        byRatio.sort(java.util.Comparator.comparingDouble(Round::ratio));
        Round median = byRatio.get(byRatio.size() / 2);
        FilePusher.Result result = median.result();
        Phases phases = median.phases();
        double pushSeconds = median.pushSeconds();
        double pushCpu = median.pushCpu();

        double[] grant1 = grantProbe(1);
        double[] grant4 = grantProbe(4);
        double pushRate = mib / pushSeconds;
        double scan = phases.seconds("hash");
        double upload = phases.seconds("upload");
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "%,d bytes (%.0f MiB) of new random data; %d parallel transfers for "
                + "both; the push cut it into %d chunks (profile `%s`, average %.0f KiB). Before the timed runs, "
                + "%d time(s) one untimed raw PUT of each object size and two untimed pushes to a fresh account (%.0f "
                + "MiB and %d MiB, cut with the large-file and the default profile) warm up every code path "
                + "(`-Dbench.push.warmups=N`). Then %d rounds of raw PUT, "
                + "push (to a fresh account), raw PUT: each push is compared with the mean of the raw runs on either "
                + "side of it, and the round with the median ratio is the result.%n%n", size, mib, parallelism,
                result.stats().chunks(), result.manifest().profile(), size / 1024.0 / result.stats().chunks(),
                WARM_UPS, warmSize / (double) (1 << 20), WARM_UP_SMALL_BYTES >> 20, ROUNDS));
        md.append("| round | push s | push MiB/s | push CPU s | of it, scan CPU s | raw 4 MiB s before / after "
                + "| raw CPU s before / after | ratio push / raw 4 MiB | CPU raw / push | ceiling |\n"
                + "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Round r : rounds) {
            md.append(String.format(Locale.ROOT, "| %d%s | %.2f | %.1f | %.1f | %.2f | %.2f / %.2f | %.1f / %.1f | %s | %s | %s |%n",
                    r.n(), r == median ? " (median)" : "", r.pushSeconds(), mib / r.pushSeconds(), r.pushCpu(),
                    r.scanCpu(), r.before().seconds(), r.after().seconds(), r.before().cpuSeconds(),
                    r.after().cpuSeconds(), ratio(r.ratio()), ratio(r.rawCpu() / r.pushCpu()), ratio(r.ceiling())));
        }
        md.append(String.format(Locale.ROOT, "%n\"CPU raw / push\" is the mean CPU of the raw runs over the push's: "
                + "where both are CPU-bound it predicts the ratio. \"ceiling\" is the ratio if the push added only its "
                + "scan to the raw PUT's CPU (the chunk boundaries, the chunk ids' and the file's SHA-256, which the "
                + "design requires): raw CPU / (raw CPU + scan CPU). It is what no client could beat on this machine "
                + "while the S3 endpoint shares its cores, with no upload grant, no commit and no JIT compilation of "
                + "its own.%n"));
        md.append(String.format(Locale.ROOT, "%n| result | |%n|---|---:|%n"
                + "| **ratio push / raw PUT of 4 MiB objects (median of %d rounds)** | **%s** (goal ≥ 0.8: %s; rounds %s–%s) |%n",
                ROUNDS, ratio(median.ratio()), mark(median.ratio() >= 0.8), ratio(byRatio.get(0).ratio()),
                ratio(byRatio.get(byRatio.size() - 1).ratio())));
        md.append(String.format(Locale.ROOT, "| raw PUT of 256 KiB objects, once: %.2f s, %.1f MiB/s, %.1f CPU s | |%n",
                raw256.seconds(), mib / raw256.seconds(), raw256.cpuSeconds()));
        md.append(String.format(Locale.ROOT, "| ratio push (median round) / raw PUT of 256 KiB objects | %s |%n",
                ratio(raw256.seconds() / pushSeconds)));
        String scanText = scan > 0 ? String.format(Locale.ROOT, "chunk + hash %s (%.1f CPU s), ", secs(scan),
                phases.cpuSeconds("hash")) : "chunk + hash overlapped with the upload, ";
        md.append(String.format(Locale.ROOT, "%nThe push's phases: %supload %s (%.1f CPU s; "
                + "grants and PUTs), commit %s (%.1f CPU s; %d chunks, the large-commit path: the version written "
                + "PENDING, chunks verified and pinned in batches, then published).%n%n", scanText, secs(upload), phases.cpuSeconds("upload"),
                secs(Math.max(0, pushSeconds - scan - upload)),
                Math.max(0, pushCpu - phases.cpuSeconds("hash") - phases.cpuSeconds("upload")), result.stats().chunks()));
        md.append(String.format(Locale.ROOT, "CPU seconds by thread group in the median round (from /proc, so the "
                + "JIT compilers and GC count; groups under 0.05 s left out; S#Proxy-Jetty is s3proxy, qtp# and "
                + "SQLiteQueue DynamoDB Local, store-io and lambda-* the handlers, HttpClient the java.net.http client "
                + "of both runs, C# CompilerThre the JIT):%n%n- raw PUT before: %s%n- push: %s%n- raw PUT after: %s%n%n", median.before().threads(),
                median.threads(), median.after().threads()));
        double avgMib = size / (double) (1 << 20) / result.stats().chunks();
        md.append(String.format(Locale.ROOT, "Upload grants, measured alone (%d chunks of new ids per request): one "
                + "request at a time %.0f ms each, i.e. %.0f chunks/s (%.0f MiB/s of this push's chunks); four at a "
                + "time %.0f chunks/s. The push asks for one grant at a time (at most %d chunks or %d MiB), with up "
                + "to %d batches' uploads submitted at once.%n%n", GRANT_BATCH, grant1[0], grant1[1], grant1[1] * avgMib,
                grant4[1], GRANT_BATCH, FilePusher.GRANT_BATCH_BYTES >> 20, FilePusher.BATCHES_IN_FLIGHT));
        return md.toString();
    }

    /** Same as the client's grant batch (by count). */
    private static final int GRANT_BATCH = FilePusher.GRANT_BATCH;
    /** The warm-up file's size: past the large-file threshold, so the warm-up takes the timed push's path. */
    private static final long WARM_UP_BYTES = 256L << 20;
    /** The second warm-up file: under the large-file threshold, so cut with the default profile. */
    private static final long WARM_UP_SMALL_BYTES = 96L << 20;

    /**
     * Times upload-grant requests for {@link #GRANT_BATCH} random (new) chunk ids, {@code concurrency} at a time,
     * twice per thread; returns {mean milliseconds per request, chunks granted per second}.
     */
    private double[] grantProbe(int concurrency) throws Exception {
        Random random = new Random(ctx.seed + concurrency);
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        // Chunks sent alone: a client that packs gets "send it in a pack" answers for chunks this small, no upload URLs.
        try (ChunkvaultClient client = ctx.client("grants-" + concurrency, false, false)) {
            List<List<ChunkvaultClient.ChunkRef>> batches = new ArrayList<>();
            for (int g = 0; g < 2 * concurrency; g++) {
                List<ChunkvaultClient.ChunkRef> refs = new ArrayList<>();
                for (int i = 0; i < GRANT_BATCH; i++) {
                    byte[] id = new byte[32];
                    random.nextBytes(id);
                    refs.add(new ChunkvaultClient.ChunkRef(java.util.HexFormat.of().formatHex(id), 256 << 10));
                }
                batches.add(refs);
            }
            List<Future<Long>> futures = new ArrayList<>();
            long t0 = System.nanoTime();
            for (List<ChunkvaultClient.ChunkRef> b : batches) {
                futures.add(pool.submit(() -> {
                    long s = System.nanoTime();
                    if (client.requestUploads(b).uploads().size() != b.size()) {
                        throw new IllegalStateException("a grant for new chunks did not grant them all");
                    }
                    return System.nanoTime() - s;
                }));
            }
            long sum = 0;
            for (Future<Long> f : futures) {
                sum += f.get();
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            return new double[] {sum / 1e6 / batches.size(), batches.size() * GRANT_BATCH / seconds};
        } finally {
            pool.shutdownNow();
        }
    }

    private static void writeRandom(Path file, long size, Random random) throws IOException {
        byte[] buf = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long done = 0; done < size; done += buf.length) {
                random.nextBytes(buf);
                out.write(buf, 0, (int) Math.min(buf.length, size - done));
            }
        }
    }

    /** PUTs the file as objects of {@code objectSize} bytes, {@code parallelism} at a time; the seconds it took. */
    private Raw rawPut(Path file, long size, int objectSize, String label) throws Exception {
        int count = (int) ((size + objectSize - 1) / objectSize);
        String prefix = "raw-" + objectSize + "-" + System.nanoTime() + "/";
        List<PresignedPutObjectRequest> urls = new ArrayList<>(count);
        try (S3Presigner presigner = ctx.aws.presigner(); FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            for (int i = 0; i < count; i++) {
                byte[] part = read(ch, (long) i * objectSize, (int) Math.min(objectSize, size - (long) i * objectSize));
                String sha = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(part));
                String key = prefix + i;
                long length = part.length;
                urls.add(presigner.presignPutObject(b -> b.signatureDuration(Duration.ofHours(1))
                        .putObjectRequest(r -> r.bucket(rawBucket).key(key).contentLength(length).checksumSHA256(sha))));
            }
        }
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(15)).build();
        ExecutorService pool = Executors.newFixedThreadPool(parallelism);
        long t0 = System.nanoTime();
        long c0 = cpuNanos();
        ThreadCpu.Usage threads;
        try (ThreadCpu.Sampler cpu = new ThreadCpu.Sampler(100);
             FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int n = i;
                futures.add(pool.submit(() -> {
                    long off = (long) n * objectSize;
                    byte[] part = read(ch, off, (int) Math.min(objectSize, size - off));
                    PresignedPutObjectRequest p = urls.get(n);
                    HttpRequest.Builder b = HttpRequest.newBuilder(p.url().toURI()).timeout(Duration.ofMinutes(2))
                            .PUT(HttpRequest.BodyPublishers.ofByteArray(part));
                    p.signedHeaders().forEach((name, values) -> {
                        if (!name.equalsIgnoreCase("host") && !name.equalsIgnoreCase("content-length")) {
                            b.header(name, String.join(",", values));
                        }
                    });
                    HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
                    if (r.statusCode() != 200) {
                        throw new IOException("raw PUT answered " + r.statusCode() + ": " + new String(r.body()));
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
            threads = cpu.report();
        } finally {
            pool.shutdownNow();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        double cpu = (cpuNanos() - c0) / 1e9;
        deleteAll(prefix, count);
        return new Raw(label, objectSize, seconds, cpu, threads);
    }

    private void deleteAll(String prefix, int count) {
        for (int i = 0; i < count; i += 1000) {
            List<ObjectIdentifier> ids = new ArrayList<>();
            for (int j = i; j < Math.min(count, i + 1000); j++) {
                ids.add(ObjectIdentifier.builder().key(prefix + j).build());
            }
            ctx.s3.deleteObjects(b -> b.bucket(rawBucket).delete(Delete.builder().objects(ids).quiet(true).build()));
        }
    }

    private static byte[] read(FileChannel ch, long offset, int length) throws IOException {
        byte[] b = new byte[length];
        ByteBuffer buf = ByteBuffer.wrap(b);
        long pos = offset;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new IOException("short read");
            }
            pos += n;
        }
        return b;
    }
}
