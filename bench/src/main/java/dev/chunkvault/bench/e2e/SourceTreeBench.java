package dev.chunkvault.bench.e2e;

import static dev.chunkvault.bench.e2e.BenchContext.bytes;
import static dev.chunkvault.bench.e2e.BenchContext.kib;
import static dev.chunkvault.bench.e2e.BenchContext.mark;
import static dev.chunkvault.bench.e2e.BenchContext.ratio;
import static dev.chunkvault.bench.e2e.BenchContext.secs;

import dev.chunkvault.bench.e2e.Tools.ResticSummary;
import dev.chunkvault.bench.e2e.Tools.RsyncStats;
import dev.chunkvault.bench.e2e.WireMeter.Counts;
import dev.chunkvault.bench.e2e.WireMeter.Snapshot;
import dev.chunkvault.client.ChunkvaultClient;
import dev.chunkvault.client.model.FileEntry;
import dev.chunkvault.client.sync.StateStore;
import dev.chunkvault.client.sync.SyncEngine;
import dev.chunkvault.client.sync.SyncReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Table 2: a real source tree in two versions. The same upgrade (v1 → v2 in place: changed and new files get a new
 * modification time, unchanged files keep theirs, removed files go) is given to three tools:
 * <ul>
 *   <li>Chunkvault: {@link SyncEngine} — what {@code chunkvault sync DIR} runs — on a folder holding v1, then
 *       upgraded to v2; every HTTP byte counted by {@link WireMeter};</li>
 *   <li>{@code rsync -a --delete --no-whole-file --stats} v1 → dest, then v2 → dest (--delete so that dest mirrors
 *       v2 like the synced folder does);</li>
 *   <li>{@code restic backup --compression off} of a folder holding v1, then upgraded to v2 (same path, so the
 *       second backup has the first as parent).</li>
 * </ul>
 * Stored bytes for v2: Chunkvault's new objects in the chunk bucket (chunks, and manifests too large to be inline;
 * found by listing the bucket before and after) against restic's {@code data_added} for the second snapshot.
 */
final class SourceTreeBench {
    private static final FileTime T1 = FileTime.from(Instant.parse("2024-01-01T00:00:00Z"));
    private static final FileTime T2 = FileTime.from(Instant.parse("2024-02-01T00:00:00Z"));

    private final BenchContext ctx;
    private final Path v1;
    private final Path v2;
    private final String label;
    private final Path dir;

    SourceTreeBench(BenchContext ctx, Path v1, Path v2, String label) throws IOException {
        this.ctx = ctx;
        this.v1 = v1;
        this.v2 = v2;
        this.label = label;
        this.dir = ctx.work.resolve("tree");
        Trees.deleteTree(dir);
        Files.createDirectories(dir);
    }

    private record Synced(Counts wire, Snapshot detail, double seconds, SyncReport report) {}

