package dev.chunkvault.service.vault;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.service.error.ServiceException;
import dev.chunkvault.service.sim.FakeClient;
import dev.chunkvault.service.sim.FakeClient.Content;
import dev.chunkvault.service.sim.TestVault;
import dev.chunkvault.service.store.Item;
import dev.chunkvault.service.store.Key;
import dev.chunkvault.service.time.Deadline;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * A GC run that dies (issue 13, item 4): its lease is short and renewed while it works, so it frees the lease within
 * minutes; the chunks it left DELETING are taken back by the next grant once its lease has expired (and only then);
 * a run that missed its renewals can never come back to delete; and a run that stops for want of time gives its lease
 * back whatever its deadline or an interrupt says (issue 13, item 5).
 */
class GcLeaseTest {
    private static final Settings SETTINGS = Settings.DEFAULTS.withParallelism(1);

    /** Unversioned, like s3proxy: no object version id stands between a late delete and a re-upload. */
    private final TestVault v = new TestVault(SETTINGS, false, UnaryOperator.identity(), UnaryOperator.identity(),
            Retry.immediate(3));
    private final FakeClient alice = new FakeClient(v, "alice");

    private Content content(long seed) {
        byte[] b = new byte[700];
        new Random(seed).nextBytes(b);
        return new Content(List.of(b));
    }

    /** A chunk uploaded and never committed, old enough for GC to mark it. */
    private ChunkId abandonedChunk(Content c) {
        alice.upload(c);
        v.clock.advance(SETTINGS.grace().plus(SETTINGS.uploadUrlTtl()).plusMinutes(1));
        return ChunkId.sha256(c.chunks().get(0));
    }

    private GcLease markOnly() {
        GcLease lease = v.gc.acquire(null).lease();
        v.gc.collect(lease, lease::alive, true, false, new GcService.Tally());
        return lease;
    }

    private UploadService.Grant grant(FakeClient c, Content content) {
        byte[] b = content.chunks().get(0);
        return v.uploads.grant(c.owner, List.of(new UploadService.ChunkRequest(ChunkId.sha256(b), b.length)));
    }

    private Item lease() {
        return v.items.get(Tables.CONTROL, Key.of(GcLease.NAME)).orElseThrow();
    }

    @Test
    void aWorkingRunRenewsItsLeaseAndKeepsTheRightToDelete() {
        GcLease lease = v.gc.acquire(null).lease();
        long firstExpiry = lease().number(GcLease.EXPIRES_AT);
        for (int i = 0; i < 20; i++) {
            v.clock.advance(SETTINGS.leaseRenewEvery());
            assertTrue(lease.alive(), "renewed at step " + i);
        }
        assertTrue(lease().number(GcLease.EXPIRES_AT) > firstExpiry + SETTINGS.leaseTtl().toMillis(), "the lease moved on");
        assertFalse(v.gc.acquire(null).granted(), "nobody else takes a lease that is being renewed");
    }

    @Test
    void aRunThatMissedItsRenewalsCannotComeBack() {
        GcLease lease = v.gc.acquire(null).lease();
        v.clock.advance(SETTINGS.leaseTtl().plusSeconds(1));
        assertFalse(lease.mayDelete(), "past its cutoff it may not delete");
        assertFalse(lease.keepAlive(), "an expired lease is not renewed, even if nobody took it");
        assertFalse(lease.alive());
        assertTrue(v.gc.acquire(null).granted(), "the next run takes it at once");
    }

    @Test
    void aDeadRunFreesTheLeaseInMinutesNotAfterTheFunctionTimeout() {
        markOnly(); // and dies: no release
        v.clock.advance(SETTINGS.leaseTtl().minusSeconds(1));
        assertFalse(v.gc.acquire(null).granted(), "still within its last renewal");
        v.clock.advance(Duration.ofSeconds(2));
        assertTrue(v.gc.acquire(null).granted(), "free " + SETTINGS.leaseTtl() + " after the last renewal");
    }

    @Test
    void aLiveRunKeepsTheChunksItIsCollecting() {
        Content c = content(1);
        ChunkId id = abandonedChunk(c);
        GcLease lease = markOnly();
        assertEquals(ChunkRow.State.DELETING, v.chunkRow(id).state());

        UploadService.Grant g = grant(alice, c);
        assertEquals(1, g.retry().size(), "a chunk a live run is deleting is not granted");
        Duration wait = g.retry().get(0).retryAfter();
        assertTrue(wait.compareTo(Duration.ofSeconds(1)) >= 0 && wait.compareTo(UploadService.DELETING_RETRY) <= 0,
                "retry after " + wait);
        assertEquals(ChunkRow.State.DELETING, v.chunkRow(id).state(), "and its row is left to that run");

        v.gc.collect(lease, lease::alive, false, true, new GcService.Tally());
        assertTrue(v.blobs.head(ChunkRow.objectKey(id)).isEmpty(), "swept");
        assertEquals(1, grant(alice, c).uploads().size(), "granted anew once the run has swept it");
    }

