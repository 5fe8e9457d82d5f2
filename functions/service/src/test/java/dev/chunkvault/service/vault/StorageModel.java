package dev.chunkvault.service.vault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.service.TestClock;
import dev.chunkvault.service.sim.Backend;
import dev.chunkvault.service.error.ErrorKind;
import dev.chunkvault.service.error.ServiceException;
import dev.chunkvault.service.sim.FakeClient;
import dev.chunkvault.service.sim.FakeClient.Content;
import dev.chunkvault.service.sim.Sim;
import dev.chunkvault.service.sim.SimBlobStore;
import dev.chunkvault.service.sim.SimItemStore;
import dev.chunkvault.service.sim.TestVault;
import dev.chunkvault.service.store.FaultyItemStore;
import dev.chunkvault.service.store.TransientStoreException;
import dev.chunkvault.service.time.Deadline;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The model-based run of the commit and GC protocols (issue "Storage API", tests 3 and 4): eight actors (four
 * owners, two devices each) interleave at every store call under a seeded deterministic scheduler, with a
 * test clock: uploads, commits (some delivered twice), abandoned uploads, deletes, restores, downloads, time
 * jumps, whole GC runs and GC phases run one by one. After every operation (and every few scheduling points in
 * between) no chunk of a retained version is missing, wrong or being deleted; periodically the counters equal
 * their recount; at the end, after two GC runs with no writers, no unreferenced chunk older than the grace
 * period remains. The seed is printed; the same seed replays the same run.
 */
public final class StorageModel {
    private StorageModel() {}

    enum Op { EDIT, BATCH_EDIT, DUPLICATE_EDIT, ABANDON, DELETE, RESTORE, DOWNLOAD, ADVANCE, GC_RUN, GC_PHASES, AUDIT_FIX, GC_KILLED, FEED,
        PACK_EDIT, PACK_ABANDON, PACK_BATCH_EDIT, LARGE_PACK_EDIT }

    private static final Map<Op, Integer> WEIGHTS = new EnumMap<>(Map.ofEntries(
            Map.entry(Op.EDIT, 26), Map.entry(Op.BATCH_EDIT, 8), Map.entry(Op.DUPLICATE_EDIT, 6), Map.entry(Op.ABANDON, 4), Map.entry(Op.DELETE, 8),
            Map.entry(Op.RESTORE, 8), Map.entry(Op.DOWNLOAD, 12), Map.entry(Op.ADVANCE, 12), Map.entry(Op.GC_RUN, 8),
            Map.entry(Op.GC_PHASES, 8), Map.entry(Op.AUDIT_FIX, 2), Map.entry(Op.GC_KILLED, 3), Map.entry(Op.FEED, 8),
            Map.entry(Op.PACK_EDIT, 10), Map.entry(Op.PACK_ABANDON, 3), Map.entry(Op.PACK_BATCH_EDIT, 8),
            Map.entry(Op.LARGE_PACK_EDIT, 3)));

    public static Settings settings() {
        return Settings.DEFAULTS.withParallelism(1).withRetention(Duration.ofDays(3)).withGrace(Duration.ofHours(6))
                .withSmallCommitChunks(6).withInlineManifestBytes(600).withMaxVersionsPerFilePerHour(3);
    }

    /** One owner has a quota small enough to be met: commits race for its last room (and restores pass it). */
    static final String QUOTA_OWNER = "owner-3";
    static final long QUOTA_BYTES = 40_000;