    String run() throws IOException, InterruptedException {
        // The two versions as an upgrade in place would leave them.
        Path t1 = dir.resolve("v1");
        Path t2 = dir.resolve("v2");
        Trees.copyWithTime(v1, t1, T1);
        Trees.copyWithTime(v1, t2, T1);
        Trees.Change change = Trees.upgrade(v2, t2, T2);

        // Chunkvault: sync v1, upgrade the folder, sync v2.
        Path cv = dir.resolve("chunkvault");
        Trees.copyWithTime(v1, cv, T1);
        Synced cv1;
        Synced cv2;
        Synced settle;
        long stored;
        int newObjects;
        long newChunkBytes = 0;
        try (ChunkvaultClient client = ctx.client("tree", true); StateStore state = StateStore.open(cv)) {
            cv1 = sync(client, state);
            // The folder as it is between edits: synced, and the change feed's echo of the v1 commits (visible
            // CHANGE_SETTLE = 10 s after a commit) read by a sync with nothing to do, as a watching client would.
            Thread.sleep(11_000);
            settle = sync(client, state);
            if (!settle.report().pushed.isEmpty() || !settle.report().pulled.isEmpty()) {
                throw new IllegalStateException("a sync right after a full sync moved files: pushed "
                        + settle.report().pushed + ", pulled " + settle.report().pulled);
            }
            Trees.mirror(t2, cv, Set.of(".chunkvault"));
            Map<String, Long> before = ctx.objects();
            cv2 = sync(client, state);
            Map<String, Long> after = ctx.objects();
            stored = 0;
            newObjects = 0;
            for (var e : after.entrySet()) {
                if (!before.containsKey(e.getKey())) {
                    stored += e.getValue();
                    newObjects++;
                    if (e.getKey().startsWith("chunks/")) {
                        newChunkBytes += e.getValue();
                    }
                }
            }
            verify(client, t2);
        }

        // rsync.
        Path dest = dir.resolve("rsync-dest");
        List<String> opts = List.of("-a", "--delete", "--no-whole-file", "--no-human-readable");
        RsyncStats r1 = Tools.rsync(opts, t1 + "/", dest.toString());
        RsyncStats r2 = Tools.rsync(opts, t2 + "/", dest.toString());
        Tools.run(List.of("diff", "-r", t2.toString(), dest.toString()), Map.of(), null); // fails if they differ
        // The same with -z: Chunkvault compresses delta literals and JSON answers, plain rsync sends literals raw.
        Path destZ = dir.resolve("rsync-z-dest");
        List<String> optsZ = new java.util.ArrayList<>(opts);
        optsZ.add("-z");
        Tools.rsync(optsZ, t1 + "/", destZ.toString());
        RsyncStats z2 = Tools.rsync(optsZ, t2 + "/", destZ.toString());

        // restic.
        Path src = dir.resolve("restic-src");
        Trees.copyWithTime(v1, src, T1);
        Tools.Restic restic = new Tools.Restic(dir.resolve("restic-repo"), dir.resolve("restic-cache"));
        restic.init();
        ResticSummary s1 = restic.backup(src);
        Trees.mirror(t2, src, Set.of());
        ResticSummary s2 = restic.backup(src);

        StringBuilder md = new StringBuilder();
        md.append("Source tree: ").append(label).append(". v1: ").append(change.filesBefore()).append(" files, ")
                .append(bytes(change.bytesBefore())).append(" bytes; v2: ").append(change.filesAfter()).append(" files, ")
                .append(bytes(change.bytesAfter())).append(" bytes; the upgrade changes ").append(change.changed())
                .append(" files, adds ").append(change.added()).append(" and removes ").append(change.removed())
                .append(" (").append(bytes(change.bytesChangedOrAdded())).append(" bytes in changed or new files).\n\n");

        double wireRatio = (double) cv2.wire().total() / r2.total();
        double storeRatio = (double) stored / s2.dataAdded();
        md.append("| v2 step | Chunkvault | rsync | restic | ratio | goal |\n|---|---:|---:|---:|---:|---|\n");
        md.append("| bytes over the wire (sent + received) | ").append(bytes(cv2.wire().total())).append(" (")
                .append(kib(cv2.wire().total())).append(", ").append(cv2.wire().requests()).append(" requests) | ")
                .append(bytes(r2.total())).append(" (").append(kib(r2.total())).append(") | (local repository) | ")
                .append(ratio(wireRatio)).append(" × rsync | ≤ 1.5 × ").append(mark(wireRatio <= 1.5)).append(" |\n");
        md.append("| bytes over the wire, against `rsync -z` (compressed) | | ").append(bytes(z2.total())).append(" (")
                .append(kib(z2.total())).append(") | | ").append(ratio((double) cv2.wire().total() / z2.total()))
                .append(" × rsync -z | (not a goal; shown because Chunkvault compresses its delta literals) |\n");
        md.append("| bytes stored for v2 | ").append(bytes(stored)).append(" (").append(newObjects)
                .append(" new S3 objects) | | ").append(bytes(s2.dataAdded())).append(" data_added (repository grew ")
                .append(bytes(s2.repoGrowth())).append(") | ").append(ratio(storeRatio)).append(" × restic | ≤ 1.0 × ")
                .append(mark(storeRatio <= 1.0)).append(" |\n");
        md.append("| wall time | ").append(secs(cv2.seconds())).append(" | ").append(secs(r2.seconds())).append(" | ")
                .append(secs(s2.seconds())).append(" | | |\n");
        md.append("\nThe v1 step, for reference: Chunkvault ").append(bytes(cv1.wire().total())).append(" bytes over the "
                + "wire in ").append(cv1.wire().requests()).append(" requests, ").append(secs(cv1.seconds()))
                .append(" (").append(cv1.report().pushed.size()).append(" files pushed); rsync ")
                .append(bytes(r1.total())).append(" bytes, ").append(secs(r1.seconds())).append("; restic ")
                .append(bytes(s1.dataAdded())).append(" bytes added, ").append(secs(s1.seconds())).append(". ")
                .append("Then, 11 s later, a Chunkvault sync with nothing to do read the change feed's echo of the v1 "
                        + "commits: ").append(bytes(settle.wire().total())).append(" bytes in ")
                .append(settle.wire().requests()).append(settle.wire().requests() == 1 ? " request" : " requests")
                .append(" (not part of the v2 step below).\n");
        md.append("The v2 step: Chunkvault pushed ").append(cv2.report().pushed.size()).append(" files and deleted ")
                .append(cv2.report().deletedRemote.size()).append(" (").append(bytes(newChunkBytes))
                .append(" bytes of new chunks); rsync transferred ").append(r2.filesTransferred()).append(" files (literal ")
                .append(bytes(r2.literal())).append(", matched ").append(bytes(r2.matched())).append("); restic saw ")
                .append(s2.filesNew()).append(" new, ").append(s2.filesChanged()).append(" changed, ")
                .append(s2.filesUnmodified()).append(" unmodified files, and added ").append(s2.dataBlobs())
                .append(" data blobs and ").append(s2.treeBlobs()).append(" tree blobs.\n");
        md.append("Chunkvault's stored bytes do not include its metadata in DynamoDB (file, version and reference "
                + "rows, and manifests small enough to be inline), as restic's data_added does not include its index. "
                + "The wall times include, for Chunkvault, the wire meter's extra loopback hop for every request.\n\n");

        md.append("Where the v2 step's bytes go (Chunkvault):\n\n| category | requests | header bytes | body bytes | "
                + "total |\n|---|---:|---:|---:|---:|\n");
        cv2.detail().byCategory().forEach((cat, c) -> md.append("| ").append(cat).append(" | ").append(c.requests())
                .append(" | ").append(bytes(c.headers())).append(" | ").append(bytes(c.bodies())).append(" | ")
                .append(bytes(c.total())).append(" |\n"));
        Counts all = cv2.wire();
        md.append("| all | ").append(all.requests()).append(" | ").append(bytes(all.headers())).append(" | ")
                .append(bytes(all.bodies())).append(" | ").append(bytes(all.total())).append(" |\n\n");
        return md.toString();
    }

