package dev.chunkvault.service.vault;

import static dev.chunkvault.service.store.Condition.and;
import static dev.chunkvault.service.store.Condition.eq;
import static dev.chunkvault.service.store.Condition.exists;
import static dev.chunkvault.service.store.Condition.notExists;

import dev.chunkvault.core.chunking.ChunkingProfile;
import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.core.hash.Sha256;
import dev.chunkvault.core.manifest.Manifest;
import dev.chunkvault.core.manifest.ManifestDelta;
import dev.chunkvault.core.manifest.ManifestDiff;
import dev.chunkvault.core.manifest.ManifestFormatException;
import dev.chunkvault.core.paths.FileNames;
import dev.chunkvault.core.paths.FilePath;
import dev.chunkvault.core.paths.InvalidFilePathException;
import dev.chunkvault.service.blob.BlobInfo;
import dev.chunkvault.service.blob.BlobStore;
import dev.chunkvault.service.error.ErrorKind;
import dev.chunkvault.service.error.ServiceException;
import dev.chunkvault.service.store.Condition;
import dev.chunkvault.service.store.ConditionFailedException;
import dev.chunkvault.service.store.Item;
import dev.chunkvault.service.store.ItemStore;
import dev.chunkvault.service.store.Key;
import dev.chunkvault.service.store.TransactionCancelledException;
import dev.chunkvault.service.store.TxAction;
import dev.chunkvault.service.store.Update;
import dev.chunkvault.service.time.Deadline;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Commit-version (docs/storage-model.md, "Commit"): the head of a file moves only by a conditional write on
 * the expected parent; a retried commit finds its own earlier result; every chunk a new version adds is held
 * by the owner or verified as uploaded through the owner's own grant, and is referenced in the same
 * transaction that publishes the version (small commits) or pinned before it (large ones).
 */
public final class CommitService {
    private static final Pattern IDEMPOTENCY_KEY = Pattern.compile("[A-Za-z0-9._:-]{8,128}");
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");
    private static final String EMPTY_SHA256 = HexFormat.of().formatHex(Sha256.newDigest().digest());
    /** How many times one request re-runs the protocol after losing a race it can resolve. */
    private static final int ATTEMPTS = 4;
    /** The 422 answer lists at most this many chunks; the client re-offers all of them anyway. */
    static final int MAX_LISTED_MISSING = 1000;
    /**
     * Chunks a large commit verifies and then pins before it looks at the clock again: one round of concurrent pin
     * transactions ({@link RefOps#PIN_CONCURRENCY} of {@link RefOps#CHUNKS_PER_TRANSACTION}).
     */
    static final int COMMIT_SLICE_CHUNKS = RefOps.PIN_CONCURRENCY * RefOps.CHUNKS_PER_TRANSACTION;

    /**
     * A slice starts only while the invocation has this much time left (besides the commit budget): about what one
     * slice's HEADs and pins take on a slow table, so the request answers COMMIT_IN_PROGRESS rather than running out
     * of time half way through a slice (which is safe too, but wastes the slice's work).
     */
    static final Duration SLICE_RESERVE = Duration.ofSeconds(4);

    /** 403: the commit would take the owner's logical bytes past their quota. */
    public static final String QUOTA_EXCEEDED = "QUOTA_EXCEEDED";
    /** 429: the file got {@link Settings#maxVersionsPerFilePerHour()} new versions this clock hour already. */
    public static final String TOO_MANY_VERSIONS = "TOO_MANY_VERSIONS";

    /** Where the new version's manifest comes from. */
    public sealed interface Source {
        record Full(Manifest manifest) implements Source {}

        /** A delta against the parent's manifest. */
        record Delta(ManifestDelta delta) implements Source {}

        /** Restore: the manifest of an earlier version of the same file. */
        record FromVersion(String versionId) implements Source {}

        /** Delete: an empty manifest that marks the file deleted. */
        record Tombstone() implements Source {}
    }

    /**
     * @param parentVersion the version the client's edit is based on; null for a new file (or, for restore and
     *                      delete, "whatever the head is now")
     * @param size          bytes of the new content (checked against the manifest; ignored for restore/delete)
     * @param contentHash   SHA-256 hex of the new content (ignored for restore/delete)
     * @param executable    the file's executable bit (for new content; a restore takes the restored version's)
     * @param link          whether the version is a symbolic link, its content the target path's bytes (UTF-8, at most
     *                      {@link #MAX_LINK_TARGET_BYTES}); the service never interprets the target. Not executable.
     * @param folder        whether the version is an empty folder's marker: no content (an empty manifest, size 0), never
     *                      executable or a link. A folder holding files exists through them and needs no marker.
     * @param originalName  for new content: the file's name on the device that wrote it, where {@code path} holds a marked
     *                      name because that device's folder also holds a name differing only by case or Unicode form
     *                      (see {@link VersionRow#originalName}); a valid name other than the path's own, or exactly the
     *                      path's own name to drop the parent's (the file is spelled as the marked name now). Null keeps the
     *                      parent's (an edit from a device that does not know it keeps it for the others); a restore
     *                      takes the restored version's
     * @param writer        the sync replica sending the commit ({@link Writers}), or null: kept on the file row, so
     *                      the change feed can leave the change out for that replica, which knows it already
     */
    public record CommitRequest(Owner owner, String path, String parentVersion, Source source, long size,
                                String contentHash, long clientMtime, String idempotencyKey, boolean executable,
                                boolean link, boolean folder, String originalName, String writer) {
        /**
         * {@code clientMtime} when the caller gave none: the version then takes the commit's own time, as Dropbox's
         * {@code client_modified} does, rather than 1970-01-01 (a time of 0 stays a real time of 0).
         */
        public static final long MTIME_UNKNOWN = Long.MIN_VALUE;

        /** A request from no particular replica (see above). */
        public CommitRequest(Owner owner, String path, String parentVersion, Source source, long size,
                             String contentHash, long clientMtime, String idempotencyKey, boolean executable,
                             boolean link, boolean folder, String originalName) {
            this(owner, path, parentVersion, source, size, contentHash, clientMtime, idempotencyKey, executable, link,
                    folder, originalName, null);
        }

        /** The same request, sent by the sync replica {@code replica} (null: by none). */
        public CommitRequest withWriter(String replica) {
            return new CommitRequest(owner, path, parentVersion, source, size, contentHash, clientMtime, idempotencyKey,
                    executable, link, folder, originalName, replica);
        }

        /** A request without an original name (see above). */
        public CommitRequest(Owner owner, String path, String parentVersion, Source source, long size,
                             String contentHash, long clientMtime, String idempotencyKey, boolean executable,
                             boolean link, boolean folder) {
            this(owner, path, parentVersion, source, size, contentHash, clientMtime, idempotencyKey, executable, link,
                    folder, null);
        }

        /** A request for a file or a link (not a folder marker). */
        public CommitRequest(Owner owner, String path, String parentVersion, Source source, long size,
                             String contentHash, long clientMtime, String idempotencyKey, boolean executable,
                             boolean link) {
            this(owner, path, parentVersion, source, size, contentHash, clientMtime, idempotencyKey, executable, link,
                    false);
        }

        /** A request for a file that is not executable. */
        public CommitRequest(Owner owner, String path, String parentVersion, Source source, long size,
                             String contentHash, long clientMtime, String idempotencyKey) {
            this(owner, path, parentVersion, source, size, contentHash, clientMtime, idempotencyKey, false, false);
        }

        /** A request for a regular file (not a link). */
        public CommitRequest(Owner owner, String path, String parentVersion, Source source, long size,
                             String contentHash, long clientMtime, String idempotencyKey, boolean executable) {
            this(owner, path, parentVersion, source, size, contentHash, clientMtime, idempotencyKey, executable, false);
        }
    }

    /** The longest symbolic link target a version may hold: PATH_MAX on Linux (4096 bytes). */
    public static final int MAX_LINK_TARGET_BYTES = 4096;

    public enum Outcome {
        /** A new version is the head (201). */
        CREATED,
        /** This request was already applied; the same version again (201). */
        REPLAYED,
        /** The content equals the head's: nothing written, the head returned (200). */
        UNCHANGED
    }

    /** What the commit did, with figures for metrics. */
    public record CommitResult(Outcome outcome, VersionView version, int chunks, int distinctChunks, int addedChunks,
                               boolean large) {}

