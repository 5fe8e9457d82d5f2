package dev.chunkvault.service.vault;

import static dev.chunkvault.service.store.Condition.and;
import static dev.chunkvault.service.store.Condition.eq;
import static dev.chunkvault.service.store.Condition.ne;
import static dev.chunkvault.service.store.Condition.notExists;

import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.core.pack.PackFormat;
import dev.chunkvault.service.blob.PresignedRequest;
import dev.chunkvault.service.blob.Presigner;
import dev.chunkvault.service.error.ServiceException;
import dev.chunkvault.service.store.ConditionFailedException;
import dev.chunkvault.service.store.Condition;
import dev.chunkvault.service.store.ItemStore;
import dev.chunkvault.service.store.TransactionCancelledException;
import dev.chunkvault.service.store.TransientStoreException;
import dev.chunkvault.service.store.TxAction;
import dev.chunkvault.service.store.Update;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Upload grants: which of these chunks does the caller already hold, and a presigned PUT for each other one.
 * "Held" is answered from the caller's own holdings only, so no caller can learn whether another tenant
 * stored a chunk; storage still dedups by key.
 */
public final class UploadService {
    /** A chunk the client wants to store. */
    public record ChunkRequest(ChunkId id, int size) {}

    /** A chunk that is being collected right now: ask again after {@code retryAfter}. */
    public record Later(ChunkId id, Duration retryAfter) {}

    public record Upload(ChunkId id, PresignedRequest request) {}

    /**
     * @param pack chunks to send in a pack ({@link PackService}) instead of alone: asked for by a client that packs,
     *             for chunks small enough to go in one
     */
    public record Grant(List<ChunkId> have, List<Upload> uploads, List<Later> retry, List<ChunkId> pack) {
        public Grant(List<ChunkId> have, List<Upload> uploads, List<Later> retry) {
            this(have, uploads, retry, List.of());
        }
    }


    /** A grant may create the row or refresh it, but not while the chunk is being collected. */
    static final Condition GRANTABLE = Condition.or(notExists(ChunkRow.ID), ne(ChunkRow.STATE, ChunkRow.State.DELETING.name()));

    /**
     * The one write of a grant, the same whether the chunk row exists or not — so neither the answer nor the time it
     * takes tells a caller whether anyone else stores the chunk: an absent row is created PENDING (with a fresh
     * incarnation, in the gc index), an existing one only gets {@code lastGrantAt} (and, if it had left the gc index,
     * goes back in; the GC drops it again while refs > 0).
     */
    static Update grantUpdate(ChunkId id, long now) {
        return Update.update()
                .setIfAbsent(ChunkRow.STATE, ChunkRow.State.PENDING.name())
                .setIfAbsent(ChunkRow.REFS, 0L)
                .setIfAbsent(ChunkRow.INCARNATION, UUID.randomUUID().toString())
                .setIfAbsent(ChunkRow.CREATED_AT, now)
                .set(ChunkRow.LAST_GRANT_AT, now)
                .setIfAbsent(ChunkRow.GC_SHARD, Tables.shardOf(id.hex()))
                .setIfAbsent(ChunkRow.GC_AT, now);
    }

    /**
     * Grant writes per transaction. A transactional write costs DynamoDB two write units instead of one, but one
     * call instead of up to a hundred is far less work per chunk for the function and the table's front end
     * (docs/perf-push.md).
     */
    static final int GRANTS_PER_TRANSACTION = ItemStore.MAX_TRANSACTION_ACTIONS;

    /** While a chunk is DELETING, grants say to come back after this. */
    static final Duration DELETING_RETRY = Duration.ofSeconds(30);

    private final ItemStore store;
    private final Presigner presigner;
    private final Clock clock;
    private final Settings settings;
    private final Parallel parallel;
    private final Holdings holdings;
    private final Retry retry;

    public UploadService(ItemStore store, Presigner presigner, Clock clock, Settings settings, Parallel parallel,
                         Retry retry) {
        this.store = store;
        this.presigner = presigner;
        this.clock = clock;
        this.settings = settings;
        this.parallel = parallel;
        this.retry = retry;
        this.holdings = new Holdings(store, parallel, retry);
    }

    public Grant grant(Owner owner, List<ChunkRequest> chunks) {
        return grant(owner, chunks, false);
    }

