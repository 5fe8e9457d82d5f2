package dev.chunkvault.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.client.model.CommitResult;
import dev.chunkvault.core.manifest.Manifest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The batcher's sending rule (issue 15): a batch goes once half the registered transfer threads wait in it, so the
 * other half upload the next files meanwhile instead of every thread stopping for each batch's answer.
 */
class CommitBatcherTest {
    private static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    @Test
    @Timeout(120) // the linger is an hour: without the rule, the commits below would wait for it
    void aBatchGoesOnceHalfTheThreadsWaitInIt() throws Exception {
        try (FakeVault vault = new FakeVault();
             ChunkvaultClient client = TestFiles.client(vault.endpoint(), new TestFiles.RecordingSleeper())) {
            CommitBatcher batcher = new CommitBatcher(client, 100, Duration.ofHours(1));
            for (int i = 0; i < 8; i++) {
                batcher.enter(); // eight transfer threads; four of them keep uploading and never commit here
            }
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<CommitResult>> done = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    ChunkvaultClient.Commit c = new ChunkvaultClient.Commit("half/f" + i + ".txt", null,
                            Manifest.empty(FakeVault.PROFILE), null, 0, EMPTY_SHA256, 0L,
                            ChunkvaultClient.newIdempotencyKey());
                    done.add(pool.submit(() -> batcher.commit(c)));
                }
                for (Future<CommitResult> f : done) {
                    assertNotNull(f.get().version());
                }
            } finally {
                pool.shutdownNow();
            }
            assertEquals(1, vault.commitBatches.get(), "one batch");
            assertEquals(4, vault.commitsInBatches.get(), "of the four waiting");
            assertNotNull(vault.head("half/f3.txt"), "committed");
        }
    }

    @Test
    @Timeout(120)
    void whileABatchIsBeingSentLingeringCommitsGatherIntoTheNextOne() throws Exception {
        try (FakeVault vault = new FakeVault();
             ChunkvaultClient client = TestFiles.client(vault.endpoint(), new TestFiles.RecordingSleeper())) {
            CommitBatcher batcher = new CommitBatcher(client, 100, Duration.ofMillis(20));
            for (int i = 0; i < 20; i++) {
                batcher.enter(); // twenty transfer threads: no cohort of ten forms below, every commit lingers
            }
            java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.atomic.AtomicInteger singles = new java.util.concurrent.atomic.AtomicInteger();
            vault.hook = (route, body, query) -> {
                if (route.equals("POST /v1/commits") && singles.incrementAndGet() == 1) {
                    try {
                        release.await(); // the first commit is still being sent
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            };
            ExecutorService pool = Executors.newFixedThreadPool(5);
            try {
                List<Future<CommitResult>> done = new ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    ChunkvaultClient.Commit c = new ChunkvaultClient.Commit("gather/f" + i + ".txt", null,
                            Manifest.empty(FakeVault.PROFILE), null, 0, EMPTY_SHA256, 0L,
                            ChunkvaultClient.newIdempotencyKey());
                    done.add(pool.submit(() -> batcher.commit(c)));
                    if (i == 0) {
                        while (singles.get() == 0) {
                            Thread.sleep(5);
                        }
                    } else {
                        while (batcher.unsent() < i) {
                            Thread.sleep(5);
                        }
                        Thread.sleep(60); // well past its linger: without the bound it would have gone alone
                    }
                }
                assertEquals(1, singles.get(), "nothing else sent while the first commit is in flight");
                assertEquals(0, vault.commitBatches.get());
                release.countDown();
                for (Future<CommitResult> f : done) {
                    assertNotNull(f.get().version());
                }
            } finally {
                pool.shutdownNow();
            }
            assertEquals(1, singles.get());
            assertEquals(1, vault.commitBatches.get(), "the four that lingered meanwhile went as one batch");
            assertEquals(4, vault.commitsInBatches.get());
        }
    }

    /** Commits of 128 threads, in waves of 12 further apart than the linger; the batches the vault received. */
    private static int batchesForWaves(Duration linger, Duration maxGather) throws Exception {
        try (FakeVault vault = new FakeVault();
             ChunkvaultClient client = TestFiles.client(vault.endpoint(), new TestFiles.RecordingSleeper())) {
            CommitBatcher batcher = new CommitBatcher(client, 100, linger, maxGather);
            for (int i = 0; i < 128; i++) {
                batcher.enter(); // the others are busy upstream (as in a slow delta stage) and do not commit meanwhile
            }
            int waves = 8;
            int wave = 12;
            ExecutorService pool = Executors.newFixedThreadPool(waves * wave);
            try {
                List<Future<CommitResult>> done = new ArrayList<>();
                for (int w = 0; w < waves; w++) {
                    for (int i = 0; i < wave; i++) {
                        ChunkvaultClient.Commit c = new ChunkvaultClient.Commit("waves/f" + w + "-" + i + ".txt", null,
                                Manifest.empty(FakeVault.PROFILE), null, 0, EMPTY_SHA256, 0L,
                                ChunkvaultClient.newIdempotencyKey());
                        done.add(pool.submit(() -> batcher.commit(c)));
                    }
                    Thread.sleep(linger.toMillis() * 6); // the next wave comes six lingers later
                }
                for (Future<CommitResult> f : done) {
                    assertNotNull(f.get().version());
                }
            } finally {
                pool.shutdownNow();
            }
            assertEquals(waves * wave, vault.commitsInBatches.get(), "every commit in a batch");
            return vault.commitBatches.get();
        }
    }

    /**
     * Threads that leave a shared stage together (a delta batch answers all its callers at once) commit in waves. A
     * batch that goes after one linger carries one wave (the reproduction: one batch per wave); one that gathers up to
     * maxGather from its oldest commit carries several, until half the threads wait in it.
     */
    @Test
    @Timeout(120)
    void commitsArrivingInWavesSmallerThanHalfTheThreadsShareBatches() throws Exception {
        Duration linger = Duration.ofMillis(50);
        int alone = batchesForWaves(linger, linger);
        assertTrue(alone >= 6, "after one linger, the waves went (nearly) a batch each: " + alone);
        int batches = batchesForWaves(linger, Duration.ofSeconds(1));
        assertTrue(batches <= 3, "eight waves of twelve in at most three batches: " + batches);
    }

    @Test
    @Timeout(120)
    void aLoneCommitWaitsAtMostTheGatheringBound() throws Exception {
        try (FakeVault vault = new FakeVault();
             ChunkvaultClient client = TestFiles.client(vault.endpoint(), new TestFiles.RecordingSleeper())) {
            CommitBatcher batcher = new CommitBatcher(client, 100, Duration.ofMillis(50), Duration.ofMillis(600));
            for (int i = 0; i < 128; i++) {
                batcher.enter(); // no other thread commits
            }
            long t0 = System.nanoTime();
            CommitResult r = batcher.commit(new ChunkvaultClient.Commit("lone.txt", null, Manifest.empty(FakeVault.PROFILE),
                    null, 0, EMPTY_SHA256, 0L, ChunkvaultClient.newIdempotencyKey()));
            long waited = (System.nanoTime() - t0) / 1_000_000;
            assertNotNull(r.version());
            assertTrue(waited >= 600, "it gathered: " + waited + " ms");
            assertTrue(waited < 600 + 50 + 5_000, "bounded: " + waited + " ms");
            assertEquals(1, vault.calls.get("POST /v1/commits").get(), "alone, by the plain route");
        }
    }
}
