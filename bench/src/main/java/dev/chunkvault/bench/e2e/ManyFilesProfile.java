package dev.chunkvault.bench.e2e;

import dev.chunkvault.api.wiring.Wiring;
import dev.chunkvault.bench.e2e.WireMeter.Counts;
import dev.chunkvault.bench.e2e.WireMeter.Snapshot;
import dev.chunkvault.client.ChunkvaultClient;
import dev.chunkvault.client.sync.StateStore;
import dev.chunkvault.client.sync.SyncEngine;
import dev.chunkvault.client.sync.SyncListener;
import dev.chunkvault.client.sync.SyncReport;
import dev.chunkvault.local.LocalCloud;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where a sync of a tree of many small files spends its requests, time and CPU (issue 15, "measure first"): a first
 * sync of the tree, a second device getting it, and a sync with nothing to do, each through the wire meter (requests,
 * bytes and summed request time by API route and S3 object kind) and the per-thread CPU sampler (client threads,
 * the functions' threads, DynamoDB Local, s3proxy, JIT and GC). Everything runs in this JVM on an in-memory local
 * cloud, as the e2e bench does. With {@code --tree2} (a later version of the tree), also the update: device A's folder
 * upgraded in place and synced, then device B getting it, both through their change feeds.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar dev.chunkvault.bench.e2e.ManyFilesProfile --tree DIR [--out FILE] [--work DIR]
 *     [--packs on|off] [--compress on|off] [--tree2 DIR]
 * </pre>
 *
 * <p>Each step also reports its wire bytes (all requests, sent and received, headers included) against the tree's size,
 * and the first sync the bytes stored in the bucket (chunk, pack and manifest objects) — the two figures of issue 18.
 */
public final class ManyFilesProfile {
    private ManyFilesProfile() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new java.util.HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            a.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        Path tree = Path.of(a.get("tree")).toAbsolutePath();
        Path out = Path.of(a.getOrDefault("out", "bench/results/tmp/many-files.md"));
        Path work = Path.of(a.getOrDefault("work", "bench/results/tmp/many-files-work")).toAbsolutePath();
        Trees.deleteTree(work);
        long files;
        long bytes;
        try (var s = Files.walk(tree)) {
            long[] fb = {0, 0};
            s.filter(Files::isRegularFile).forEach(p -> {
                fb[0]++;
                fb[1] += p.toFile().length();
            });
            files = fb[0];
            bytes = fb[1];
        }
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "Tree: %s — %,d files, %s%n%n", tree, files, BenchContext.bytes(bytes)));
        StoreCalls.Tally calls = new StoreCalls.Tally();
        try (LocalCloud cloud = LocalCloud.start(LocalCloud.Options.inMemory().withHandlers((type, env, id) ->
                type.getConstructor(Wiring.class).newInstance(Wiring.fromEnv(env, List.of(calls.forFunction(id))))));
             BenchContext ctx = new BenchContext(cloud, work, 1)) {
            Path a1 = work.resolve("device-a");
            Trees.mirror(tree, a1, java.util.Set.of());
            boolean packs = !"off".equals(a.get("packs"));
            boolean compress = !"off".equals(a.get("compress"));
            md.append("Packs: ").append(packs ? "on" : "off").append("; compression: ").append(compress ? "on" : "off")
                    .append("\n\n");
            ChunkvaultClient alice = ctx.client("many", true, packs);
            alice.compressPacks(compress);
            md.append(step(ctx, calls, "first sync (device A pushes the tree)", files, bytes, () -> sync(alice, a1, "a")));
            md.append(stored(ctx, bytes));
            Path b1 = Files.createDirectories(work.resolve("device-b"));
            ChunkvaultClient aliceB = ctx.client("many", true, packs);
            md.append(step(ctx, calls, "second device (device B gets the tree)", files, bytes, () -> sync(aliceB, b1, "b")));
            md.append(step(ctx, calls, "no-op sync (device A, nothing changed)", files, bytes, () -> sync(alice, a1, "a")));
            if (a.containsKey("tree2")) {
                // The update: device A's folder upgraded in place (same bytes keep their time), synced through the change
                // feed as a device's later syncs are; then device B gets it, through its feed too.
                Trees.Change change = Trees.upgrade(Path.of(a.get("tree2")).toAbsolutePath(), a1,
                        java.nio.file.attribute.FileTime.from(java.time.Instant.now()), java.util.Set.of(".chunkvault"));
                md.append(String.format(Locale.ROOT, "Upgraded in place to %s: %,d changed, %,d added, %,d removed"
                        + " (%s changed or added)%n%n", a.get("tree2"), change.changed(), change.added(), change.removed(),
                        BenchContext.bytes(change.bytesChangedOrAdded())));
                md.append(step(ctx, calls, "update (device A syncs the upgrade, through its feed)", files, bytes,
                        () -> feedSync(alice, a1, "a")));
                md.append(step(ctx, calls, "update (device B gets it, through its feed)", files, bytes,
                        () -> feedSync(aliceB, b1, "b")));
            }
        }
        System.out.println(md);
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, md.toString(), StandardCharsets.UTF_8);
        System.exit(0); // a client's or emulator's non-daemon thread must not keep a finished profile running
    }

    interface Step {
        SyncReport run() throws IOException;
    }

    private static SyncReport sync(ChunkvaultClient client, Path root, String device) throws IOException {
        try (StateStore st = StateStore.open(root)) {
            return new SyncEngine(client, st, SyncEngine.Options.defaults(device).withFullListing(true),
                    SyncListener.NONE).run();
        }
    }

    /** A sync through the change feed (no full listing, a mass deletion allowed), as an upgrade's sync is. */
    private static SyncReport feedSync(ChunkvaultClient client, Path root, String device) throws IOException {
        try (StateStore st = StateStore.open(root)) {
            return new SyncEngine(client, st, SyncEngine.Options.defaults(device).withForce(true), SyncListener.NONE).run();
        }
    }

    /** The bytes of the objects in the bucket, by prefix, against the tree's size. */
    private static String stored(BenchContext ctx, long treeBytes) {
        Map<String, Long> byPrefix = new java.util.TreeMap<>();
        ctx.s3.listObjectsV2Paginator(b -> b.bucket(ctx.bucket)).contents().forEach(o -> byPrefix.merge(
                o.key().substring(0, o.key().indexOf('/') + 1), o.size(), Long::sum));
        long total = byPrefix.values().stream().mapToLong(Long::longValue).sum();
        String s = String.format(Locale.ROOT, "Stored in the bucket after the first sync: %,d bytes (%.3f x the tree's %,d)"
                + " — by prefix %s%n%n", total, (double) total / treeBytes, treeBytes, byPrefix);
        System.out.print(s);
        return s;
    }

    private static String step(BenchContext ctx, StoreCalls.Tally calls, String title, long files, long treeBytes, Step step)
            throws IOException {
        Snapshot before = ctx.meter.snapshot();
        Map<String, long[]> callsBefore = calls.snapshot();
        long t0 = System.nanoTime();
        SyncReport r;
        ThreadCpu.Usage cpu;
        try (ThreadCpu.Sampler sampler = new ThreadCpu.Sampler(100)) {
            r = step.run();
            cpu = sampler.report();
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        Snapshot d = ctx.meter.snapshot().since(before);
        StringBuilder sb = new StringBuilder();
        sb.append("### ").append(title).append("\n\n");
        sb.append(String.format(Locale.ROOT, "Wall %.1f s; pushed %,d, pulled %,d, errors %d; process CPU %.1f s%n%n",
                wall, r.pushed.size(), r.pulled.size(), r.errors.size(), cpu.processSeconds()));
        sb.append("| requests of | count | per file | bytes sent | bytes received | summed time s | mean ms |\n");
        sb.append("|---|---:|---:|---:|---:|---:|---:|\n");
        long api = 0;
        for (Map.Entry<String, Counts> e : d.byCategory().entrySet()) {
            Counts c = e.getValue();
            if (e.getKey().startsWith("API")) {
                api += c.requests();
            }
            sb.append(String.format(Locale.ROOT, "| %s | %,d | %.3f | %s | %s | %.1f | %.1f |%n", e.getKey(), c.requests(),
                    (double) c.requests() / files, BenchContext.bytes(c.sent()), BenchContext.bytes(c.received()),
                    c.nanos() / 1e9, c.meanMillis()));
        }
        sb.append(String.format(Locale.ROOT, "%nAPI requests per file: %.3f%n%n", (double) api / files));
        Counts all = d.total();
        sb.append(String.format(Locale.ROOT, "Wire bytes (sent + received, headers included): %,d (%.3f x the tree); bodies"
                + " %,d (%.3f x)%n%n", all.total(), (double) all.total() / treeBytes, all.bodies(), (double) all.bodies() / treeBytes));
        sb.append("CPU by thread group (s): ").append(cpu).append("\n\n");
        sb.append("The functions' DynamoDB calls (items per file moved: pushed or pulled; a transaction's actions"
                + " listed by kind and table, not added again to the total):\n\n");
        sb.append(calls.since(callsBefore, Math.max(1, r.pushed.size() + r.pulled.size())));
        System.out.print(sb);
        return sb.toString();
    }
}
