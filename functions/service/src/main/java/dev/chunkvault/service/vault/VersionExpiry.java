package dev.chunkvault.service.vault;

import static dev.chunkvault.service.store.Condition.and;
import static dev.chunkvault.service.store.Condition.eq;
import static dev.chunkvault.service.store.Condition.exists;

import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.core.manifest.Manifest;
import dev.chunkvault.core.manifest.ManifestDiff;
import dev.chunkvault.service.store.Condition;
import dev.chunkvault.service.store.ConditionFailedException;
import dev.chunkvault.service.store.Cursor;
import dev.chunkvault.service.store.Item;
import dev.chunkvault.service.store.ItemStore;
import dev.chunkvault.service.store.Page;
import dev.chunkvault.service.store.Query;
import dev.chunkvault.service.store.Query.SortCondition;
import dev.chunkvault.service.store.TransactionCancelledException;
import dev.chunkvault.service.store.TxAction;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * GC phase 1: expire versions past retention, oldest first per file and never the head; purge files whose
 * head is a deletion past retention; roll back abandoned unpublished versions. Expiring {@code v(k)}
 * removes the run edge of each chunk in {@code distinct(v(k)) − distinct(v(k+1))}: only what changed.
 */
final class VersionExpiry {
    private static final int PAGE = 100;

    private final ItemStore store;
    private final Clock clock;
    private final Retry retry;
    private final Parallel parallel;
    private final ManifestStore manifests;
    private final RefOps refs;
    private final Unpublished unpublished;

    VersionExpiry(ItemStore store, Clock clock, Retry retry, Parallel parallel, ManifestStore manifests, RefOps refs,
                  Unpublished unpublished) {
        this.store = store;
        this.clock = clock;
        this.retry = retry;
        this.parallel = parallel;
        this.manifests = manifests;
        this.refs = refs;
        this.unpublished = unpublished;
    }

    /** @return false if it stopped for lack of time */
    boolean expireAll(BooleanSupplier go, GcService.Tally t) {
        long now = clock.millis();
        Set<String> done = new HashSet<>();
        for (int shard = 0; shard < Tables.SHARDS; shard++) {
            Cursor cursor = null;
            do {
                if (!go.getAsBoolean()) {
                    return false;
                }
                Query q = Query.index(Tables.VERSIONS, Tables.EXPIRY_INDEX, Integer.toString(shard))
                        .where(SortCondition.lt(now)).limit(PAGE).after(cursor);
                Page<Item> page = retry.call(() -> store.query(q));
                Set<String> files = new LinkedHashSet<>();
                page.items().forEach(i -> files.add(i.string(VersionRow.FILE_ID)));
                for (String fileId : files) {
                    if (!go.getAsBoolean()) {
                        return false;
                    }
                    if (done.add(fileId)) {
                        expireFile(fileId, now, go, t);
                    }
                }
                cursor = page.next();
            } while (cursor != null);
        }
        return true;
    }

    /** Processes one file's expired versions. Public to the package for the model-based tests. */
    void expireFile(String fileId, long now, BooleanSupplier go, GcService.Tally t) {
        List<VersionRow> all = versionsOf(fileId);
        if (all.isEmpty()) {
            return;
        }
        Set<String> unpublishedIds = new HashSet<>();
        List<VersionRow> active = new ArrayList<>();
        for (VersionRow v : all) {
            if (v.state() == VersionRow.State.ACTIVE) {
                active.add(v);
            } else {
                unpublishedIds.add(v.versionId());
            }
        }
        for (VersionRow v : all) {
            boolean abandoned = v.state() == VersionRow.State.ABORTED
                    || (v.state() == VersionRow.State.PENDING && v.expireAt() != null && v.expireAt() < now);
            if (abandoned && go.getAsBoolean()) {
                if (unpublished.rollback(v, addedBy(v, active))) {
                    t.pendingRolledBack++;
                    unpublishedIds.remove(v.versionId());
                }
            }
        }
        VersionRow any = all.get(0);
        Optional<FileRow> file = retry.call(() -> store.get(Tables.FILES, FileRow.key(new Owner(any.owner()), any.pathKey())))
                .map(FileRow::from).filter(f -> f.fileId().equals(fileId));
        String head = file.map(FileRow::head).orElse(null);

        Manifest cached = null;
        for (int i = 0; i < active.size(); i++) {
            VersionRow v = active.get(i);
            if (v.expireAt() == null || v.expireAt() >= now || !go.getAsBoolean()) {
                return;
            }
            if (v.versionId().equals(head)) {
                if (v.tombstone() && i == active.size() - 1) {
                    purge(file.get(), v, t);
                }
                return;
            }
            VersionRow next = i + 1 < active.size() ? active.get(i + 1) : null;
            Manifest mv = cached != null ? cached : manifests.loadIfPresent(v).orElse(null);
            Manifest mn = next == null ? null : manifests.load(next);
            if (mv != null) {
                List<ChunkId> removed = mn == null ? List.copyOf(mv.distinctIds()) : ManifestDiff.between(mv, mn).removed();
                Owner owner = new Owner(v.owner());
                List<RefOps.Unpin> unpins = parallel.map(removed, c -> runEdge(owner, fileId, c, v.versionId(), unpublishedIds))
                        .stream().filter(u -> u != null).toList();
                t.chunksDecremented += refs.unpin(owner, fileId, unpins);
                manifests.delete(v);
            }
            if (deleteVersion(v)) {
                t.versionsExpired++;
            }
            cached = mn;
        }
    }