    /**
     * Grants uploads of {@code chunks}; with {@code packs}, chunks of at most {@link PackFormat#MAX_CHUNK_BYTES} are
     * answered "send in a pack": no write and no presigned URL (the seal writes their rows).
     */
    public Grant grant(Owner owner, List<ChunkRequest> chunks, boolean packs) {
        if (chunks.isEmpty()) {
            throw ServiceException.badRequest("NO_CHUNKS", "List at least one chunk.");
        }
        if (chunks.size() > settings.maxChunksPerRequest()) {
            throw ServiceException.tooLarge("TOO_MANY_CHUNKS",
                    "At most " + settings.maxChunksPerRequest() + " chunks per request.");
        }
        Set<ChunkId> seen = new HashSet<>();
        for (ChunkRequest c : chunks) {
            if (!seen.add(c.id())) {
                throw ServiceException.badRequest("DUPLICATE_CHUNK", "Chunk " + c.id() + " is listed twice.");
            }
            if (c.size() <= 0 || c.size() > Limits.MAX_CHUNK_SIZE) {
                throw ServiceException.badRequest("BAD_CHUNK_SIZE",
                        "Chunk sizes are 1.." + Limits.MAX_CHUNK_SIZE + " bytes.");
            }
        }
        Set<ChunkId> held = holdings.heldIntact(owner, chunks.stream().map(ChunkRequest::id).toList());
        // Chunks that go in a pack need no grant write: nothing is uploaded to their key, and the seal writes their row
        // once (a grant's row would be written twice); a chunk being collected by then is answered "later" by the seal.
        List<ChunkId> packed = chunks.stream().filter(c -> !held.contains(c.id()) && packs && c.size() <= PackFormat.MAX_CHUNK_BYTES)
                .map(ChunkRequest::id).toList();
        Set<ChunkId> inPacks = new HashSet<>(packed);
        List<ChunkRequest> toGrant = chunks.stream().filter(c -> !held.contains(c.id()) && !inPacks.contains(c.id())).toList();
        // Groups of (nearly) equal size, each one transaction; a group whose transaction did not go through is
        // granted chunk by chunk.
        int groupCount = (toGrant.size() + GRANTS_PER_TRANSACTION - 1) / GRANTS_PER_TRANSACTION;
        int groupSize = groupCount == 0 ? 1 : (toGrant.size() + groupCount - 1) / groupCount;
        List<List<ChunkRequest>> groups = new ArrayList<>();
        for (int i = 0; i < toGrant.size(); i += groupSize) {
            groups.add(toGrant.subList(i, Math.min(toGrant.size(), i + groupSize)));
        }
        List<List<Object>> granted = parallel.map(groups, g -> grantGroup(owner, g));
        List<ChunkRequest> oneByOne = new ArrayList<>();
        for (int g = 0; g < groups.size(); g++) {
            if (granted.get(g) == null) {
                oneByOne.addAll(groups.get(g));
            }
        }
        List<Object> outcomes = new ArrayList<>(toGrant.size());
        granted.stream().filter(java.util.Objects::nonNull).forEach(outcomes::addAll);
        outcomes.addAll(parallel.map(oneByOne, c -> retry.call(() -> grantOne(owner, c))));
        List<Upload> uploads = new ArrayList<>();
        List<Later> retries = new ArrayList<>();
        for (Object o : outcomes) {
            if (o instanceof Upload u) {
                uploads.add(u);
            } else {
                retries.add((Later) o);
            }
        }
        List<ChunkId> have = chunks.stream().map(ChunkRequest::id).filter(held::contains).toList();
        return new Grant(have, uploads, retries, packed);
    }

    /**
     * Grants a group of chunks with one transaction of their grant writes (the same write per chunk as {@link
     * #grantOne}, so it still takes the same work whether or not a row exists). The transaction applies all or
     * nothing: if it is cancelled (a chunk of the group is being collected) or keeps failing, nothing was written
     * and this answers null: the caller grants each chunk on its own, which answers the collected ones with a retry.
     */
    private List<Object> grantGroup(Owner owner, List<ChunkRequest> group) {
        if (group.size() < 2) {
            return null;
        }
        long now = clock.millis();
        List<TxAction> writes = group.stream()
                .<TxAction>map(c -> TxAction.update(Tables.CHUNKS, ChunkRow.key(c.id()), grantUpdate(c.id(), now), GRANTABLE))
                .toList();
        try {
            retry.run(() -> store.transact(writes));
        } catch (TransactionCancelledException | TransientStoreException fallBack) {
            return null;
        }
        List<Object> out = new ArrayList<>(group.size());
        group.forEach(c -> out.add(presign(owner, c)));
        return out;
    }

