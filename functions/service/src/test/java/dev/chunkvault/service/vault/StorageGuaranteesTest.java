package dev.chunkvault.service.vault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.service.blob.BlobInfo;
import dev.chunkvault.service.blob.BlobPage;
import dev.chunkvault.service.blob.BlobStore;
import dev.chunkvault.service.error.ErrorKind;
import dev.chunkvault.service.error.ServiceException;
import dev.chunkvault.service.sim.FakeClient;
import dev.chunkvault.service.sim.FakeClient.Content;
import dev.chunkvault.service.sim.TestVault;
import dev.chunkvault.service.store.Condition;
import dev.chunkvault.service.store.Cursor;
import dev.chunkvault.service.store.Item;
import dev.chunkvault.service.store.ItemStore;
import dev.chunkvault.service.store.Key;
import dev.chunkvault.service.store.Page;
import dev.chunkvault.service.store.Query;
import dev.chunkvault.service.store.TransientStoreException;
import dev.chunkvault.service.store.TxAction;
import dev.chunkvault.service.store.Update;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The Storage API's guarantees, each with its pass criterion, on the in-memory fakes with real threads (the same
 * scenarios run over HTTP on the local cloud in the *IT suites).
 */
class StorageGuaranteesTest {
    private final Random random = new Random(99);

    private Content content(int chunks, int size) {
        return Content.random(random, chunks, size);
    }