    private Synced sync(ChunkvaultClient client, StateStore state) throws IOException {
        Snapshot before = ctx.meter.snapshot();
        long t0 = System.nanoTime();
        SyncReport report = new SyncEngine(client, state, SyncEngine.Options.defaults("bench"), null).run();
        double seconds = (System.nanoTime() - t0) / 1e9;
        Snapshot used = ctx.meter.snapshot().since(before);
        if (!report.errors.isEmpty() || !report.conflicts.isEmpty() || !report.refusedDeletes.isEmpty()
                || !report.heldDownloads.isEmpty() || !report.collisions.isEmpty()) {
            throw new IllegalStateException("the sync did not finish cleanly: errors " + report.errors + ", conflicts "
                    + report.conflicts + ", refused deletes " + report.refusedDeletes + ", held downloads "
                    + report.heldDownloads + ", collisions " + report.collisions);
        }
        return new Synced(used.total(), used, seconds, report);
    }

    /** Every file of v2 is on the service with its content hash, and nothing else is (not metered). */
    private static void verify(ChunkvaultClient metered, Path t2) throws IOException {
        try (ChunkvaultClient client = new ChunkvaultClient(metered.options().withProxy(null))) {
            Map<String, String> remote = new HashMap<>();
            for (FileEntry e : client.listAll("", true, false).files()) {
                remote.put(e.path(), e.contentHash());
            }
            TreeMap<String, Path> local = Trees.files(t2, Set.of());
            if (remote.size() != local.size()) {
                throw new IllegalStateException("the service holds " + remote.size() + " files, v2 has " + local.size());
            }
            for (var e : local.entrySet()) {
                if (!Trees.sha256(e.getValue()).equals(remote.get(e.getKey()))) {
                    throw new IllegalStateException(e.getKey() + " is not on the service as in v2");
                }
            }
        }
    }
}