    private final ItemStore store;
    private final BlobStore blobs;
    private final Clock clock;
    private final Settings settings;
    private final Retry retry;
    private final Holdings holdings;
    private final ManifestStore manifests;
    private final RefOps refs;
    private final Parallel parallel;
    private final Unpublished unpublished;
    private final Quarantine quarantine;
    /** Its own threads: a commit running there uses {@link #parallel} for its reads and pins. */
    private final Parallel batchLanes;

    public CommitService(ItemStore store, BlobStore blobs, Clock clock, Settings settings, Parallel parallel, Retry retry) {
        this.store = store;
        this.blobs = blobs;
        this.clock = clock;
        this.settings = settings;
        this.retry = retry;
        this.parallel = parallel;
        this.holdings = new Holdings(store, parallel, retry);
        this.manifests = new ManifestStore(blobs, settings, retry);
        this.refs = new RefOps(store, clock, retry);
        this.unpublished = new Unpublished(store, manifests, refs, retry);
        this.quarantine = new Quarantine(store, clock, retry);
        this.batchLanes = parallel.separate(BATCH_LANES, "commit-batch");
    }

    public CommitResult commit(CommitRequest r) {
        validate(r);
        FilePath path = parsePath(r.path());
        long deadline = clock.millis() + settings.commitBudget().toMillis();
        for (int attempt = 1; ; attempt++) {
            try {
                return attempt(r, path, deadline);
            } catch (Race race) {
                if (DEFER.get() != null && VIEW.get() != null && VIEW.get().rowsToCreate()) {
                    throw new RunAlone(); // rows the batch's groups create are not there to read yet: after them
                }
                VIEW.remove(); // what the batch read ahead is older than what this race found: read afresh
                if (attempt >= ATTEMPTS) {
                    throw ServiceException.unavailable("COMMIT_CONTENDED",
                            "The file is changing too fast to commit now; retry.", Duration.ofSeconds(1), null);
                }
            }
        }
    }

    /** Commits per batch request. */
    public static final int MAX_BATCH_COMMITS = 100;
    /** Manifest entries (full manifests' chunks and manifest deltas' added entries) per batch request. */
    public static final int MAX_BATCH_ENTRIES = 2_000;

    /** One commit of a batch: its result, or the error that refused it (exactly one is set). */
    public record BatchItem(CommitResult result, ServiceException error) {}

    /**
     * Commits several files in one request, each exactly as {@link #commit} would and independently of the others
     * (one's stale parent does not stop the next). The batch is checked as a whole first — every request valid, no
     * two for the same file (case-folded), at most {@link #MAX_BATCH_COMMITS} and {@link #MAX_BATCH_ENTRIES} — so a
     * bad batch changes nothing. The small commits are written several to a transaction ({@link CommitGroups}; a group
     * that cannot be written leaves each of its commits to run alone). A file's own refusal (stale parent, missing
     * chunks...) is its item's error; a
     * failure of the service itself (store unavailable, throttling, contention) ends the request, and the caller
     * retries the whole batch: the idempotency keys make the commits already done answer with their results.
     */
    public List<BatchItem> commitBatch(List<CommitRequest> requests) {
        return commitBatch(requests, Set.of());
    }

    /**
     * As {@link #commitBatch(List)}, where {@code proven} are chunks whose bytes the batch's owner has just shown to
     * the service in this request (a pack sealed by the batch, {@link CommitBatches}: each chunk's range hashed to its
     * id) while the chunk's verified bytes are stored elsewhere: a commit accepts such a chunk by its row (usable, of
     * the manifest's size, not damaged), as it accepts a held one, instead of asking the owner to upload it alone.
     * The proof lasts this request only; nothing about it is stored.
     */
    public List<BatchItem> commitBatch(List<CommitRequest> requests, Set<ChunkId> proven) {
        return commitBatch(requests, proven, BatchSeals.none(), created -> { });
    }

    /**
     * As {@link #commitBatch(List, Set)}, after the batch's seals ({@link CommitBatches}, {@link BatchSeals}): the rows
     * they created are taken as written instead of read back, and the owner as not holding those chunks (nothing can be
     * held without a row), see {@link BatchView}; the rows they left to the commits are created by the groups that pin
     * them ({@link CommitGroups#plan(List, Map)}). {@code afterGroups} is given the chunks whose rows the groups created,
     * once the groups are written and before any commit runs alone (it places the others).
     */
    List<BatchItem> commitBatch(List<CommitRequest> requests, Set<ChunkId> proven, BatchSeals seals,
                                java.util.function.Consumer<Set<ChunkId>> afterGroups) {
        checkBatch(requests);
        // The files are distinct, so their commits touch distinct file rows and versions and may be prepared side by
        // side; the small ones are then written several to a transaction (CommitGroups), the large ones as alone. A
        // failure of the service itself ends the request once every lane has stopped, and the client sends the whole
        // batch again.
        return commitChecked(requests, Set.copyOf(proven), seals, afterGroups);
    }

    /**
     * Checks a batch as a whole, writing nothing: every request valid, no two for the same file (case-folded), at most
     * {@link #MAX_BATCH_COMMITS} and {@link #MAX_BATCH_ENTRIES}. {@link #commitBatch} does it first; a caller that
     * does something before committing (seals the batch's packs, {@link CommitBatches}) calls it before that.
     */
    public void checkBatch(List<CommitRequest> requests) {
        if (requests.isEmpty()) {
            throw ServiceException.badRequest("EMPTY_BATCH", "Give at least one commit.");
        }
        if (requests.size() > MAX_BATCH_COMMITS) {
            throw ServiceException.tooLarge("TOO_MANY_COMMITS", "At most " + MAX_BATCH_COMMITS + " commits per batch.");
        }
        java.util.Set<String> keys = new java.util.HashSet<>();
        long entries = 0;
        for (CommitRequest r : requests) {
            validate(r);
            if (!keys.add(parsePath(r.path()).foldKey())) {
                throw ServiceException.badRequest("DUPLICATE_PATH", "A batch commits each file at most once.");
            }
            if (r.source() instanceof Source.Full f) {
                entries += f.manifest().chunkCount();
            } else if (r.source() instanceof Source.Delta d) {
                entries += d.delta().addedEntryCount();
            }
        }
        if (entries > MAX_BATCH_ENTRIES) {
            throw ServiceException.tooLarge("TOO_MANY_CHUNKS", "At most " + MAX_BATCH_ENTRIES
                    + " manifest entries per batch; commit large files on their own.");
        }
    }

    private List<BatchItem> commitChecked(List<CommitRequest> requests, Set<ChunkId> proven, BatchSeals seals,
                                          java.util.function.Consumer<Set<ChunkId>> afterGroups) {
        java.util.concurrent.locks.Lock gate = new java.util.concurrent.locks.ReentrantLock();
        Map<ChunkId, Item> toCreate = seals.toCreate();
        BatchView view = readAhead(requests, seals.created, toCreate);
        List<Object> first = batchLanes.map(requests, r -> {
            VIEW.set(view);
            PROVEN.set(proven);
            try {
                return inLane(gate, true, r);
            } finally {
                VIEW.remove();
                PROVEN.remove();
            }
        });
        List<CommitGroups.Prepared> prepared = new ArrayList<>();
        first.forEach(o -> {
            if (o instanceof CommitGroups.Prepared p) {
                prepared.add(p);
            }
        });
        java.util.Set<CommitGroups.Prepared> alone = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        Set<ChunkId> createdByGroups = new java.util.HashSet<>();
        for (CommitGroups.Group g : CommitGroups.plan(prepared, toCreate)) {
            try {
                retry.run(() -> {
                    freshChangeKey(g.oldestKeyMillis());
                    store.transact(g.actions());
                });
                createdByGroups.addAll(g.created());
            } catch (TransactionCancelledException | Race refused) {
                // Nothing of the group was written: its members go one by one, each to its own answer.
                alone.addAll(g.members());
            }
        }
        afterGroups.accept(createdByGroups);
        List<Integer> again = new ArrayList<>();
        List<BatchItem> out = new ArrayList<>(requests.size());
        for (int i = 0; i < requests.size(); i++) {
            Object o = first.get(i);
            if (o instanceof CommitGroups.Prepared p) {
                if (alone.contains(p)) {
                    again.add(i);
                    out.add(null);
                } else {
                    out.add(new BatchItem(p.result(), null));
                }
            } else if (o == RUN_ALONE) {
                again.add(i);
                out.add(null);
            } else {
                out.add((BatchItem) o);
            }
        }
        List<Object> retried = batchLanes.map(again.stream().map(requests::get).toList(), r -> {
            PROVEN.set(proven);
            try {
                return inLane(gate, false, r);
            } finally {
                PROVEN.remove();
            }
        });
        for (int k = 0; k < again.size(); k++) {
            out.set(again.get(k), (BatchItem) retried.get(k));
        }
        return out;
    }

