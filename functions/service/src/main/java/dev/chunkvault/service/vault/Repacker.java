package dev.chunkvault.service.vault;

import static dev.chunkvault.service.store.Condition.and;
import static dev.chunkvault.service.store.Condition.eq;
import static dev.chunkvault.service.store.Condition.exists;
import static dev.chunkvault.service.store.Condition.ne;
import static dev.chunkvault.service.store.Condition.notExists;

import dev.chunkvault.core.compress.ChunkCodec;
import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.core.pack.PackFormat;
import dev.chunkvault.service.blob.BlobStore;
import dev.chunkvault.service.store.Binary;
import dev.chunkvault.service.store.ConditionFailedException;
import dev.chunkvault.service.store.Item;
import dev.chunkvault.service.store.ItemStore;
import dev.chunkvault.service.store.TransactionCancelledException;
import dev.chunkvault.service.store.TxAction;
import dev.chunkvault.service.store.Update;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.logging.Logger;

/**
 * Repack of mostly dead packs, inside a GC run's collect phase (docs/design-packs.md, "Repack"). A SEALED pack whose
 * live bytes are under {@link #REPACK_BELOW} of its chunk bytes is {@link #offer offered}: its object is read, and the
 * chunks still located in it whose bytes hash to their ids are kept in memory, grouped by the uploader ({@code ns}, so
 * the new pack proves them to the same commits). A group of about {@link PackFormat#TARGET_PACK_BYTES} is written as a
 * new pack, by the service itself:
 * <ol>
 *   <li>its row, PENDING and in the gc index (a crash from here on leaves a pack with no live chunk, which the GC
 *       collects once an upload could no longer come, like a client's abandoned declaration);</li>
 *   <li>its object;</li>
 *   <li>the row SEALED (the bytes are the ones just hashed);</li>
 *   <li>each chunk row moved from its old pack to its range in the new one, together with both packs' live counts, in
 *       one transaction per up to {@link #MOVES_PER_TRANSACTION} chunks of one old pack. A move requires the row to be
 *       where it was read (same pack, offset and incarnation, not DELETING, not quarantined), so a chunk collected,
 *       re-placed or found damaged meanwhile stays as it is.</li>
 * </ol>
 * Nothing is deleted here: an old pack whose last chunk moved out is back in the gc index with a count of 0, and is
 * deleted by the usual mark and sweep a grace period later — so a reader that was handed a range of it before the move
 * still reads it. Counts move only in the transaction that moves the row they count. A run killed at any point leaves
 * every chunk at a location that holds its bytes; the next run repacks what is still mostly dead. Idempotent and
 * resumable without a checkpoint of its own.
 */
final class Repacker {
    private static final Logger LOG = Logger.getLogger(Repacker.class.getName());
    /** A pack is repacked when its live bytes are under this share of its chunk bytes. */
    static final double REPACK_BELOW = 0.5;
    /** Chunk moves per transaction, with the new and the old pack's counts. */
    static final int MOVES_PER_TRANSACTION = ItemStore.MAX_TRANSACTION_ACTIONS - 2;
    /** Live bytes held in memory across all uploaders before everything held is written. */
    static final long MAX_HELD_BYTES = 4L * PackFormat.TARGET_PACK_BYTES;

    /** What repack did in one run. */
    static final class Counts {
        long packsWritten;
        long chunksMoved;
        long bytesMoved;
    }

    /** One uploader's live chunks read from old packs: their new pack, as built so far, and their rows as read. */
    private static final class Group {
        final PackFormat.Builder pack = new PackFormat.Builder();
        final List<ChunkRow> rows = new ArrayList<>();
    }

    private final ItemStore store;
    private final BlobStore blobs;
    private final Clock clock;
    private final Parallel parallel;
    private final Retry retry;
    private final BooleanSupplier go;
    private final Counts counts;
    /** Per uploader, the chunks waiting for their new pack. */
    private final Map<String, Group> held = new LinkedHashMap<>();
    private long heldBytes;
    /** Packs offered in this run (a retried look at a pack must not hold its chunks twice). */
    private final java.util.Set<String> offered = new java.util.HashSet<>();

    private final PackIds ids;

    Repacker(ItemStore store, BlobStore blobs, Clock clock, Parallel parallel, Retry retry, PackIds ids, BooleanSupplier go,
             Counts counts) {
        this.ids = ids;
        this.store = store;
        this.blobs = blobs;
        this.clock = clock;
        this.parallel = parallel;
        this.retry = retry;
        this.go = go;
        this.counts = counts;
    }

