package dev.chunkvault.service.vault;

import static dev.chunkvault.service.store.Condition.and;
import static dev.chunkvault.service.store.Condition.eq;
import static dev.chunkvault.service.store.Condition.exists;
import static dev.chunkvault.service.store.Condition.gt;
import static dev.chunkvault.service.store.Condition.missingOrLt;
import static dev.chunkvault.service.store.Condition.notExists;

import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.service.blob.BlobPage;
import dev.chunkvault.service.blob.BlobStore;
import dev.chunkvault.service.blob.BlobSummary;
import dev.chunkvault.service.store.Condition;
import dev.chunkvault.service.store.ConditionFailedException;
import dev.chunkvault.service.store.Cursor;
import dev.chunkvault.service.store.Item;
import dev.chunkvault.service.store.ItemStore;
import dev.chunkvault.service.store.Key;
import dev.chunkvault.service.store.Page;
import dev.chunkvault.service.store.Query;
import dev.chunkvault.service.store.Query.SortCondition;
import dev.chunkvault.service.store.TransactionCancelledException;
import dev.chunkvault.service.store.TxAction;
import dev.chunkvault.service.store.Update;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import java.util.logging.Logger;

/**
 * The nightly garbage collector (docs/storage-model.md, "Chunk lifecycle and GC"). Phases, in order:
 * expire versions past retention (and roll back abandoned commits), mark chunks at refs 0 past the grace
 * period DELETING and sweep them, and adopt and delete orphan objects. All work is found through the sparse
 * indexes except the orphan listing, which advances a checkpoint a bounded number of pages per run.
 */
public final class GcService {
    private static final Logger LOG = Logger.getLogger(GcService.class.getName());
    static final String ORPHAN_PHASE = "orphans";
    static final String PACK_ORPHAN_PHASE = "pack-orphans";
    private static final int PAGE = 100;
    /** Orphan listing pages per run: the listing is the one phase whose cost grows with the store. */
    static final int ORPHAN_PAGES_PER_RUN = 20;

    private final ItemStore store;
    private final BlobStore blobs;
    private final Clock clock;
    private final LongSupplier nanos;
    private final Settings settings;
    private final Retry retry;
    private final Parallel parallel;
    private final PackIds ids;
    private final VersionExpiry expiry;

    public GcService(ItemStore store, BlobStore blobs, Clock clock, LongSupplier nanos, Settings settings,
                     Parallel parallel, Retry retry) {
        this(store, blobs, clock, nanos, settings, parallel, retry, PackIds.secure());
    }

    public GcService(ItemStore store, BlobStore blobs, Clock clock, LongSupplier nanos, Settings settings,
                     Parallel parallel, Retry retry, PackIds ids) {
        this.ids = ids;
        this.store = store;
        this.blobs = blobs;
        this.clock = clock;
        this.nanos = nanos;
        this.settings = settings;
        this.retry = retry;
        this.parallel = parallel;
        ManifestStore manifests = new ManifestStore(blobs, settings, retry);
        RefOps refs = new RefOps(store, clock, retry);
        this.expiry = new VersionExpiry(store, clock, retry, parallel, manifests, refs,
                new Unpublished(store, manifests, refs, retry));
    }

    /** Starts a run by hand (tests and operators): the lease, or why not. */
    public GcLease.Acquired acquire(String eventId) {
        return retry.call(() -> GcLease.acquire(store, clock, nanos, settings, UUID.randomUUID().toString(), eventId));
    }

    /** Phase 1 alone (expiry), for tests that drive the phases one by one. */
    public boolean expire(BooleanSupplier go, Tally t) {
        return expiry.expireAll(go, t);
    }

    /** Tallies of one run, filled by the phases. */
    public static final class Tally {
        long versionsExpired;
        long filesPurged;
        long pendingRolledBack;
        long chunksDecremented;
        long marked;
        long swept;
        long bytes;
        long orphans;
        long cleared;
        long packs;
        final Repacker.Counts repack = new Repacker.Counts();
    }

    /**
     * One full run. {@code eventId} is the schedule event's id (duplicate deliveries are skipped);
     * {@code hasTime} says whether there is time left for more work (the Lambda's remaining time).
     */
    /** A continuation whose night already had a complete run: the last one ended within this. */
    static final Duration CONTINUATION_WINDOW = Duration.ofHours(20);