    /**
     * One commit of a batch on its lane: its answer as a {@link BatchItem}, or (with {@code defer}) the small commit
     * prepared for its group.
     */
    private Object inLane(java.util.concurrent.locks.Lock gate, boolean defer, CommitRequest r) {
        TX_GATE.set(gate);
        if (defer) {
            DEFER.set(Boolean.TRUE);
        }
        try {
            return new BatchItem(commit(r), null);
        } catch (Deferred d) {
            return d.prepared;
        } catch (RunAlone later) {
            return RUN_ALONE;
        } catch (ServiceException e) {
            if (e.kind() == ErrorKind.UNAVAILABLE
                    || (e.kind() == ErrorKind.THROTTLED && !TOO_MANY_VERSIONS.equals(e.code()))) {
                throw e; // the service's own trouble: the whole batch is retried
            }
            return new BatchItem(null, e); // this file's refusal (a too-busy file too: its own limit)
        } finally {
            TX_GATE.remove();
            DEFER.remove();
        }
    }

    /**
     * Reads for all the commits of a batch at once ({@link BatchView}): the file rows, then the versions each commit
     * will look for (its parent, and its own where it may exist), the usage item, and the holdings and chunk rows of the
     * chunks its commits may add (full manifests', deltas' added entries), but for the rows the batch's seals created
     * ({@code created}, as written) or left to its commits ({@code toCreate}, as they will be written; see
     * {@link BatchSeals}). A batch of requests of several owners (never sent by the API) reads nothing ahead.
     */
    private BatchView readAhead(List<CommitRequest> requests, Map<ChunkId, Item> created, Map<ChunkId, Item> toCreate) {
        BatchView view = new BatchView(!toCreate.isEmpty());
        Owner owner = requests.get(0).owner();
        if (requests.stream().anyMatch(r -> !r.owner().equals(owner))) {
            return view;
        }
        List<String> pathKeys = requests.stream().map(r -> parsePath(r.path()).foldKey()).toList();
        List<Key> fileKeys = pathKeys.stream().map(k -> FileRow.key(owner, k)).distinct().toList();
        Map<Key, Item> files = new HashMap<>();
        BatchReads.getAll(store, parallel, retry, Tables.FILES, fileKeys)
                .forEach(i -> files.put(Key.of(i.string(FileRow.OWNER), i.string(FileRow.PATH)), i));
        fileKeys.forEach(k -> view.file(k, Optional.ofNullable(files.get(k))));
        java.util.Set<Key> versionKeys = new java.util.LinkedHashSet<>();
        java.util.Set<ChunkId> chunkIds = new java.util.LinkedHashSet<>();
        for (int i = 0; i < requests.size(); i++) {
            CommitRequest r = requests.get(i);
            Optional<FileRow> file = Optional.ofNullable(files.get(FileRow.key(owner, pathKeys.get(i)))).map(FileRow::from);
            Target t = Target.of(r, pathKeys.get(i), file);
            Key own = VersionRow.key(t.fileId(), t.versionId());
            if (ownCannotExist(r, file, t)) {
                view.version(own, Optional.empty());
            } else {
                versionKeys.add(own);
            }
            if (t.parent() != null) {
                versionKeys.add(VersionRow.key(t.fileId(), t.parent()));
            }
            file.ifPresent(f -> versionKeys.add(VersionRow.key(f.fileId(), f.head())));
            chunkIds.addAll(newChunks(r));
        }
        Map<Key, Item> versions = new HashMap<>();
        BatchReads.getAll(store, parallel, retry, Tables.VERSIONS, List.copyOf(versionKeys))
                .forEach(i -> versions.put(VersionRow.key(i.string(VersionRow.FILE_ID), i.string(VersionRow.VERSION_ID)), i));
        versionKeys.forEach(k -> view.version(k, Optional.ofNullable(versions.get(k))));
        view.usage(retry.call(() -> store.get(Tables.CONTROL, Usage.key(owner))));
        if (!chunkIds.isEmpty()) {
            Map<ChunkId, Item> rows = new HashMap<>();
            List<ChunkId> ids = new ArrayList<>();
            for (ChunkId c : chunkIds) {
                Item made = created.containsKey(c) ? created.get(c) : toCreate.get(c);
                if (made == null) {
                    ids.add(c);
                } else {
                    rows.put(c, made);
                    view.held(c, false); // its row did not exist a moment ago (or does not yet), so no edge of it can
                }
            }
            Set<ChunkId> held = holdings.held(owner, ids);
            ids.forEach(c -> view.held(c, held.contains(c)));
            BatchReads.getAll(store, parallel, retry, Tables.CHUNKS, ids.stream().map(ChunkRow::key).toList())
                    .forEach(i -> rows.put(ChunkId.parse(i.string(ChunkRow.ID)), i));
            chunkIds.forEach(c -> view.chunk(c, Optional.ofNullable(rows.get(c))));
            List<String> packs = rows.values().stream().map(i -> i.string(ChunkRow.PACK)).filter(java.util.Objects::nonNull)
                    .distinct().toList();
            Map<String, Item> packRows = new HashMap<>();
            BatchReads.getAll(store, parallel, retry, Tables.CHUNKS, packs.stream().map(PackRow::key).toList())
                    .forEach(i -> packRows.put(PackRow.idOfKey(i.string(ChunkRow.ID)), i));
            packs.forEach(p -> view.pack(p, Optional.ofNullable(packRows.get(p))));
        }
        return view;
    }

    /**
     * The chunks a seal of this batch may leave to its commits ({@link BatchSeals}): those of the commits that cannot
     * be large (a full manifest of no more distinct chunks than one transaction pins: prepared from the batch's view
     * and written by a group, or run alone after the groups), and of no other commit of the batch (a large one reads its
     * rows for itself once it is known to be large, and a delta's size is known only against its parent).
     */
    Set<ChunkId> deferrable(List<CommitRequest> requests) {
        Set<ChunkId> small = new java.util.HashSet<>();
        Set<ChunkId> others = new java.util.HashSet<>();
        for (CommitRequest r : requests) {
            (r.source() instanceof Source.Full && cannotBeLarge(r) ? small : others).addAll(newChunks(r));
        }
        small.removeAll(others);
        return small;
    }

    /**
     * The chunks a request may add to its file: a full manifest's, a delta's added entries' (the chunks its copied
     * runs name are the parent's); a restore or delete adds none that are not stored already.
     */
    private static Set<ChunkId> newChunks(CommitRequest r) {
        if (r.source() instanceof Source.Full f) {
            return f.manifest().distinctIds();
        }
        Set<ChunkId> ids = new java.util.LinkedHashSet<>();
        if (r.source() instanceof Source.Delta d) {
            for (dev.chunkvault.core.manifest.ManifestDelta.Op op : d.delta().ops()) {
                if (op instanceof dev.chunkvault.core.manifest.ManifestDelta.Add a) {
                    a.entries().forEach(e -> ids.add(e.id()));
                }
            }
        }
        return ids;
    }

    /**
     * Whether a commit's own version cannot exist as the batch reads the file row, so need not be read to tell a replay:
     * a small commit (no more chunks added than one transaction pins, so never left PENDING) whose file has no row, or
     * a head older than the version's sequence. Heads only move forward, to a new version one past the head: had this
     * version been written, the head would be it or later. If it is written meanwhile (the same request sent twice at
     * once), the version put's own condition cancels the group, and the commit runs again alone, reading everything.
     */
    private boolean ownCannotExist(CommitRequest r, Optional<FileRow> file, Target t) {
        return cannotBeLarge(r) && (file.isEmpty() || VersionRow.seqOf(file.get().head()) < t.seq());
    }

