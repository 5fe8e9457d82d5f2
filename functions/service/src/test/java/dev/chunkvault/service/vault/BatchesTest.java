package dev.chunkvault.service.vault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.service.error.ErrorKind;
import dev.chunkvault.service.error.ServiceException;
import dev.chunkvault.service.sim.Backend;
import dev.chunkvault.service.sim.FakeClient;
import dev.chunkvault.service.sim.FakeClient.Content;
import dev.chunkvault.service.sim.TestVault;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/**
 * Requests for many files at once (issue 15): a commit batch whose commits run side by side answers each exactly as
 * a commit alone would, and a batch of download plans answers each file exactly as a plan alone would, shares the
 * chunk URLs out up to the per-request limit, and leaks nothing about other tenants' files.
 */
class BatchesTest {
    private final Random random = new Random(15);

    private Content content(int chunks, int size) {
        return Content.random(random, chunks, size);
    }

    @Test
    void aCommitBatchRunsItsCommitsSideBySideWithTheSameOutcomes() {
        Settings settings = Settings.DEFAULTS;
        var backend = Backend.inMemory(new dev.chunkvault.service.TestClock(), true);
        java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger mostAtOnce = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger transactions = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger gets = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger batchGets = new java.util.concurrent.atomic.AtomicInteger();
        TestVault v = new TestVault(backend, new dev.chunkvault.service.TestClock(), settings,
                s -> new GcOrphansTest.Delegating(s) {
                    @Override
                    public void transact(java.util.List<dev.chunkvault.service.store.TxAction> actions) {
                        mostAtOnce.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                        transactions.incrementAndGet();
                        try {
                            Thread.sleep(1);
                            super.transact(actions);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        } finally {
                            inFlight.decrementAndGet();
                        }
                    }

                    @Override
                    public java.util.Optional<dev.chunkvault.service.store.Item> get(String table,
                                                                                   dev.chunkvault.service.store.Key key) {
                        gets.incrementAndGet();
                        try {
                            Thread.sleep(1);
                            return super.get(table, key);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new IllegalStateException(e);
                        }
                    }

                    @Override
                    public java.util.List<dev.chunkvault.service.store.Item> batchGet(String table,
                            java.util.List<dev.chunkvault.service.store.Key> keys) {
                        batchGets.incrementAndGet();
                        return super.batchGet(table, keys);
                    }
                }, b -> b, Retry.immediate(3));
        CommitService lanes = new CommitService(v.itemPort, v.blobPort, v.clock, settings,
                new Parallel(Executors.newFixedThreadPool(16), 16), Retry.immediate(3));
        FakeClient c = new FakeClient(v, "alice");
        List<CommitService.CommitRequest> batch = new ArrayList<>();
        List<Content> contents = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            Content x = content(1 + i % 3, 200);
            c.upload(x);
            contents.add(x);
            batch.add(new CommitService.CommitRequest(c.owner, "many/f" + i + ".bin", null,
                    new CommitService.Source.Full(x.manifest()), x.size(), x.sha256(), 0, "batch-lanes-" + i));
        }
        Content missing = content(1, 300); // never uploaded: that commit alone is refused
        batch.add(new CommitService.CommitRequest(c.owner, "many/missing.bin", null,
                new CommitService.Source.Full(missing.manifest()), missing.size(), missing.sha256(), 0, "batch-lanes-x"));

