package dev.chunkvault.service.vault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.core.hash.ChunkId;
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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** The orphan sweep: S3 objects with no chunk row are collected once old enough, and only then; retries are safe. */
class GcOrphansTest {
    private static byte[] bytes(long seed) {
        byte[] b = new byte[1000];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static ChunkId orphan(TestVault v, long seed) {
        byte[] b = bytes(seed);
        ChunkId id = ChunkId.sha256(b);
        v.blobs.put(ChunkRow.objectKey(id), b, Map.of());
        return id;
    }

    private static java.time.Duration old(TestVault v) {
        return v.settings.uploadUrlTtl().plus(v.settings.grace()).plusMinutes(1);
    }

    @Test
    void oldOrphansAreCollectedAndYoungOnesAndObjectsWithRowsStay() {
        TestVault v = new TestVault();
        ChunkId oldOrphan = orphan(v, 1);
        v.clock.advance(old(v));
        ChunkId young = orphan(v, 2);
        FakeUpload.grantOnly(v, bytes(3));
        GcReport r = v.gc.run("orphans-1", () -> true);
        assertTrue(r.complete());
        assertEquals(1, r.orphanObjectsDeleted());
        assertTrue(v.blobs.head(ChunkRow.objectKey(oldOrphan)).isEmpty(), "old orphan collected");
        assertTrue(v.items.get(Tables.CHUNKS, ChunkRow.key(oldOrphan)).isEmpty(), "and its adoption row gone");
        assertTrue(v.blobs.head(ChunkRow.objectKey(young)).isPresent(), "an object younger than an upload URL may be an upload in flight");
        assertFalse(v.items.get(Tables.CHUNKS, ChunkRow.key(ChunkId.sha256(bytes(3)))).isEmpty(), "a granted chunk keeps its row");
    }

    /**
     * A pack object with no pack row (an operator's restore could leave one) is collected once old enough; a young one,
     * one with a row, and a key under packs/ that is no pack id stay.
     */
    @Test
    void oldPackObjectsWithoutARowAreCollected() {
        TestVault v = new TestVault();
        dev.chunkvault.service.sim.FakeClient alice = new dev.chunkvault.service.sim.FakeClient(v, "alice");
        dev.chunkvault.service.sim.FakeClient.Content kept = dev.chunkvault.service.sim.FakeClient.Content.random(new Random(9), 3, 2_000);
        alice.uploadPacked(kept);
        alice.commit("kept.bin", null, kept, "kept-pack-1");
        String withRow = ChunkRow.from(v.items.get(Tables.CHUNKS, ChunkRow.key(ChunkId.sha256(kept.chunks().get(0))))
                .orElseThrow()).pack();
        String old = "0123456789abcdef0123456789abcdef";
        v.blobs.put(PackRow.objectKey(old), bytes(5), Map.of());
        v.blobs.put(PackRow.OBJECT_PREFIX + "not-a-pack-id", bytes(6), Map.of());
        v.clock.advance(old(v));
        String young = "fedcba9876543210fedcba9876543210";
        v.blobs.put(PackRow.objectKey(young), bytes(7), Map.of());

        GcReport r = v.gc.run("pack-orphans", () -> true);
        assertTrue(r.complete());
        assertEquals(1, r.orphanObjectsDeleted());
        assertTrue(v.blobs.head(PackRow.objectKey(old)).isEmpty(), "the old pack object without a row is collected");
        assertTrue(v.items.get(Tables.CHUNKS, PackRow.key(old)).isEmpty(), "and its adoption row is gone");
        assertTrue(v.blobs.head(PackRow.objectKey(young)).isPresent(), "a young one may be an upload in flight");
        assertTrue(v.blobs.head(PackRow.objectKey(withRow)).isPresent(), "a pack with a row is the collect phase's");
        assertTrue(v.blobs.head(PackRow.OBJECT_PREFIX + "not-a-pack-id").isPresent(), "not ours to judge");
        new Oracle(v).referencedChunksIntact();
    }

    /** The adoption put succeeds but its answer is lost: the retry must recognise its own row and finish the job. */
    @Test
    void anAdoptionWhoseAnswerWasLostIsFinishedByTheRetry() {
        AtomicInteger lost = new AtomicInteger();
        UnaryOperator<ItemStore> loseFirstAdoption = inner -> new Delegating(inner) {
            @Override
            public void put(String table, Item item, Condition condition) {
                super.put(table, item, condition);
                if (table.equals(Tables.CHUNKS) && "DELETING".equals(item.string(ChunkRow.STATE)) && lost.getAndIncrement() == 0) {
                    throw new TransientStoreException(TransientStoreException.Kind.UNAVAILABLE, "answer lost", null);
                }
            }
        };
        TestVault v = new TestVault(Settings.DEFAULTS.withParallelism(1), true, loseFirstAdoption, UnaryOperator.identity(),
                Retry.immediate(3));
        ChunkId id = orphan(v, 4);
        v.clock.advance(old(v));
        GcReport r = v.gc.run("orphans-lost", () -> true);
        assertEquals(1, lost.get(), "the fault was injected");
        assertTrue(r.complete());
        assertTrue(v.blobs.head(ChunkRow.objectKey(id)).isEmpty(), "the object is collected in the same run");
        assertTrue(v.items.get(Tables.CHUNKS, ChunkRow.key(id)).isEmpty(), "no DELETING row is left behind");
    }

    /** A run that may not delete any more leaves the adopted row DELETING; the next run's collect sweeps it at once. */
    @Test
    void anAdoptedRowLeftDeletingIsSweptByTheNextRun() {
        TestVault v = new TestVault();
        ChunkId id = orphan(v, 5);
        v.clock.advance(old(v));
        // Adopt by hand the way an interrupted run leaves it: DELETING, of an old token, in the index at the object's time.
        v.items.put(Tables.CHUNKS, Item.builder().set(ChunkRow.ID, id.hex()).set(ChunkRow.STATE, "DELETING")
                .set(ChunkRow.REFS, 0L).set(ChunkRow.INCARNATION, "x").set(ChunkRow.GC_RUN, 0L).set(ChunkRow.CREATED_AT, 0L)
                .set(ChunkRow.GC_SHARD, Tables.shardOf(id.hex())).set(ChunkRow.GC_AT, 0L).build(), Condition.ALWAYS);
        assertTrue(v.gc.run("after-interruption", () -> true).complete());
        assertTrue(v.blobs.head(ChunkRow.objectKey(id)).isEmpty());
        assertTrue(v.items.get(Tables.CHUNKS, ChunkRow.key(id)).isEmpty());
    }

    /** Grants a chunk (row PENDING, no object), as a client that never uploads. */
    static final class FakeUpload {
        static void grantOnly(TestVault v, byte[] b) {
            v.uploads.grant(new Owner("carol"), List.of(new UploadService.ChunkRequest(ChunkId.sha256(b), b.length)));
        }
    }

    /** An ItemStore that passes everything through; tests override what they disturb. */
    static class Delegating implements ItemStore {
        private final ItemStore inner;

        Delegating(ItemStore inner) {
            this.inner = inner;
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
        }

        @Override
        public Item update(String table, Key key, Update update, Condition condition) {
            return inner.update(table, key, update, condition);
        }

        @Override
        public void delete(String table, Key key, Condition condition) {
            inner.delete(table, key, condition);
        }

        @Override
        public void transact(List<TxAction> actions) {
            inner.transact(actions);
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
}
