package dev.chunkvault.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Packs sealed by the commit batch that first uses them ({@link PackSeal}, {@link CommitBatcher}), against the
 * in-process fake API: no seal request of their own; a service that refuses the field gets them sealed by their own
 * request, once noticed; a seal that asks for chunks alone has them PUT and the commit goes through; a pack found
 * damaged has its chunks sent again. Over the real local cloud: PacksIT.
 */
class SealInCommitTest extends WithFakeVault {
    @TempDir
    Path dir;

    @Override
    protected FakeVault newVault() throws java.io.IOException {
        return new FakeVault().enablePacks();
    }

    /** Pushes {@code n} small files from {@code threads} threads through one batcher, as a sync does. */
    private Map<String, byte[]> pushMany(int n, int threads, int seed) throws Exception {
        Map<String, byte[]> contents = new java.util.TreeMap<>();
        for (int i = 0; i < n; i++) {
            contents.put("s" + seed + "/f" + i + ".txt", TestFiles.random(seed * 1000 + i, 500 + i * 37));
        }
        CommitBatcher batcher = new CommitBatcher(client, 100, Duration.ofMillis(20));
        PushJournal journal = PushJournal.inMemory();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (Map.Entry<String, byte[]> e : contents.entrySet()) {
                done.add(pool.submit(() -> {
                    batcher.enter();
                    try {
                        Path f = TestFiles.write(dir.resolve(e.getKey().replace('/', '_')), e.getValue());
                        return new FilePusher(client, journal, batcher).push(FilePusher.Request.of(f, e.getKey(), null));
                    } finally {
                        batcher.leave();
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        return contents;
    }

    private void assertPulledBack(Map<String, byte[]> contents) throws Exception {
        for (Map.Entry<String, byte[]> e : contents.entrySet()) {
            Path out = dir.resolve("pulled-" + e.getKey().replace('/', '_'));
            new FilePuller(client).pull(FilePuller.Request.of(e.getKey(), out));
            assertArrayEquals(e.getValue(), Files.readAllBytes(out), e.getKey());
        }
    }

    private int calls(String route) {
        AtomicInteger n = vault.calls.get(route);
        return n == null ? 0 : n.get();
    }

    @Test
    @Timeout(120)
    void packsAreSealedByTheCommitBatchesThatUseThemWithoutASealRequest() throws Exception {
        pushMany(1, 1, 1); // the first file's grant shows that the service offers packs
        int sealsBefore = calls("POST /v1/packs/seal");
        Map<String, byte[]> contents = pushMany(60, 12, 2);
        assertEquals(sealsBefore, calls("POST /v1/packs/seal"), "no seal of its own for a batch's pack");
        assertTrue(vault.sealsInBatches.get() >= 1, "sealed in commit batches");
        assertTrue(vault.commitBatches.get() >= 1);
        assertEquals(61, vault.packedChunks.size(), "every chunk once, in a pack");
        assertEquals(0, vault.puts.get(), "nothing sent alone");
        assertTrue(client.sealsInCommits());
        assertPulledBack(contents);
    }

    @Test
    @Timeout(120)
    void aServiceThatRefusesSealsInBatchesGetsThemSealedByTheirOwnRequest() throws Exception {
        vault.batchSealUnknown = true;
        Map<String, byte[]> contents = pushMany(40, 8, 3);
        assertEquals(1, vault.sealRefusals.get(), "refused once, then noticed");
        assertFalse(client.sealsInCommits());
        assertEquals(0, vault.sealsInBatches.get());
        assertTrue(calls("POST /v1/packs/seal") >= 1);
        assertEquals(40, vault.packedChunks.size());
        assertPulledBack(contents);
    }

    @Test
    @Timeout(120)
    void chunksASealAsksForAloneArePutAndTheirCommitGoesThrough() throws Exception {
        pushMany(1, 1, 4);
        vault.sealsAskingAlone.set(1);
        Map<String, byte[]> contents = pushMany(10, 10, 5);
        assertEquals(0, vault.sealsAskingAlone.get(), "a seal asked for its chunks alone");
        assertTrue(vault.puts.get() >= 1, "and they were PUT alone");
        assertPulledBack(contents);
    }

    @Test
    @Timeout(120)
    void aSealTheServiceDefersIsSealedByItsOwnRequestAndItsChunksAreNotSentAgain() throws Exception {
        pushMany(1, 1, 9);
        int sealsBefore = calls("POST /v1/packs/seal");
        int packedBefore = vault.packedChunks.size();
        vault.sealsDeferred.set(1);
        Map<String, byte[]> contents = pushMany(10, 10, 10);
        assertEquals(0, vault.sealsDeferred.get(), "a seal in a batch was deferred");
        assertEquals(1, vault.deferredPacks.size());
        assertTrue(calls("POST /v1/packs/seal") > sealsBefore, "the deferred pack sealed by its own request");
        assertTrue(vault.sealedPacks.containsAll(vault.deferredPacks), "the deferred pack itself was sealed");
        assertEquals(packedBefore + 10, vault.packedChunks.size(), "every chunk once, in a pack: none packed again");
        assertEquals(0, vault.puts.get(), "nothing sent alone");
        assertPulledBack(contents);
    }

    @Test
    @Timeout(120)
    void aPackFoundDamagedHasTheChunksItsCommitsMissSentAgain() throws Exception {
        pushMany(1, 1, 6);
        vault.damageNextPacks.set(1);
        Map<String, byte[]> contents = pushMany(10, 10, 7);
        assertEquals(0, vault.damageNextPacks.get());
        assertTrue(vault.sealsInBatches.get() >= 2, "the damaged pack's seal, then its chunks' new pack's");
        assertEquals(0, vault.puts.get());
        assertPulledBack(contents);
    }

    @Test
    @Timeout(120)
    void aFileThatChangedWhileItsDamagedPackWasSentIsReportedChanged() throws Exception {
        pushMany(1, 1, 8);
        vault.damageNextPacks.set(1);
        Path f = TestFiles.write(dir.resolve("changing.txt"), TestFiles.random(90, 3_000));
        vault.hook = (route, body, query) -> {
            if (route.equals("POST /v1/commit-batch") || route.equals("POST /v1/commits")) {
                try {
                    Files.write(f, TestFiles.random(91, 3_000)); // changed after it was read and packed
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        };
        CommitBatcher batcher = new CommitBatcher(client, 100, Duration.ofMillis(20));
        batcher.enter();
        try {
            assertThrows(LocalFileChangedException.class, () -> new FilePusher(client, PushJournal.inMemory(), batcher)
                    .push(FilePusher.Request.of(f, "changing.txt", null)));
        } finally {
            batcher.leave();
        }
        assertNull(vault.head("changing.txt"), "nothing committed");
    }
}