    /**
     * The night's continuation (hourly after the nightly run): a run like {@link #run}, unless a run completed within
     * {@link #CONTINUATION_WINDOW}, when it does nothing ({@code skipped: COMPLETE}) — so a night's run that ran out of
     * time goes on the same night, and a night whose run finished costs one read an hour.
     */
    public GcReport continueNight(BooleanSupplier hasTime) {
        Optional<Long> last = retry.call(() -> GcLease.lastCompletedAt(store));
        if (last.isPresent() && clock.millis() - last.get() < CONTINUATION_WINDOW.toMillis()) {
            return GcReport.skipped(UUID.randomUUID().toString(), "COMPLETE");
        }
        return run(null, hasTime);
    }

    public GcReport run(String eventId, BooleanSupplier hasTime) {
        String runId = UUID.randomUUID().toString();
        GcLease.Acquired acquired;
        try {
            acquired = retry.call(() -> GcLease.acquire(store, clock, nanos, settings, runId, eventId));
        } catch (RuntimeException e) {
            // No answer while taking the lease: it may be ours all the same. Give it back, so that the next run (the
            // hourly continuation, an operator's) need not wait for it to expire.
            GcLease.releaseIfHeldBy(store, runId);
            if (!hasTime.getAsBoolean()) {
                LOG.info(() -> "gc run " + runId + " skipped: out of time while taking the lease");
                return GcReport.skipped(runId, "OUT_OF_TIME");
            }
            throw e;
        }
        if (!acquired.granted()) {
            LOG.info(() -> "gc run " + runId + " skipped: " + acquired.refusal());
            return GcReport.skipped(runId, acquired.refusal().name());
        }
        GcLease lease = acquired.lease();
        // Before each piece of work: time left in the invocation, the lease renewed when due, deletes still allowed.
        BooleanSupplier go = () -> hasTime.getAsBoolean() && lease.alive();
        Tally t = new Tally();
        boolean complete = false;
        try {
            complete = expiry.expireAll(go, t)
                    && collect(lease, go, true, true, t)
                    && orphans(lease, go, t)
                    && packOrphans(lease, go, t);
        } finally {
            // Not through the retry: the release must not be cut short by the deadline or an interrupt (it tries a few
            // times on its own), or the next run would wait for the lease to expire.
            lease.release(complete ? eventId : null, complete);
        }
        GcReport report = new GcReport(runId, lease.token(), null, t.versionsExpired, t.filesPurged,
                t.pendingRolledBack, t.chunksDecremented, t.marked, t.swept, t.bytes, t.orphans, t.cleared, t.packs,
                t.repack.packsWritten, t.repack.chunksMoved, complete);
        LOG.info(() -> "gc run " + runId + " done: " + report);
        return report;
    }

    /**
     * Walks the gc index: chunks at refs 0 past the grace period are marked DELETING (if {@code mark}),
     * DELETING chunks are swept (if {@code sweep}), chunks referenced again leave the index. Packs are looked at the
     * same way, and (if {@code mark}) mostly dead ones are repacked ({@link Repacker}).
     *
     * @return false if it stopped for lack of time
     */
    public boolean collect(GcLease lease, BooleanSupplier go, boolean mark, boolean sweep, Tally t) {
        long now = clock.millis();
        long graceCutoff = now - settings.grace().toMillis();
        long grantCutoff = now - settings.uploadUrlTtl().plus(settings.grace()).toMillis();
        Repacker repacker = mark ? new Repacker(store, blobs, clock, parallel, retry, ids, go, t.repack) : null;
        for (int shard = 0; shard < Tables.SHARDS; shard++) {
            Cursor cursor = null;
            do {
                if (!go.getAsBoolean()) {
                    return false;
                }
                Query q = Query.index(Tables.CHUNKS, Tables.GC_INDEX, Integer.toString(shard))
                        .where(SortCondition.lt(graceCutoff)).limit(PAGE).after(cursor);
                Page<Item> page = retry.call(() -> store.query(q));
                for (Item candidate : page.items()) {
                    if (!go.getAsBoolean()) {
                        return false;
                    }
                    String packId = PackRow.idOfKey(candidate.string(ChunkRow.ID));
                    if (packId != null) {
                        retry.run(() -> examinePack(lease, packId, graceCutoff, grantCutoff, mark, sweep, repacker, t));
                        continue;
                    }
                    ChunkId id = ChunkId.parse(candidate.string(ChunkRow.ID));
                    retry.run(() -> examine(lease, id, graceCutoff, grantCutoff, mark, sweep, t));
                }
                cursor = page.next();
            } while (cursor != null);
        }
        if (repacker != null) {
            repacker.finish();
        }
        return go.getAsBoolean();
    }