    /**
     * The plain bytes of a pack's chunks (live or not), as {@code liveBytes} counts them: for a pack with no compressed
     * chunk, its object less the index and trailer.
     */
    static long chunkBytes(PackRow pack) {
        try {
            return pack.entries().stream().mapToLong(PackFormat.Entry::plainLength).sum();
        } catch (dev.chunkvault.core.pack.PackFormatException noIndex) {
            return 0; // an adopted orphan's row: nothing is located in it
        }
    }

    /** Whether a pack is worth repacking: sealed, something still located in it, but mostly dead bytes. */
    static boolean wanted(PackRow pack) {
        return pack.state() == PackRow.State.SEALED && pack.liveChunks() > 0 && pack.ns() != null
                && pack.liveBytes() < REPACK_BELOW * chunkBytes(pack);
    }

    /**
     * Reads the pack's live chunks into memory (those whose bytes hash to their ids) and writes new packs of those
     * held so far when they are enough. @return whether anything of the pack is held (false: nothing to move, or the
     * object is not there)
     */
    boolean offer(PackRow pack) {
        if (!offered.add(pack.id())) {
            return true;
        }
        List<ChunkRow> live = new ArrayList<>();
        List<dev.chunkvault.service.store.Key> keys = pack.entries().stream().map(e -> ChunkRow.key(e.id())).toList();
        for (Item i : BatchReads.getAll(store, parallel, retry, Tables.CHUNKS, keys)) {
            ChunkRow r = ChunkRow.from(i);
            if (pack.id().equals(r.pack()) && r.state() != ChunkRow.State.DELETING && !r.damaged() && r.size() > 0
                    && r.size() <= PackFormat.MAX_CHUNK_BYTES && r.storedLength() > 0
                    && r.packOffset() + r.storedLength() <= pack.size()) {
                live.add(r);
            }
        }
        if (live.isEmpty()) {
            return false;
        }
        Optional<byte[]> object = retry.call(() -> blobs.get(PackRow.objectKey(pack.id())));
        if (object.isEmpty() || object.get().length != pack.size()) {
            LOG.warning(() -> "repack: pack " + pack.id() + " has no object of its size; left to the audit");
            return false;
        }
        byte[] bytes = object.get();
        Group mine = held.computeIfAbsent(pack.ns(), k -> new Group());
        boolean any = false;
        for (ChunkRow r : live) {
            // The stored bytes are copied as they are (a compressed chunk stays compressed), once they are known to be
            // the chunk's.
            byte[] chunk = java.util.Arrays.copyOfRange(bytes, (int) r.packOffset(), (int) (r.packOffset() + r.storedLength()));
            if (!PackService.holds(chunk, new PackFormat.Entry(r.id(), 0, chunk.length, r.encoding(), (int) r.size()))) {
                continue; // damaged in place: the audit's to find, not ours to copy
            }
            if (mine.pack.size() + chunk.length + PackFormat.ENTRY_BYTES_V2 > PackFormat.TARGET_PACK_BYTES
                    || mine.pack.chunks() >= PackFormat.MAX_CHUNKS) {
                write(pack.ns(), mine);
                mine = held.computeIfAbsent(pack.ns(), k -> new Group());
            }
            if (mine.pack.add(r.id(), new ChunkCodec.Stored(r.encoding(), chunk, (int) r.size()))) {
                mine.rows.add(r);
                heldBytes += chunk.length;
                any = true;
            }
        }
        if (heldBytes > MAX_HELD_BYTES) {
            finish();
        }
        return any;
    }

    /** Writes everything still held. */
    void finish() {
        for (String ns : List.copyOf(held.keySet())) {
            Group g = held.get(ns);
            if (g != null && !g.rows.isEmpty()) {
                write(ns, g);
            }
        }
    }

