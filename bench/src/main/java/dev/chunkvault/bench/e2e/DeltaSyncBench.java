package dev.chunkvault.bench.e2e;

import static dev.chunkvault.bench.e2e.BenchContext.bytes;
import static dev.chunkvault.bench.e2e.BenchContext.kib;
import static dev.chunkvault.bench.e2e.BenchContext.mark;
import static dev.chunkvault.bench.e2e.BenchContext.pct;
import static dev.chunkvault.bench.e2e.BenchContext.ratio;

import dev.chunkvault.bench.e2e.Tools.RsyncStats;
import dev.chunkvault.bench.e2e.WireMeter.Counts;
import dev.chunkvault.bench.e2e.WireMeter.Snapshot;
import dev.chunkvault.client.ChunkvaultClient;
import dev.chunkvault.client.FilePuller;
import dev.chunkvault.client.FilePusher;
import dev.chunkvault.client.PushJournal;
import dev.chunkvault.core.manifest.Manifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Table 1: bytes on the wire for pushing small edits of a file, Chunkvault (every HTTP byte, API and presigned S3,
 * counted by {@link WireMeter}) against {@code rsync --no-whole-file} on the same files.
 *
 * <p>The client is the SDK's {@link FilePusher}, used as {@code chunkvault sync} uses it: it knows the parent's
 * manifest from its state (so it does not download it again), asks upload grants for the chunks the service lacks,
 * and for an edited chunk fetches the block signature of the parent's chunk at the same position and sends a
 * binary delta when that is less than half the chunk. rsync runs local-to-local with {@code --no-whole-file}
 * (without it rsync copies whole files locally) and {@code -I} (always transfer, never trust size and time), into a
 * destination that holds the previous version.
 */
final class DeltaSyncBench {
    static final int BIG = 64 << 20;
    static final int[] SMALL = {100_000, 1_000_000, 10_000_000};
    private static final List<String> RSYNC = List.of("--no-whole-file", "-I", "--no-human-readable");

    private final BenchContext ctx;
    private final Path dir;
    private final StringBuilder breakdown = new StringBuilder();

    DeltaSyncBench(BenchContext ctx) throws IOException {
        this.ctx = ctx;
        this.dir = Files.createDirectories(ctx.work.resolve("delta"));
    }

    /** One measured push and the rsync of the same file. */
    record Step(String label, Counts cv, RsyncStats rsync, FilePusher.Stats stats) {}

    private final class Tracked implements AutoCloseable {
        final ChunkvaultClient client;
        final FilePusher pusher;
        final String remote;
        final Path rsyncDest;
        String version;
        Manifest manifest;

        Tracked(String user, String remote) throws IOException {
            this.client = ctx.client(user, true);
            this.pusher = new FilePusher(client, PushJournal.inMemory());
            this.remote = remote;
            Path d = Files.createDirectories(dir.resolve("rsync-" + user));
            this.rsyncDest = d.resolve("file.bin");
            Files.deleteIfExists(rsyncDest);
        }

        /** Writes {@code content} as the local file, pushes it on the previous version, rsyncs it. */
        Step push(String label, byte[] content) throws IOException, InterruptedException {
            Path local = dir.resolve(remote.replace('/', '_') + "-" + label.replaceAll("[^A-Za-z0-9]+", "_"));
            Files.write(local, content);
            FilePusher.Request r = FilePusher.Request.of(local, remote, version);
            if (manifest != null) {
                r = r.withParentManifest(manifest);
            }
            Snapshot before = ctx.meter.snapshot();
            FilePusher.Result res = pusher.push(r);
            Snapshot used = ctx.meter.snapshot().since(before);
            version = res.commit().version().versionId();
            manifest = res.manifest();
            RsyncStats rs = Tools.rsync(RSYNC, local.toString(), rsyncDest.toString());
            if (!Trees.sha256(rsyncDest).equals(res.contentHash())) {
                throw new IllegalStateException("rsync's copy differs from the source after " + label);
            }
            breakdown(remote + ", " + label, used);
            return new Step(label, used.total(), rs, res.stats());
        }

        /** Pulls the head back (not metered) and checks it is byte-identical to {@code expected}. */
        void verify(byte[] expected) throws IOException {
            Path copy = dir.resolve("pulled.bin");
            Files.deleteIfExists(copy);
            try (ChunkvaultClient plain = new ChunkvaultClient(client.options().withProxy(null))) {
                new FilePuller(plain).pull(FilePuller.Request.of(remote, copy));
            }
            if (!Arrays.equals(Files.readAllBytes(copy), expected)) {
                throw new IllegalStateException(remote + " did not pull back identical");
            }
            Files.delete(copy);
        }

        @Override
        public void close() {
            client.close();
        }
    }

    private void breakdown(String what, Snapshot used) {
        used.byCategory().forEach((cat, c) -> breakdown.append("| ").append(what).append(" | ").append(cat)
                .append(" | ").append(c.requests()).append(" | ").append(bytes(c.headers())).append(" | ")
                .append(bytes(c.bodies())).append(" | ").append(bytes(c.total())).append(" |\n"));
    }

