package dev.chunkvault.service.vault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.service.TestClock;
import dev.chunkvault.service.sim.Backend;
import dev.chunkvault.service.sim.FakeClient;
import dev.chunkvault.service.sim.FakeClient.Content;
import dev.chunkvault.service.sim.TestVault;
import dev.chunkvault.service.store.Condition;
import dev.chunkvault.service.store.TxAction;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The small commits of a batch written several to a transaction (issue 15): shared chunks are counted once per file
 * that adds them, a group that cannot be written as a whole leaves each member to its own answer, the quota holds for
 * the group as for commits alone, and no group goes past DynamoDB's limits.
 */
class CommitGroupsTest {
    private final Random random = new Random(1507);

    private byte[] bytes(int size) {
        byte[] b = new byte[size];
        random.nextBytes(b);
        return b;
    }

    /** A vault whose store counts transactions, and runs {@code beforeGroup} once before the first of many actions. */
    private TestVault vault(AtomicInteger transactions, Consumer<TestVault> beforeGroup) {
        TestVault[] self = new TestVault[1];
        AtomicBoolean ran = new AtomicBoolean();
        self[0] = new TestVault(Backend.inMemory(new TestClock(), true), new TestClock(), Settings.DEFAULTS.withParallelism(1),
                s -> new GcOrphansTest.Delegating(s) {
                    @Override
                    public void transact(List<TxAction> actions) {
                        if (actions.size() > 20 && beforeGroup != null && ran.compareAndSet(false, true)) {
                            beforeGroup.accept(self[0]);
                        }
                        transactions.incrementAndGet();
                        super.transact(actions);
                    }
                }, b -> b, Retry.immediate(3));
        return self[0];
    }

    private long refs(TestVault v, ChunkId id) {
        return ChunkRow.from(v.items.get(Tables.CHUNKS, ChunkRow.key(id)).orElseThrow()).refs();
    }

    private long holding(TestVault v, FakeClient c, ChunkId id) {
        return v.items.get(Tables.REFS, Refs.holding(c.owner, id)).orElseThrow().number(Refs.COUNT);
    }