    /**
     * Whether a request adds at most {@link Settings#smallCommitChunks} chunks whatever its parent, so it is a small
     * commit: a full manifest of no more distinct chunks, or a delta of no more added entries (the chunks its copied runs
     * name are the parent's).
     */
    private boolean cannotBeLarge(CommitRequest r) {
        int small = settings.smallCommitChunks();
        return r.source() instanceof Source.Full f ? f.manifest().distinctIds().size() <= small
                : r.source() instanceof Source.Delta d && d.delta().addedEntryCount() <= small;
    }

    /** Chunks the batch's owner proved in this request (see {@link #commitBatch(List, Set)}); kept across races. */
    private static final ThreadLocal<Set<ChunkId>> PROVEN = new ThreadLocal<>();

    /** The batch's reads, on a lane's first attempt at its commit (see {@link BatchView}). */
    private static final ThreadLocal<BatchView> VIEW = new ThreadLocal<>();

    /** An item as the batch read it ahead, else read now. */
    private Optional<Item> read(String table, Key key, java.util.function.Function<BatchView, Optional<Item>> fromView) {
        BatchView view = VIEW.get();
        Optional<Item> seen = view == null ? null : fromView.apply(view);
        return seen != null ? seen : retry.call(() -> store.get(table, key));
    }

    /** Set on a lane whose small commit is to be written with its group rather than alone. */
    private static final ThreadLocal<Boolean> DEFER = new ThreadLocal<>();

    /** A commit of a batch to run alone after the groups ({@link #RUN_ALONE}), when its lane met a race. */
    private static final class RunAlone extends RuntimeException {
        RunAlone() {
            super(null, null, false, false);
        }
    }

    /** What a lane answers for a commit that runs alone after the groups. */
    private static final Object RUN_ALONE = new Object();

    /** A small commit of a batch, prepared and not written: its group writes it. */
    private static final class Deferred extends RuntimeException {
        final transient CommitGroups.Prepared prepared;

        Deferred(CommitGroups.Prepared prepared) {
            super(null, null, false, false);
            this.prepared = prepared;
        }
    }

    /**
     * The transactions a batch's lanes send themselves (a large commit's publish, a commit of a group that could not be
     * written, one by one) go one at a time: every one of them writes the owner's usage item, and on DynamoDB two
     * transactions on one item at once cancel each other (TransactionConflict) — lanes racing there would retry more
     * than they overlap.
     */
    private static final ThreadLocal<java.util.concurrent.locks.Lock> TX_GATE = new ThreadLocal<>();

    /** Runs one transaction, through the batch's gate when there is one. */
    private void transactGated(Runnable tx) {
        java.util.concurrent.locks.Lock gate = TX_GATE.get();
        if (gate == null) {
            tx.run();
            return;
        }
        gate.lock();
        try {
            tx.run();
        } finally {
            gate.unlock();
        }
    }

    /**
     * Commits of one batch request prepared at once. Each small commit is a few dependent round trips (reads and
     * verifications) before its transaction, which its group sends: side by side they overlap the round trips.
     */
    static final int BATCH_LANES = 8;

    /** A race this request lost in a way a fresh attempt resolves (re-read and re-decide). */
    private static final class Race extends RuntimeException {
        Race() {
            super(null, null, false, false);
        }
    }

    static FilePath parsePath(String raw) {
        try {
            FilePath p = FilePath.parse(raw);
            if (!fitsKey(p)) {
                throw ServiceException.badRequest("INVALID_PATH", "The path is not acceptable: PATH_TOO_LONG.");
            }
            return p;
        } catch (InvalidFilePathException e) {
            throw ServiceException.badRequest("INVALID_PATH", "The path is not acceptable: " + e.reason() + ".");
        } catch (IllegalArgumentException | NullPointerException e) {
            throw ServiceException.badRequest("INVALID_PATH", "The path is not acceptable.");
        }
    }

    /** Whether the path's key fits the files table (see {@link Limits#MAX_PATH_KEY_BYTES}). */
    static boolean fitsKey(FilePath p) {
        return p.foldKey().getBytes(StandardCharsets.UTF_8).length <= Limits.MAX_PATH_KEY_BYTES;
    }

    private void validate(CommitRequest r) {
        if (r.idempotencyKey() == null || !IDEMPOTENCY_KEY.matcher(r.idempotencyKey()).matches()) {
            throw ServiceException.badRequest("INVALID_IDEMPOTENCY_KEY",
                    "idempotencyKey must be 8..128 characters of letters, digits and . _ : -");
        }
        Writers.check(r.writer(), "The writer");
        if (r.parentVersion() != null && VersionRow.seqOf(r.parentVersion()) < 1) {
            throw ServiceException.badRequest("INVALID_VERSION", "parentVersion is not a version id.");
        }
        if (r.source() == null) {
            throw ServiceException.badRequest("NO_MANIFEST", "Give a manifest or a manifest delta.");
        }
        boolean content = r.source() instanceof Source.Full || r.source() instanceof Source.Delta;
        if (content) {
            if (r.size() < 0) {
                throw ServiceException.badRequest("INVALID_SIZE", "size must not be negative.");
            }
            if (r.contentHash() == null || !SHA256_HEX.matcher(r.contentHash()).matches()) {
                throw ServiceException.badRequest("INVALID_CONTENT_HASH", "contentHash must be a lowercase hex SHA-256.");
            }
        }
        if (r.link()) {
            if (!content) {
                throw ServiceException.badRequest("INVALID_FIELD", "link is given only with new content (a target).");
            }
            if (r.executable()) {
                throw ServiceException.badRequest("INVALID_FIELD", "A link is not executable: give link or executable.");
            }
            if (r.size() > MAX_LINK_TARGET_BYTES) {
                throw ServiceException.badRequest("INVALID_FIELD",
                        "A link's target is at most " + MAX_LINK_TARGET_BYTES + " bytes.");
            }
        }
        if (r.folder()) {
            if (!(r.source() instanceof Source.Full f)) {
                throw ServiceException.badRequest("INVALID_FIELD", "folder is given only with an empty manifest (a new marker).");
            }
            if (r.executable() || r.link()) {
                throw ServiceException.badRequest("INVALID_FIELD", "A folder is neither executable nor a link: give one of them.");
            }
            if (r.size() != 0 || f.manifest().chunkCount() != 0) {
                throw ServiceException.badRequest("INVALID_FIELD", "A folder has no content: an empty manifest and size 0.");
            }
        }
        if (r.originalName() != null) {
            checkOriginalName(r, content);
        }
        if (r.source() instanceof Source.FromVersion f && VersionRow.seqOf(f.versionId()) < 1) {
            throw ServiceException.badRequest("INVALID_VERSION", "version is not a version id.");
        }
    }

    /** Whether the request's original name is exactly its path's own name (which drops the parent's). */
    private static boolean isOwnName(CommitRequest r) {
        return r.originalName().equals(FilePath.parse(r.path()).name());
    }

    /**
     * An original name is one valid name, not the path's own (but for exactly it, which drops the parent's), given only
     * with new content of a file or link.
     */
    private static void checkOriginalName(CommitRequest r, boolean content) {
        if (!content || r.folder()) {
            throw ServiceException.badRequest("INVALID_FIELD", "originalName is given only with new content of a file.");
        }
        String name;
        try {
            name = FileNames.normalize(r.originalName());
        } catch (IllegalArgumentException | NullPointerException e) {
            throw ServiceException.badRequest("INVALID_FIELD", "originalName is not an acceptable file name.");
        }
        String own;
        try {
            own = FilePath.parse(r.path()).name();
        } catch (IllegalArgumentException | NullPointerException e) {
            throw ServiceException.badRequest("INVALID_PATH", "The path is not acceptable.");
        }
        if (FileNames.foldKey(name).equals(FileNames.foldKey(own)) && !r.originalName().equals(own)) {
            throw ServiceException.badRequest("INVALID_FIELD", "originalName names the path's own file; leave it out.");
        }
    }

