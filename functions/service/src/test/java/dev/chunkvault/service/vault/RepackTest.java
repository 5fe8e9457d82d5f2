package dev.chunkvault.service.vault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.core.compress.Encoding;
import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.service.error.ServiceException;
import dev.chunkvault.service.sim.FakeClient;
import dev.chunkvault.service.sim.FakeClient.Content;
import dev.chunkvault.service.sim.TestVault;
import dev.chunkvault.service.time.Deadline;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Repack of mostly dead packs ({@link Repacker}) on the in-memory fakes: the live chunks of a pack whose other chunks
 * were collected move to a new pack, files keep downloading byte for byte (also through a download plan handed out
 * before the move), the old pack goes a grace period later, the owner's commits still verify the moved chunks by their
 * pack, and a run killed after any number of store calls leaves nothing lost and nothing counted wrong. Under
 * concurrent traffic and faults: the storage model (StorageModelTest, StorageModelIT), whose GC runs repack.
 */
class RepackTest {
    private static final Settings SETTINGS = StorageModel.settings();

    private final Random random = new Random(11);

    private Content content(int chunks) {
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < chunks; i++) {
            byte[] b = new byte[2_000 + random.nextInt(3_000)];
            random.nextBytes(b);
            out.add(b);
        }
        return new Content(out);
    }

    /** A vault where alice's "keep.bin" (4 chunks) shares one pack with "gone.bin" (12 chunks), already collected. */
    private static final class Setup {
        final TestVault v;
        final FakeClient alice;
        final Content keep;
        final String oldPack;

        Setup(TestVault v, Content keep, Content gone) {
            this.v = v;
            this.alice = new FakeClient(v, "alice");
            this.keep = keep;
            List<byte[]> all = new ArrayList<>(keep.chunks());
            all.addAll(gone.chunks());
            assertEquals(16, alice.uploadPacked(new Content(all)).placed());
            String keepVersion = alice.commit("keep.bin", null, keep, "keep-key-1").version().versionId();
            String goneVersion = alice.commit("gone.bin", null, gone, "gone-key-1").version().versionId();
            assertNotEquals(keepVersion, goneVersion);
            alice.delete("gone.bin", goneVersion, "gone-key-2");
            oldPack = packOf(v, keep.chunks().get(0));
            // Retention passes (the deleted file's version expires), then the grace (its chunks are swept, one unit of
            // the pack's count each), then the grace again: the pack, 4 of 16 chunks live, is looked at.
            v.clock.advance(SETTINGS.retention().plusHours(1));
            assertTrue(v.gc.run("expire", () -> true).complete());
            v.clock.advance(SETTINGS.grace().plus(SETTINGS.uploadUrlTtl()).plusHours(1));
            GcReport swept = v.gc.run("sweep", () -> true);
            assertEquals(12, swept.chunksSwept());
            assertEquals(0, swept.packsRepacked(), "looked at only a grace period after it lost chunks");
            PackRow p = pack(v, oldPack);
            assertEquals(4, p.liveChunks());
            assertTrue(Repacker.wanted(p), "mostly dead: " + p.liveBytes() + " of " + Repacker.chunkBytes(p));
            v.clock.advance(SETTINGS.grace().plusHours(1));
        }
    }

    private Setup setup(TestVault v) {
        return new Setup(v, content(4), content(12));
    }

    private static String packOf(TestVault v, byte[] chunk) {
        return ChunkRow.from(v.items.get(Tables.CHUNKS, ChunkRow.key(ChunkId.sha256(chunk))).orElseThrow()).pack();
    }

    private static PackRow pack(TestVault v, String id) {
        return PackRow.from(v.items.get(Tables.CHUNKS, PackRow.key(id)).orElseThrow());
    }

    private static String download(TestVault v, FakeClient who, String path) {
        return new StorageModel.Model(v, new Random(1), null).fetch(v.reads.download(who.owner, path, null, null));
    }

    private static Set<String> packs(TestVault v) {
        return v.blobs.keys().stream().filter(k -> k.startsWith(PackRow.OBJECT_PREFIX)).collect(Collectors.toSet());
    }

    @Test
    void theLiveChunksOfAMostlyDeadPackMoveToANewPackAndTheOldOneGoesAGracePeriodLater() {
        Setup s = setup(new TestVault(SETTINGS));
        TestVault v = s.v;
        Oracle oracle = new Oracle(v);
        ReadService.DownloadPlan before = v.reads.download(s.alice.owner, "keep.bin", null, null);

        Map<ChunkId, ChunkRow> was = new HashMap<>();
        s.keep.chunks().forEach(c -> was.put(ChunkId.sha256(c), ChunkRow.from(v.items.get(Tables.CHUNKS,
                ChunkRow.key(ChunkId.sha256(c))).orElseThrow())));
        assertTrue(was.values().stream().anyMatch(w -> w.encoding() == Encoding.ZSTD), "the fake client compresses some");
        GcReport r = v.gc.run("repack", () -> true);
        assertEquals(1, r.packsRepacked());
        assertEquals(4, r.chunksMoved());
        String newPack = packOf(v, s.keep.chunks().get(0));
        for (ChunkRow w : was.values()) {
            ChunkRow now = ChunkRow.from(v.items.get(Tables.CHUNKS, ChunkRow.key(w.id())).orElseThrow());
            assertEquals(w.encoding(), now.encoding(), "a repack copies the stored bytes and keeps their encoding");
            assertEquals(w.storedLength(), now.storedLength());
            assertEquals(w.size(), now.size());
        }
        assertNotEquals(s.oldPack, newPack);
        for (byte[] c : s.keep.chunks()) {
            assertEquals(newPack, packOf(v, c), "every live chunk moved, together");
        }
        PackRow fresh = pack(v, newPack);
        assertEquals(PackRow.State.SEALED, fresh.state());
        assertEquals(s.alice.owner.tag(), fresh.ns(), "for the same uploader");
        assertEquals(4, fresh.liveChunks());
        assertEquals(0, pack(v, s.oldPack).liveChunks());
        assertTrue(v.blobs.head(PackRow.objectKey(s.oldPack)).isPresent(), "kept for the grace period: readers may hold ranges");
        assertEquals(s.keep.sha256(), new StorageModel.Model(v, new Random(1), null).fetch(before),
                "a plan handed out before the move still downloads");
        assertEquals(s.keep.sha256(), download(v, s.alice, "keep.bin"));
        oracle.referencedChunksIntact();
        oracle.countsMatchRecount();

        // The owner commits the moved chunks again without uploading anything: its new pack proves them.
        assertEquals(CommitService.Outcome.CREATED, s.alice.commit("copy.bin", null, s.keep, "copy-key-1").outcome());
        assertTrue(s.alice.uploadPacked(s.keep) == null, "nothing to upload");

        v.clock.advance(SETTINGS.grace().plusHours(1));
        GcReport later = v.gc.run("delete-old", () -> true);
        assertEquals(1, later.packsDeleted());
        assertEquals(0, later.packsRepacked(), "the new pack is all live");
        assertFalse(v.blobs.head(PackRow.objectKey(s.oldPack)).isPresent());
        assertEquals(Set.of(PackRow.objectKey(newPack)), packs(v));
        assertEquals(s.keep.sha256(), download(v, s.alice, "keep.bin"));
        oracle.referencedChunksIntact();
        oracle.countsMatchRecount();
        oracle.noMostlyDeadPacks();
    }

    @Test
    void aPackThatIsMostlyLiveIsLeftAsItIs() {
        TestVault v = new TestVault(SETTINGS);
        FakeClient alice = new FakeClient(v, "alice");
        Content keep = content(12);
        Content gone = content(4);
        List<byte[]> all = new ArrayList<>(keep.chunks());
        all.addAll(gone.chunks());
        alice.uploadPacked(new Content(all));
        alice.commit("keep.bin", null, keep, "keep-key-1");
        alice.delete("gone.bin", alice.commit("gone.bin", null, gone, "gone-key-1").version().versionId(), "gone-key-2");
        for (int i = 0; i < 4; i++) {
            v.clock.advance(SETTINGS.retention().plus(SETTINGS.grace()).plusHours(1));
            GcReport r = v.gc.run("run-" + i, () -> true);
            assertEquals(0, r.packsRepacked(), "12 of 16 chunks live");
        }
        assertEquals(12, pack(v, packOf(v, keep.chunks().get(0))).liveChunks());
        assertEquals(keep.sha256(), download(v, alice, "keep.bin"));
    }

    @Test
    void aChunkWhoseBytesAreDamagedInTheOldPackIsNotCopied() {
        Setup s = setup(new TestVault(SETTINGS));
        TestVault v = s.v;
        byte[] victim = s.keep.chunks().get(1);
        ChunkRow row = ChunkRow.from(v.items.get(Tables.CHUNKS, ChunkRow.key(ChunkId.sha256(victim))).orElseThrow());
        byte[] object = v.blobs.get(PackRow.objectKey(s.oldPack)).orElseThrow();
        object[(int) row.packOffset()] ^= 1; // the stored pack rots in place
        v.blobs.put(PackRow.objectKey(s.oldPack), object, java.util.Map.of());

        GcReport r = v.gc.run("repack", () -> true);
        assertEquals(3, r.chunksMoved(), "the three intact ones");
        assertEquals(s.oldPack, packOf(v, victim), "the damaged one stays where the audit will find it");
        assertEquals(1, pack(v, s.oldPack).liveChunks(), "and the old pack, counting it, stays");
        v.clock.advance(SETTINGS.grace().plusHours(1));
        v.gc.run("later", () -> true);
        assertTrue(v.blobs.head(PackRow.objectKey(s.oldPack)).isPresent(), "never deleted while a row is located in it");
    }

    /**
     * kill -9 of the GC during a repack, after each number of store calls in turn: the run never gives its lease back
     * and stops wherever it was (a new pack declared but not written, written but not sealed, sealed with some chunks
     * moved). Every file still downloads, every count matches, and later runs finish the work.
     */
    @Test
    void aRepackKilledAfterAnyStoreCallLosesNothingAndLaterRunsFinishIt() {
        int killedMidway = 0;
        for (int calls = 1; calls < 200; calls++) {
            TestVault v = new TestVault(SETTINGS, false, UnaryOperator.identity(), UnaryOperator.identity(),
                    Retry.immediate(3));
            Setup s = new Setup(v, Content.random(new Random(calls), 4, 3_000), Content.random(new Random(-calls), 12, 3_000));
            Oracle oracle = new Oracle(v);
            GcLease.Acquired a = v.gc.acquire(null);
            assertTrue(a.granted());
            AtomicLong steps = new AtomicLong();
            GcService.Tally t = new GcService.Tally();
            boolean killed;
            try {
                Deadline.in(Duration.ofNanos(calls), steps::incrementAndGet).run(() -> {
                    v.gc.expire(a.lease()::alive, t);
                    v.gc.collect(a.lease(), a.lease()::alive, true, true, t);
                });
                killed = false;
            } catch (ServiceException dead) {
                killed = true;
            }
            oracle.referencedChunksIntact();
            oracle.countsMatchRecount();
            assertEquals(s.keep.sha256(), download(v, s.alice, "keep.bin"), "after a kill at call " + calls);
            if (killed && packs(v).size() > 1 && s.oldPack.equals(packOf(v, s.keep.chunks().get(0)))) {
                killedMidway++; // a new pack's object is written, no chunk has moved into it yet
            }

            // The dead run's lease expires; later runs repack what is left and delete what is empty.
            v.clock.advance(SETTINGS.leaseTtl().plus(SETTINGS.leaseSkew()).plusSeconds(1));
            for (int run = 0; run < 3; run++) {
                assertTrue(v.gc.run("after-" + calls + "-" + run, () -> true).complete());
                v.clock.advance(SETTINGS.grace().plus(SETTINGS.uploadUrlTtl()).plusHours(1));
            }
            oracle.referencedChunksIntact();
            oracle.countsMatchRecount();
            oracle.noOldGarbage();
            oracle.noMostlyDeadPacks();
            assertEquals(s.keep.sha256(), download(v, s.alice, "keep.bin"));
            assertFalse(v.blobs.head(PackRow.objectKey(s.oldPack)).isPresent(), "the old pack goes in the end");
            if (!killed) {
                assertTrue(killedMidway > 0, "some kills must land between a new pack's seal and its last move");
                return;
            }
        }
        throw new AssertionError("the repack run never finished within 200 store calls");
    }
}