    private void examine(GcLease lease, ChunkId id, long graceCutoff, long grantCutoff, boolean mark, boolean sweep,
                         Tally t) {
        Optional<Item> found = store.get(Tables.CHUNKS, ChunkRow.key(id));
        if (found.isEmpty()) {
            return;
        }
        ChunkRow row = ChunkRow.from(found.get());
        if (row.state() == ChunkRow.State.DELETING) {
            if (sweep) {
                sweepOne(lease, row, t);
            }
            return;
        }
        if (row.refs() > 0) {
            try {
                store.update(Tables.CHUNKS, ChunkRow.key(id), Update.update().remove(ChunkRow.GC_SHARD).remove(ChunkRow.GC_AT),
                        gt(ChunkRow.REFS, 0L));
                t.cleared++;
            } catch (ConditionFailedException changed) {
                // Dropped to 0 meanwhile: stays a candidate.
            }
            return;
        }
        if (!mark || row.lastDecAt() >= graceCutoff || row.lastGrantAt() >= grantCutoff) {
            return;
        }
        try {
            // The linearization point: after this no commit can reference the chunk and no grant is issued.
            store.update(Tables.CHUNKS, ChunkRow.key(id),
                    Update.update().set(ChunkRow.STATE, ChunkRow.State.DELETING.name()).set(ChunkRow.GC_RUN, lease.token()),
                    and(eq(ChunkRow.REFS, 0L), eq(ChunkRow.STATE, row.state().name()),
                            eq(ChunkRow.INCARNATION, row.incarnation()),
                            missingOrLt(ChunkRow.LAST_DEC_AT, graceCutoff),
                            missingOrLt(ChunkRow.LAST_GRANT_AT, grantCutoff)));
            t.marked++;
        } catch (ConditionFailedException changed) {
            return;
        }
        if (sweep) {
            sweepOne(lease, new ChunkRow(row.id(), ChunkRow.State.DELETING, 0, row.incarnation(), row.size(),
                    row.lastGrantAt(), row.lastDecAt(), lease.token(), row.s3Version(), row.damagedAt(), row.pack(),
                    row.packOffset(), row.encoding(), row.storedSize()), t);
        }
    }

    /** Deletes the object, then the row, fenced by this run's token (taking over a dead run's mark). */
    private void sweepOne(GcLease lease, ChunkRow row, Tally t) {
        Key key = ChunkRow.key(row.id());
        if (row.gcRun() != lease.token()) {
            try {
                store.update(Tables.CHUNKS, key, Update.update().set(ChunkRow.GC_RUN, lease.token()),
                        and(eq(ChunkRow.STATE, ChunkRow.State.DELETING.name()), eq(ChunkRow.GC_RUN, row.gcRun())));
            } catch (ConditionFailedException changed) {
                return;
            }
        }
        if (!lease.mayDelete()) {
            return;
        }
        if (row.packed()) {
            sweepPacked(lease, row, t);
            return;
        }
        String object = ChunkRow.objectKey(row.id());
        blobs.delete(object, row.s3Version());
        if (row.s3Version() != null && blobs.head(object).isPresent()) {
            // The recorded version is the one a commit verified first: the same bytes uploaded again since (a grant to
            // another owner, before the mark) are later versions, and once the row is gone only a whole cycle of the
            // orphan listing would find them. Under this run's mark nothing can reference the chunk and no upload URL of
            // it is still valid, so the current object goes too, as a packed chunk's copy does (sweepPacked).
            if (!lease.mayDelete()) {
                return; // the row stays DELETING: the next sweep deletes what is left
            }
            blobs.delete(object, null);
        }
        try {
            store.delete(Tables.CHUNKS, key,
                    and(eq(ChunkRow.STATE, ChunkRow.State.DELETING.name()), eq(ChunkRow.GC_RUN, lease.token())));
            t.swept++;
            t.bytes += Math.max(0, row.size());
        } catch (ConditionFailedException fenced) {
            // A later run took over; it deletes the row.
        }
    }