    /**
     * Runs {@code actors} × {@code opsPerActor} random operations on {@code backend}, checking the invariants after
     * every operation and every {@code checkEvery}-th scheduling point, the recount every {@code auditEvery}-th
     * check, and after quiescence that two GC runs leave no old garbage.
     */
    public static void run(long seed, double faultRate, int actors, int opsPerActor, Backend backend, TestClock clock,
                           int checkEvery, int auditEvery) {
        System.out.println("StorageModel seed=" + seed + " faultRate=" + faultRate + " (rerun with -Dmodel.seed=" + seed + ")");
        Sim sim = new Sim(seed);
        FaultyItemStore[] faulty = new FaultyItemStore[1];
        TestVault v = new TestVault(backend, clock, settings(),
                items -> {
                    faulty[0] = new FaultyItemStore(items, seed, faultRate);
                    return new SimItemStore(faulty[0], sim, clock, settings().storeCallTimeout());
                },
                blobs -> new SimBlobStore(blobs, sim, clock, settings().storeCallTimeout()), Retry.immediate(3));
        Oracle oracle = new Oracle(v);
        new UsageService(backend.items(), settings(), Retry.immediate(1)).setQuota(new Owner(QUOTA_OWNER), QUOTA_BYTES);
        Model model = new Model(v, new Random(seed ^ 0x5EED), sim);
        AtomicInteger ops = new AtomicInteger();
        Map<Op, AtomicInteger> counts = new ConcurrentHashMap<>();
        Map<String, AtomicInteger> outcomes = new ConcurrentHashMap<>();
        for (int a = 0; a < actors; a++) {
            // Half the actors commit through a function whose clock is behind (issue 16: the feed allows for skew).
            FakeClient client = new FakeClient(v, "owner-" + (a % 4), a % 2 == 1 ? v.skewedCommits : v.commits);
            String device = "device-" + a;
            sim.actor(device, random -> {
                for (int i = 0; i < opsPerActor; i++) {
                    Op op = pick(random);
                    counts.computeIfAbsent(op, k -> new AtomicInteger()).incrementAndGet();
                    String outcome;
                    try {
                        outcome = model.perform(op, client, device, random);
                    } catch (ServiceException e) {
                        boolean overQuota = e.kind() == ErrorKind.FORBIDDEN && client.owner.sub().equals(QUOTA_OWNER)
                                && CommitService.QUOTA_EXCEEDED.equals(e.code());
                        if (e.kind() != ErrorKind.CONFLICT && e.kind() != ErrorKind.UNPROCESSABLE
                                && e.kind() != ErrorKind.NOT_FOUND && e.kind() != ErrorKind.UNAVAILABLE
                                && e.kind() != ErrorKind.THROTTLED && !overQuota) {
                            throw new AssertionError(op + " answered " + e.kind() + " " + e.code(), e);
                        }
                        outcome = e.kind() + ":" + e.code();
                    } catch (TransientStoreException | dev.chunkvault.service.blob.BlobStoreException e) {
                        outcome = "RETRYABLE"; // answered 503/429 with Retry-After (ErrorMapper); the client retries later
                    }
                    outcomes.computeIfAbsent(op + " " + outcome, k -> new AtomicInteger()).incrementAndGet();
                    ops.incrementAndGet();
                    sim.stepDone();
                }
            });
        }
        AtomicInteger checks = new AtomicInteger();
        sim.onSwitch(() -> {
            oracle.referencedChunksIntact();
            model.downloadsMatch();
            if (checks.incrementAndGet() % auditEvery == 0) {
                oracle.countsMatchRecount();
            }
        }, checkEvery);
        sim.run();
        System.out.println("ops=" + ops + " switches=" + sim.switches() + " checks=" + checks + " faults="
                + faulty[0].injected() + "\n  " + counts + "\n  " + new java.util.TreeMap<>(outcomes));
        assertEquals(actors * opsPerActor, ops.get());
        assertTrue(model.created.get() > ops.get() / 5, "the run must really commit: " + model.created);

        // Quiescence: no writers, no faults. Versions past retention expire in the first run; their chunks,
        // now unreferenced, pass the grace period and go in the second.
        faulty[0].enabled(false);
        backend.faultsOff();
        oracle.referencedChunksIntact();
        oracle.countsMatchRecount();
        v.clock.advance(settings().retention().plusHours(1));
        assertTrue(v.gc.run("quiet-1", () -> true).complete());
        v.clock.advance(settings().grace().plus(settings().uploadUrlTtl()).plusHours(1));
        assertTrue(model.gcRun("quiet-2").complete());
        oracle.referencedChunksIntact();
        oracle.countsMatchRecount();
        oracle.noOldGarbage();
        model.downloadsMatch();
        // The packs that lost chunks in that run are looked at a grace period later: the empty ones go, the mostly dead
        // ones are repacked (their live chunks moved to new packs), and nothing mostly dead is left behind.
        v.clock.advance(settings().grace().plus(settings().uploadUrlTtl()).plusHours(1));
        assertTrue(model.gcRun("quiet-3").complete());
        oracle.referencedChunksIntact();
        oracle.countsMatchRecount();
        oracle.noOldGarbage();
        oracle.noMostlyDeadPacks();
        model.downloadsMatch();
        System.out.println("repack: " + model.packsRepacked + " pack(s) written, " + model.chunksMoved + " chunk(s) moved");
        assertTrue(model.chunksMoved.get() > 0, "the run must repack: " + model.packsRepacked);
    }

