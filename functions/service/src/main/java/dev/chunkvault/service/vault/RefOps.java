package dev.chunkvault.service.vault;

import static dev.chunkvault.service.store.Condition.and;
import static dev.chunkvault.service.store.Condition.eq;
import static dev.chunkvault.service.store.Condition.exists;
import static dev.chunkvault.service.store.Condition.gt;
import static dev.chunkvault.service.store.Condition.ne;
import static dev.chunkvault.service.store.Condition.notExists;

import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.service.store.Condition;
import dev.chunkvault.service.store.Item;
import dev.chunkvault.service.store.ItemStore;
import dev.chunkvault.service.store.Key;
import dev.chunkvault.service.store.TransactionCancelledException;
import dev.chunkvault.service.store.TxAction;
import dev.chunkvault.service.store.Update;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;

/**
 * The paired reference-count writes of the span model: an edge item and the two counters it stands for
 * (the owner's holding count and the chunk's global refs), written in one transaction so each step happens
 * exactly once however often it is retried. Every write that adds or removes an edge also advances both counters'
 * stamps ({@link ChunkRow#REFS_SEQ}, {@link Refs#SEQ}): an unchanged stamp proves that no edge of that counter came
 * or went in between, which is what lets the audit repair a counter while commits go on. Steps are batched, {@value #CHUNKS_PER_TRANSACTION} chunks to a
 * transaction; a batch that cancels because some step already happened is replayed chunk by chunk.
 */
final class RefOps {
    private static final Logger LOG = Logger.getLogger(RefOps.class.getName());
    static final int CHUNKS_PER_TRANSACTION = 33;

    private final ItemStore store;
    private final Clock clock;
    private final Retry retry;

    RefOps(ItemStore store, Clock clock, Retry retry) {
        this.store = store;
        this.clock = clock;
        this.retry = retry;
    }

    /**
     * A chunk to reference, with the incarnation of its row as read (the row must still be that one), its
     * verified size and, for versioned buckets, the object version seen at verification (else null).
     */
    record Pin(ChunkId chunk, String incarnation, int size, String s3Version) {}

    /** A run edge to remove. */
    record Unpin(ChunkId chunk, String runStartVersionId) {}

    /** The three writes that add one run of {@code chunk} to {@code fileId}, starting at {@code versionId}. */
    static List<TxAction> pinActions(Owner owner, String fileId, String versionId, Pin pin) {
        return List.of(edgePut(owner, fileId, versionId, pin.chunk()), holdingAdd(owner, pin.chunk(), 1),
                chunkAdd(pin, 1));
    }

    /** The run edge of {@code chunk} in {@code fileId} from {@code versionId}, written once. */
    static TxAction edgePut(Owner owner, String fileId, String versionId, ChunkId chunk) {
        return TxAction.put(Tables.REFS, Item.builder()
                .set(Refs.REF, Refs.ref(owner, chunk))
                .set(Refs.EDGE, fileId + "#" + versionId).build(), notExists(Refs.REF));
    }

    /** The owner's holding of {@code chunk} takes {@code edges} new edges (and a new stamp). */
    static TxAction holdingAdd(Owner owner, ChunkId chunk, int edges) {
        return TxAction.update(Tables.REFS, Refs.holding(owner, chunk),
                Update.update().add(Refs.COUNT, edges).add(Refs.SEQ, 1), Condition.ALWAYS);
    }

    /** The chunk row, still the one read, takes {@code edges} new references. */
    static TxAction chunkAdd(Pin pin, int edges) {
        return TxAction.update(Tables.CHUNKS, ChunkRow.key(pin.chunk()), chunkUpdate(pin, edges), usable(pin.incarnation()));
    }

    /** The chunk row takes {@code edges} new references (and a new stamp), and is LIVE. */
    private static Update chunkUpdate(Pin pin, int edges) {
        Update u = Update.update().add(ChunkRow.REFS, edges).add(ChunkRow.REFS_SEQ, 1).set(ChunkRow.STATE, ChunkRow.State.LIVE.name())
                .remove(ChunkRow.GC_SHARD).remove(ChunkRow.GC_AT).setIfAbsent(ChunkRow.SIZE, (long) pin.size());
        return pin.s3Version() == null ? u : u.setIfAbsent(ChunkRow.S3_VERSION, pin.s3Version());
    }