    /**
     * A packed chunk has no object of its own: its row goes in one transaction with one unit of its pack's live count,
     * and the pack goes back into the gc index, where {@link #examinePack} deletes it once nothing is located in it.
     * A copy under {@code chunks/<id>} from a plain upload (a grant's PUT before a seal placed the row in a pack) goes
     * first, as a plain chunk's object does: the row is DELETING under this run's fence, so nothing can use or upload
     * it meanwhile, and left behind it would wait for a whole cycle of the orphan listing. (S3 does not charge deletes.)
     */
    private void sweepPacked(GcLease lease, ChunkRow row, Tally t) {
        blobs.delete(ChunkRow.objectKey(row.id()), null);
        try {
            store.transact(List.of(
                    TxAction.delete(Tables.CHUNKS, ChunkRow.key(row.id()),
                            and(eq(ChunkRow.STATE, ChunkRow.State.DELETING.name()), eq(ChunkRow.GC_RUN, lease.token()),
                                    eq(ChunkRow.PACK, row.pack()))),
                    TxAction.update(Tables.CHUNKS, PackRow.key(row.pack()),
                            PackService.leftCount(row.pack(), 1, Math.max(0, row.size()), clock.millis()),
                            exists(ChunkRow.ID))));
            t.swept++; // its bytes are reclaimed with its pack
        } catch (TransactionCancelledException cancelled) {
            // A later run took over (it deletes the row), or the pack row is gone: then the row goes alone.
            boolean packGone = store.get(Tables.CHUNKS, PackRow.key(row.pack())).isEmpty();
            if (packGone) {
                try {
                    store.delete(Tables.CHUNKS, ChunkRow.key(row.id()), and(eq(ChunkRow.STATE,
                            ChunkRow.State.DELETING.name()), eq(ChunkRow.GC_RUN, lease.token())));
                    t.swept++;
                } catch (ConditionFailedException fenced) {
                    // taken over
                }
            }
        }
    }

    /**
     * A pack in the gc index. One with chunks located in it leaves the index (its last chunk's sweep puts it back). One
     * with none — all collected, all stored elsewhere, rejected, or declared and never sealed — is marked DELETING once it
     * has had no live chunk for the grace period (a pending one: for as long as its upload URL could still be used, plus
     * the grace), fenced like a chunk: the mark requires the count to be 0 and a placement requires the pack not to be
     * DELETING, so no chunk can be placed in a pack being deleted. Then its object and its row go.
     */
    private void examinePack(GcLease lease, String packId, long graceCutoff, long grantCutoff, boolean mark, boolean sweep,
                             Repacker repacker, Tally t) {
        Optional<Item> found = store.get(Tables.CHUNKS, PackRow.key(packId));
        if (found.isEmpty()) {
            return;
        }
        PackRow pack = PackRow.from(found.get());
        long gcAt = found.get().numberOr(PackRow.GC_AT, 0);
        if (pack.state() == PackRow.State.DELETING) {
            if (sweep) {
                sweepPack(lease, pack, t);
            }
            return;
        }
        if (pack.liveChunks() > 0) {
            if (repacker != null && Repacker.wanted(pack) && repacker.offer(pack)) {
                return; // stays in the index until its chunks have moved (each move puts it back at a later time)
            }
            try {
                store.update(Tables.CHUNKS, PackRow.key(packId), Update.update().remove(PackRow.GC_SHARD).remove(PackRow.GC_AT),
                        and(gt(PackRow.LIVE_CHUNKS, 0L), eq(PackRow.GC_AT, gcAt)));
                t.cleared++;
            } catch (ConditionFailedException changed) {
                // back to 0 meanwhile, or put back by a sweep: stays a candidate
            }
            return;
        }
        long cutoff = pack.state() == PackRow.State.PENDING ? Math.min(grantCutoff, graceCutoff) : graceCutoff;
        if (!mark || gcAt >= cutoff || pack.createdAt() >= grantCutoff) {
            return;
        }
        try {
            store.update(Tables.CHUNKS, PackRow.key(packId),
                    Update.update().set(PackRow.STATE, PackRow.State.DELETING.name()).set(PackRow.GC_RUN, lease.token()),
                    and(eq(PackRow.STATE, pack.state().name()), eq(PackRow.GC_AT, gcAt),
                            Condition.or(Condition.notExists(PackRow.LIVE_CHUNKS), eq(PackRow.LIVE_CHUNKS, 0L))));
            t.marked++;
        } catch (ConditionFailedException changed) {
            return;
        }
        if (sweep) {
            sweepPack(lease, new PackRow(pack.id(), PackRow.State.DELETING, pack.size(), pack.ns(), pack.sha256(),
                    pack.index(), 0, 0, pack.createdAt(), pack.sealedAt(), lease.token(), pack.format()), t);
        }
    }

