package dev.chunkvault.service.vault;

import dev.chunkvault.core.compress.ChunkCodec;
import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.core.delta.BlockSignature;
import dev.chunkvault.core.delta.Delta;
import dev.chunkvault.core.delta.DeltaApplier;
import dev.chunkvault.core.delta.DeltaException;
import dev.chunkvault.core.manifest.Manifest;
import dev.chunkvault.core.manifest.ManifestDelta;
import dev.chunkvault.core.pack.PackFormat;
import dev.chunkvault.core.paths.FilePath;
import dev.chunkvault.service.blob.BlobStore;
import dev.chunkvault.service.blob.Presigner;
import dev.chunkvault.service.error.ServiceException;
import dev.chunkvault.service.store.ItemStore;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Delta sync below chunk granularity (DESIGN.md §8).
 * <ul>
 *   <li>{@link #signatures}: a version's manifest (or a manifest delta against a version the caller names) and the
 *       rsync-style block signatures of the chunks the caller asks about, with presigned GETs for them — for a
 *       push (delta a new chunk against a stored one) or a pull (rebuild a chunk from local bytes, fetch only
 *       the missing ranges).</li>
 *   <li>{@link #deltaUpload}: rebuilds a new chunk from a stored base chunk the caller holds and a binary delta,
 *       checks its SHA-256, and stores it under the normal lifecycle (PENDING, tagged with the caller as if
 *       uploaded through their own grant). A rebuilt chunk of at most 1 MiB that compresses by 5 % or more is stored
 *       compressed, as a pack of one chunk of the caller's, sealed like any pack (docs/compression.md).</li>
 * </ul>
 */
public final class DeltaService {
    /** Signatures per request: each costs reading the chunk (up to 1 MiB). */
    public static final int MAX_SIGNATURES = 32;
    /** A delta larger than this is better sent as the chunk itself (API Gateway and Lambda limits). */
    public static final int MAX_DELTA_BYTES = 4 * 1024 * 1024;
    /** Deltas of one batch rebuilt at once (each reads its base, hashes and stores the result). */
    static final int BATCH_PARALLELISM = 4;

    /**
     * The bounds of one {@link #deltaUploadBatch}: at most {@code maxItems} deltas, whose headers declare at most
     * {@code maxRebuiltBytes} of rebuilt chunks in all (what the batch costs to read, hash and store within the
     * function's time). The body itself is bounded by the request's (Lambda's 6 MB payload).
     */
    public record BatchLimits(int maxItems, long maxRebuiltBytes) {
        public static final BatchLimits DEFAULTS = new BatchLimits(128, 64L << 20);

        public BatchLimits {
            if (maxItems < 1 || maxRebuiltBytes < Limits.MAX_CHUNK_SIZE) {
                throw new IllegalArgumentException("a delta batch takes at least one delta of the largest chunk");
            }
        }
    }

    private final ItemStore store;
    private final BlobStore blobs;
    private final Presigner presigner;
    private final Clock clock;
    private final Settings settings;
    private final Quarantine quarantine;
    private final ChunkReader chunkReader;
    private final Retry retry;
    private final ReadService reads;
    private final Holdings holdings;
    private final ManifestStore manifests;
    private final PackService packs;
    private final BatchLimits batchLimits;
    private final Parallel batchParallel;

    public DeltaService(ItemStore store, BlobStore blobs, Presigner presigner, Clock clock, Settings settings,
                        Parallel parallel, Retry retry) {
        this(store, blobs, presigner, clock, settings, parallel, retry, BatchLimits.DEFAULTS);
    }

    public DeltaService(ItemStore store, BlobStore blobs, Presigner presigner, Clock clock, Settings settings,
                        Parallel parallel, Retry retry, BatchLimits batchLimits) {
        this.batchLimits = java.util.Objects.requireNonNull(batchLimits, "batchLimits");
        // Its own pool: an item's work itself runs store calls on the shared one.
        this.batchParallel = parallel.separate(BATCH_PARALLELISM, "delta-batch");
        this.store = store;
        this.blobs = blobs;
        this.presigner = presigner;
        this.clock = clock;
        this.settings = settings;
        this.retry = retry;
        this.reads = new ReadService(store, blobs, presigner, clock, settings, retry);
        this.holdings = new Holdings(store, parallel, retry);
        this.manifests = new ManifestStore(blobs, settings, retry);
        this.quarantine = new Quarantine(store, clock, retry);
        this.chunkReader = new ChunkReader(store, blobs, retry);
        this.packs = new PackService(store, blobs, presigner, clock, settings, parallel, retry);
    }

    /** One chunk's block signature, with a presigned GET of the chunk (for ranged reads). */
    public record ChunkSignature(ChunkId id, int size, byte[] signature, ReadService.ChunkUrl get) {}

    /**
     * @param manifest      the version's manifest, when no {@code against} version was named
     * @param manifestDelta the version's manifest as a delta against {@code against}
     */
    public record Signatures(VersionView version, String against, Manifest manifest, ManifestDelta manifestDelta,
                             List<ChunkSignature> signatures) {}

    public Signatures signatures(Owner owner, String path, String versionId, String against, List<ChunkId> chunks) {
        if (chunks.size() > MAX_SIGNATURES) {
            throw ServiceException.tooLarge("TOO_MANY_CHUNKS", "At most " + MAX_SIGNATURES + " signatures per request.");
        }
        FilePath p = CommitService.parsePath(path);
        FileRow f = reads.fileRow(owner, p).orElseThrow(() -> ServiceException.notFound("No such file."));
        VersionRow v = reads.readableVersion(f, versionId == null ? f.head() : versionId);
        if (v.tombstone()) {
            throw ServiceException.notFound("That version is a deletion.");
        }
        Manifest m = manifests.load(v);
        ManifestDelta delta = null;
        if (against != null) {
            VersionRow base = reads.readableVersion(f, against);
            Manifest baseManifest = base.tombstone() ? Manifest.empty(m.profile()) : manifests.load(base);
            if (!baseManifest.profile().equals(m.profile())) {
                throw ServiceException.badRequest("PROFILE_CHANGED", "The versions were chunked differently; ask for the full manifest.");
            }
            delta = ManifestDelta.compute(baseManifest, m);
        }
        Set<ChunkId> inVersion = m.distinctIds();
        List<ChunkSignature> out = new ArrayList<>();
        for (ChunkId c : new LinkedHashSet<>(chunks)) {
            if (!inVersion.contains(c)) {
                throw ServiceException.badRequest("CHUNK_NOT_IN_VERSION", "A requested chunk is not part of this version.");
            }
            byte[] bytes = chunkBytes(c);
            out.add(new ChunkSignature(c, bytes.length, BlockSignature.compute(bytes).encode(), null));
        }
        List<ReadService.ChunkUrl> urls = reads.chunkUrls(out.stream().map(ChunkSignature::id).toList());
        for (int i = 0; i < out.size(); i++) {
            ChunkSignature sg = out.get(i);
            out.set(i, new ChunkSignature(sg.id(), sg.size(), sg.signature(), urls.get(i)));
        }
        return new Signatures(VersionView.of(v), against, delta == null ? m : null, delta, out);
    }

    /**
     * The stored bytes of a referenced chunk, checked against its id: a damaged object (gone, or other bytes) is never
     * used as a base; it is quarantined and the caller gets 422 {@link Quarantine#DAMAGED_CODE} (a client then sends
     * its chunk whole).
     */
    private byte[] chunkBytes(ChunkId c) {
        return checkedBytes(c, chunkReader.readChecked(c));
    }

    /** {@link #chunkBytes} of a chunk already read ({@code got}). */
    private byte[] checkedBytes(ChunkId c, ChunkReader.Checked got) {
        if (got.bytes().isEmpty()) {
            quarantine.markDamaged(c, got.pack(), got.packOffset());
            throw Quarantine.damaged(c);
        }
        return got.bytes().get();
    }

    /** What a delta upload did. */
    public record DeltaResult(ChunkId id, int size, boolean stored) {}

    /**
     * Rebuilds {@code target} from the stored chunk {@code base} and {@code encodedDelta}. The caller must hold the
     * base (it is part of one of their versions): anything else answers 404 exactly like a missing chunk. A wrong
     * result hash, a delta for another base, a malformed or oversize delta store nothing.
     */
    public DeltaResult deltaUpload(Owner owner, ChunkId base, ChunkId target, byte[] encodedDelta) {
        Delta delta = decoded(encodedDelta);
        if (!delta.baseId().equals(base) || !delta.targetId().equals(target)) {
            throw ServiceException.unprocessable("DELTA_MISMATCH",
                    "The delta was computed for another base or target chunk.", Map.of());
        }
        Rebuilt r = rebuild(owner, delta, holdings.held(owner, List.of(base)).contains(base),
                holdings.held(owner, List.of(target)).contains(target), null);
        if (r.done() != null) {
            return r.done();
        }
        return store(owner, r, storedCompressed(owner, r.packable() ? List.of(r) : List.of()));
    }

    /** One item of a {@link #deltaUploadBatch}: what it did, or why it was refused (exactly one is set). */
    public record BatchItem(DeltaResult result, RuntimeException error) {}

    /** The bounds this service holds a delta batch to. */
    public BatchLimits batchLimits() {
        return batchLimits;
    }

    /**
     * Many deltas (each a {@link Delta}'s encoding, whose header names its base and target) across files, each judged
     * and stored exactly as {@link #deltaUpload} would and independently of the others: an item that is malformed,
     * names a base the caller does not hold, or does not rebuild its target's SHA-256 is refused alone (its answer
     * says why) and stores nothing, while the others are stored. The batch is bounded as a whole first ({@link
     * BatchLimits}: the count, and the rebuilt bytes the headers declare), so an oversize batch changes nothing.
     */
    public List<BatchItem> deltaUploadBatch(Owner owner, List<byte[]> encoded) {
        if (encoded.size() > batchLimits.maxItems()) {
            throw ServiceException.tooLarge("TOO_MANY_DELTAS", "At most " + batchLimits.maxItems() + " deltas per batch.");
        }
        List<Delta.Header> headers = new ArrayList<>(encoded.size());
        Set<ChunkId> ids = new LinkedHashSet<>();
        long rebuilt = 0;
        for (byte[] e : encoded) {
            Delta.Header h = Delta.Header.read(e).orElse(null);
            headers.add(h);
            if (h != null) {
                rebuilt += Math.max(0, Math.min(h.targetLength(), Limits.MAX_CHUNK_SIZE + 1L));
                ids.add(h.baseId());
                ids.add(h.targetId());
            }
        }
        if (rebuilt > batchLimits.maxRebuiltBytes()) {
            throw ServiceException.tooLarge("DELTA_BATCH_TOO_LARGE", "The deltas of one batch rebuild at most "
                    + batchLimits.maxRebuiltBytes() + " bytes in all; send fewer at once.");
        }
        Set<ChunkId> held = ids.isEmpty() ? Set.of() : holdings.held(owner, new ArrayList<>(ids));
        // The rows of the bases to read, in batches: one GetItem per delta was a tenth of an update's store calls.
        Set<ChunkId> bases = new LinkedHashSet<>();
        for (Delta.Header h : headers) {
            if (h != null && held.contains(h.baseId()) && !held.contains(h.targetId())) {
                bases.add(h.baseId());
            }
        }
        Map<ChunkId, ChunkRow> baseRows = chunkReader.rows(bases, batchParallel);
        List<Integer> order = new ArrayList<>(encoded.size());
        for (int i = 0; i < encoded.size(); i++) {
            order.add(i);
        }
        // Rebuilt and checked each on its own (a refusal is its item's alone); the rebuilt chunks that compress are then
        // stored together, in as few packs as their size allows (a pack's declaration, write and seal shared by many,
        // not one each), and the rest each as a chunk object, as before.
        List<Object> outcomes = batchParallel.map(order, i -> {
            try {
                if (headers.get(i) == null) {
                    throw ServiceException.badRequest("MALFORMED_DELTA", "The delta is not a valid Chunkvault delta.");
                }
                Delta delta = decoded(encoded.get(i));
                return (Object) rebuild(owner, delta, held.contains(delta.baseId()), held.contains(delta.targetId()),
                        baseRows);
            } catch (RuntimeException refused) {
                return refused;
            }
        });
        List<Rebuilt> packable = new ArrayList<>();
        for (Object o : outcomes) {
            if (o instanceof Rebuilt r && r.done() == null && r.packable()) {
                packable.add(r);
            }
        }
        Map<Rebuilt, Packed> packed = new java.util.IdentityHashMap<>();
        for (List<Rebuilt> group : packGroups(packable)) {
            Packed p;
            try {
                p = new Packed(storedCompressed(owner, group), null);
            } catch (RuntimeException failed) {
                p = new Packed(Set.of(), failed); // each of the pack's deltas answers what stopped it
            }
            for (Rebuilt r : group) {
                packed.put(r, p);
            }
        }
        return batchParallel.map(order, i -> {
            Object o = outcomes.get(i);
            try {
                if (o instanceof RuntimeException refused) {
                    throw refused;
                }
                Rebuilt r = (Rebuilt) o;
                if (r.done() != null) {
                    return new BatchItem(r.done(), null);
                }
                Packed p = packed.getOrDefault(r, new Packed(Set.of(), null));
                if (p.failed() != null) {
                    throw p.failed();
                }
                return new BatchItem(store(owner, r, p.placed()), null);
            } catch (RuntimeException refused) {
                return new BatchItem(null, refused);
            }
        });
    }

    /** What became of a shared pack: the chunks its seal placed, or what stopped it. */
    private record Packed(Set<ChunkId> placed, RuntimeException failed) {}

    /** Plain bytes of the rebuilt chunks one shared pack holds at most (a pack's own bounds are far above it). */
    static final long SHARED_PACK_PLAIN_BYTES = 8L << 20;

    /**
     * The packs {@code packable} goes in, in order: each at most {@link #SHARED_PACK_PLAIN_BYTES} plain (a chunk larger
     * than that alone) and {@link PackFormat#MAX_CHUNKS} chunks, a large chunk ({@link PackFormat#large}) alone, a
     * target that two deltas rebuild once.
     */
    private static List<List<Rebuilt>> packGroups(List<Rebuilt> packable) {
        List<List<Rebuilt>> groups = new ArrayList<>();
        List<Rebuilt> current = new ArrayList<>();
        Set<ChunkId> inCurrent = new java.util.HashSet<>();
        long plain = 0;
        for (Rebuilt r : packable) {
            boolean large = PackFormat.large(r.stored().bytes().length, r.bytes().length);
            if (inCurrent.contains(r.target()) && !large) {
                current.add(r); // the same chunk again: stored once, placed for both
                continue;
            }
            if (!current.isEmpty() && (large || plain + r.bytes().length > SHARED_PACK_PLAIN_BYTES
                    || inCurrent.size() >= PackFormat.MAX_CHUNKS || holdsLarge(current))) {
                groups.add(current);
                current = new ArrayList<>();
                inCurrent = new java.util.HashSet<>();
                plain = 0;
            }
            current.add(r);
            inCurrent.add(r.target());
            plain += r.bytes().length;
        }
        if (!current.isEmpty()) {
            groups.add(current);
        }
        return groups;
    }

    private static boolean holdsLarge(List<Rebuilt> group) {
        return group.size() == 1 && PackFormat.large(group.get(0).stored().bytes().length, group.get(0).bytes().length);
    }

    /** A delta decoded within the bounds of one upload. */
    private static Delta decoded(byte[] encodedDelta) {
        if (encodedDelta.length > MAX_DELTA_BYTES) {
            throw ServiceException.tooLarge("DELTA_TOO_LARGE", "A delta is at most " + MAX_DELTA_BYTES + " bytes; upload the chunk instead.");
        }
        try {
            return Delta.decode(encodedDelta, Limits.MAX_CHUNK_SIZE);
        } catch (DeltaException e) {
            throw deltaError(e);
        }
    }

    /**
     * A delta's target, rebuilt and checked: {@code done} when there is nothing to store (the caller holds it already),
     * else its bytes, and {@code stored}: their compressed form when they compress and may go in a pack (else null).
     */
    private record Rebuilt(ChunkId target, DeltaResult done, byte[] bytes, ChunkCodec.Stored stored) {
        boolean packable() {
            return stored != null;
        }
    }

    /**
     * Rebuilds {@code delta}'s target from its base, checked against its SHA-256. {@code baseHeld}: the caller holds the
     * base (else 404, exactly like a missing chunk); {@code targetHeld}: the caller already holds the target (nothing
     * to do). {@code baseRows}: the rows of the batch's bases as it read them (null: the base's row is read here).
     */
    private Rebuilt rebuild(Owner owner, Delta delta, boolean baseHeld, boolean targetHeld, Map<ChunkId, ChunkRow> baseRows) {
        ChunkId base = delta.baseId();
        ChunkId target = delta.targetId();
        if (!baseHeld) {
            throw ServiceException.notFound("No such chunk among your files.");
        }
        if (targetHeld) {
            return new Rebuilt(target, new DeltaResult(target, delta.targetLength(), false), null, null);
        }
        byte[] rebuilt;
        try {
            byte[] baseBytes = baseRows == null ? chunkBytes(base) : checkedBytes(base, chunkReader.readChecked(base, baseRows.get(base)));
            rebuilt = DeltaApplier.apply(baseBytes, delta, Limits.MAX_CHUNK_SIZE);
        } catch (DeltaException e) {
            throw deltaError(e);
        }
        // A large-file chunk (1–8 MiB) that compresses is a one-entry pack too, as a client sends it.
        ChunkCodec.Stored stored = rebuilt.length == 0 || rebuilt.length > PackFormat.MAX_LARGE_CHUNK_BYTES ? null
                : ChunkCodec.encode(rebuilt);
        return new Rebuilt(target, null, rebuilt, stored != null && stored.compressed() ? stored : null);
    }

    /**
     * Stores a rebuilt target: done if a pack placed it ({@code placed}), else written raw as a chunk object of its own,
     * as before packs.
     */
    private DeltaResult store(Owner owner, Rebuilt r, Set<ChunkId> placed) {
        if (!placed.contains(r.target())) {
            ensurePendingRow(r.target());
            retry.run(() -> blobs.put(ChunkRow.objectKey(r.target()), r.bytes(), Map.of(Limits.OWNER_METADATA, owner.tag())));
        }
        return new DeltaResult(r.target(), r.bytes().length, true);
    }

    /**
     * Stores rebuilt chunks compressed, in one pack declared, written and sealed for the caller through the same steps
     * as an uploaded pack (so the seal decodes and hashes each, places its row, and the caller's commit finds it in a
     * sealed pack of theirs). Returns the chunks the seal placed; one it did not place (its verified bytes are stored
     * elsewhere, or it is being collected) is stored raw by {@link #store}, which answers those as it always has. A pack
     * left with nothing placed is collected as an empty one.
     */
    private Set<ChunkId> storedCompressed(Owner owner, List<Rebuilt> group) {
        if (group.isEmpty()) {
            return Set.of();
        }
        PackFormat.Builder b = new PackFormat.Builder();
        for (Rebuilt r : group) {
            b.add(r.target(), r.stored());
        }
        byte[] pack = b.finish();
        PackService.Declared d = packs.declare(owner, ChunkId.sha256(pack), pack.length, b.entries());
        retry.run(() -> blobs.put(PackRow.objectKey(d.packId()), pack, Map.of(Limits.OWNER_METADATA, owner.tag())));
        PackService.Sealed sealed = packs.seal(owner, d.packId());
        Set<ChunkId> placed = new java.util.HashSet<>();
        group.forEach(r -> placed.add(r.target()));
        sealed.uploads().forEach(u -> placed.remove(u.id()));
        sealed.retry().forEach(l -> placed.remove(l.id()));
        return placed;
    }

    /**
     * The chunk row the normal lifecycle needs before its object is written: created PENDING (in the gc index)
     * if absent, else its grant time refreshed — refused while the chunk is being collected.
     */
    private void ensurePendingRow(ChunkId id) {
        java.util.Optional<Duration> wait = retry.call(() -> UploadService.grantWrite(store, clock, settings, id));
        if (wait.isPresent()) {
            throw ServiceException.unavailable("CHUNK_BEING_COLLECTED",
                    "That chunk is being garbage-collected; send it again shortly.", wait.get(), null);
        }
    }

    private static ServiceException deltaError(DeltaException e) {
        return switch (e.reason()) {
            case TOO_LARGE -> ServiceException.tooLarge("DELTA_RESULT_TOO_LARGE", "The rebuilt chunk would exceed the largest chunk size.");
            case TARGET_MISMATCH -> ServiceException.unprocessable("DELTA_TARGET_MISMATCH",
                    "The rebuilt chunk does not have the expected SHA-256; nothing was stored.", Map.of());
            case BASE_MISMATCH -> ServiceException.unprocessable("DELTA_BASE_MISMATCH",
                    "The delta does not fit the base chunk; nothing was stored.", Map.of());
            default -> ServiceException.badRequest("MALFORMED_DELTA", "The delta is not a valid Chunkvault delta.");
        };
    }
}
