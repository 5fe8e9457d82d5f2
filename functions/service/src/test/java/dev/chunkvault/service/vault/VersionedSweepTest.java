package dev.chunkvault.service.vault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.service.sim.FakeClient;
import dev.chunkvault.service.sim.FakeClient.Content;
import dev.chunkvault.service.sim.TestVault;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * On a versioned bucket, the sweep of a chunk whose bytes were uploaded again after the commit that recorded its object
 * version (another owner's grant) deletes the current object too, not only the recorded version: before, the later
 * version stayed under {@code chunks/<id>} with no row, until a whole cycle of the orphan listing found it.
 */
class VersionedSweepTest {
    private final TestVault v = new TestVault(); // versioned blobs
    private final FakeClient alice = new FakeClient(v, "alice");
    private final FakeClient bob = new FakeClient(v, "bob");

    private ChunkRow row(ChunkId id) {
        return ChunkRow.from(v.items.get(Tables.CHUNKS, ChunkRow.key(id)).orElseThrow());
    }

    @Test
    void aChunkUploadedTwiceLeavesNoCurrentObjectOnceSwept() {
        Content c = Content.random(new Random(20261204L), 1, 700);
        ChunkId id = ChunkId.sha256(c.chunks().get(0));
        String object = ChunkRow.objectKey(id);
        assertEquals(1, alice.upload(c));
        String firstVersion = v.blobs.head(object).orElseThrow().versionId();
        String v1 = alice.commit("a.bin", null, c, "key-twice-1").version().versionId();
        assertEquals(firstVersion, row(id).s3Version(), "the row records the object version the commit verified");

        // Bob holds no such chunk: his grant has him upload the same bytes again, a second object version.
        assertEquals(1, bob.upload(c));
        assertNotEquals(firstVersion, v.blobs.head(object).orElseThrow().versionId(), "a later object version is current");

        // Alice deletes the file; past retention the expiry takes the chunk's only reference (bob never commits).
        alice.delete("a.bin", v1, "key-twice-2");
        v.clock.advance(v.settings.retention().plusHours(1));
        v.gc.expire(() -> true, new GcService.Tally());
        assertEquals(0, row(id).refs());

        // Past the grace period (and every upload URL): mark, then sweep.
        v.clock.advance(v.settings.grace().plus(v.settings.uploadUrlTtl()).plusMinutes(1));
        GcLease lease = v.gc.acquire(null).lease();
        GcService.Tally t = new GcService.Tally();
        v.gc.collect(lease, lease::alive, true, false, t);
        assertEquals(1, t.marked);
        assertEquals(ChunkRow.State.DELETING, row(id).state());
        v.gc.collect(lease, lease::alive, false, true, t);
        assertEquals(1, t.swept);
        assertTrue(v.items.get(Tables.CHUNKS, ChunkRow.key(id)).isEmpty(), "the row is swept");
        assertTrue(v.blobs.head(object).isEmpty(), "no object is left under " + object + ": " + v.blobs.head(object));
    }
}