    /** Writes one new pack of {@code chunks} (all of uploader {@code ns}) and moves their rows into it. */
    private void write(String ns, Group chunks) {
        held.remove(ns);
        List<PackFormat.Entry> entries = chunks.pack.entries();
        entries.forEach(e -> heldBytes -= e.length());
        if (!go.getAsBoolean()) {
            return; // nothing written yet: the old packs stay as they are, in the gc index
        }
        byte[] object = chunks.pack.finish();
        String packId = ids.get();
        long now = clock.millis();
        Item row = PackService.withFormat(Item.builder().set(ChunkRow.ID, PackRow.KEY_PREFIX + packId)
                .set(PackRow.STATE, PackRow.State.PENDING.name()).set(PackRow.SIZE, (long) object.length).set(PackRow.NS, ns)
                .set(PackRow.SHA256, ChunkId.sha256(object).hex()).set(PackRow.INDEX, Binary.wrap(PackFormat.encodeIndex(entries)))
                .set(PackRow.LIVE_CHUNKS, 0L).set(PackRow.LIVE_BYTES, 0L).set(PackRow.CREATED_AT, now)
                .set(PackRow.REPACKED, true).set(PackRow.GC_SHARD, Tables.shardOf(packId)).set(PackRow.GC_AT, now),
                PackFormat.formatOf(entries)).build();
        PackService.putNewPackRow(store, retry, row, packId);
        if (!go.getAsBoolean()) {
            return;
        }
        retry.run(() -> blobs.put(PackRow.objectKey(packId), object, Map.of(Limits.OWNER_METADATA, ns)));
        try {
            retry.run(() -> store.update(Tables.CHUNKS, PackRow.key(packId), Update.update()
                            .set(PackRow.STATE, PackRow.State.SEALED.name()).set(PackRow.SEALED_AT, clock.millis()),
                    eq(PackRow.STATE, PackRow.State.PENDING.name())));
        } catch (ConditionFailedException collected) {
            return; // cannot happen within the grace period; if it did, nothing points at the pack
        }
        counts.packsWritten++;
        LOG.info(() -> "repack: pack " + packId + " sealed; moving " + entries.size() + " chunk(s) into it");
        Map<ChunkId, PackFormat.Entry> at = new LinkedHashMap<>();
        entries.forEach(e -> at.put(e.id(), e));
        Map<String, List<ChunkRow>> bySource = new LinkedHashMap<>();
        chunks.rows.forEach(r -> bySource.computeIfAbsent(r.pack(), k -> new ArrayList<>()).add(r));
        for (Map.Entry<String, List<ChunkRow>> source : bySource.entrySet()) {
            List<ChunkRow> from = source.getValue();
            for (int i = 0; i < from.size(); i += MOVES_PER_TRANSACTION) {
                if (!go.getAsBoolean()) {
                    return; // the rest stay where they are; the old pack stays in the gc index
                }
                List<ChunkRow> group = from.subList(i, Math.min(from.size(), i + MOVES_PER_TRANSACTION));
                if (!moveAll(packId, source.getKey(), group, at)) {
                    for (ChunkRow r : group) {
                        moveOne(packId, r, at.get(r.id()));
                    }
                }
            }
        }
        LOG.info(() -> "repack: pack " + packId + " written with " + entries.size() + " chunks of " + bySource.size()
                + " pack(s)");
    }

    private boolean moveAll(String packId, String oldPack, List<ChunkRow> group, Map<ChunkId, PackFormat.Entry> at) {
        List<TxAction> actions = new ArrayList<>(group.size() + 2);
        long bytes = 0;
        for (ChunkRow r : group) {
            PackFormat.Entry e = at.get(r.id());
            actions.add(move(packId, r, e));
            bytes += e.plainLength();
        }
        actions.add(PackService.liveCount(packId, group.size(), bytes));
        actions.add(TxAction.update(Tables.CHUNKS, PackRow.key(oldPack),
                PackService.leftCount(oldPack, group.size(), bytes, clock.millis()), exists(ChunkRow.ID)));
        try {
            retry.run(() -> store.transact(actions));
            counts.chunksMoved += group.size();
            counts.bytesMoved += bytes;
            return true;
        } catch (TransactionCancelledException cancelled) {
            return false; // some row changed since it was read: one by one, each as it is now
        }
    }

    /** Moves one chunk if its row is still where it was read. */
    private void moveOne(String packId, ChunkRow row, PackFormat.Entry entry) {
        String oldPack = row.pack();
        try {
            retry.run(() -> store.transact(List.of(move(packId, row, entry),
                    PackService.liveCount(packId, 1, entry.plainLength()),
                    TxAction.update(Tables.CHUNKS, PackRow.key(oldPack),
                            PackService.leftCount(oldPack, 1, entry.plainLength(), clock.millis()), exists(ChunkRow.ID)))));
            counts.chunksMoved++;
            counts.bytesMoved += entry.plainLength();
        } catch (TransactionCancelledException changed) {
            // collected, quarantined or placed anew meanwhile: it stays as it is now
        }
    }

    /** The row's move to {@code entry} of the new pack, if it is still where it was read. */
    private static TxAction move(String packId, ChunkRow row, PackFormat.Entry entry) {
        return TxAction.update(Tables.CHUNKS, ChunkRow.key(row.id()),
                Update.update().set(ChunkRow.PACK, packId).set(ChunkRow.PACK_OFFSET, (long) entry.offset()),
                and(eq(ChunkRow.INCARNATION, row.incarnation()), eq(ChunkRow.PACK, row.pack()),
                        eq(ChunkRow.PACK_OFFSET, row.packOffset()), eq(ChunkRow.SIZE, (long) entry.plainLength()),
                        ne(ChunkRow.STATE, ChunkRow.State.DELETING.name()), notExists(ChunkRow.DAMAGED_AT)));
    }
}