    private CommitResult attempt(CommitRequest r, FilePath path, long deadline) {
        Owner owner = r.owner();
        String pathKey = path.foldKey();
        Key fileKey = FileRow.key(owner, pathKey);
        Optional<FileRow> file = read(Tables.FILES, fileKey, v -> v.file(fileKey)).map(FileRow::from);
        if (isRestoreOrDelete(r) && file.isEmpty()) {
            throw ServiceException.notFound("No such file.");
        }
        Target target = Target.of(r, pathKey, file);
        String parent = target.parent();
        String fileId = target.fileId();
        long seq = target.seq();
        String versionId = target.versionId();
        String requestHash = requestHash(r, pathKey);

        Optional<VersionRow> existing = getVersion(fileId, versionId);
        if (existing.isPresent()) {
            return replay(r, existing.get(), requestHash, file, path, deadline);
        }
        String head = file.map(FileRow::head).orElse(null);
        if (!Objects.equals(head, parent)) {
            Optional<VersionRow> headRow = file.flatMap(f -> getVersion(f.fileId(), f.head()));
            if (headRow.isPresent() && requestHash.equals(headRow.get().requestHash())) {
                // This very request made the head (its parent was resolved from a state that has since moved).
                return new CommitResult(Outcome.REPLAYED, VersionView.of(headRow.get()), headRow.get().chunkCount(),
                        -1, 0, false);
            }
            throw stale(headRow);
        }

        Optional<VersionRow> parentRow = parent == null ? Optional.empty() : getVersion(fileId, parent);
        if (parent != null && (parentRow.isEmpty() || parentRow.get().state() != VersionRow.State.ACTIVE)) {
            throw new Race(); // the head we read is being replaced; read again
        }
        Manifest parentManifest = parentRow.map(manifests::load).orElse(null);
        Planned plan = plan(r, fileId, parentRow.orElse(null), parentManifest);

        if (parentRow.isPresent() && plan.tombstone == parentRow.get().tombstone()
                && plan.manifest.hash().equals(parentRow.get().manifestHash())
                && plan.executable == parentRow.get().executable() && plan.link == parentRow.get().link()
                && plan.folder == parentRow.get().folder()
                && Objects.equals(plan.originalName, parentRow.get().originalName())) {
            return new CommitResult(Outcome.UNCHANGED, VersionView.of(parentRow.get()), plan.manifest.chunkCount(),
                    plan.manifest.distinctIds().size(), 0, false);
        }
        if (isContent(r)) {
            checkVersionRate(file);
        }
        return write(r, path, file, fileId, versionId, seq, parentRow.orElse(null), requestHash, plan, parentManifest,
                false, deadline);
    }

    private static boolean isRestoreOrDelete(CommitRequest r) {
        return r.source() instanceof Source.FromVersion || r.source() instanceof Source.Tombstone;
    }

    /**
     * The version a request would write, given the file row as read: its parent (for a new file over a tombstone, and
     * for a restore or delete, "whatever the head is now"), the file id (the row's, or derived for a new file) and the
     * version id its idempotency key makes. Commits and a batch's read-ahead derive the same keys from it.
     */
    private record Target(String parent, String fileId, long seq, String versionId) {
        static Target of(CommitRequest r, String pathKey, Optional<FileRow> file) {
            String parent = r.parentVersion();
            if (parent == null && file.isPresent() && (file.get().deleted() || isRestoreOrDelete(r))) {
                parent = file.get().head(); // recreate over a tombstone; restore/delete "whatever is there now"
            }
            String fileId = file.map(FileRow::fileId)
                    .orElseGet(() -> deriveFileId(r.owner(), pathKey, r.idempotencyKey()));
            long seq = (parent == null ? 0 : VersionRow.seqOf(parent)) + 1;
            return new Target(parent, fileId, seq, VersionRow.versionId(fileId, seq, r.idempotencyKey()));
        }
    }

    /** Commits with new content (not restores or deletes): these are what quotas and the version rate limit. */
    private static boolean isContent(CommitRequest r) {
        return r.source() instanceof Source.Full || r.source() instanceof Source.Delta;
    }

    /**
     * A file may get {@link Settings#maxVersionsPerFilePerHour()} new versions with content per clock hour: the count
     * is on the files row and moves with the head CAS, so racing commits cannot get past it together.
     */
    private void checkVersionRate(Optional<FileRow> file) {
        int max = settings.maxVersionsPerFilePerHour();
        long now = clock.millis();
        if (max > 0 && file.isPresent() && file.get().versionsInHourOf(now) >= max) {
            long wait = FileRow.HOUR_MILLIS - now % FileRow.HOUR_MILLIS;
            Map<String, Object> details = new HashMap<>();
            details.put("limit", max);
            details.put("retryAfterSeconds", (wait + 999) / 1000);
            throw ServiceException.limited(TOO_MANY_VERSIONS, "This file got " + max + " new versions this hour already;"
                    + " commit it again after the time in Retry-After.", Duration.ofMillis(wait), details);
        }
    }

    /** What the commit is allowed to do to the owner's usage: the condition on the usage item, and what it read. */
    private record QuotaGuard(Condition condition, Usage.Row seen, long quota, long growth) {
        static final QuotaGuard NONE = new QuotaGuard(Condition.ALWAYS, null, 0, 0);
    }

    /**
     * A commit with content that grows the owner's logical bytes must stay within the quota: refused at once (nothing
     * written) when the usage read now leaves no room, and written on a condition that holds only while it does, so
     * concurrent commits cannot pass the quota together. Restores and deletes are never limited (a way back must stay
     * open); nor is a commit that shrinks or keeps the size.
     */
    private QuotaGuard quotaGuard(CommitRequest r, Usage.Counters delta) {
        if (!isContent(r) || delta.logicalBytes() <= 0) {
            return QuotaGuard.NONE;
        }
        Usage.Row row = Usage.Row.from(read(Tables.CONTROL, Usage.key(r.owner()), BatchView::usage));
        long quota = row.effectiveQuota(settings);
        long growth = delta.logicalBytes();
        if (quota > 0 && row.counters().logicalBytes() + growth > quota) {
            throw quotaExceeded(quota, row.counters().logicalBytes(), growth);
        }
        return new QuotaGuard(Usage.withinQuota(row, quota, growth), row, quota, growth);
    }

    /**
     * The usage item's condition failed: over the quota, or the quota was changed meanwhile (then the next attempt reads
     * it again).
     */
    private RuntimeException explainQuota(QuotaGuard guard, TransactionCancelledException.Reason reason) {
        Usage.Row now = Usage.Row.from(reason.currentItem());
        if (!Objects.equals(now.quota(), guard.seen().quota())) {
            return new Race();
        }
        return quotaExceeded(guard.quota(), now.counters().logicalBytes(), guard.growth());
    }

    static ServiceException quotaExceeded(long quota, long used, long needed) {
        Map<String, Object> details = new HashMap<>();
        details.put("quota", quota);
        details.put("used", Math.max(0, used));
        details.put("needed", needed);
        return ServiceException.forbidden(QUOTA_EXCEEDED, "This change would take your files past your storage quota;"
                + " nothing was changed. Delete files to make room, or ask for a larger quota.", details);
    }

    /**
     * The new version's content, resolved and checked, with its executable bit: a change of the bit alone is a new
     * version (the same manifest, so no chunk is referenced anew).
     */
    private record Planned(Manifest manifest, long size, String contentHash, long mtime, boolean tombstone,
                           boolean executable, boolean link, boolean folder, String originalName) {}

    private Planned plan(CommitRequest r, String fileId, VersionRow parentRow, Manifest parentManifest) {
        Source s = r.source();
        if (s instanceof Source.Tombstone) {
            String profile = parentManifest == null ? ChunkingProfile.DEFAULT.name() : parentManifest.profile();
            return new Planned(Manifest.empty(profile), 0, EMPTY_SHA256, clock.millis(), true, false, false, false, null);
        }
        if (s instanceof Source.FromVersion f) {
            VersionRow source = getVersion(fileId, f.versionId())
                    .filter(v -> v.readableAt(clock.millis()))
                    .orElseThrow(() -> ServiceException.notFound("No such version of this file."));
            if (source.tombstone()) {
                throw ServiceException.badRequest("CANNOT_RESTORE_DELETION",
                        "That version is a deletion; restore a version with content.");
            }
            return new Planned(manifests.load(source), source.size(), source.contentHash(), source.mtime(), false,
                    source.executable(), source.link(), source.folder(), source.originalName());
        }
        Manifest m;
        if (s instanceof Source.Delta d) {
            if (parentManifest == null) {
                throw ServiceException.badRequest("DELTA_WITHOUT_PARENT", "A manifest delta needs a parent version.");
            }
            // Counted expanded, before it is applied: a delta of a few bytes can repeat a run of its parent.
            if (d.delta().expandedEntryCount() > settings.maxManifestChunks()) {
                throw ServiceException.tooLarge("TOO_MANY_CHUNKS",
                        "A file has at most " + settings.maxManifestChunks() + " chunks.");
            }
            try {
                m = d.delta().apply(parentManifest);
            } catch (ManifestFormatException e) {
                throw ServiceException.badRequest("INVALID_MANIFEST_DELTA",
                        "The manifest delta does not apply to the parent version.");
            }
        } else {
            m = ((Source.Full) s).manifest();
        }
        checkManifest(m, r.size());
        // An edit that does not name the original name keeps the parent's (a marked name stays explained).
        // The path's own name exactly drops it: the file here is spelled as the marked name now (its alias ended).
        String originalName = r.originalName() != null ? (isOwnName(r) ? null : r.originalName())
                : parentRow != null && !parentRow.tombstone() && !r.folder() ? parentRow.originalName() : null;
        long mtime = r.clientMtime() == CommitRequest.MTIME_UNKNOWN ? clock.millis() : r.clientMtime();
        return new Planned(m, r.size(), r.contentHash(), mtime, false, r.executable(), r.link(), r.folder(), originalName);
    }