    /** Deletes a DELETING pack's object, then its row, fenced by this run's token (taking over a dead run's mark). */
    private void sweepPack(GcLease lease, PackRow pack, Tally t) {
        if (pack.gcRun() != lease.token()) {
            try {
                store.update(Tables.CHUNKS, PackRow.key(pack.id()), Update.update().set(PackRow.GC_RUN, lease.token()),
                        and(eq(PackRow.STATE, PackRow.State.DELETING.name()), eq(PackRow.GC_RUN, pack.gcRun())));
            } catch (ConditionFailedException changed) {
                return;
            }
        }
        if (!lease.mayDelete()) {
            return;
        }
        blobs.delete(PackRow.objectKey(pack.id()), null);
        try {
            store.delete(Tables.CHUNKS, PackRow.key(pack.id()),
                    and(eq(PackRow.STATE, PackRow.State.DELETING.name()), eq(PackRow.GC_RUN, lease.token())));
            t.packs++;
            t.bytes += Math.max(0, pack.size());
        } catch (ConditionFailedException fenced) {
            // A later run took over; it deletes the row.
        }
    }

    /**
     * What the orphan pass lists: the objects under {@code prefix} whose names are ids ({@code valid}), each owned by the
     * chunks-table row {@code rowId(id)}, and the DELETING row of this run that adopts one with no row
     * ({@code adoption(id, run token, object time)}).
     */
    private record Orphans(String phase, String prefix, Predicate<String> valid, UnaryOperator<String> rowId,
                           AdoptionRow adoption) {}

    private interface AdoptionRow {
        Item of(String id, long token, long gcAt, long now);
    }

    /** Chunk objects: their rows are the chunks' own. */
    private static final Orphans CHUNK_OBJECTS = new Orphans(ORPHAN_PHASE, "chunks/", ChunkId::isValid, id -> id,
            (id, token, gcAt, now) -> Item.builder().set(ChunkRow.ID, id).set(ChunkRow.STATE, ChunkRow.State.DELETING.name())
                    .set(ChunkRow.REFS, 0L).set(ChunkRow.INCARNATION, UUID.randomUUID().toString())
                    .set(ChunkRow.GC_RUN, token).set(ChunkRow.CREATED_AT, now)
                    .set(ChunkRow.GC_SHARD, Tables.shardOf(id)).set(ChunkRow.GC_AT, gcAt).build());

    /**
     * Pack objects: their rows are {@code pack#<id>}. Our own writes never leave one without — a pack's row is written
     * before its PUT and deleted after its object — but an operator's restore of the bucket or of a table could. An
     * adopted pack's row is collected by {@link #examinePack} if the run stops before the delete.
     */
    private static final Orphans PACK_OBJECTS = new Orphans(PACK_ORPHAN_PHASE, PackRow.OBJECT_PREFIX, PackRow::isValidId,
            id -> PackRow.KEY_PREFIX + id,
            (id, token, gcAt, now) -> Item.builder().set(ChunkRow.ID, PackRow.KEY_PREFIX + id)
                    .set(PackRow.STATE, PackRow.State.DELETING.name()).set(PackRow.LIVE_CHUNKS, 0L).set(PackRow.LIVE_BYTES, 0L)
                    .set(PackRow.GC_RUN, token).set(PackRow.CREATED_AT, now)
                    .set(PackRow.GC_SHARD, Tables.shardOf(id)).set(PackRow.GC_AT, gcAt).build());