    private static Op pick(Random random) {
        int total = WEIGHTS.values().stream().mapToInt(Integer::intValue).sum();
        int n = random.nextInt(total);
        for (Map.Entry<Op, Integer> e : WEIGHTS.entrySet()) {
            n -= e.getValue();
            if (n < 0) {
                return e.getKey();
            }
        }
        throw new IllegalStateException();
    }

    /** The actors' shared view: a pool of chunk contents (for dedup) and what each committed version holds. */
    static final class Model {
        final TestVault v;
        final List<byte[]> pool = new ArrayList<>();
        /** A few large-file chunks (over 1 MiB), shared by every owner: LARGE_PACK_EDIT sends them as one-entry packs. */
        final List<byte[]> largePool = new ArrayList<>();
        /** versionId → SHA-256 of the content the committing actor sent. */
        final Map<String, String> expected = new ConcurrentHashMap<>();
        final AtomicInteger created = new AtomicInteger();
        final AtomicInteger keys = new AtomicInteger();
        final java.util.concurrent.atomic.AtomicLong packsRepacked = new java.util.concurrent.atomic.AtomicLong();
        final java.util.concurrent.atomic.AtomicLong chunksMoved = new java.util.concurrent.atomic.AtomicLong();
        final Sim sim;

        /** Counts what a run driven phase by phase repacked. */
        void counted(GcService.Tally t) {
            packsRepacked.addAndGet(t.repack.packsWritten);
            chunksMoved.addAndGet(t.repack.chunksMoved);
        }

        /** A whole GC run, its repack counted. */
        GcReport gcRun(String event) {
            GcReport r = v.gc.run(event, () -> true);
            packsRepacked.addAndGet(r.packsRepacked());
            chunksMoved.addAndGet(r.chunksMoved());
            return r;
        }

        Model(TestVault v, Random random, Sim sim) {
            this.v = v;
            this.sim = sim;
            for (int i = 0; i < 48; i++) {
                byte[] b = new byte[64 + random.nextInt(2000)];
                random.nextBytes(b);
                pool.add(b);
            }
            for (int i = 0; i < 3; i++) {
                // Text-like, so it compresses: a large-file chunk of a little over 1 MiB.
                byte[] b = new byte[(1 << 20) + 1 + random.nextInt(100_000)];
                for (int k = 0; k < b.length; k++) {
                    b[k] = (byte) ('a' + random.nextInt(8));
                }
                largePool.add(b);
            }
        }

        Content content(Random random) {
            int n = random.nextInt(14);
            List<byte[]> chunks = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                if (random.nextInt(3) == 0) {
                    byte[] fresh = new byte[32 + random.nextInt(1500)];
                    random.nextBytes(fresh);
                    chunks.add(fresh);
                } else {
                    chunks.add(pool.get(random.nextInt(pool.size())));
                }
            }
            return new Content(chunks);
        }

        String path(Random random) {
            return "folder-" + random.nextInt(2) + "/file-" + random.nextInt(3) + ".bin";
        }

        String key(String device) {
            return device + "-key-" + keys.incrementAndGet();
        }

        /** The head as this client last saw it, or null. */
        String head(FakeClient c, String path) {
            try {
                return v.reads.file(c.owner, path, true).version();
            } catch (ServiceException e) {
                if (e.kind() == ErrorKind.NOT_FOUND) {
                    return null;
                }
                throw e;
            }
        }