    /** 1. 32 concurrent commits on one parent × 100 rounds: exactly one wins each round, the rest get 409 with the head. */
    @Test
    void concurrentCommitsOnOneParentHaveExactlyOneWinner() throws Exception {
        TestVault v = new TestVault();
        FakeClient c = new FakeClient(v, "alice");
        Content first = content(2, 200);
        c.upload(first);
        String head = c.commit("race.txt", null, first, "race-initial").version().versionId();
        ExecutorService pool = Executors.newFixedThreadPool(32);
        try {
            for (int round = 0; round < 100; round++) {
                List<Content> contents = new ArrayList<>();
                for (int i = 0; i < 32; i++) {
                    Content x = content(1 + i % 3, 100);
                    c.upload(x);
                    contents.add(x);
                }
                CountDownLatch start = new CountDownLatch(1);
                String parent = head;
                int r = round;
                List<Future<Object>> results = new ArrayList<>();
                for (int i = 0; i < 32; i++) {
                    Content x = contents.get(i);
                    int n = i;
                    results.add(pool.submit(() -> {
                        start.await();
                        try {
                            return c.commit("race.txt", parent, x, "race-" + r + "-" + n);
                        } catch (ServiceException e) {
                            return e;
                        }
                    }));
                }
                start.countDown();
                List<CommitService.CommitResult> wins = new ArrayList<>();
                List<ServiceException> losses = new ArrayList<>();
                for (Future<Object> f : results) {
                    Object o = f.get();
                    if (o instanceof CommitService.CommitResult w) {
                        wins.add(w);
                    } else {
                        losses.add((ServiceException) o);
                    }
                }
                assertEquals(1, wins.size(), "round " + round);
                assertEquals(CommitService.Outcome.CREATED, wins.get(0).outcome());
                head = wins.get(0).version().versionId();
                for (ServiceException e : losses) {
                    assertEquals(ErrorKind.CONFLICT, e.kind(), e.code());
                    assertEquals(head, ((VersionView) e.details().get("head")).versionId(), "the 409 carries the head");
                }
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(101, v.reads.history(c.owner, "race.txt", null, 100).versions().size()
                + v.reads.history(c.owner, "race.txt", "h." + java.util.Base64.getUrlEncoder().withoutPadding()
                .encodeToString(v.reads.history(c.owner, "race.txt", null, 100).versions().get(99).versionId()
                        .getBytes()), 100).versions().size());
        new Oracle(v).countsMatchRecount();
        new Oracle(v).referencedChunksIntact();
    }

    /** An item store that loses the answer of the n-th write after it succeeded. */
    static final class DroppingStore implements ItemStore {
        final ItemStore inner;
        final AtomicInteger writes = new AtomicInteger();
        volatile int dropAt = -1;

        DroppingStore(ItemStore inner) {
            this.inner = inner;
        }

        private void maybeDrop() {
            if (writes.incrementAndGet() == dropAt) {
                throw new TransientStoreException(TransientStoreException.Kind.UNAVAILABLE, "response lost", null);
            }
        }

        @Override
        public Optional<Item> get(String table, Key key) {
            return inner.get(table, key);
        }

        @Override
        public List<Item> batchGet(String table, List<Key> keys) {
            return inner.batchGet(table, keys);
        }

        @Override
        public void put(String table, Item item, Condition condition) {
            inner.put(table, item, condition);
            maybeDrop();
        }

        @Override
        public Item update(String table, Key key, Update update, Condition condition) {
            Item out = inner.update(table, key, update, condition);
            maybeDrop();
            return out;
        }

        @Override
        public void delete(String table, Key key, Condition condition) {
            inner.delete(table, key, condition);
            maybeDrop();
        }

        @Override
        public void transact(List<TxAction> actions) {
            inner.transact(actions);
            maybeDrop();
        }

        @Override
        public Page<Item> query(Query query) {
            return inner.query(query);
        }

        @Override
        public Page<Item> scan(String table, Cursor after, int limit) {
            return inner.scan(table, after, limit);
        }
    }

    /** 2. Commits delivered 1–4 times, some after the response was lost past success: one version each. */
    @Test
    void redeliveredCommitsMakeExactlyOneVersionEach() {
        DroppingStore[] dropping = new DroppingStore[1];
        TestVault v = new TestVault(Settings.DEFAULTS.withParallelism(1).withSmallCommitChunks(4), true,
                items -> dropping[0] = new DroppingStore(items), UnaryOperator.identity(), Retry.immediate(1));
        FakeClient c = new FakeClient(v, "alice");
        String head = null;
        int versions = 0;
        for (int i = 0; i < 60; i++) {
            Content x = content(1 + random.nextInt(10), 300);
            c.upload(x);
            int deliveries = 1 + random.nextInt(4);
            boolean drop = random.nextBoolean();
            String key = "redeliver-" + i;
            String created = null;
            for (int d = 0; d < deliveries || created == null; d++) {
                // The first delivery's answer may be lost after its writes succeeded (any of its writes).
                dropping[0].dropAt = d == 0 && drop ? dropping[0].writes.get() + 1 + random.nextInt(3) : -1;
                try {
                    CommitService.CommitResult r = c.commit("redeliver.bin", head, x, key);
                    if (created == null) {
                        created = r.version().versionId();
                    }
                    assertEquals(created, r.version().versionId(), "every delivery answers the same version");
                } catch (TransientStoreException | ServiceException lost) {
                    assertTrue(d == 0 && drop, "only the dropped delivery fails: " + lost);
                }
            }
            dropping[0].dropAt = -1;
            head = created;
            versions++;
        }
        assertEquals(versions, v.reads.history(c.owner, "redeliver.bin", null, 100).versions().size());
        new Oracle(v).countsMatchRecount();
        new Oracle(v).referencedChunksIntact();
    }

    /** 5. Commits of 0 … 40,000 chunks are visible all or nothing, even when they break off at any write. */
    @Test
    void commitsAreAllOrNothingAtEverySize() {
        for (int size : new int[] {0, 1, 49, 50, 100, 101, 5_000, 40_000}) {
            DroppingStore[] dropping = new DroppingStore[1];
            TestVault v = new TestVault(Settings.DEFAULTS.withParallelism(1), true,
                    items -> dropping[0] = new DroppingStore(items), UnaryOperator.identity(), Retry.immediate(1));
            FakeClient c = new FakeClient(v, "alice");
            Content base = content(3, 64);
            c.upload(base);
            String parent = c.commit("f.bin", null, base, "all-or-nothing-base").version().versionId();
            Content x = content(size, 16);
            c.upload(x);
            // Break the commit off at a random write (a crash or timeout there), several times, then let it finish.
            int broken = 0;
            CommitService.CommitResult done = null;
            for (int attempt = 0; attempt < 6 && done == null; attempt++) {
                dropping[0].dropAt = attempt < 5 ? dropping[0].writes.get() + 1 + random.nextInt(Math.max(1, size / 33 + 3)) : -1;
                try {
                    done = c.commit("f.bin", parent, x, "all-or-nothing-" + size);
                } catch (TransientStoreException e) {
                    broken++;
                    // In between, readers see the old head, complete, or nothing of the new version.
                    String visible = v.reads.file(c.owner, "f.bin", false).version();
                    ReadService.DownloadPlan plan = v.reads.download(c.owner, "f.bin", null, null);
                    assertEquals(visible, plan.version().versionId());
                    if (!visible.equals(parent)) {
                        assertEquals(x.sha256(), plan.version().contentHash());
                    }
                    new Oracle(v).referencedChunksIntact();
                }
            }
            assertNotNull(done, "size " + size);
            assertEquals(x.sha256(), v.reads.file(c.owner, "f.bin", false).contentHash());
            assertEquals(2, v.reads.history(c.owner, "f.bin", null, 10).versions().size(), "size " + size);
            assertEquals(size, v.reads.download(c.owner, "f.bin", null, null).manifest() != null
                    ? v.reads.download(c.owner, "f.bin", null, null).manifest().chunkCount() : size);
            new Oracle(v).referencedChunksIntact();
            new Oracle(v).countsMatchRecount();
            assertTrue(broken >= 0);
        }
    }

    /** Counts object deletes per key. */
    static class CountingBlobStore implements BlobStore {
        final BlobStore inner;
        final Map<String, AtomicInteger> deletes = new ConcurrentHashMap<>();

        CountingBlobStore(BlobStore inner) {
            this.inner = inner;
        }

        @Override
        public Optional<BlobInfo> head(String key) {
            return inner.head(key);
        }

        @Override
        public Optional<byte[]> get(String key) {
            return inner.get(key);
        }

        @Override
        public void put(String key, byte[] bytes, Map<String, String> metadata) {
            inner.put(key, bytes, metadata);
        }

        @Override
        public void delete(String key, String versionId) {
            deletes.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
            inner.delete(key, versionId);
        }

        @Override
        public BlobPage list(String prefix, String startAfter, int limit) {
            return inner.list(prefix, startAfter, limit);
        }
    }

    /** 6. Two GC runs at once and a duplicate schedule event: one holds the lease, nothing is deleted twice. */
    @Test
    void concurrentAndDuplicateGcRunsDeleteOnce() throws Exception {
        CountingBlobStore[] counting = new CountingBlobStore[1];
        TestVault v = new TestVault(Settings.DEFAULTS.withParallelism(1).withGrace(Duration.ofHours(1)), true,
                UnaryOperator.identity(), blobs -> counting[0] = new CountingBlobStore(blobs), Retry.immediate(3));
        FakeClient c = new FakeClient(v, "alice");
        String head = null;
        for (int i = 0; i < 40; i++) {
            Content x = content(5, 100);
            c.upload(x);
            head = c.commit("gc.bin", head, x, "gc-commit-" + i).version().versionId();
        }
        for (int i = 0; i < 20; i++) {
            c.upload(content(3, 50)); // uploaded, never committed
        }
        v.clock.advance(v.settings.retention().plusDays(1));
        assertTrue(v.gc.run("expire", () -> true).complete());
        v.clock.advance(Duration.ofHours(2));
        int garbageBefore = (int) v.items.items(Tables.CHUNKS).stream().filter(i -> i.number(ChunkRow.REFS) == 0).count();
        // The 39 expired versions' 5 chunks each (the never-committed uploads already went in the first run).
        assertEquals(39 * 5, garbageBefore, "garbage to collect");

        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        List<Future<GcReport>> runs = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            runs.add(pool.submit(() -> {
                start.await();
                return v.gc.run("nightly-2026-01-02", () -> true);
            }));
        }
        start.countDown();
        List<GcReport> reports = new ArrayList<>();
        for (Future<GcReport> f : runs) {
            reports.add(f.get());
        }
        pool.shutdown();
        GcReport duplicate = v.gc.run("nightly-2026-01-02", () -> true);

        long ran = reports.stream().filter(r -> r.skipped() == null).count();
        long swept = reports.stream().mapToLong(GcReport::chunksSwept).sum();
        assertTrue(ran >= 1);
        if (ran == 1) {
            // Overlapping, the second finds the lease held; if the first was already done, it finds the event done.
            String refusal = reports.stream().filter(r -> r.skipped() != null).findFirst().orElseThrow().skipped();
            assertTrue(Set.of(GcLease.Refusal.HELD_BY_ANOTHER_RUN.name(), GcLease.Refusal.DUPLICATE_EVENT.name())
                    .contains(refusal), refusal);
        }
        assertEquals(GcLease.Refusal.DUPLICATE_EVENT.name(), duplicate.skipped());
        assertEquals(garbageBefore, swept, "every garbage chunk collected exactly once");
        assertFalse(counting[0].deletes.values().stream().anyMatch(n -> n.get() > 1), "an object deleted twice");
        assertEquals(0, v.items.items(Tables.CHUNKS).stream().filter(i -> i.number(ChunkRow.REFS) == 0).count());
        new Oracle(v).referencedChunksIntact();
        new Oracle(v).countsMatchRecount();
    }
}