    /** The reported case: a run killed mid-sweep blocked re-uploads of its chunks for the lease's 20 minutes. */
    @Test
    void aKilledRunsChunksAreTakenBackOnceItsLeaseHasExpiredAndItCannotDeleteThemLater() {
        Content c = content(2);
        ChunkId id = abandonedChunk(c);
        GcLease dead = markOnly(); // killed between its mark and its sweep
        String markedIncarnation = v.chunkRow(id).incarnation();

        assertEquals(1, grant(alice, c).retry().size(), "while its lease may still be renewed, the run may be alive");
        v.clock.advance(SETTINGS.leaseTtl().plus(SETTINGS.leaseSkew()).plusSeconds(1));

        FakeClient bob = new FakeClient(v, "bob");
        assertEquals(1, bob.upload(c), "taken back and granted: bob uploads it");
        ChunkRow back = v.chunkRow(id);
        assertEquals(ChunkRow.State.PENDING, back.state());
        assertFalse(markedIncarnation.equals(back.incarnation()), "a new incarnation: nothing of the old row applies");
        String version = bob.commit("b.bin", null, c, "killed-run-b1").version().versionId();

        // The dead run comes back (a paused process): it can neither renew nor delete.
        assertFalse(dead.alive());
        v.gc.collect(dead, dead::mayDelete, true, true, new GcService.Tally());
        // A new run needs no wait beyond the lease, sweeps what is garbage, and leaves bob's chunk alone.
        GcReport r = v.gc.run("after-the-kill", () -> true);
        assertTrue(r.complete(), r.toString());
        assertEquals(ChunkRow.State.LIVE, v.chunkRow(id).state());
        assertArrayEquals(c.chunks().get(0), v.blobs.get(ChunkRow.objectKey(id)).orElseThrow());
        assertEquals(version, v.reads.file(bob.owner, "b.bin", true).version());
    }

    @Test
    void aReleasedRunsChunksAreTakenBackAtOnce() {
        Content c = content(3);
        ChunkId id = abandonedChunk(c);
        GcLease stopped = markOnly();
        stopped.release(null); // out of time before its sweep
        assertEquals(1, grant(alice, c).uploads().size());
        assertEquals(ChunkRow.State.PENDING, v.chunkRow(id).state());
    }

    @Test
    void aRunThatTookOverKeepsTheRowsItReStamped() {
        Content c = content(4);
        ChunkId id = abandonedChunk(c);
        markOnly(); // dies
        v.clock.advance(SETTINGS.leaseTtl().plusSeconds(1));
        GcLease next = v.gc.acquire(null).lease();
        assertTrue(next.token() > v.chunkRow(id).gcRun());
        // The next run re-stamps the row as it starts its sweep (and is then slow to delete): the grant waits for it.
        v.items.update(Tables.CHUNKS, ChunkRow.key(id), dev.chunkvault.service.store.Update.update()
                .set(ChunkRow.GC_RUN, next.token()), dev.chunkvault.service.store.Condition.ALWAYS);
        assertEquals(1, grant(alice, c).retry().size(), "the live run's row is not taken back");
        assertEquals(ChunkRow.State.DELETING, v.chunkRow(id).state());
    }

    /** A run out of time (or interrupted by the runtime) answers 503 TIMED_OUT and still gives its lease back. */
    @Test
    void aRunThatRunsOutOfTimeGivesItsLeaseBack() {
        for (int i = 0; i < 30; i++) {
            alice.upload(content(100 + i));
        }
        v.clock.advance(SETTINGS.grace().plus(SETTINGS.uploadUrlTtl()).plusMinutes(1));
        // A clock that moves one tick each time it is read: the deadline passes after a few store calls, mid-run.
        java.util.concurrent.atomic.AtomicLong ticks = new java.util.concurrent.atomic.AtomicLong();
        ServiceException e = org.junit.jupiter.api.Assertions.assertThrows(ServiceException.class, () ->
                Deadline.in(Duration.ofNanos(12), ticks::getAndIncrement).call(() -> v.gc.run("out-of-time", () -> true)));
        assertEquals(Deadline.TIMED_OUT, e.code());
        assertTrue(lease().number(GcLease.TOKEN) > 0, "the run had taken the lease");
        assertFalse(lease().has(GcLease.HOLDER), "and gave it back");

        Thread.currentThread().interrupt();
        try {
            v.gc.acquire(null).lease().release(null);
            assertTrue(Thread.currentThread().isInterrupted(), "the interrupt is kept for the caller");
        } finally {
            Thread.interrupted();
        }
        assertFalse(lease().has(GcLease.HOLDER), "released under an interrupt too");
        assertTrue(v.gc.run("after", () -> true).complete(), "the next run starts at once");
    }

    @Test
    void aSkippedRunIsNotComplete() {
        GcLease held = v.gc.acquire(null).lease();
        GcReport r = v.gc.run("while-held", () -> true);
        assertEquals(GcLease.Refusal.HELD_BY_ANOTHER_RUN.name(), r.skipped());
        assertFalse(r.complete(), "a run that did nothing did not complete anything");
        held.release("done-event");
        GcReport duplicate = v.gc.run("done-event", () -> true);
        assertEquals(GcLease.Refusal.DUPLICATE_EVENT.name(), duplicate.skipped());
        assertFalse(duplicate.complete());
    }

    @Test
    void theNightsContinuationRunsOnlyWhileNoRunCompletedToday() {
        GcReport first = v.gc.continueNight(() -> false);
        assertFalse(first.complete(), "out of time at once");
        assertEquals(null, first.skipped(), "no run ever completed: the continuation runs");
        GcReport second = v.gc.continueNight(() -> true);
        assertTrue(second.complete());
        v.clock.advance(java.time.Duration.ofHours(1));
        assertEquals("COMPLETE", v.gc.continueNight(() -> true).skipped(), "tonight's run completed: nothing to continue");
        v.clock.advance(GcService.CONTINUATION_WINDOW);
        assertEquals(null, v.gc.continueNight(() -> true).skipped(), "the next night");
    }
}