        String perform(Op op, FakeClient c, String device, Random random) {
            String path = path(random);
            switch (op) {
                case EDIT, DUPLICATE_EDIT -> {
                    String parent = head(c, path);
                    Content content = content(random);
                    c.upload(content);
                    String key = key(device);
                    CommitService.CommitResult r = commitWithRetries(c, path, parent, content, key, random);
                    record(r, content);
                    if (op == Op.DUPLICATE_EDIT) {
                        CommitService.CommitResult again = c.commit(path, parent, content, key);
                        if (r.outcome() == CommitService.Outcome.CREATED) {
                            assertEquals(r.version().versionId(), again.version().versionId(), "a retry must replay");
                        }
                    }
                    return r.outcome().name();
                }
                case BATCH_EDIT -> {
                    // Several files in one commit batch: its small commits are written several to a transaction.
                    List<String> paths = new ArrayList<>();
                    for (int i = 0, n = 2 + random.nextInt(3); i < n; i++) {
                        String p = path(random);
                        if (!paths.contains(p)) {
                            paths.add(p);
                        }
                    }
                    List<CommitService.CommitRequest> requests = new ArrayList<>();
                    List<Content> contents = new ArrayList<>();
                    for (String p : paths) {
                        String parent = head(c, p);
                        if (parent != null && random.nextInt(5) == 0 && !Boolean.getBoolean("model.noBatchDeletes")) {
                            // A sync's deletion travels in its commit batch.
                            contents.add(null);
                            requests.add(new CommitService.CommitRequest(c.owner, p, parent,
                                    new CommitService.Source.Tombstone(), 0, null, 0, key(device)));
                            continue;
                        }
                        Content content = content(random);
                        c.upload(content);
                        contents.add(content);
                        requests.add(c.request(p, parent, content, key(device)));
                    }
                    List<CommitService.BatchItem> out = batchWithRetries(c, requests, random);
                    assertEquals(requests.size(), out.size());
                    java.util.SortedSet<String> outcome = new java.util.TreeSet<>();
                    for (int i = 0; i < out.size(); i++) {
                        CommitService.BatchItem item = out.get(i);
                        if (item.result() != null) {
                            if (contents.get(i) != null) {
                                record(item.result(), contents.get(i));
                            }
                            outcome.add((contents.get(i) == null ? "deleted-" : "") + item.result().outcome().name());
                            continue;
                        }
                        ServiceException e = item.error();
                        boolean expected = e.kind() == ErrorKind.CONFLICT || e.kind() == ErrorKind.UNPROCESSABLE
                                || (contents.get(i) == null && e.kind() == ErrorKind.NOT_FOUND) // a deletion of a purged file
                                || (e.kind() == ErrorKind.THROTTLED && CommitService.TOO_MANY_VERSIONS.equals(e.code()))
                                || (e.kind() == ErrorKind.FORBIDDEN && CommitService.QUOTA_EXCEEDED.equals(e.code())
                                    && c.owner.sub().equals(QUOTA_OWNER));
                        assertTrue(expected, "a batch item answered " + e.kind() + " " + e.code());
                        outcome.add(e.code());
                    }
                    return "batch " + String.join("+", outcome);
                }
                case PACK_EDIT -> {
                    // Its new chunks go in one pack (declared, PUT, sealed: every chunk hashed), then the commit; the
                    // pack asked for by a grant, or declared straight away "unless held" (what the CLI does).
                    String parent = head(c, path);
                    Content content = content(random);
                    c.uploadPacked(content, random.nextBoolean());
                    CommitService.CommitResult r = commitWithRetries(c, path, parent, content, key(device), random);
                    record(r, content);
                    return "packed " + r.outcome().name();
                }
                case PACK_BATCH_EDIT -> {
                    // Its pack sealed by the commit batch that uses it (CommitBatches), as the CLI's batches do; the batch
                    // retried whole when unanswered. A chunk stored already by another owner is proven by the pack in the
                    // same batch (no PUT alone); only a commit that still misses chunks has them sent, as the CLI does.
                    String parent = head(c, path);
                    Content content = content(random);
                    String packId = c.uploadPackUnsealed(content, random.nextBoolean());
                    List<CommitService.CommitRequest> one = List.of(c.request(path, parent, content, key(device)));
                    CommitBatches.Answer a = withRetries(random, 80,
                            () -> c.commitBatch(packId == null ? List.of() : List.of(packId), one));
                    String sealed = "none";
                    if (!a.seals().isEmpty()) {
                        PackService.SealItem s = a.seals().get(0);
                        if (s.error() != null) {
                            assertTrue(s.error().kind() == ErrorKind.CONFLICT, "an honest pack's seal answered "
                                    + s.error().kind() + " " + s.error().code());
                            sealed = s.error().code();
                        } else {
                            sealed = s.sealed().uploads().isEmpty() ? "sealed" : "sealed-proven";
                        }
                    }
                    CommitService.BatchItem item = a.commits().get(0);
                    CommitService.CommitResult r = item.result();
                    if (r == null) {
                        if (!"MISSING_CHUNKS".equals(item.error().code())) {
                            throw item.error();
                        }
                        if (!a.seals().isEmpty() && a.seals().get(0).sealed() != null) {
                            c.sendAlone(a.seals().get(0).sealed(), content);
                        }
                        // Its chunks asked for alone (now sent), or its pack not sealed: as the CLI, it sends the file
                        // again the plain way and commits with the same key.
                        c.upload(content);
                        r = commitWithRetries(c, path, parent, content, one.get(0).idempotencyKey(), random);
                    }
                    record(r, content);
                    return "batch-sealed " + sealed + " " + r.outcome().name();
                }
                case LARGE_PACK_EDIT -> {
                    // A large file's version: a large compressible chunk as a one-entry pack (docs/compression.md), its
                    // small rest uploaded alone; the large chunks are few and shared by owners, so GC, repack and the
                    // audit meet them live, dead, deduplicated and re-sent while the other actors write.
                    String parent = head(c, path);
                    byte[] large = largePool.get(random.nextInt(largePool.size()));
                    Content small = content(random);
                    List<byte[]> chunks = new ArrayList<>(List.of(large));
                    chunks.addAll(small.chunks());
                    Content content = new Content(chunks);
                    c.sendLargePacked(large, random.nextBoolean());
                    c.upload(small);
                    String key = key(device);
                    CommitService.CommitResult r = withRetries(random, 40, () -> c.commitLarge(path, parent, content, key));
                    record(r, content);
                    return "large-packed " + r.outcome().name();
                }
                case PACK_ABANDON -> {
                    var sealed = c.uploadPacked(content(random), random.nextBoolean());
                    return sealed == null ? "nothing to pack" : "packed " + sealed.placed();
                }
                case ABANDON -> {
                    c.upload(content(random));
                    return "uploaded";
                }
                case DELETE -> {
                    String parent = head(c, path);
                    if (parent == null) {
                        return "nothing";
                    }
                    return c.delete(path, parent, key(device)).outcome().name();
                }
                case RESTORE -> {
                    List<VersionView> versions = v.reads.history(c.owner, path, null, 100).versions().stream()
                            .filter(x -> !x.deleted()).toList();
                    if (versions.isEmpty()) {
                        return "nothing";
                    }
                    VersionView pick = versions.get(random.nextInt(versions.size()));
                    CommitService.CommitResult r = c.restore(path, pick.versionId(), key(device));
                    if (r.outcome() == CommitService.Outcome.CREATED) {
                        expected.put(r.version().versionId(), pick.contentHash());
                    }
                    return r.outcome().name();
                }
                case DOWNLOAD -> {
                    ReadService.DownloadPlan plan = v.reads.download(c.owner, path, null, null);
                    String got = fetch(plan);
                    // What its committer sent; for a commit whose answer never arrived, what the version says.
                    String want = expected.getOrDefault(plan.version().versionId(), plan.version().contentHash());
                    assertEquals(want, got, "download of " + plan.version().versionId());
                    return "ok";
                }
                case ADVANCE -> {
                    v.clock.advance(Duration.ofMinutes(10 + random.nextInt(24 * 60)));
                    return "advanced";
                }
                case GC_RUN -> {
                    // Sometimes a duplicate delivery of the same schedule event; sometimes the invocation runs out of
                    // time at a random point (503 TIMED_OUT, its lease given back all the same).
                    String event = "event-" + random.nextInt(40);
                    Deadline d = random.nextInt(3) == 0 ? deadline(random, 200) : Deadline.none();
                    GcReport r = d.call(() -> gcRun(event));
                    return r.skipped() == null ? "ran" : r.skipped();
                }
                case GC_KILLED -> {
                    // A run that dies at a random point (kill -9, a crashed sandbox): it never gives its lease back,
                    // and may leave chunks DELETING. Grants take those back once its lease has expired, and a later
                    // run takes over; a run paused long enough is refused its renewal and stops.
                    GcLease.Acquired a = v.gc.acquire(null);
                    if (!a.granted()) {
                        return "lease held";
                    }
                    GcService.Tally t = new GcService.Tally();
                    try {
                        deadline(random, 120).run(() -> {
                            v.gc.expire(a.lease()::alive, t);
                            v.gc.collect(a.lease(), a.lease()::alive, true, true, t);
                        });
                    } catch (ServiceException dead) {
                        return "killed";
                    } finally {
                        counted(t);
                    }
                    return "killed after its work";
                }
                case GC_PHASES -> {
                    GcLease.Acquired a = v.gc.acquire(null);
                    if (!a.granted()) {
                        return "lease held";
                    }
                    GcService.Tally t = new GcService.Tally();
                    try {
                        v.gc.expire(a.lease()::alive, t);
                        v.gc.collect(a.lease(), a.lease()::alive, true, false, t);
                        v.gc.collect(a.lease(), a.lease()::alive, false, true, t);
                    } finally {
                        a.lease().release(null);
                        counted(t);
                    }
                    return "phases";
                }
                case FEED -> {
                    feed(c, device);
                    return "polled";
                }
                case AUDIT_FIX -> {
                    // An operator's `audit --fix` while everyone else goes on. Every transaction keeps the counters
                    // equal to the edges, so nothing here is drift: any drift it reports is a change in flight taken
                    // for drift, and any counter it writes is a count it could not prove (issue 13, item 1).
                    AuditService.AuditReport r = v.liveAudit.audit(true, random.nextInt(4) == 0, () -> true);
                    assertTrue(r.complete(), "an audit with time enough completes");
                    assertEquals(0, r.driftCount(), "drift reported under traffic: " + r.drifts());
                    assertEquals(0, r.fixed(), () -> "the audit wrote a count under traffic: " + r);
                    return r.inFlight() > 0 ? "in flight" : "clean";
                }
                default -> throw new IllegalStateException();
            }
        }