    private void checkManifest(Manifest m, long size) {
        ChunkingProfile profile = ChunkingProfile.byName(m.profile()).orElseThrow(() -> ServiceException.badRequest(
                "UNKNOWN_PROFILE", "The manifest's chunking profile is not known to this service."));
        if (m.chunkCount() > settings.maxManifestChunks()) {
            throw ServiceException.tooLarge("TOO_MANY_CHUNKS",
                    "A file has at most " + settings.maxManifestChunks() + " chunks.");
        }
        if (m.totalSize() != size) {
            throw ServiceException.badRequest("SIZE_MISMATCH", "size does not equal the sum of the chunk sizes.");
        }
        Map<ChunkId, Integer> sizes = new HashMap<>();
        for (int i = 0; i < m.chunkCount(); i++) {
            if (m.size(i) > profile.maxSize()) {
                throw ServiceException.badRequest("CHUNK_TOO_LARGE", "A chunk is larger than the profile allows.");
            }
            Integer prior = sizes.putIfAbsent(m.id(i), m.size(i));
            if (prior != null && prior != m.size(i)) {
                throw ServiceException.badRequest("INCONSISTENT_CHUNK_SIZE", "One chunk id is given two sizes.");
            }
        }
    }

    private static Map<ChunkId, Integer> sizes(Manifest m) {
        Map<ChunkId, Integer> sizes = new HashMap<>();
        for (int i = 0; i < m.chunkCount(); i++) {
            sizes.putIfAbsent(m.id(i), m.size(i));
        }
        return sizes;
    }

    /** Chunks checked for a commit: how to pin the present ones, and the ones that are missing. */
    private record Verified(List<RefOps.Pin> pins, List<ChunkId> missing) {}

    /** Checks chunks the version adds: held by the owner with a usable row, or else verified by their object. */
    private Verified verify(Owner owner, Map<ChunkId, Integer> sizes, List<ChunkId> chunks) {
        if (chunks.isEmpty()) {
            return new Verified(List.of(), List.of());
        }
        Set<ChunkId> held;
        Map<ChunkId, ChunkRow> rows = new HashMap<>();
        BatchView view = VIEW.get();
        if (view != null && chunks.stream().allMatch(c -> view.held(c) != null && view.chunk(c) != null)) {
            held = new java.util.HashSet<>();
            for (ChunkId c : chunks) {
                if (view.held(c)) {
                    held.add(c);
                }
                view.chunk(c).ifPresent(i -> rows.put(c, ChunkRow.from(i)));
            }
        } else {
            held = holdings.held(owner, chunks);
            for (Item i : BatchReads.getAll(store, parallel, retry, Tables.CHUNKS,
                    chunks.stream().map(ChunkRow::key).toList())) {
                rows.put(ChunkId.parse(i.string(ChunkRow.ID)), ChunkRow.from(i));
            }
        }
        Set<String> ownPacks = ownSealedPacks(owner, chunks.stream().filter(c -> !held.contains(c)).map(rows::get)
                .filter(r -> r != null && r.packed()).map(ChunkRow::pack).collect(java.util.stream.Collectors.toSet()));
        Set<ChunkId> proven = PROVEN.get() == null ? Set.of() : PROVEN.get();
        List<Object> checked = parallel.map(chunks, c -> {
            ChunkRow row = rows.get(c);
            int size = sizes.get(c);
            boolean rowUsable = row != null && row.state() != ChunkRow.State.DELETING && (row.size() < 0 || row.size() == size);
            if (held.contains(c) && rowUsable && !row.damaged()) {
                return new RefOps.Pin(c, row.incarnation(), size, null);
            }
            if (rowUsable && !row.damaged() && row.packed() && row.size() == size && ownPacks.contains(row.pack())) {
                // Placed by a pack this owner uploaded and the service hashed chunk by chunk: that is its proof.
                return new RefOps.Pin(c, row.incarnation(), size, null);
            }
            if (rowUsable && !row.damaged() && row.size() == size && proven.contains(c)) {
                // Its verified bytes are stored elsewhere, and this owner's pack sealed in this request held them too
                // (hashed by the seal): the same proof, without a second upload of the chunk alone.
                return new RefOps.Pin(c, row.incarnation(), size, null);
            }
            if (held.contains(c) && rowUsable && row.packed()) {
                return c; // a damaged packed chunk heals only by a new upload, which places its row anew
            }
            if (held.contains(c) && rowUsable) {
                // Quarantined as damaged: referenced again only once its object is right (re-uploaded through a grant,
                // which asks holders for it); then the mark goes. Otherwise it is missing, and the client uploads it.
                Optional<BlobInfo> info = retry.call(() -> blobs.head(ChunkRow.objectKey(c)));
                if (!Quarantine.intact(c, size, info)) {
                    return c;
                }
                quarantine.clear(c, row.damagedAt());
                return new RefOps.Pin(c, row.incarnation(), size, null);
            }
            // Not held: verified by the object, and the object is looked at whether or not a row exists, so a refusal
            // takes the same work (and time) either way — nobody learns whether another tenant stores the chunk.
            Optional<BlobInfo> info = retry.call(() -> blobs.head(ChunkRow.objectKey(c)));
            if (!rowUsable || info.isEmpty() || info.get().size() != size || !c.base64().equals(info.get().sha256Base64())
                    || !owner.tag().equals(info.get().metadata().get(Limits.OWNER_METADATA))) {
                return c;
            }
            return new RefOps.Pin(c, row.incarnation(), size, info.get().versionId());
        });
        List<ChunkId> missing = new ArrayList<>();
        List<RefOps.Pin> pins = new ArrayList<>();
        for (Object o : checked) {
            if (o instanceof RefOps.Pin p) {
                pins.add(p);
            } else {
                missing.add((ChunkId) o);
            }
        }
        return new Verified(pins, missing);
    }

    /**
     * Of these packs, the SEALED ones this owner uploaded (one batch read per request, so the cost does not depend on
     * whose packs the chunks are in).
     */
    private Set<String> ownSealedPacks(Owner owner, Set<String> packs) {
        if (packs.isEmpty()) {
            return Set.of();
        }
        Set<String> own = new java.util.HashSet<>();
        BatchView view = VIEW.get();
        List<Item> read = new ArrayList<>();
        List<String> unread = new ArrayList<>();
        for (String p : packs) {
            Optional<Item> seen = view == null ? null : view.pack(p);
            if (seen == null) {
                unread.add(p);
            } else {
                seen.ifPresent(read::add);
            }
        }
        read.addAll(BatchReads.getAll(store, parallel, retry, Tables.CHUNKS, unread.stream().map(PackRow::key).toList()));
        for (Item i : read) {
            PackRow p = PackRow.from(i);
            if (p.state() == PackRow.State.SEALED && owner.tag().equals(p.ns())) {
                own.add(p.id());
            }
        }
        return own;
    }

    /** The rows a commit writes and what it answers, drafted once its chunks are known to be there. */
    private record Draft(VersionRow version, FileRow newFile, CommitResult result, long now) {}