    /** The orphan pass over chunk objects ({@link #orphans(GcLease, BooleanSupplier, Tally, Orphans)}). */
    public boolean orphans(GcLease lease, BooleanSupplier go, Tally t) {
        return orphans(lease, go, t, CHUNK_OBJECTS);
    }

    /** The orphan pass over pack objects, from its own checkpoint. */
    public boolean packOrphans(GcLease lease, BooleanSupplier go, Tally t) {
        return orphans(lease, go, t, PACK_OBJECTS);
    }

    /**
     * Continues the listing of one kind of object from its checkpoint; an object with no row, older than any upload URL
     * could be, is adopted (a DELETING row of this run is created first, so no grant can race with the delete) and
     * collected. Names that are not ids are left alone.
     */
    private boolean orphans(GcLease lease, BooleanSupplier go, Tally t, Orphans kind) {
        String after = retry.call(() -> lease.checkpoint(kind.phase())).orElse(null);
        long cutoff = clock.millis() - settings.uploadUrlTtl().plus(settings.grace()).toMillis();
        for (int pages = 0; pages < ORPHAN_PAGES_PER_RUN; pages++) {
            if (!go.getAsBoolean()) {
                return false;
            }
            String start = after;
            BlobPage page = retry.call(() -> blobs.list(kind.prefix(), start, PAGE));
            Map<String, BlobSummary> byRowId = new HashMap<>();
            for (BlobSummary b : page.blobs()) {
                String id = b.key().substring(kind.prefix().length());
                if (kind.valid().test(id) && b.lastModified().toEpochMilli() < cutoff) {
                    byRowId.put(kind.rowId().apply(id), b);
                }
            }
            if (!byRowId.isEmpty()) {
                List<Key> keys = byRowId.keySet().stream().map(Key::of).toList();
                for (Item row : retry.call(() -> store.batchGet(Tables.CHUNKS, keys))) {
                    byRowId.remove(row.string(ChunkRow.ID));
                }
            }
            for (BlobSummary b : byRowId.values()) {
                if (!go.getAsBoolean()) {
                    return false;
                }
                String id = b.key().substring(kind.prefix().length());
                long modified = b.lastModified().toEpochMilli();
                retry.run(() -> adopt(lease, kind, id, modified, t));
            }
            after = page.nextStartAfter();
            String checkpoint = after;
            if (!retry.call(() -> lease.saveCheckpoint(kind.phase(), checkpoint))) {
                return false; // the lease is no longer ours: stop, the run that holds it goes on
            }
            if (after == null) {
                return true;
            }
        }
        return true;
    }

    /**
     * Adopts an orphan object: a DELETING row of this run first, then the delete. The row is in the gc index at the
     * object's own (old) time, so if this run stops before deleting, the next run's collect phase sweeps it at once.
     * Idempotent: when a retried put finds the row, it carries on if the row is this run's own adoption (the first
     * put succeeded but its answer was lost), and leaves it alone otherwise (a grant, an upload or a declaration made it).
     */
    private void adopt(GcLease lease, Orphans kind, String id, long objectModified, Tally t) {
        long now = clock.millis();
        Key key = Key.of(kind.rowId().apply(id));
        try {
            store.put(Tables.CHUNKS, kind.adoption().of(id, lease.token(), Math.min(now, objectModified), now),
                    notExists(ChunkRow.ID));
        } catch (ConditionFailedException exists) {
            Optional<Item> current = store.get(Tables.CHUNKS, key);
            boolean ours = current.isPresent() && ChunkRow.State.DELETING.name().equals(current.get().string(ChunkRow.STATE))
                    && current.get().numberOr(ChunkRow.GC_RUN, -1) == lease.token();
            if (!ours) {
                return; // a row appeared: not an orphan
            }
        }
        if (!lease.mayDelete()) {
            return; // the row stays DELETING; the next run sweeps it
        }
        blobs.delete(kind.prefix() + id, null);
        try {
            store.delete(Tables.CHUNKS, key,
                    and(eq(ChunkRow.STATE, ChunkRow.State.DELETING.name()), eq(ChunkRow.GC_RUN, lease.token())));
            t.orphans++;
        } catch (ConditionFailedException fenced) {
            // taken over by a later run
        }
    }
}