        CommitService.CommitResult commitWithRetries(FakeClient c, String path, String parent, Content content,
                                                     String key, Random random) {
            return withRetries(random, 40, () -> c.commit(path, parent, content, key));
        }

        /** {@link #commitWithRetries} for a whole batch: the client sends the same batch again until it is answered. */
        List<CommitService.BatchItem> batchWithRetries(FakeClient c, List<CommitService.CommitRequest> requests,
                                                       Random random) {
            return withRetries(random, 60, () -> c.commitBatch(requests));
        }

        /**
         * Like the SDK: a retryable answer (503/429, or no answer at all) is retried with the same idempotency key(s)
         * until the outcome is known. Some attempts run out of the function's time at a random point, after up to
         * {@code calls} store calls: 503 TIMED_OUT, whatever they had written stays, and the retry finds the one
         * outcome (issue 13, item 5).
         */
        <T> T withRetries(Random random, int calls, java.util.function.Supplier<T> request) {
            RuntimeException last = null;
            for (int attempt = 0; attempt < 8; attempt++) {
                Deadline d = attempt < 7 && random.nextInt(4) == 0 ? deadline(random, calls) : Deadline.none();
                try {
                    return d.call(request);
                } catch (TransientStoreException | dev.chunkvault.service.blob.BlobStoreException e) {
                    last = e;
                } catch (ServiceException e) {
                    if (e.kind() != ErrorKind.UNAVAILABLE && e.kind() != ErrorKind.THROTTLED) {
                        throw e;
                    }
                    last = e;
                }
            }
            throw last;
        }