    @Test
    void aChunkSharedByManyFilesOfABatchIsCountedOncePerFile() {
        AtomicInteger transactions = new AtomicInteger();
        TestVault v = vault(transactions, null);
        FakeClient c = new FakeClient(v, "alice");
        byte[] shared = bytes(700);
        List<CommitService.CommitRequest> batch = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            Content x = new Content(List.of(shared, bytes(300 + i)));
            c.upload(x);
            batch.add(c.request("shared/f" + i + ".txt", null, x, "groups-shared-" + i));
        }
        transactions.set(0);
        List<CommitService.BatchItem> out = v.commits.commitBatch(batch);
        out.forEach(item -> assertEquals(CommitService.Outcome.CREATED, item.result().outcome()));
        // 24 files: 3 own rows + 2 edges each, and 2 × 25 shared rows, in a few transactions of at most 100 actions.
        assertTrue(transactions.get() <= 4, "several files to a transaction: " + transactions);
        ChunkId s = ChunkId.sha256(shared);
        assertEquals(24, refs(v, s), "one reference per file that adds the chunk");
        assertEquals(24, holding(v, c, s));
        assertEquals(24, v.usage.usage(c.owner).files());
        assertTrue(v.audit.audit(false, true, () -> true).clean(), "counts equal the recount");
    }

    @Test
    void aGroupThatCannotBeWrittenLeavesEachCommitToItsOwnAnswer() {
        AtomicInteger transactions = new AtomicInteger();
        Content racer = new Content(List.of(bytes(900)));
        String[] heads = new String[8];
        TestVault v = vault(transactions, vault -> {
            // Another device moves f3 on between the batch's reads and its group's transaction.
            FakeClient other = new FakeClient(vault, "alice");
            other.upload(racer);
            other.commit("race/f3.txt", heads[3], racer, "groups-racer");
        });
        FakeClient c = new FakeClient(v, "alice");
        for (int i = 0; i < heads.length; i++) {
            Content x = new Content(List.of(bytes(500)));
            c.upload(x);
            heads[i] = c.commit("race/f" + i + ".txt", null, x, "groups-first-" + i).version().versionId();
        }
        List<CommitService.CommitRequest> batch = new ArrayList<>();
        List<Content> edits = new ArrayList<>();
        for (int i = 0; i < heads.length; i++) {
            Content x = new Content(List.of(bytes(600), bytes(400)));
            c.upload(x);
            edits.add(x);
            batch.add(c.request("race/f" + i + ".txt", heads[i], x, "groups-edit-" + i));
        }
        List<CommitService.BatchItem> out = v.commits.commitBatch(batch);
        for (int i = 0; i < heads.length; i++) {
            String path = "race/f" + i + ".txt";
            if (i == 3) {
                assertNull(out.get(i).result());
                assertEquals("STALE_PARENT", out.get(i).error().code());
                assertEquals(racer.sha256(), v.reads.file(c.owner, path, false).contentHash(), "the racer's edit stays");
            } else {
                assertEquals(CommitService.Outcome.CREATED, out.get(i).result().outcome(), path);
                assertEquals(edits.get(i).sha256(), v.reads.file(c.owner, path, false).contentHash());
            }
        }
        assertEquals(heads.length, v.usage.usage(c.owner).files());
        assertTrue(v.audit.audit(false, true, () -> true).clean(), "the cancelled group wrote nothing");
    }

    @Test
    void theQuotaHoldsForAGroupAsForCommitsAlone() {
        AtomicInteger transactions = new AtomicInteger();
        TestVault v = vault(transactions, null);
        FakeClient c = new FakeClient(v, "alice");
        v.usage.setQuota(c.owner, 5_500L);
        List<CommitService.CommitRequest> batch = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            Content x = new Content(List.of(bytes(1_000)));
            c.upload(x);
            batch.add(c.request("quota/f" + i + ".bin", null, x, "groups-quota-" + i));
        }
        List<CommitService.BatchItem> out = v.commits.commitBatch(batch);
        long created = out.stream().filter(i -> i.result() != null).count();
        assertEquals(5, created, "as many as fit");
        out.stream().filter(i -> i.result() == null)
                .forEach(i -> assertEquals(CommitService.QUOTA_EXCEEDED, i.error().code()));
        assertEquals(5_000, v.usage.usage(c.owner).logicalBytes());
        assertTrue(v.audit.audit(false, true, () -> true).clean());
    }

    private static CommitGroups.Prepared prepared(Owner owner, int n, List<RefOps.Pin> pins) {
        List<TxAction> own = List.of(
                TxAction.check(Tables.FILES, FileRow.key(owner, "f" + n), Condition.ALWAYS),
                TxAction.check(Tables.VERSIONS, VersionRow.key("file" + n, "v"), Condition.ALWAYS));
        return new CommitGroups.Prepared(owner, "file" + n, "v", own, new Usage.Counters(10, 1, 1, 0), null,
                0, 0, pins, 1_000, n, null);
    }

    @Test
    void aGroupStaysWithinOneTransactionAndNeverTouchesAChunkRowTwice() {
        Owner owner = new Owner("alice");
        List<ChunkId> chunks = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            chunks.add(ChunkId.sha256(new byte[] {(byte) i}));
        }
        List<CommitGroups.Prepared> prepared = new ArrayList<>();
        for (int n = 0; n < 30; n++) {
            List<RefOps.Pin> pins = new ArrayList<>();
            for (int k = 0; k < 1 + n % 7; k++) {
                pins.add(new RefOps.Pin(chunks.get((n * 3 + k) % 40), "inc", 100, null));
            }
            prepared.add(prepared(owner, n, pins));
        }
        // The same chunk row read as two incarnations: both cannot be right, so never in one group.
        prepared.add(prepared(owner, 30, List.of(new RefOps.Pin(chunks.get(0), "other", 100, null))));
        List<CommitGroups.Group> groups = CommitGroups.plan(prepared);
        int members = 0;
        for (CommitGroups.Group g : groups) {
            assertTrue(g.actions().size() <= CommitGroups.MAX_ACTIONS, "actions " + g.actions().size());
            members += g.members().size();
            java.util.Map<ChunkId, String> incarnations = new java.util.HashMap<>();
            g.members().forEach(p -> p.pins().forEach(pin -> {
                String was = incarnations.putIfAbsent(pin.chunk(), pin.incarnation());
                assertTrue(was == null || was.equals(pin.incarnation()), "two incarnations of a chunk in one group");
            }));
            // Edges one per pin, and each chunk's holding and row once.
            long pins = g.members().stream().mapToLong(p -> p.pins().size()).sum();
            long distinct = g.members().stream().flatMap(p -> p.pins().stream()).map(RefOps.Pin::chunk).distinct().count();
            long own = g.members().stream().mapToLong(p -> p.own().size()).sum();
            assertEquals(own + 1 + pins + 2 * distinct, g.actions().size());
        }
        assertEquals(prepared.size(), members, "every commit in exactly one group");
        assertTrue(groups.size() < prepared.size() / 3, "groups of several: " + groups.size());
        assertEquals(prepared, groups.stream().flatMap(g -> g.members().stream()).toList(), "in order");
    }
}
