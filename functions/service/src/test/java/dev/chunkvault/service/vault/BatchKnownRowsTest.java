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
import dev.chunkvault.service.store.TxAction;
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
    /** The tables of the batched reads, one entry per call. */
    private final List<String> batchCalls = Collections.synchronizedList(new ArrayList<>());
    /** The chunk rows written, by chunk id (transactions that went through only). */
    private final List<String> chunkWrites = Collections.synchronizedList(new ArrayList<>());
    /** A version key whose item the next batched read of versions leaves out (then cleared), or null. */
    private final AtomicReference<Key> hideVersionOnce = new AtomicReference<>();
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
                batchCalls.add(table);
                List<Item> out = super.batchGet(table, keys);
                Key hidden = table.equals(Tables.VERSIONS) ? hideVersionOnce.get() : null;
                if (hidden != null && keys.contains(hidden)) {
                    hideVersionOnce.set(null);
                    out = out.stream().filter(i -> !VersionRow.key(i.string(VersionRow.FILE_ID),
                            i.string(VersionRow.VERSION_ID)).equals(hidden)).toList();
                }
                if (table.equals(Tables.FILES)) {
                    Runnable r = afterFileRead.getAndSet(null);
                    if (r != null) {
                        r.run();
                    }
                }
                return out;
            }

            @Override
            public void transact(List<TxAction> actions) {
                super.transact(actions);
                for (TxAction a : actions) {
                    if (a.table().equals(Tables.CHUNKS)) {
                        chunkWrites.add(a instanceof TxAction.Put put ? put.item().string(ChunkRow.ID)
                                : a instanceof TxAction.UpdateItem u ? String.valueOf(u.key().partition()) : "other");
                    }
                }
            }

            @Override
            public void put(String table, Item item, dev.chunkvault.service.store.Condition condition) {
                super.put(table, item, condition);
                if (table.equals(Tables.CHUNKS)) {
                    chunkWrites.add(item.string(ChunkRow.ID));
                }
            }

            @Override
            public Item update(String table, Key key, dev.chunkvault.service.store.Update update,
                               dev.chunkvault.service.store.Condition condition) {
                Item out = super.update(table, key, update, condition);
                if (table.equals(Tables.CHUNKS)) {
                    chunkWrites.add(String.valueOf(key.partition()));
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
        chunkWrites.clear();

        CommitBatches.Answer answer = alice.commitBatch(List.of(packId), batch);

        answer.commits().forEach(i -> assertNull(i.error(), () -> "committed: " + i.error()));
        assertEquals(5, answer.seals().get(0).sealed().placed());
        for (byte[] c : both) {
            ChunkId id = ChunkId.sha256(c);
            assertEquals(1, readsOf(Tables.CHUNKS, id), "the seal's read only: the batch takes the row as it is to be");
            assertEquals(1, chunkWrites.stream().filter(id.hex()::equals).count(),
                    "written once, by the commits' group: created LIVE with its references");
            ChunkRow row = v.chunkRow(id);
            assertEquals(1, row.refs());
            assertEquals(ChunkRow.State.LIVE, row.state());
            assertEquals(packId, row.pack());
            assertNull(v.items.get(Tables.CHUNKS, ChunkRow.key(id)).orElseThrow().get(ChunkRow.GC_AT), "never in the GC index");
        }
        assertEquals(0, readsOf(Tables.REFS), "no holding of a chunk that had no row is read");
        assertEquals(0, readsOf(Tables.VERSIONS), "new files: no own version can exist, and there is no parent");
        assertEquals(a.sha256(), download("a.bin"));
        assertEquals(b.sha256(), download("b.bin"));
        assertEquals(PackRow.State.SEALED, v.packRow(packId).state());
        assertEquals(5, v.packRow(packId).liveChunks());
        assertEquals(both.stream().mapToLong(c -> c.length).sum(), v.packRow(packId).liveBytes());

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
        assertEquals(5, again.seals().get(0).sealed().placed());
        assertEquals(5, v.packRow(packId).liveChunks(), "nothing placed twice");
        assertNoDrift();
    }

    @Test
    void rowsLeftToCommitsThatDidNotWriteThemArePlacedByTheSealBeforeAnythingElseAndTheSealsAnswerHolds() {
        // One commit of the batch is refused (a stale parent), one is answered unchanged, one goes through.
        Content kept = content(1);
        alice.upload(kept);
        String keptHead = alice.commit("kept.bin", null, kept, "kept-first").version().versionId();
        String sameHead = alice.commit("same.bin", null, kept, "same-first").version().versionId();
        Content stale = content(2);
        Content good = content(2);
        List<byte[]> packed = new ArrayList<>(stale.chunks());
        packed.addAll(good.chunks());
        String packId = alice.uploadPackUnsealed(new Content(packed), false);
        List<CommitService.CommitRequest> batch = List.of(
                alice.request("kept.bin", "0000000001-0123456789abcdef", stale, "stale-parent"),
                alice.request("kept.bin2", null, good, "good-commit"),
                alice.request("same.bin", sameHead, kept, "unchanged-commit"));

        CommitBatches.Answer answer = alice.commitBatch(List.of(packId), batch);

        assertEquals("STALE_PARENT", answer.commits().get(0).error().code());
        assertNull(answer.commits().get(1).error());
        assertEquals(CommitService.Outcome.UNCHANGED, answer.commits().get(2).result().outcome());
        PackService.Sealed sealed = answer.seals().get(0).sealed();
        assertEquals(4, sealed.placed(), "every chunk of the pack placed");
        assertTrue(sealed.uploads().isEmpty() && sealed.retry().isEmpty());
        for (byte[] c : stale.chunks()) {
            ChunkRow row = v.chunkRow(ChunkId.sha256(c));
            assertEquals(packId, row.pack(), "placed by the seal's own code after the groups");
            assertEquals(0, row.refs());
            assertEquals(ChunkRow.State.PENDING, row.state(), "unreferenced: collectable as any sealed chunk");
        }
        assertEquals(4, v.packRow(packId).liveChunks());
        // The refused file's chunks are stored: its commit against the right parent needs no upload.
        assertNull(alice.commitBatch(List.of(), List.of(alice.request("kept.bin", keptHead, stale, "stale-again")))
                .commits().get(0).error());
        assertEquals(stale.sha256(), download("kept.bin"));
        assertNoDrift();
    }

    @Test
    void aCancelledGroupsMembersRunAloneOnRowsPlacedForThemAndAChunkInTwoPacksIsLeftToNone() {
        Content a = content(2);
        Content b = content(2);
        Content shared = content(1);
        List<byte[]> first = new ArrayList<>(a.chunks());
        first.addAll(shared.chunks());
        List<byte[]> second = new ArrayList<>(b.chunks());
        second.addAll(shared.chunks());
        String p1 = alice.uploadPackUnsealed(new Content(first), false);
        String p2 = alice.uploadPackUnsealed(new Content(second), false);
        Content other = content(1);
        alice.upload(other);
        // Another device creates b.bin between the batch's read and its group: the group is cancelled.
        afterFileRead.set(() -> alice.commit("b.bin", null, other, "other-device-b"));
        Content both = new Content(List.of(a.chunks().get(0), shared.chunks().get(0)));

        CommitBatches.Answer answer = alice.commitBatch(List.of(p1, p2), List.of(
                alice.request("a.bin", null, a, "group-a-commit"), alice.request("b.bin", null, b, "group-b-commit"),
                alice.request("both.bin", null, both, "group-both-commit")));

        assertNull(answer.commits().get(0).error(), "run alone, on the rows placed for it");
        assertEquals("STALE_PARENT", answer.commits().get(1).error().code());
        assertNull(answer.commits().get(2).error());
        assertEquals(3, answer.seals().get(0).sealed().placed(), "p1: its two chunks and the shared one");
        for (byte[] c : a.chunks()) {
            assertEquals(p1, v.chunkRow(ChunkId.sha256(c)).pack());
        }
        ChunkRow sharedRow = v.chunkRow(ChunkId.sha256(shared.chunks().get(0)));
        assertEquals(1, sharedRow.refs());
        for (byte[] c : b.chunks()) {
            assertEquals(p2, v.chunkRow(ChunkId.sha256(c)).pack(), "placed though its commit was refused");
        }
        assertEquals(a.sha256(), download("a.bin"));
        assertEquals(both.sha256(), download("both.bin"));
        assertEquals(other.sha256(), download("b.bin"));
        long live = v.packRow(p1).liveChunks() + v.packRow(p2).liveChunks();
        assertEquals(5, live, "each chunk counted in the one pack its row names");
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

    @Test
    void aCommitWhoseLaneMeetsARaceRunsAloneAfterTheRowsLeftToItArePlaced() {
        Content old = content(1);
        alice.upload(old);
        CommitService.CommitResult first = alice.commit("e.bin", null, old, "race-first");
        Content edited = content(2);
        Content other = content(1);
        List<byte[]> packed = new ArrayList<>(edited.chunks());
        packed.addAll(other.chunks());
        String packId = alice.uploadPackUnsealed(new Content(packed), false);
        // The batch's read of the parent version misses it (as while the head is being replaced): the lane races.
        String fileId = v.items.get(Tables.FILES, FileRow.key(alice.owner, "e.bin")).orElseThrow().string(FileRow.FILE_ID);
        hideVersionOnce.set(VersionRow.key(fileId, first.version().versionId()));

        CommitBatches.Answer answer = alice.commitBatch(List.of(packId), List.of(
                alice.request("e.bin", first.version().versionId(), edited, "race-edit"),
                alice.request("other.bin", null, other, "race-other")));

        assertNull(hideVersionOnce.get(), "the batch read the parent and did not see it");
        answer.commits().forEach(i -> assertNull(i.error(), () -> "committed: " + i.error()));
        assertEquals(CommitService.Outcome.CREATED, answer.commits().get(0).result().outcome());
        assertEquals(3, answer.seals().get(0).sealed().placed());
        for (byte[] c : packed) {
            ChunkRow row = v.chunkRow(ChunkId.sha256(c));
            assertEquals(1, row.refs());
            assertEquals(packId, row.pack());
        }
        assertEquals(3, v.packRow(packId).liveChunks());
        assertEquals(edited.sha256(), download("e.bin"));
        assertNoDrift();
    }

    @Test
    void aBatchOfDeltasReadsTheHoldingsAndRowsOfTheirAddedChunksTogetherNotPerCommit() {
        List<String> heads = new ArrayList<>();
        List<Content> olds = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            Content old = content(3);
            alice.upload(old);
            heads.add(alice.commit("d" + i + ".bin", null, old, "delta-base-" + i).version().versionId());
            olds.add(old);
        }
        List<CommitService.CommitRequest> batch = new ArrayList<>();
        List<Content> news = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            Content added = content(1);
            alice.upload(added);
            Content now = new Content(List.of(olds.get(i).chunks().get(0), added.chunks().get(0), olds.get(i).chunks().get(2)));
            news.add(now);
            batch.add(new CommitService.CommitRequest(alice.owner, "d" + i + ".bin", heads.get(i), new CommitService.Source.Delta(
                    dev.chunkvault.core.manifest.ManifestDelta.compute(olds.get(i).manifest(), now.manifest())),
                    now.size(), now.sha256(), 0, "delta-edit-" + i));
        }
        batchCalls.clear();

        List<CommitService.BatchItem> answer = alice.commitBatch(batch);

        answer.forEach(i -> assertNull(i.error(), () -> "committed: " + i.error()));
        assertEquals(1, batchCalls.stream().filter(Tables.REFS::equals).count(), "the holdings: one call for the batch");
        assertTrue(batchCalls.stream().filter(Tables.CHUNKS::equals).count() <= 2, () -> "chunk and pack rows: " + batchCalls);
        for (int i = 0; i < 6; i++) {
            assertEquals(news.get(i).sha256(), download("d" + i + ".bin"));
            assertEquals(1, v.chunkRow(ChunkId.sha256(news.get(i).chunks().get(1))).refs());
        }
        assertNoDrift();
    }

    private String download(String path) {
        return new StorageModel.Model(v, new Random(1), null).fetch(v.reads.download(alice.owner, path, null, null));
    }
}