        /** What one device has read of one owner's change feed: its cursor and the highest version seen per path. */
        static final class Reader {
            String cursor;
            final Map<String, Long> seen = new java.util.HashMap<>();
        }

        final Map<String, Reader> readers = new ConcurrentHashMap<>();

        /**
         * A device polls its owner's change feed (issue 16): every head that was visible when the poll began must be
         * known to the device afterwards (seen now or by an earlier poll, or a newer version of it), whatever the
         * interleaving, the commits' durations and the skew of the committers' clocks. A file purged or recreated
         * meanwhile is not judged (a purge removes its row from the feed; syncs list in full once a day).
         */
        void feed(FakeClient c, String device) {
            Reader r = readers.computeIfAbsent(device + "|" + c.owner.sub(), k -> new Reader());
            if (r.cursor == null) {
                String listingCursor = null;
                String next = null;
                do {
                    ReadService.Listing l = v.reads.list(c.owner, "", true, true, next, 100);
                    listingCursor = listingCursor == null ? l.changeCursor() : listingCursor;
                    l.files().forEach(e -> r.seen.merge(e.path(), VersionRow.seqOf(e.version()), Math::max));
                    next = l.cursor();
                } while (next != null);
                r.cursor = listingCursor;
                return;
            }
            Map<String, FileRow> before = heads(c.owner);
            String startCursor = r.cursor;
            // A poll that resumes a round an earlier poll left midway (it failed between pages) finishes that round: a
            // change that landed behind the round's resume point comes in the next round (the round's cursor moves
            // no further than its settled point), so only polls that start a round are judged.
            boolean resumesARound = ReadService.decodeCursor(startCursor, "c").contains("|");
            long startTime = v.clock.millis();
            ReadService.Changes ch;
            int pages = 0;
            // No change twice in a round: its pages follow each other without overlap, so a version comes at most once
            // (a later round may bring a version of the last CHANGE_SETTLE again, by design; the reader knows it).
            java.util.Set<String> round = new java.util.HashSet<>();
            do {
                ch = v.reads.changes(c.owner, r.cursor, 3);
                for (var e : ch.changes()) {
                    r.seen.merge(e.path(), VersionRow.seqOf(e.version()), Math::max);
                    assertTrue(round.add(e.path() + "@" + e.version()), device + " got " + e.path() + " " + e.version()
                            + " twice in one round of the change feed, from cursor " + startCursor);
                }
                r.cursor = ch.cursor();
            } while (ch.more() && ++pages < 5000);
            if (ch.more() || resumesARound) {
                return; // a round cut short, or the end of one: the reader is judged on rounds it starts and ends
            }
            Map<String, FileRow> after = heads(c.owner);
            before.forEach((path, f) -> {
                FileRow now = after.get(path);
                if (now == null || !now.fileId().equals(f.fileId())) {
                    return;
                }
                long seen = r.seen.getOrDefault(path, 0L);
                assertTrue(seen >= f.headSeq(), device + " missed " + path + " v" + f.headSeq() + " (saw v" + seen
                        + ") in the change feed; its key " + f.changeKey() + ", the poll's cursor " + startCursor
                        + " at " + startTime);
            });
        }