    /** Places the manifest (a large one is written to the blob store) and drafts the version and file rows. */
    private Draft draft(CommitRequest r, FilePath path, Optional<FileRow> file, String fileId, String versionId, long seq,
                        String parent, String requestHash, Planned plan, List<ChunkId> added, boolean large) {
        Owner owner = r.owner();
        Manifest m = plan.manifest;
        long now = clock.millis();
        ManifestStore.Placement placement = manifests.place(fileId, versionId, m);
        VersionRow version = new VersionRow(fileId, versionId, owner.sub(), path.foldKey(), path.toString(), seq, parent,
                large ? VersionRow.State.PENDING : VersionRow.State.ACTIVE, placement.inline(), placement.key(),
                placement.hash(), m.chunkCount(), plan.size, plan.contentHash, plan.mtime, now, plan.tombstone,
                requestHash, large ? Long.valueOf(now + settings.pendingGrace().toMillis())
                        : plan.tombstone ? Long.valueOf(now + settings.retention().toMillis()) : null, plan.executable,
                plan.link, plan.folder, plan.originalName);
        // The version rate window: a new version with content counts in this hour's; a restore or a delete keeps it.
        long windowHour = file.map(FileRow::windowHour).orElse(0L);
        long windowCount = file.map(FileRow::windowCount).orElse(0L);
        if (isContent(r)) {
            windowCount = file.map(f -> f.versionsInHourOf(now)).orElse(0L) + 1;
            windowHour = now / FileRow.HOUR_MILLIS;
        }
        FileRow newFile = new FileRow(owner.sub(), path.foldKey(), path.toString(), fileId, versionId, seq, plan.size,
                plan.contentHash, plan.tombstone, plan.mtime, now, FileRow.changeKey(now, fileId), windowHour,
                windowCount, plan.executable, plan.link, plan.folder, plan.originalName, r.writer());
        CommitResult result = new CommitResult(Outcome.CREATED, VersionView.of(version.withState(VersionRow.State.ACTIVE)),
                m.chunkCount(), m.distinctIds().size(), added.size(), large);
        return new Draft(version, newFile, result, now);
    }

    static ServiceException missingChunks(List<ChunkId> missing) {
        List<String> listed = missing.stream().limit(MAX_LISTED_MISSING).map(ChunkId::hex).toList();
        Map<String, Object> details = new HashMap<>();
        details.put("missing", listed);
        details.put("missingCount", missing.size());
        return ServiceException.unprocessable("MISSING_CHUNKS",
                missing.size() + " chunk(s) are not stored for you or could not be verified; upload them and commit again.",
                details);
    }

    private CommitResult write(CommitRequest r, FilePath path, Optional<FileRow> file, String fileId, String versionId,
                               long seq, VersionRow parentRow, String requestHash, Planned plan, Manifest parentManifest,
                               boolean resuming, long deadline) {
        Owner owner = r.owner();
        String parent = parentRow == null ? null : parentRow.versionId();
        Usage.Counters usage = Usage.ofNewHead(parentRow, plan.size, plan.tombstone);
        Manifest m = plan.manifest;
        List<ChunkId> added = parentManifest == null ? List.copyOf(m.distinctIds())
                : ManifestDiff.between(parentManifest, m).added();
        Map<ChunkId, Integer> sizes = sizes(m);
        boolean large = added.size() > settings.smallCommitChunks() || resuming;
        if (!large) {
            QuotaGuard guard = quotaGuard(r, usage);
            Verified v = verify(owner, sizes, added);
            if (!v.missing().isEmpty()) {
                throw missingChunks(v.missing());
            }
            Draft d = draft(r, path, file, fileId, versionId, seq, parent, requestHash, plan, added, false);
            List<TxAction> actions = new ArrayList<>();
            actions.add(TxAction.put(Tables.VERSIONS, d.version().toItem(), notExists(VersionRow.FILE_ID)));
            actions.add(headCas(file, d.newFile(), parent));
            if (parent != null) {
                actions.add(supersede(fileId, parent, d.now()));
            }
            if (DEFER.get() != null) {
                // In a batch: written together with other small commits of the batch (CommitGroups).
                throw new Deferred(new CommitGroups.Prepared(owner, fileId, versionId, actions, usage, guard.seen(),
                        guard.quota(), guard.growth(), v.pins(),
                        d.version().manifest() == null ? 0 : d.version().manifest().length(), d.now(), d.result()));
            }
            int usageAction = actions.size();
            actions.add(Usage.change(owner, usage, guard.condition()));
            for (RefOps.Pin p : v.pins()) {
                actions.addAll(RefOps.pinActions(owner, fileId, versionId, p));
            }
            try {
                transactGated(() -> retry.run(() -> {
                    freshChangeKey(d.now());
                    store.transact(actions);
                }));
                return d.result();
            } catch (TransactionCancelledException e) {
                throw explain(e, usageAction, guard);
            }
        }
        VIEW.remove(); // a large commit writes as it goes, and reads for itself
        if (!resuming) {
            quotaGuard(r, usage); // refused before anything is verified or pinned; checked again at publish
        }
        // A large version is verified and pinned a slice at a time, and no slice starts once this request's time is
        // up (except the first, so that every request gets further): its HEADs are bounded like its pins. Going on
        // with a version an earlier attempt began, what that one pinned is skipped, neither verified nor pinned again.
        List<ChunkId> todo = resuming ? refs.notYetPinned(owner, fileId, versionId, added, parallel) : added;
        Draft d = resuming ? draft(r, path, file, fileId, versionId, seq, parent, requestHash, plan, added, true) : null;
        List<ChunkId> missing = new ArrayList<>();
        boolean stopped = false;
        for (int i = 0; i < todo.size(); i += COMMIT_SLICE_CHUNKS) {
            if (i > 0 && (clock.millis() >= deadline
                    || Deadline.current().remaining().compareTo(SLICE_RESERVE) < 0)) {
                stopped = true;
                break;
            }
            Verified v = verify(owner, sizes, todo.subList(i, Math.min(todo.size(), i + COMMIT_SLICE_CHUNKS)));
            missing.addAll(v.missing());
            if (!missing.isEmpty()) {
                continue; // pin nothing more; verify on, to list every missing chunk this request has time for
            }
            if (d == null) {
                d = draft(r, path, file, fileId, versionId, seq, parent, requestHash, plan, added, true);
                VersionRow pending = d.version();
                try {
                    retry.run(() -> store.put(Tables.VERSIONS, pending.toItem(), notExists(VersionRow.FILE_ID)));
                } catch (ConditionFailedException exists) {
                    throw new Race(); // a retry of this request got there first: replay it
                }
            }
            List<ChunkId> unusable;
            try {
                unusable = refs.pin(owner, fileId, versionId, v.pins(), parallel);
            } catch (RefOps.NotPending aborted) {
                throw new Race(); // rolled back meanwhile (by GC, past the pending grace): re-read
            }
            if (!unusable.isEmpty()) {
                rollback(d.version(), added);
                throw missingChunks(unusable);
            }
        }
        if (!missing.isEmpty()) {
            // Nothing was written if the first slice lacked chunks; otherwise the version stays PENDING with what is
            // pinned so far, and the same request, sent again once the chunks are uploaded, goes on from there.
            throw missingChunks(missing);
        }
        if (stopped) {
            // Out of this request's time: the version stays PENDING with what is pinned so far, and the same request
            // sent again goes on from there (a version nobody finishes is rolled back after the pending grace).
            throw ServiceException.unavailable("COMMIT_IN_PROGRESS", "This large commit is still being written; send the"
                    + " same request again to continue it.", Duration.ofSeconds(1), null);
        }
        VersionRow version = d.version();
        FileRow newFile = d.newFile();
        long now = d.now();
        CommitResult result = d.result();
        List<TxAction> publish = new ArrayList<>();
        publish.add(TxAction.update(Tables.VERSIONS, version.key(), Update.update()
                .set(VersionRow.STATE, VersionRow.State.ACTIVE.name())
                .remove(VersionRow.EXPIRE_AT).remove(VersionRow.EXP_SHARD), eq(VersionRow.STATE, VersionRow.State.PENDING.name())));
        if (plan.tombstone) {
            publish.set(0, TxAction.update(Tables.VERSIONS, version.key(), Update.update()
                    .set(VersionRow.STATE, VersionRow.State.ACTIVE.name())
                    .set(VersionRow.EXPIRE_AT, now + settings.retention().toMillis())
                    .set(VersionRow.EXP_SHARD, Tables.shardOf(fileId)), eq(VersionRow.STATE, VersionRow.State.PENDING.name())));
        }
        // The change feed position is taken now, at publish, not when the commit began: pinning a large version can
        // take longer than the feed's settle window, and a device polling meanwhile would move its cursor past an
        // earlier key before the file row appears — and never see the change.
        long publishedAt = clock.millis();
        FileRow published = newFile.publishedAt(publishedAt);
        publish.add(headCas(file, published, parent));
        if (parent != null) {
            publish.add(supersede(fileId, parent, now));
        }
        QuotaGuard guard;
        try {
            guard = quotaGuard(r, usage);
        } catch (ServiceException overQuota) {
            rollback(version, added);
            throw overQuota;
        }
        int usageAction = publish.size();
        publish.add(Usage.change(owner, usage, guard.condition()));
        try {
            transactGated(() -> retry.run(() -> {
                freshChangeKey(publishedAt);
                store.transact(publish);
            }));
            return result;
        } catch (TransactionCancelledException e) {
            if (e.conditionFailed(0)) {
                throw new Race(); // published by a retry of this request, or aborted by GC: re-read
            }
            if (!e.conditionFailed(1) && e.conditionFailed(usageAction)) {
                RuntimeException answer = explainQuota(guard, e.reasons().get(usageAction));
                if (answer instanceof ServiceException) {
                    rollback(version, added);
                }
                throw answer;
            }
            rollback(version, added);
            throw stale(file.flatMap(f -> getVersion(f.fileId(), currentHead(f))));
        }
    }