    String run() throws IOException, InterruptedException {
        StringBuilder md = new StringBuilder();
        Random random = new Random(ctx.seed);
        byte[] v0 = new byte[BIG];
        random.nextBytes(v0);

        List<Step> steps = new ArrayList<>();
        byte[] last;
        try (Tracked t = new Tracked("delta", "bench/big.bin")) {
            steps.add(t.push("first push (64 MiB, new)", v0));
            byte[] a = insert(v0, BIG / 2, new byte[] {42});
            steps.add(t.push("(a) 1-byte insert in the middle", a));
            byte[] b = a.clone();
            int at = random.nextInt(b.length - 4096);
            byte[] patch = new byte[4096];
            random.nextBytes(patch);
            System.arraycopy(patch, 0, b, at, patch.length);
            steps.add(t.push("(b) 4 KiB overwrite at " + at, b));
            byte[] c = b;
            int[] offsets = new int[10];
            for (int i = 0; i < 10; i++) {
                offsets[i] = random.nextInt(c.length);
                byte[] ins = new byte[100];
                random.nextBytes(ins);
                c = insert(c, offsets[i], ins);
            }
            steps.add(t.push("(c) 10 x 100-byte inserts", c));
            last = c;
            t.verify(last);
            md.append("The 100-byte inserts of (c) went at offsets ").append(Arrays.toString(offsets))
                    .append(" (each into the file as left by the previous one). Edits are cumulative: each version "
                            + "is pushed on the previous one, and rsync's destination holds the previous version.\n\n");
        }

        md.append("| step | Chunkvault bytes (sent + received) | requests | chunks PUT / delta | rsync bytes (sent + received) "
                + "| rsync literal / matched | Chunkvault / rsync | goal ≤ 2 × |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---|\n");
        for (int i = 0; i < steps.size(); i++) {
            Step s = steps.get(i);
            double r = (double) s.cv().total() / s.rsync().total();
            md.append("| ").append(s.label()).append(" | ").append(bytes(s.cv().total())).append(" (")
                    .append(kib(s.cv().total())).append(") | ").append(s.cv().requests()).append(" | ")
                    .append(s.stats().chunksUploaded()).append(" / ").append(s.stats().chunksDelta()).append(" | ")
                    .append(bytes(s.rsync().total())).append(" (").append(kib(s.rsync().total())).append(") | ")
                    .append(bytes(s.rsync().literal())).append(" / ").append(bytes(s.rsync().matched())).append(" | ")
                    .append(ratio(r)).append(" | ").append(i == 0 ? "(reference)" : mark(r <= 2.0)).append(" |\n");
        }
        md.append("\nrsync ran local-to-local with `--no-whole-file`: its \"Matched data\" above is the part of the file "
                + "the receiver already had and the sender did not send, i.e. the delta algorithm ran between rsync's "
                + "sender and receiver processes (without `--no-whole-file`, a local rsync sends every byte as literal "
                + "data). Its bytes are the protocol stream between the two processes: file list, block checksums "
                + "(received), literal data and match tokens (sent).\n\n");

        // Savings on smaller files.
        md.append("#### Savings of one 100-byte edit against pushing the whole file\n\n");
        md.append("| file | whole-file push, Chunkvault | 100-byte insert, Chunkvault | savings | goal | "
                + "rsync whole / edit | rsync savings |\n|---|---:|---:|---:|---|---:|---:|\n");
        double[] goals = {0.95, 0.99, 0.995};
        for (int i = 0; i < SMALL.length; i++) {
            int size = SMALL[i];
            byte[] content = new byte[size];
            new Random(ctx.seed + size).nextBytes(content);
            try (Tracked t = new Tracked("small-" + size, "bench/small-" + size + ".bin")) {
                Step whole = t.push("whole file", content);
                byte[] edited = insert(content, size / 2, randomBytes(new Random(ctx.seed - size), 100));
                Step edit = t.push("100-byte insert", edited);
                t.verify(edited);
                double savings = 1 - (double) edit.cv().total() / whole.cv().total();
                double rsyncSavings = 1 - (double) edit.rsync().total() / whole.rsync().total();
                md.append("| ").append(String.format("%,d bytes", size)).append(" | ")
                        .append(bytes(whole.cv().total())).append(" | ").append(bytes(edit.cv().total()))
                        .append(" | ").append(pct(savings)).append(" | ≥ ").append(pct(goals[i])).append(" ")
                        .append(mark(savings >= goals[i])).append(" | ").append(bytes(whole.rsync().total()))
                        .append(" / ").append(bytes(edit.rsync().total())).append(" | ").append(pct(rsyncSavings))
                        .append(" |\n");
            }
        }
        md.append("\nSavings = 1 − bytes for pushing the edited version / bytes for pushing the file new (all HTTP "
                + "traffic both times). The insert goes in the middle of the file.\n\n");

        md.append("#### Where the bytes go\n\nEvery request of the pushes above by category (API route or S3 "
                + "object kind); headers include request and status lines.\n\n");
        md.append("| push | category | requests | header bytes | body bytes | total |\n|---|---|---:|---:|---:|---:|\n");
        md.append(breakdown).append('\n');
        return md.toString();
    }

    static byte[] insert(byte[] data, int at, byte[] ins) {
        byte[] out = new byte[data.length + ins.length];
        System.arraycopy(data, 0, out, 0, at);
        System.arraycopy(ins, 0, out, at, ins.length);
        System.arraycopy(data, at, out, at + ins.length, data.length - at);
        return out;
    }

    static byte[] randomBytes(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }
}
