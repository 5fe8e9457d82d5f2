package dev.chunkvault.service.vault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.service.sim.FakeClient;
import dev.chunkvault.service.sim.FakeClient.Content;
import dev.chunkvault.service.sim.TestVault;
import dev.chunkvault.service.store.Item;
import dev.chunkvault.service.store.ItemStore;
import dev.chunkvault.service.store.Key;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The entries a commit batch knows instead of reading ({@link BatchView}): the chunk rows its own seal has just created
 * (and those chunks as not held), and a small commit's own version where the file row shows it cannot exist. The batch
 * must read less and answer exactly as before, also when what it took as known is overtaken by a concurrent write.
 */
class BatchKnownRowsTest {
    private final Random random = new Random(23);
    private final List<String> reads = Collections.synchronizedList(new ArrayList<>());
    /** Run once, right after the batch's first read of file rows (then cleared). */
    private final AtomicReference<Runnable> afterFileRead = new AtomicReference<>();
    private TestVault v;
    private FakeClient alice;

    @BeforeEach
    void vault() {
        UnaryOperator<ItemStore> counting = inner -> new GcOrphansTest.Delegating(inner) {
            @Override
            public Optional<Item> get(String table, Key key) {
                reads.add(table + " " + key);
                return super.get(table, key);
            }

            @Override
            public List<Item> batchGet(String table, List<Key> keys) {
                keys.forEach(k -> reads.add(table + " " + k));
                List<Item> out = super.batchGet(table, keys);
                if (table.equals(Tables.FILES)) {
                    Runnable r = afterFileRead.getAndSet(null);
                    if (r != null) {
                        r.run();
                    }
                }
                return out;
            }
        };
        v = new TestVault(Settings.DEFAULTS.withParallelism(1), true, counting, UnaryOperator.identity(), Retry.immediate(3));
        alice = new FakeClient(v, "alice");
    }

    private Content content(int chunks) {
        return Content.random(random, chunks, 1_000);
    }

    private long readsOf(String table, ChunkId chunk) {
        return reads.stream().filter(r -> r.startsWith(table + " ") && r.contains(chunk.hex())).count();
    }

    private long readsOf(String table) {
        return reads.stream().filter(r -> r.startsWith(table + " ")).count();
    }

    private void assertNoDrift() {
        AuditService.AuditReport report = v.audit.audit(new AuditService.Options(false, true, true, null, 0, true), () -> true);
        assertEquals(0, report.driftCount(), () -> "no drift: " + report.drifts());
    }

    @Test
    void aFirstSyncsBatchReadsEachNewChunkRowOnceAndNoHoldingOrVersionAndAnswersAsBefore() {
        Content a = content(3);
        Content b = content(2);
        List<byte[]> both = new ArrayList<>(a.chunks());
        both.addAll(b.chunks());
        String packId = alice.uploadPackUnsealed(new Content(both), false);
        List<CommitService.CommitRequest> batch = List.of(alice.request("a.bin", null, a, "known-a-commit"),
                alice.request("b.bin", null, b, "known-b-commit"));
        reads.clear();

        CommitBatches.Answer answer = alice.commitBatch(List.of(packId), batch);

        answer.commits().forEach(i -> assertNull(i.error(), () -> "committed: " + i.error()));
        assertEquals(5, answer.seals().get(0).sealed().placed());
        for (byte[] c : both) {
            ChunkId id = ChunkId.sha256(c);
            assertEquals(1, readsOf(Tables.CHUNKS, id), "the seal's read only: the batch takes the row as written");
            ChunkRow row = v.chunkRow(id);
            assertEquals(1, row.refs());
            assertEquals(ChunkRow.State.LIVE, row.state());
            assertEquals(packId, row.pack());
        }
        assertEquals(0, readsOf(Tables.REFS), "no holding of a chunk that had no row is read");
        assertEquals(0, readsOf(Tables.VERSIONS), "new files: no own version can exist, and there is no parent");
        assertEquals(a.sha256(), download("a.bin"));
        assertEquals(b.sha256(), download("b.bin"));
        assertEquals(PackRow.State.SEALED, v.packRow(packId).state());
        assertEquals(5, v.packRow(packId).liveChunks());

        // Sent again (the answer was lost): the head is the commit's own version now, so it is read, and replayed.
        reads.clear();
        CommitBatches.Answer again = alice.commitBatch(List.of(packId), batch);
        for (int i = 0; i < batch.size(); i++) {
            assertNull(again.commits().get(i).error());
            assertEquals(answer.commits().get(i).result().version().versionId(),
                    again.commits().get(i).result().version().versionId());
            assertEquals(CommitService.Outcome.REPLAYED, again.commits().get(i).result().outcome());
        }
        assertTrue(readsOf(Tables.VERSIONS) > 0);
        for (byte[] c : both) {
            assertEquals(1, v.chunkRow(ChunkId.sha256(c)).refs(), "counted once");
        }
        assertNoDrift();
    }

    @Test
    void aVersionWrittenBetweenTheBatchsReadAndItsTransactionIsAnsweredAsAReplayAndCountedOnce() {
        Content old = content(2);
        alice.upload(old);
        String head = alice.commit("edit.bin", null, old, "edit-first").version().versionId();
        Content edited = content(2);
        Content fresh = content(1);
        alice.upload(edited);
        alice.upload(fresh);
        CommitService.CommitRequest edit = alice.request("edit.bin", head, edited, "edit-second");
        CommitService.CommitRequest create = alice.request("new.bin", null, fresh, "new-file-1");
        // The same requests, sent by an earlier attempt of this batch that the client gave up on, land first.
        List<String> landed = new ArrayList<>();
        afterFileRead.set(() -> {
            landed.add(v.commits.commit(edit).version().versionId());
            landed.add(v.commits.commit(create).version().versionId());
        });
        reads.clear();

        List<CommitService.BatchItem> answer = alice.commitBatch(List.of(edit, create));

        assertEquals(2, landed.size(), "the concurrent commits ran inside the batch");
        for (int i = 0; i < 2; i++) {
            assertNull(answer.get(i).error(), String.valueOf(answer.get(i).error()));
            assertEquals(landed.get(i), answer.get(i).result().version().versionId());
            assertEquals(CommitService.Outcome.REPLAYED, answer.get(i).result().outcome());
        }
        for (Content c : List.of(edited, fresh)) {
            for (byte[] chunk : c.chunks()) {
                assertEquals(1, v.chunkRow(ChunkId.sha256(chunk)).refs(), "pinned once");
            }
        }
        assertEquals(edited.sha256(), download("edit.bin"));
        assertEquals(fresh.sha256(), download("new.bin"));
        assertEquals(2, v.reads.history(alice.owner, "edit.bin", null, 100).versions().size(), "no version twice");
        assertNoDrift();
    }

    private String download(String path) {
        return new StorageModel.Model(v, new Random(1), null).fetch(v.reads.download(alice.owner, path, null, null));
    }
}