        /** The heads of one owner's files as stored now (read around the service, no scheduling point). */
        Map<String, FileRow> heads(Owner owner) {
            Map<String, FileRow> out = new java.util.HashMap<>();
            for (var i : new Oracle(v).all(Tables.FILES)) {
                FileRow f = FileRow.from(i);
                if (f.owner().equals(owner.sub())) {
                    out.put(f.displayPath(), f);
                }
            }
            return out;
        }

        /** A deadline that passes after up to {@code calls} more store calls (of anyone) in the simulation. */
        Deadline deadline(Random random, int calls) {
            return Deadline.in(Duration.ofNanos(1 + random.nextInt(calls)), sim::calls);
        }

        void record(CommitService.CommitResult r, Content content) {
            if (r.outcome() == CommitService.Outcome.CREATED) {
                created.incrementAndGet();
                expected.put(r.version().versionId(), content.sha256());
            }
        }

        /** Downloads a plan's chunks through the presigned URLs, as a client would, and hashes the file. */
        String fetch(ReadService.DownloadPlan plan) {
            Map<ChunkId, byte[]> got = new ConcurrentHashMap<>();
            for (ReadService.ChunkUrl u : plan.chunks()) {
                Map<String, String> headers = new java.util.HashMap<>(u.request().headers());
                if (u.ranged()) {
                    headers.put("Range", "bytes=" + u.offset() + "-" + (u.offset() + u.length() - 1));
                }
                Backend.Sent r = v.backend.send("GET", u.request().url(), headers, new byte[0]);
                assertEquals(u.ranged() ? 206 : 200, r.status(), "chunk " + u.id() + " of a retained version must download");
                got.put(u.id(), u.compressed() ? dev.chunkvault.core.compress.ChunkCodec.decode(u.encoding(), r.body(), 0,
                        r.body().length, (int) u.plainLength()) : r.body());
            }
            assertTrue(plan.allChunks());
            var m = plan.manifest() != null ? plan.manifest()
                    : dev.chunkvault.core.manifest.Manifest.decode(v.backend.send("GET", plan.manifestUrl().url(),
                            plan.manifestUrl().headers(), new byte[0]).body());
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (int i = 0; i < m.chunkCount(); i++) {
                out.writeBytes(got.get(m.id(i)));
            }
            return java.util.HexFormat.of().formatHex(dev.chunkvault.core.hash.Sha256.newDigest().digest(out.toByteArray()));
        }

        /** Every head a client can read downloads to the content that was committed for it. */
        void downloadsMatch() {
            for (var item : new Oracle(v).all(Tables.FILES)) {
                FileRow f = FileRow.from(item);
                if (f.deleted() || !expected.containsKey(f.head())) {
                    continue;
                }
                assertEquals(expected.get(f.head()), f.contentHash(), "head metadata of " + f.displayPath());
            }
        }
    }
}