    private Object grantOne(Owner owner, ChunkRequest c) {
        Optional<Duration> wait = grantWrite(store, clock, settings, c.id());
        return wait.isPresent() ? new Later(c.id(), wait.get()) : presign(owner, c);
    }

    /**
     * The grant write of one chunk; a row that a GC run left DELETING and can no longer delete is taken back first
     * ({@link #reclaim}). Used by grants and by delta uploads.
     *
     * @return empty if the row is granted, else how long to wait: the chunk is being collected by a live run
     */
    static Optional<Duration> grantWrite(ItemStore store, Clock clock, Settings settings, ChunkId id) {
        try {
            store.update(Tables.CHUNKS, ChunkRow.key(id), grantUpdate(id, clock.millis()), GRANTABLE);
            return Optional.empty();
        } catch (ConditionFailedException deleting) {
            Optional<Duration> collecting = reclaim(store, clock, settings, id);
            if (collecting.isPresent()) {
                return collecting;
            }
        }
        try {
            store.update(Tables.CHUNKS, ChunkRow.key(id), grantUpdate(id, clock.millis()), GRANTABLE);
            return Optional.empty();
        } catch (ConditionFailedException takenOver) {
            return Optional.of(DELETING_RETRY); // a live run took the row over meanwhile
        }
    }

    /**
     * Takes back a chunk row left DELETING by a GC run that can no longer delete anything (a later run took the lease,
     * or the run released it, or its lease expired past renewal: {@link GcLease#aliveFor}): every delete that run sent
     * has landed, so the row becomes PENDING again with a new incarnation, as if the row had been swept and granted
     * anew. The object need not be deleted first: it is content-addressed, the new grant's upload replaces it (on a
     * versioned bucket, as a new version that the dead run's recorded version id cannot name), and a commit verifies
     * whatever is there. Without this, a run killed mid-sweep blocked re-uploads of its chunks until a later run swept
     * them. The write is conditional on the row still being that run's, so a live run that took it over keeps it.
     *
     * @return empty if the row may be granted now, else how long the live run collecting it may still hold it
     */
    static Optional<Duration> reclaim(ItemStore store, Clock clock, Settings settings, ChunkId id) {
        Optional<ChunkRow> row = store.get(Tables.CHUNKS, ChunkRow.key(id)).map(ChunkRow::from);
        if (row.isEmpty() || row.get().state() != ChunkRow.State.DELETING) {
            return Optional.empty(); // swept or taken back meanwhile
        }
        Optional<Duration> alive = GcLease.aliveFor(store, clock, settings, row.get().gcRun());
        if (alive.isPresent()) {
            long seconds = Math.max(1, Math.min(DELETING_RETRY.toSeconds(), alive.get().toSeconds() + 1));
            return Optional.of(Duration.ofSeconds(seconds));
        }
        long now = clock.millis();
        try {
            store.update(Tables.CHUNKS, ChunkRow.key(id), Update.update()
                            .set(ChunkRow.STATE, ChunkRow.State.PENDING.name())
                            .set(ChunkRow.INCARNATION, UUID.randomUUID().toString())
                            .remove(ChunkRow.GC_RUN).remove(ChunkRow.S3_VERSION)
                            .set(ChunkRow.GC_SHARD, Tables.shardOf(id.hex())).set(ChunkRow.GC_AT, now),
                    and(eq(ChunkRow.STATE, ChunkRow.State.DELETING.name()), eq(ChunkRow.GC_RUN, row.get().gcRun()),
                            eq(ChunkRow.INCARNATION, row.get().incarnation())));
        } catch (ConditionFailedException changed) {
            // taken over by a live run, or back already: the grant write decides
        }
        return Optional.empty();
    }

    private Upload presign(Owner owner, ChunkRequest c) {
        return presign(presigner, settings, owner, c.id(), c.size());
    }

    /** The presigned PUT of one chunk's own object for {@code owner} (grants, and chunks a seal asks to be sent alone). */
    static Upload presign(Presigner presigner, Settings settings, Owner owner, ChunkId id, long size) {
        PresignedRequest put = presigner.presignPut(ChunkRow.objectKey(id), size, id.base64(),
                Map.of(Limits.OWNER_METADATA, owner.tag()), settings.uploadUrlTtl());
        return new Upload(id, put);
    }
}