        transactions.set(0);
        gets.set(0);
        batchGets.set(0);
        List<CommitService.BatchItem> out = lanes.commitBatch(batch);
        assertEquals(61, out.size());
        // Read ahead for the whole batch: file rows, versions, the usage item, holdings and chunk rows in a few
        // batched reads, not five or six round trips per commit.
        assertTrue(gets.get() <= 2, "single reads: " + gets);
        assertTrue(batchGets.get() <= 6, "batched reads: " + batchGets);
        assertEquals(1, mostAtOnce.get(), "but send their transactions (each writes the owner's usage) one at a time");
        // 60 small commits of 1-3 chunks (7-13 actions each) fit in about 8 transactions of at most 100 actions.
        assertTrue(transactions.get() <= 10, "small commits are written several to a transaction: " + transactions);
        for (int i = 0; i < 60; i++) {
            assertEquals(CommitService.Outcome.CREATED, out.get(i).result().outcome(), "in order: " + i);
            assertEquals(contents.get(i).sha256(), v.reads.file(c.owner, "many/f" + i + ".bin", false).contentHash());
        }
        assertEquals("MISSING_CHUNKS", out.get(60).error().code());
        transactions.set(0);
        List<CommitService.BatchItem> again = lanes.commitBatch(batch);
        assertEquals(0, transactions.get(), "a replayed batch writes nothing");
        for (int i = 0; i < 60; i++) {
            assertEquals(CommitService.Outcome.REPLAYED, again.get(i).result().outcome(), "a retried batch replays");
            assertEquals(out.get(i).result().version().versionId(), again.get(i).result().version().versionId());
        }
        assertTrue(v.audit.audit(false, true, () -> true).clean());
    }

    @Test
    void aBatchOfDownloadPlansAnswersEachFileAsAPlanAlone() {
        TestVault v = new TestVault();
        FakeClient alice = new FakeClient(v, "alice");
        FakeClient bob = new FakeClient(v, "bob");
        Content a = content(3, 500);
        alice.upload(a);
        String aV1 = alice.commit("d/a.bin", null, a, "dl-batch-a1").version().versionId();
        Content b = content(2, 400);
        alice.upload(b);
        String bV1 = alice.commit("d/b.bin", null, b, "dl-batch-b1").version().versionId();
        alice.delete("d/b.bin", bV1, "dl-batch-b2");
        Content secret = content(1, 300);
        bob.upload(secret);
        bob.commit("d/secret.bin", null, secret, "dl-batch-bob");

        List<ReadService.BatchPlan> plans = v.reads.downloadBatch(alice.owner, List.of(
                new ReadService.FileRequest("d/a.bin", null, null),
                new ReadService.FileRequest("d/b.bin", null, null),
                new ReadService.FileRequest("d/b.bin", bV1, null),
                new ReadService.FileRequest("d/secret.bin", null, null),
                new ReadService.FileRequest("d/none.bin", null, null),
                new ReadService.FileRequest("d/a.bin", aV1, List.of(ChunkId.sha256(a.chunks().get(1))))));
        assertEquals(6, plans.size());
        ReadService.DownloadPlan alone = v.reads.download(alice.owner, "d/a.bin", null, null);
        assertEquals(alone.version(), plans.get(0).plan().version());
        assertEquals(alone.manifest(), plans.get(0).plan().manifest());
        assertEquals(alone.chunks().stream().map(ReadService.ChunkUrl::id).toList(),
                plans.get(0).plan().chunks().stream().map(ReadService.ChunkUrl::id).toList());
        assertTrue(plans.get(0).plan().allChunks());
        assertEquals(ErrorKind.NOT_FOUND, plans.get(1).error().kind(), "a deleted file");
        assertEquals(bV1, plans.get(2).plan().version().versionId(), "an old version of it");
        assertEquals(plans.get(4).error().getMessage(), plans.get(3).error().getMessage(),
                "another tenant's file answers exactly like a missing one");
        assertEquals(1, plans.get(5).plan().chunks().size());
        assertFalse(plans.get(5).plan().allChunks());
    }

    @Test
    void chunkUrlsAreSharedOutUpToTheRequestLimitAndTheRestAskedForAlone() {
        TestVault v = new TestVault(Settings.DEFAULTS.withParallelism(1));
        FakeClient alice = new FakeClient(v, "alice");
        List<ReadService.FileRequest> files = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Content x = content(400, 64);
            alice.upload(x);
            alice.commit("big/f" + i + ".bin", null, x, "dl-limit-" + i);
            files.add(new ReadService.FileRequest("big/f" + i + ".bin", null, null));
        }
        List<ReadService.BatchPlan> plans = v.reads.downloadBatch(alice.owner, files);
        int urls = plans.stream().mapToInt(p -> p.plan().chunks().size()).sum();
        assertEquals(v.settings.maxChunksPerRequest(), urls, "up to the limit, in file order");
        assertTrue(plans.get(0).plan().allChunks() && plans.get(1).plan().allChunks());
        assertFalse(plans.get(2).plan().allChunks(), "the third file asks for the rest on its own");
        assertEquals(200, plans.get(2).plan().chunks().size());
        assertNotNull(plans.get(2).plan().manifest());
    }

    @Test
    void aBadBatchIsRefusedWhole() {
        TestVault v = new TestVault();
        Owner alice = new Owner("alice");
        assertEquals("EMPTY_BATCH", assertThrows(ServiceException.class,
                () -> v.reads.downloadBatch(alice, List.of())).code());
        List<ReadService.FileRequest> many = new ArrayList<>();
        for (int i = 0; i <= ReadService.MAX_BATCH_FILES; i++) {
            many.add(new ReadService.FileRequest("f" + i, null, null));
        }
        assertEquals("TOO_MANY_FILES", assertThrows(ServiceException.class,
                () -> v.reads.downloadBatch(alice, many)).code());
        assertEquals("INVALID_PATH", assertThrows(ServiceException.class, () -> v.reads.downloadBatch(alice,
                List.of(new ReadService.FileRequest("ok.bin", null, null), new ReadService.FileRequest("../x", null, null))))
                .code());
    }
}