    /**
     * Deletes an expired version, and takes it off its owner's usage in the same transaction: the delete is conditioned
     * on the version being there, so a retry after a lost answer changes the counters once.
     *
     * @return false if an earlier attempt deleted it
     */
    private boolean deleteVersion(VersionRow v) {
        TxAction delete = TxAction.delete(Tables.VERSIONS, v.key(), exists(VersionRow.FILE_ID));
        Usage.Counters usage = Usage.ofExpired(v);
        List<TxAction> actions = usage.isZero() ? List.of(delete)
                : List.of(delete, Usage.change(new Owner(v.owner()), usage, Condition.ALWAYS));
        try {
            retry.run(() -> store.transact(actions));
            return true;
        } catch (TransactionCancelledException gone) {
            return false; // expired by an earlier attempt
        }
    }

    /** The chunks an unpublished version pinned: those not in its parent (null when the parent is gone). */
    private List<ChunkId> addedBy(VersionRow v, List<VersionRow> active) {
        if (v.parent() == null) {
            return manifests.loadIfPresent(v).map(m -> List.copyOf(m.distinctIds())).orElse(List.of());
        }
        for (VersionRow a : active) {
            if (a.versionId().equals(v.parent())) {
                Optional<Manifest> mine = manifests.loadIfPresent(v);
                return mine.map(m -> ManifestDiff.between(manifests.load(a), m).added()).orElse(List.of());
            }
        }
        return null;
    }

    /**
     * The edge of the run of {@code chunk} that contains {@code versionId}, the file's oldest retained version:
     * the latest run start at or before it, ignoring pins of unpublished versions. Null if already removed.
     */
    private RefOps.Unpin runEdge(Owner owner, String fileId, ChunkId chunk, String versionId, Set<String> unpublishedIds) {
        Cursor cursor = null;
        do {
            Query q = Query.table(Tables.REFS, Refs.ref(owner, chunk))
                    .where(SortCondition.between(fileId + "#", fileId + "#" + versionId)).descending().limit(PAGE)
                    .after(cursor);
            Page<Item> page = retry.call(() -> store.query(q));
            for (Item edge : page.items()) {
                String start = edge.string(Refs.EDGE).substring(fileId.length() + 1);
                if (!unpublishedIds.contains(start)) {
                    return new RefOps.Unpin(chunk, start);
                }
            }
            cursor = page.next();
        } while (cursor != null);
        return null;
    }

    /** Deletes a file whose head is a deletion past retention (unless a new commit revived it meanwhile). */
    private void purge(FileRow file, VersionRow tombstone, GcService.Tally t) {
        try {
            retry.run(() -> store.delete(Tables.FILES, FileRow.key(new Owner(file.owner()), file.pathKey()),
                    and(eq(FileRow.HEAD, tombstone.versionId()), eq(FileRow.FILE_ID, file.fileId()))));
        } catch (ConditionFailedException e) {
            if (e.current().isPresent()) {
                return; // revived by a new commit meanwhile: the tombstone is an ordinary old version now
            }
            // gone already: a retry after a lost answer
        }
        manifests.delete(tombstone);
        // A deletion holds nothing and is not a version in its owner's usage: nothing to count here.
        retry.run(() -> store.delete(Tables.VERSIONS, tombstone.key(), Condition.ALWAYS));
        t.filesPurged++;
    }

    List<VersionRow> versionsOf(String fileId) {
        List<VersionRow> out = new ArrayList<>();
        Cursor cursor = null;
        do {
            Query q = Query.table(Tables.VERSIONS, fileId).limit(PAGE).after(cursor);
            Page<Item> page = retry.call(() -> store.query(q));
            page.items().forEach(i -> out.add(VersionRow.from(i)));
            cursor = page.next();
        } while (cursor != null);
        return out;
    }
}