    /** The chunk row may take a new reference: it is the row we read, and GC has not marked it. */
    static Condition usable(String incarnation) {
        return and(exists(ChunkRow.ID), ne(ChunkRow.STATE, ChunkRow.State.DELETING.name()),
                eq(ChunkRow.INCARNATION, incarnation));
    }

    /**
     * Concurrent pin transactions of one commit. Each is {@value #CHUNKS_PER_TRANSACTION} chunks (99 writes, and the
     * check that the version is still PENDING: 100 actions): a few at a time take the round trips out of a large
     * commit's time on DynamoDB, while more only queue on the table's write path (DynamoDB Local serialises them;
     * docs/perf-push.md).
     */
    static final int PIN_CONCURRENCY = 4;

    /**
     * The version these pins are for is still PENDING. A rollback marks it ABORTED before it removes the version's pins
     * (GC's for an abandoned version, or another attempt of the same request), so a pin of an attempt that read the
     * version before that either lands before the mark, where the rollback removes it, or not at all: never an edge of a
     * version that is gone.
     */
    static TxAction stillPending(String fileId, String versionId) {
        return TxAction.check(Tables.VERSIONS, VersionRow.key(fileId, versionId),
                eq(VersionRow.STATE, VersionRow.State.PENDING.name()));
    }

    /** The version was aborted (or is gone) while it was being pinned: nothing more is pinned for it. */
    static final class NotPending extends RuntimeException {
        NotPending() {
            super(null, null, false, false);
        }
    }

    /**
     * Pins every chunk of a PENDING version, up to {@link #PIN_CONCURRENCY} batches at a time on {@code parallel}: the
     * chunks are distinct, so no two batches write the same edge, holding or chunk row, and each batch is idempotent on
     * its own. Each transaction checks that the version is still PENDING ({@link #stillPending}).
     *
     * @return the chunks whose row was gone, re-created or being collected (not pinned)
     * @throws NotPending if the version was aborted or deleted meanwhile
     */
    List<ChunkId> pin(Owner owner, String fileId, String versionId, List<Pin> pins, Parallel parallel) {
        List<List<Pin>> batches = new ArrayList<>();
        for (int i = 0; i < pins.size(); i += CHUNKS_PER_TRANSACTION) {
            batches.add(pins.subList(i, Math.min(pins.size(), i + CHUNKS_PER_TRANSACTION)));
        }
        List<ChunkId> unusable = new ArrayList<>();
        parallel.atMost(PIN_CONCURRENCY).map(batches, batch -> pinBatch(owner, fileId, versionId, batch))
                .forEach(unusable::addAll);
        return unusable;
    }

    /**
     * The chunks whose run edge for this version does not exist yet (read in batches of 100): an attempt that goes
     * on with a version an earlier attempt began skips what that one pinned, instead of verifying it again and
     * replaying each such pin as a cancelled transaction. An edge exists only if its whole pin transaction happened.
     */
    List<ChunkId> notYetPinned(Owner owner, String fileId, String versionId, List<ChunkId> chunks, Parallel parallel) {
        java.util.Set<String> pinned = new java.util.HashSet<>();
        BatchReads.getAll(store, parallel, retry, Tables.REFS,
                chunks.stream().map(c -> Refs.edge(owner, c, fileId, versionId)).toList())
                .forEach(i -> pinned.add(i.string(Refs.REF)));
        return chunks.stream().filter(c -> !pinned.contains(Refs.ref(owner, c))).toList();
    }

    private List<ChunkId> pinBatch(Owner owner, String fileId, String versionId, List<Pin> batch) {
        List<TxAction> actions = new ArrayList<>();
        batch.forEach(p -> actions.addAll(pinActions(owner, fileId, versionId, p)));
        actions.add(stillPending(fileId, versionId));
        try {
            retry.run(() -> store.transact(actions));
            return List.of();
        } catch (TransactionCancelledException cancelled) {
            if (cancelled.conditionFailed(actions.size() - 1)) {
                throw new NotPending();
            }
            List<ChunkId> unusable = new ArrayList<>();
            for (Pin p : batch) {
                if (!pinOne(owner, fileId, versionId, p)) {
                    unusable.add(p.chunk());
                }
            }
            return unusable;
        }
    }