    private String currentHead(FileRow f) {
        return retry.call(() -> store.get(Tables.FILES, Key.of(f.owner(), f.pathKey()))).map(i -> i.string(FileRow.HEAD))
                .orElse(f.head());
    }

    /**
     * A change key older than this is not sent: the attempt starts over with a fresh one. So a change lands at most
     * this plus one store call (bounded by the call timeout and the invocation's deadline) after its key, well inside
     * the change feed's settle window ({@link ReadService#CHANGE_SETTLE}), and a reader's position can never have
     * passed it for good.
     */
    static final Duration CHANGE_KEY_MAX_AGE = Duration.ofSeconds(10);

    private void freshChangeKey(long keyMillis) {
        if (clock.millis() - keyMillis > CHANGE_KEY_MAX_AGE.toMillis()) {
            throw new Race();
        }
    }

    /** The head moves from {@code parent} to the new version, or the file is created. */
    private static TxAction headCas(Optional<FileRow> file, FileRow newFile, String parent) {
        if (file.isEmpty()) {
            return TxAction.put(Tables.FILES, newFile.toItem(), notExists(FileRow.OWNER));
        }
        return TxAction.put(Tables.FILES, newFile.toItem(),
                and(eq(FileRow.HEAD, parent), eq(FileRow.FILE_ID, newFile.fileId())));
    }

    /** The previous head becomes an ordinary version that expires after the retention period. */
    private TxAction supersede(String fileId, String parent, long now) {
        return TxAction.update(Tables.VERSIONS, VersionRow.key(fileId, parent), Update.update()
                        .set(VersionRow.SUPERSEDED_AT, now)
                        .set(VersionRow.EXPIRE_AT, now + settings.retention().toMillis())
                        .set(VersionRow.EXP_SHARD, Tables.shardOf(fileId)),
                and(exists(VersionRow.FILE_ID), eq(VersionRow.STATE, VersionRow.State.ACTIVE.name())));
    }

    /** Turns a cancelled small-commit transaction into the caller's answer. */
    private RuntimeException explain(TransactionCancelledException e, int usageAction, QuotaGuard guard) {
        if (e.conditionFailed(0)) {
            return new Race(); // our version exists: a retry of this request won; replay it
        }
        if (e.conditionFailed(1)) {
            return stale(e.reasons().get(1).currentItem().map(FileRow::from)
                    .flatMap(f -> getVersion(f.fileId(), f.head())));
        }
        if (e.conditionFailed(usageAction)) {
            return explainQuota(guard, e.reasons().get(usageAction));
        }
        // A chunk was marked by GC, or its row re-created by a new grant, since we read it: the next attempt
        // re-reads and re-verifies, and answers 422 for the chunks that are really gone.
        return new Race();
    }

    private ServiceException stale(Optional<VersionRow> head) {
        Map<String, Object> details = new HashMap<>();
        details.put("head", head.map(VersionView::of).orElse(null));
        return ServiceException.conflict("STALE_PARENT",
                "The file changed since your parent version; the current head is in 'head'.", details);
    }

    private CommitResult replay(CommitRequest r, VersionRow v, String requestHash, Optional<FileRow> file, FilePath path,
                                long deadline) {
        String parent = v.parent();
        if (!requestHash.equals(v.requestHash())) {
            throw ServiceException.unprocessable("IDEMPOTENCY_KEY_REUSED",
                    "This idempotency key was used for a different commit.", Map.of());
        }
        switch (v.state()) {
            case ACTIVE:
                return new CommitResult(Outcome.REPLAYED, VersionView.of(v), v.chunkCount(), -1, 0, false);
            case PENDING:
                // An earlier attempt wrote the version and died: finish it (every step is idempotent).
                String head = file.map(FileRow::head).orElse(null);
                Optional<VersionRow> parentRow = parent == null ? Optional.empty() : getVersion(v.fileId(), parent);
                if (!Objects.equals(head, parent) || (parent != null && parentRow.isEmpty())) {
                    rollback(v, null);
                    throw stale(file.flatMap(f -> getVersion(f.fileId(), f.head())));
                }
                Manifest parentManifest = parentRow.map(manifests::load).orElse(null);
                Planned plan = new Planned(manifests.load(v), v.size(), v.contentHash(), v.mtime(), v.tombstone(),
                        v.executable(), v.link(), v.folder(), v.originalName());
                return write(r, path, file, v.fileId(), v.versionId(), v.seq(), parentRow.orElse(null), requestHash,
                        plan, parentManifest, true, deadline);
            default:
                throw ServiceException.unavailable("COMMIT_ABORTED",
                        "An earlier attempt of this commit is being rolled back; retry shortly.", Duration.ofSeconds(5), null);
        }
    }

    private void rollback(VersionRow v, List<ChunkId> added) {
        unpublished.rollback(v, added);
    }

    private Optional<VersionRow> getVersion(String fileId, String versionId) {
        Key key = VersionRow.key(fileId, versionId);
        return read(Tables.VERSIONS, key, v -> v.version(key)).map(VersionRow::from);
    }

    static String deriveFileId(Owner owner, String pathKey, String idempotencyKey) {
        byte[] d = Sha256.newDigest().digest(("file\u0000" + owner.sub() + "\u0000" + pathKey + "\u0000" + idempotencyKey)
                .getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(d, 0, 16);
    }

    /** Identifies the request's meaning (not its retry): same key with another meaning is refused. */
    private static String requestHash(CommitRequest r, String pathKey) {
        StringBuilder sb = new StringBuilder().append(r.idempotencyKey()).append('\u0000').append(pathKey)
                .append('\u0000').append(r.parentVersion()).append('\u0000');
        Source s = r.source();
        if (s instanceof Source.Full f) {
            sb.append("full:").append(f.manifest().hash().hex()).append(':').append(r.size()).append(':').append(r.contentHash());
        } else if (s instanceof Source.Delta d) {
            sb.append("delta:").append(ChunkId.sha256(d.delta().encode()).hex()).append(':').append(r.size())
                    .append(':').append(r.contentHash());
        } else if (s instanceof Source.FromVersion f) {
            sb.append("restore:").append(f.versionId());
        } else {
            sb.append("delete");
        }
        if (r.executable() && isContent(r)) {
            sb.append(":x"); // only when set: the hash of every request from before the bit stays what it was
        }
        if (r.link() && isContent(r)) {
            sb.append(":link");
        }
        if (r.folder() && isContent(r)) {
            sb.append(":folder");
        }
        if (r.originalName() != null && isContent(r)) {
            sb.append(":name:").append(r.originalName());
        }
        return ChunkId.sha256(sb.toString().getBytes(StandardCharsets.UTF_8)).hex().substring(0, 32);
    }
}