    /** @return false if the chunk row is unusable */
    private boolean pinOne(Owner owner, String fileId, String versionId, Pin p) {
        List<TxAction> actions = new ArrayList<>(pinActions(owner, fileId, versionId, p));
        actions.add(stillPending(fileId, versionId));
        try {
            retry.run(() -> store.transact(actions));
            return true;
        } catch (TransactionCancelledException cancelled) {
            if (cancelled.conditionFailed(actions.size() - 1)) {
                throw new NotPending();
            }
            if (cancelled.conditionFailed(0)) {
                return true; // the edge exists: this pin happened before
            }
            return false;
        }
    }

    /** The three writes that remove one run edge and its counts; the chunk joins the gc index. */
    List<TxAction> unpinActions(Owner owner, String fileId, Unpin u) {
        long now = clock.millis();
        return List.of(
                TxAction.delete(Tables.REFS, Refs.edge(owner, u.chunk(), fileId, u.runStartVersionId()), exists(Refs.REF)),
                TxAction.update(Tables.REFS, Refs.holding(owner, u.chunk()),
                        Update.update().add(Refs.COUNT, -1).add(Refs.SEQ, 1), gt(Refs.COUNT, 0L)),
                TxAction.update(Tables.CHUNKS, ChunkRow.key(u.chunk()),
                        Update.update().add(ChunkRow.REFS, -1).add(ChunkRow.REFS_SEQ, 1).set(ChunkRow.LAST_DEC_AT, now)
                                .set(ChunkRow.GC_SHARD, Tables.shardOf(u.chunk().hex())).set(ChunkRow.GC_AT, now),
                        gt(ChunkRow.REFS, 0L)));
    }

    /** Removes every edge (idempotent: an edge already gone is skipped). */
    long unpin(Owner owner, String fileId, List<Unpin> unpins) {
        long removed = 0;
        for (int i = 0; i < unpins.size(); i += CHUNKS_PER_TRANSACTION) {
            List<Unpin> batch = unpins.subList(i, Math.min(unpins.size(), i + CHUNKS_PER_TRANSACTION));
            List<TxAction> actions = new ArrayList<>();
            batch.forEach(u -> actions.addAll(unpinActions(owner, fileId, u)));
            try {
                retry.run(() -> store.transact(actions));
                removed += batch.size();
            } catch (TransactionCancelledException cancelled) {
                for (Unpin u : batch) {
                    removed += unpinOne(owner, fileId, u) ? 1 : 0;
                }
            }
        }
        return removed;
    }

    private boolean unpinOne(Owner owner, String fileId, Unpin u) {
        try {
            retry.run(() -> store.transact(unpinActions(owner, fileId, u)));
            return true;
        } catch (TransactionCancelledException cancelled) {
            if (cancelled.conditionFailed(0)) {
                return false; // the edge is gone: this unpin happened before
            }
            // The edge exists but a counter is already 0: the counts drifted below the edges. Never let a
            // count go negative; remove the edge alone and leave the drift for the audit to report.
            // The counters' stamps still move with the edge, so an audit that counted it cannot prove a count with it.
            LOG.severe(() -> "refcount drift at " + u.chunk() + " (file " + fileId + "): counter already 0");
            Key edge = Refs.edge(owner, u.chunk(), fileId, u.runStartVersionId());
            TxAction removeEdge = TxAction.delete(Tables.REFS, edge, Condition.ALWAYS);
            TxAction holdingStamp = TxAction.update(Tables.REFS, Refs.holding(owner, u.chunk()),
                    Update.update().add(Refs.SEQ, 1), Condition.ALWAYS);
            TxAction chunkStamp = TxAction.update(Tables.CHUNKS, ChunkRow.key(u.chunk()),
                    Update.update().add(ChunkRow.REFS_SEQ, 1), exists(ChunkRow.ID));
            try {
                retry.run(() -> store.transact(List.of(removeEdge, holdingStamp, chunkStamp)));
            } catch (TransactionCancelledException rowGone) {
                retry.run(() -> store.transact(List.of(removeEdge, holdingStamp)));
            }
            return true;
        }
    }
}
