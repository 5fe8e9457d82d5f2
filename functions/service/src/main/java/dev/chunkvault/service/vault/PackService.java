package dev.chunkvault.service.vault;

import static dev.chunkvault.service.store.Condition.and;
import static dev.chunkvault.service.store.Condition.eq;
import static dev.chunkvault.service.store.Condition.exists;
import static dev.chunkvault.service.store.Condition.in;
import static dev.chunkvault.service.store.Condition.ne;
import static dev.chunkvault.service.store.Condition.notExists;

import dev.chunkvault.core.compress.ChunkCodec;
import dev.chunkvault.core.compress.EncodingException;
import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.core.pack.PackFormat;
import dev.chunkvault.core.pack.PackFormatException;
import dev.chunkvault.service.blob.BlobStore;
import dev.chunkvault.service.blob.PresignedRequest;
import dev.chunkvault.service.blob.Presigner;
import dev.chunkvault.service.error.ServiceException;
import dev.chunkvault.service.store.Binary;
import dev.chunkvault.service.store.Condition;
import dev.chunkvault.service.store.ConditionFailedException;
import dev.chunkvault.service.store.Item;
import dev.chunkvault.service.store.ItemStore;
import dev.chunkvault.service.store.TransactionCancelledException;
import dev.chunkvault.service.store.TxAction;
import dev.chunkvault.service.store.Update;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Packs of small chunks (docs/design-packs.md): one object holds many chunks, one presigned PUT sends them, and the
 * service hashes every chunk in it before any commit may reference one.
 * <ol>
 *   <li>{@link #declare}: the pack's SHA-256, size and index are checked and written as a PENDING pack row under a
 *       random id; the answer is one presigned PUT of {@code packs/<id>} signing that checksum and length.</li>
 *   <li>The client PUTs the object.</li>
 *   <li>{@link #seal}: the service reads the object, checks it is the declared one, and hashes each chunk's range.
 *       Any mismatch rejects the whole pack (422 {@code PACK_DAMAGED}) and nothing else is written. Otherwise each
 *       chunk's row is placed at its range — created, or moved there if it had no verified bytes (a grant's row) or
 *       only damaged ones — together with the pack's live count, in one transaction per up to 99 chunks; a chunk whose
 *       verified bytes are already stored elsewhere keeps its row, and the uploader is asked to send it alone (so that
 *       it proves it has the bytes the usual way); a chunk being collected is asked for again later.</li>
 * </ol>
 * A commit by the pack's uploader then verifies a placed chunk by its row alone: the row is in a SEALED pack of this
 * uploader, whose bytes the service hashed. Nothing about anyone else's chunks is revealed: the pack id is random,
 * and a chunk stored by someone else is answered like a chunk the caller must prove.
 */
public final class PackService {
    /**
     * A declared pack: its id and the one PUT that uploads it; or, for a declaration made {@code unlessHeld} that
     * names chunks the caller holds, only those ({@code have}), and no pack.
     */
    public record Declared(String packId, PresignedRequest upload, List<ChunkId> have) {
        public Declared(String packId, PresignedRequest upload) {
            this(packId, upload, List.of());
        }

        /** Whether a pack was declared (else {@link #have} lists the chunks to leave out of it). */
        public boolean declared() {
            return packId != null;
        }
    }

    /**
     * A sealed pack: how many of its chunks it holds for the caller, the chunks to send alone (their verified bytes are
     * stored elsewhere), and the chunks to ask for again later (being collected). {@code verifyNanos} is the time this
     * seal spent verifying the object (read excluded: the pack's SHA-256, then each entry decoded and hashed), 0 when it
     * was sealed already, for the functions' metrics; {@code verifiedBytes} the stored bytes it verified.
     */
    public record Sealed(String packId, int placed, List<UploadService.Upload> uploads, List<UploadService.Later> retry,
                         long verifyNanos, long verifiedBytes) {
        public Sealed(String packId, int placed, List<UploadService.Upload> uploads, List<UploadService.Later> retry) {
            this(packId, placed, uploads, retry, 0, 0);
        }

        Sealed verified(long nanos, long bytes) {
            return new Sealed(packId, placed, uploads, retry, nanos, bytes);
        }
    }

    /** Chunk placements per transaction, with the pack's own update as the hundredth action. */
    static final int PLACEMENTS_PER_TRANSACTION = ItemStore.MAX_TRANSACTION_ACTIONS - 1;
    static final String DAMAGED_CODE = "PACK_DAMAGED";
    private static final int MAX_LISTED_DAMAGED = 20;

    private final ItemStore store;
    private final BlobStore blobs;
    private final Presigner presigner;
    private final Clock clock;
    private final Settings settings;
    private final Parallel parallel;
    private final Retry retry;
    private final PackIds ids;
    private final Holdings holdings;
    private final SealLimits limits;

    /**
     * The bounds on the plain bytes seals decode (docs/compression.md, "The seal's bound on plain bytes"); the wiring
     * sets them, tests may lower them.
     *
     * @param maxPackPlainBytes           plain bytes one pack may declare (its entries' {@code plainLength} together):
     *                                    more is 413 {@code PACK_PLAIN_TOO_LARGE} at the declaration, nothing written
     * @param maxSealPlainBytesPerRequest plain bytes one request may decode to seal packs ({@link #sealAll}): the packs
     *                                    past it are answered 413 {@code SEAL_DEFERRED}, unread and still PENDING, to
     *                                    be sealed by another request; at least {@code maxPackPlainBytes}, so that
     *                                    any pack fits a request of its own
     */
    public record SealLimits(long maxPackPlainBytes, long maxSealPlainBytesPerRequest) {
        public static final SealLimits DEFAULTS = new SealLimits(PackFormat.MAX_PACK_PLAIN_BYTES,
                MAX_SEAL_PLAIN_BYTES_PER_REQUEST);

        public SealLimits {
            if (maxPackPlainBytes < 1 || maxSealPlainBytesPerRequest < maxPackPlainBytes) {
                throw new IllegalArgumentException("a pack's plain bytes must be positive and fit one request's");
            }
        }
    }

    public PackService(ItemStore store, BlobStore blobs, Presigner presigner, Clock clock, Settings settings,
                       Parallel parallel, Retry retry) {
        this(store, blobs, presigner, clock, settings, parallel, retry, PackIds.secure());
    }

    public PackService(ItemStore store, BlobStore blobs, Presigner presigner, Clock clock, Settings settings,
                       Parallel parallel, Retry retry, PackIds ids) {
        this(store, blobs, presigner, clock, settings, parallel, retry, ids, SealLimits.DEFAULTS);
    }

    public PackService(ItemStore store, BlobStore blobs, Presigner presigner, Clock clock, Settings settings,
                       Parallel parallel, Retry retry, PackIds ids, SealLimits limits) {
        this.ids = ids;
        this.limits = limits;
        this.holdings = new Holdings(store, parallel, retry);
        this.store = store;
        this.blobs = blobs;
        this.presigner = presigner;
        this.clock = clock;
        this.settings = settings;
        this.parallel = parallel;
        this.retry = retry;
    }

    /** Declares a pack of {@code size} bytes whose SHA-256 is {@code sha256} and whose chunks are {@code entries}. */
    public Declared declare(Owner owner, ChunkId sha256, long size, List<PackFormat.Entry> entries) {
        return declare(owner, sha256, size, entries, false);
    }

    /**
     * Declares a pack, as {@link #declare(Owner, ChunkId, long, List)}. With {@code unlessHeld} the declaration also
     * answers the upload grant's question for its chunks: if the caller already holds some of them (intact), nothing
     * is declared or written and the answer lists those, for the caller to build the pack again without them. So a
     * client may send small chunks straight to a pack, without asking for grants first, and still never uploads what
     * it holds. Only the caller's own holdings are looked at, as for grants.
     */
    public Declared declare(Owner owner, ChunkId sha256, long size, List<PackFormat.Entry> entries, boolean unlessHeld) {
        try {
            PackFormat.check(entries, size);
        } catch (PackFormatException e) {
            throw ServiceException.badRequest("INVALID_PACK", e.getMessage());
        }
        if (PackFormat.plainBytes(entries) > limits.maxPackPlainBytes()) {
            throw plainTooLarge();
        }
        if (unlessHeld) {
            Set<ChunkId> held = holdings.heldIntact(owner, entries.stream().map(PackFormat.Entry::id).toList());
            if (!held.isEmpty()) {
                return new Declared(null, null, entries.stream().map(PackFormat.Entry::id).filter(held::contains).toList());
            }
        }
        String packId = ids.get();
        long now = clock.millis();
        Item.Builder b = Item.builder().set(ChunkRow.ID, PackRow.KEY_PREFIX + packId)
                .set(PackRow.STATE, PackRow.State.PENDING.name()).set(PackRow.SIZE, size).set(PackRow.NS, owner.tag())
                .set(PackRow.SHA256, sha256.hex()).set(PackRow.INDEX, Binary.wrap(PackFormat.encodeIndex(entries)))
                .set(PackRow.LIVE_CHUNKS, 0L).set(PackRow.LIVE_BYTES, 0L).set(PackRow.CREATED_AT, now)
                .set(PackRow.GC_SHARD, Tables.shardOf(packId)).set(PackRow.GC_AT, now);
        Item row = withFormat(b, PackFormat.formatOf(entries)).build();
        putNewPackRow(store, retry, row, packId);
        PresignedRequest put = presigner.presignPut(PackRow.objectKey(packId), size, sha256.base64(),
                Map.of(Limits.OWNER_METADATA, owner.tag()), settings.uploadUrlTtl());
        return new Declared(packId, put);
    }

    /** The pack row's format attribute, written only for format 2 (a row without it is format 1). */
    static Item.Builder withFormat(Item.Builder row, int format) {
        return format == 1 ? row : row.set(PackRow.FORMAT, (long) format);
    }

    /**
     * Writes a new pack's row under its random id. A retried put whose first attempt landed finds its own row (same
     * uploader and checksum) and goes on; any other row under the id is not ours to write over
     * ({@link ConditionFailedException}).
     */
    static void putNewPackRow(ItemStore store, Retry retry, Item row, String packId) {
        retry.run(() -> {
            try {
                store.put(Tables.CHUNKS, row, notExists(ChunkRow.ID));
            } catch (ConditionFailedException exists) {
                Item found = store.get(Tables.CHUNKS, PackRow.key(packId)).orElseThrow(() -> exists);
                if (!java.util.Objects.equals(row.string(PackRow.NS), found.string(PackRow.NS))
                        || !java.util.Objects.equals(row.string(PackRow.SHA256), found.string(PackRow.SHA256))) {
                    throw exists;
                }
            }
        });
    }

    /** Verifies an uploaded pack and places its chunks (see the class comment). Retrying a seal answers the same. */
    public Sealed seal(Owner owner, String packId) {
        return seal(owner, packId, BatchSeals.none());
    }

    /**
     * As {@link #seal(Owner, String)}, for a commit batch: adds to {@code seals} the chunk rows it created, as written,
     * and leaves to the batch's commits the new rows of the chunks {@code seals} names deferrable.
     */
    private Sealed seal(Owner owner, String packId, BatchSeals seals) {
        PackRow pack = ownPack(owner, packId);
        long verifyNanos = 0;
        switch (pack.state()) {
            case REJECTED -> throw damaged(List.of(), 0);
            case DELETING -> throw expired();
            case PENDING -> {
                if (PackFormat.plainBytes(pack.entries()) > limits.maxPackPlainBytes()) {
                    throw plainTooLarge(); // declared before the bound: left unread, collected as never sealed
                }
                verifyNanos = verify(pack);
            }
            case SEALED -> { }
        }
        Sealed sealed = place(owner, pack, pack.entries(), seals);
        if (verifyNanos > 0) {
            sealed = sealed.verified(verifyNanos, pack.size());
        }
        if (pack.state() == PackRow.State.PENDING) {
            try {
                retry.run(() -> store.update(Tables.CHUNKS, PackRow.key(packId), Update.update()
                                .set(PackRow.STATE, PackRow.State.SEALED.name()).set(PackRow.SEALED_AT, clock.millis()),
                        in(PackRow.STATE, PackRow.State.PENDING.name(), PackRow.State.SEALED.name())));
            } catch (ConditionFailedException collected) {
                throw expired();
            }
        }
        return sealed;
    }

    /** Packs one request may seal besides its other work ({@link #sealAll}): a commit batch's. */
    public static final int MAX_SEALS_PER_REQUEST = 4;
    /**
     * Declared bytes of the packs one request may read to seal them ({@link #sealAll}): 32 MiB read and hashed one
     * pack at a time (at most {@link PackFormat#MAX_PACK_BYTES} in memory) is well under a second of a Lambda's 29 s.
     */
    public static final long MAX_SEAL_BYTES_PER_REQUEST = 32L << 20;
    /**
     * Plain bytes one request may decode and hash to seal packs ({@link #sealAll}), by default: the declared stored
     * bytes alone do not bound it (a 16 MiB pack of very compressible entries may declare far more). 256 MiB is about
     * 0.5–0.8 CPU s of verification at the rates measured (docs/compression.md), a few seconds on a fraction of a vCPU:
     * well inside the 29 s budget, beside the batch's commits.
     */
    public static final long MAX_SEAL_PLAIN_BYTES_PER_REQUEST = 256L << 20;
    static final String DEFERRED_CODE = "SEAL_DEFERRED";

    /** One pack's seal within a request: what {@link #seal} answered, or the error it refused this pack with. */
    public record SealItem(String packId, Sealed sealed, ServiceException error) {}

    /**
     * Seals several packs, each exactly as {@link #seal} (the same verification and placement), one at a time, in
     * order. A pack's own refusal (unknown, damaged, not uploaded, collected) is its item's error and does not stop
     * the others; a failure of the service itself (unavailable, throttled) ends the request, which may be retried
     * whole (a seal answers the same again). At most {@link #MAX_SEALS_PER_REQUEST} packs, and the packs still to be
     * read (PENDING) at most {@link #MAX_SEAL_BYTES_PER_REQUEST} declared bytes: more is 413 before anything is read.
     * The plain bytes the seals decode are bounded too ({@link SealLimits#maxSealPlainBytesPerRequest}), by deferring
     * rather than refusing: the PENDING packs are sealed in order while their declared plain bytes fit the request's
     * budget (the first always does: a pack's own plain bytes are bounded at its declaration); each one past it is
     * answered 413 {@code SEAL_DEFERRED}, unread and unchanged (PENDING), for the caller to seal by another request —
     * nothing of it is lost, and the batch's other packs and commits go on.
     */
    public List<SealItem> sealAll(Owner owner, List<String> packIds) {
        return sealAll(owner, packIds, BatchSeals.none());
    }

    /**
     * As {@link #sealAll(Owner, List)}, for a commit batch ({@link CommitBatches}, {@link BatchSeals}): adds to
     * {@code seals} the chunk rows the seals that succeeded created, each as its transaction wrote it, and leaves to the
     * batch's commits the new rows of the deferrable chunks that are in one of these packs only (counted as placed in
     * the answers; {@link #placeDeferred} places what the commits did not).
     */
    List<SealItem> sealAll(Owner owner, List<String> packIds, BatchSeals seals) {
        if (packIds.size() > MAX_SEALS_PER_REQUEST) {
            throw ServiceException.tooLarge("TOO_MANY_SEALS", "At most " + MAX_SEALS_PER_REQUEST + " packs to seal per request.");
        }
        if (new HashSet<>(packIds).size() != packIds.size()) {
            throw ServiceException.badRequest("DUPLICATE_PACK", "Name each pack to seal once.");
        }
        List<dev.chunkvault.service.store.Key> keys = packIds.stream().filter(PackRow::isValidId).map(PackRow::key).toList();
        long toRead = 0;
        Map<String, Long> plainToRead = new HashMap<>();
        Map<ChunkId, Integer> packsOf = new HashMap<>();
        for (Item i : BatchReads.getAll(store, parallel, retry, Tables.CHUNKS, keys)) {
            PackRow p = PackRow.from(i);
            p.entries().stream().map(PackFormat.Entry::id).distinct().forEach(c -> packsOf.merge(c, 1, Integer::sum));
            if (p.state() == PackRow.State.PENDING && owner.tag().equals(p.ns())) {
                toRead += p.size();
                long plain = PackFormat.plainBytes(p.entries());
                if (plain <= limits.maxPackPlainBytes()) { // else refused by its seal, unread
                    plainToRead.put(p.id(), plain);
                }
            }
        }
        if (toRead > MAX_SEAL_BYTES_PER_REQUEST) {
            throw ServiceException.tooLarge("TOO_MANY_SEAL_BYTES", "At most " + MAX_SEAL_BYTES_PER_REQUEST
                    + " bytes of packs to seal per request; seal the others on their own.");
        }
        // A chunk in two of these packs is left to no commit: which pack's range it takes stays the seals' business.
        BatchSeals scope = new BatchSeals(seals.deferrable.stream().filter(c -> packsOf.getOrDefault(c, 0) == 1)
                .collect(java.util.stream.Collectors.toSet()));
        List<SealItem> out = new ArrayList<>(packIds.size());
        long plainBudget = limits.maxSealPlainBytesPerRequest();
        for (String packId : packIds) {
            long plain = plainToRead.getOrDefault(packId, 0L);
            if (plain > plainBudget) {
                out.add(new SealItem(packId, null, deferred()));
                continue;
            }
            plainBudget -= plain; // spent whether the pack proves sound or damaged: it is decoded either way
            try {
                BatchSeals one = new BatchSeals(scope.deferrable);
                out.add(new SealItem(packId, seal(owner, packId, one), null));
                seals.created.putAll(one.created); // only a seal that succeeded hands its rows on
                seals.deferred.putAll(one.deferred);
                seals.packs.putAll(one.packs);
            } catch (ServiceException e) {
                if (e.isServiceTrouble()) {
                    throw e; // the service's own trouble: the whole request is retried
                }
                out.add(new SealItem(packId, null, e));
            }
        }
        return out;
    }

    private ServiceException plainTooLarge() {
        return ServiceException.tooLarge("PACK_PLAIN_TOO_LARGE", "A pack's chunks may declare at most "
                + limits.maxPackPlainBytes() + " plain bytes together; put fewer chunks in each pack.");
    }

    private ServiceException deferred() {
        return ServiceException.tooLarge(DEFERRED_CODE, "Not sealed in this request: its plain bytes do not fit what one"
                + " request may verify after the packs before it. It is unchanged: seal it by POST /v1/packs/seal or in"
                + " another batch.");
    }

    private PackRow ownPack(Owner owner, String packId) {
        if (!PackRow.isValidId(packId)) {
            throw ServiceException.notFound("No such pack.");
        }
        return retry.call(() -> store.get(Tables.CHUNKS, PackRow.key(packId))).map(PackRow::from)
                .filter(p -> owner.tag().equals(p.ns()))
                .orElseThrow(() -> ServiceException.notFound("No such pack."));
    }

    /**
     * Reads the object and checks it is the declared pack, chunk by chunk; a pack that is not is REJECTED. Answers the
     * nanoseconds the checks took once the object was read (at least 1).
     */
    private long verify(PackRow pack) {
        Optional<byte[]> got = retry.call(() -> blobs.get(PackRow.objectKey(pack.id())));
        if (got.isEmpty()) {
            throw ServiceException.conflict("PACK_NOT_UPLOADED", "The pack has not been uploaded yet.", Map.of());
        }
        long started = System.nanoTime();
        byte[] bytes = got.get();
        List<PackFormat.Entry> entries = pack.entries();
        if (bytes.length != pack.size() || !ChunkId.sha256(bytes).equals(pack.sha256())
                || formatOf(bytes) != pack.format() || !Arrays.equals(trailingIndex(bytes), pack.index())) {
            reject(pack);
            throw damaged(List.of(), entries.size());
        }
        List<ChunkId> bad = new ArrayList<>();
        for (PackFormat.Entry e : entries) {
            if (!holds(bytes, e)) {
                bad.add(e.id());
            }
        }
        if (!bad.isEmpty()) {
            reject(pack);
            throw damaged(bad, bad.size());
        }
        return Math.max(1, System.nanoTime() - started);
    }

    /**
     * Whether the entry's range of the pack holds its chunk: raw bytes that hash to its id, or compressed bytes that
     * decode to exactly its declared plain length (never more: a decompression bomb stops there) and hash to its id.
     */
    static boolean holds(byte[] pack, PackFormat.Entry e) {
        if (!e.compressed()) {
            return ChunkId.sha256(pack, e.offset(), e.length()).equals(e.id());
        }
        try {
            return ChunkId.sha256(ChunkCodec.decode(e.encoding(), pack, e.offset(), e.length(), e.plainLength())).equals(e.id());
        } catch (EncodingException notItsBytes) {
            return false;
        }
    }

    private static byte[] trailingIndex(byte[] bytes) {
        try {
            return PackFormat.trailingIndex(bytes);
        } catch (PackFormatException notAPack) {
            return new byte[0];
        }
    }

    private static int formatOf(byte[] bytes) {
        try {
            return PackFormat.formatOfObject(bytes);
        } catch (PackFormatException notAPack) {
            return 0;
        }
    }

    private void reject(PackRow pack) {
        try {
            retry.run(() -> store.update(Tables.CHUNKS, PackRow.key(pack.id()), Update.update()
                            .set(PackRow.STATE, PackRow.State.REJECTED.name()).set(PackRow.GC_SHARD, Tables.shardOf(pack.id()))
                            .set(PackRow.GC_AT, clock.millis()),
                    eq(PackRow.STATE, PackRow.State.PENDING.name())));
        } catch (ConditionFailedException changed) {
            // collected or rejected meanwhile
        }
    }

    /** What a seal does with one chunk of the pack. */
    private sealed interface Step {}

    /** Already at its range in this pack. */
    private record Placed(PackFormat.Entry entry) implements Step {}

    /**
     * A write that places the row at its range: its action, the pack it leaves (or null), and the whole row when the
     * write creates it (else null).
     */
    private record Place(PackFormat.Entry entry, TxAction write, String leaves, Item created) implements Step {}

    /** Its verified bytes are stored elsewhere: send it alone. */
    private record Alone(PackFormat.Entry entry) implements Step {}

    /** Being collected: ask again later. */
    private record Later(PackFormat.Entry entry) implements Step {}

    private Sealed place(Owner owner, PackRow pack, List<PackFormat.Entry> entries, BatchSeals seals) {
        Map<ChunkId, ChunkRow> rows = new HashMap<>();
        for (Item i : BatchReads.getAll(store, parallel, retry, Tables.CHUNKS,
                entries.stream().map(e -> ChunkRow.key(e.id())).toList())) {
            ChunkRow r = ChunkRow.from(i);
            rows.put(r.id(), r);
        }
        // A chunk already placed by another sealed pack of this uploader is proven as it is (a commit checks the same).
        Set<String> ownSealed = new HashSet<>();
        List<dev.chunkvault.service.store.Key> otherPacks = rows.values().stream().map(ChunkRow::pack)
                .filter(p -> p != null && !p.equals(pack.id())).distinct().map(PackRow::key).toList();
        for (Item i : BatchReads.getAll(store, parallel, retry, Tables.CHUNKS, otherPacks)) {
            PackRow other = PackRow.from(i);
            if (other.state() == PackRow.State.SEALED && owner.tag().equals(other.ns())) {
                ownSealed.add(other.id());
            }
        }
        long now = clock.millis();
        List<Step> steps = new ArrayList<>(entries.size());
        for (PackFormat.Entry e : entries) {
            ChunkRow row = rows.get(e.id());
            boolean provenElsewhere = row != null && row.state() != ChunkRow.State.DELETING && !row.damaged()
                    && row.size() == e.plainLength() && ownSealed.contains(row.pack());
            Step s = provenElsewhere ? new Placed(e) : step(pack.id(), e, Optional.ofNullable(row), now);
            if (s instanceof Place p && p.created() != null && seals.deferrable.contains(e.id())) {
                // Left to the batch's commit that adds it, which creates the row LIVE (BatchSeals); answered as placed.
                seals.deferred.put(e.id(), new BatchSeals.Deferral(pack.id(), e, p.created()));
                seals.packs.put(pack.id(), pack);
                s = new Placed(e);
            }
            steps.add(s);
        }
        List<Place> writes = steps.stream().filter(s -> s instanceof Place).map(s -> (Place) s).toList();
        List<List<Place>> groups = new ArrayList<>();
        for (int i = 0; i < writes.size(); i += PLACEMENTS_PER_TRANSACTION) {
            groups.add(writes.subList(i, Math.min(writes.size(), i + PLACEMENTS_PER_TRANSACTION)));
        }
        Map<ChunkId, Step> done = new HashMap<>();
        for (List<Place> group : groups) {
            if (transactPlacements(pack.id(), group)) {
                group.forEach(p -> done.put(p.entry().id(), new Placed(p.entry())));
                group.stream().filter(p -> p.created() != null).forEach(p -> seals.created.put(p.entry().id(), p.created()));
            } else {
                group.forEach(p -> done.put(p.entry().id(), placeAlone(pack.id(), p.entry())));
            }
        }
        int placed = 0;
        List<UploadService.Upload> alone = new ArrayList<>();
        List<UploadService.Later> later = new ArrayList<>();
        for (Step s : steps) {
            Step outcome = s instanceof Place p ? done.get(p.entry().id()) : s;
            if (outcome instanceof Placed) {
                placed++;
            } else if (outcome instanceof Alone a) {
                // Granted like any plain upload (the same write: GC leaves the row alone while the PUT may come).
                Optional<java.time.Duration> wait = retry.call(() -> UploadService.grantWrite(store, clock, settings,
                        a.entry().id()));
                if (wait.isPresent()) {
                    later.add(new UploadService.Later(a.entry().id(), wait.get()));
                    continue;
                }
                alone.add(UploadService.presign(presigner, settings, owner, a.entry().id(), a.entry().plainLength()));
            } else if (outcome instanceof Later l) {
                later.add(new UploadService.Later(l.entry().id(), UploadService.DELETING_RETRY));
            }
        }
        return new Sealed(pack.id(), placed, alone, later);
    }

    /**
     * Places, by the seal's own code, the rows {@code seals} left to a batch's commits that none of them created
     * ({@code createdByCommits}: a group cancelled, a commit refused or answered from an earlier attempt): per pack with
     * such rows, what its seal answers for them (placed, to send alone, or to ask for again later), to be taken in
     * place of "placed" in the seal's answer. Run before any commit of the batch runs alone, so that every chunk the
     * seal answered placed is placed, whatever the commits did.
     */
    Map<String, Sealed> placeDeferred(Owner owner, BatchSeals seals, Set<ChunkId> createdByCommits) {
        Map<String, List<PackFormat.Entry>> rest = new java.util.LinkedHashMap<>();
        seals.deferred.forEach((c, d) -> {
            if (!createdByCommits.contains(c)) {
                rest.computeIfAbsent(d.packId(), k -> new ArrayList<>()).add(d.entry());
            }
        });
        Map<String, Sealed> out = new HashMap<>();
        rest.forEach((packId, entries) -> {
            try {
                out.put(packId, place(owner, seals.packs.get(packId), entries, BatchSeals.none()));
            } catch (ServiceException e) {
                if (e.isServiceTrouble()) {
                    throw e; // the service's own trouble: the whole request is retried
                }
                // The pack went from under its seal (collected): its chunks are to be sent again, as for a row being
                // collected.
                out.put(packId, new Sealed(packId, 0, List.of(), entries.stream()
                        .map(en -> new UploadService.Later(en.id(), UploadService.DELETING_RETRY)).toList()));
            }
        });
        return out;
    }

    /** The step for one chunk given its row as read. */
    private Step step(String packId, PackFormat.Entry e, Optional<ChunkRow> found, long now) {
        if (found.isEmpty()) {
            Item.Builder b = Item.builder().set(ChunkRow.ID, e.id().hex()).set(ChunkRow.STATE, ChunkRow.State.PENDING.name())
                    .set(ChunkRow.REFS, 0L).set(ChunkRow.INCARNATION, UUID.randomUUID().toString())
                    .set(ChunkRow.CREATED_AT, now).set(ChunkRow.LAST_GRANT_AT, now).set(ChunkRow.SIZE, (long) e.plainLength())
                    .set(ChunkRow.PACK, packId).set(ChunkRow.PACK_OFFSET, (long) e.offset())
                    .set(ChunkRow.GC_SHARD, Tables.shardOf(e.id().hex())).set(ChunkRow.GC_AT, now);
            if (e.compressed()) {
                b.set(ChunkRow.ENCODING, e.encoding().wireName()).set(ChunkRow.STORED_SIZE, (long) e.length());
            }
            Item row = b.build();
            return new Place(e, TxAction.put(Tables.CHUNKS, row, notExists(ChunkRow.ID)), null, row);
        }
        ChunkRow row = found.get();
        if (row.state() == ChunkRow.State.DELETING) {
            return new Later(e);
        }
        if (packId.equals(row.pack())) {
            return new Placed(e);
        }
        boolean unverified = row.size() < 0;
        if (!unverified && !row.damaged()) {
            return new Alone(e);
        }
        if (row.size() >= 0 && row.size() != e.plainLength()) {
            return new Alone(e); // a row that disagrees on the size is left to the usual checks
        }
        // A grant's row with no verified bytes, or one whose bytes were found damaged: its bytes are now here.
        Update u = Update.update().set(ChunkRow.PACK, packId).set(ChunkRow.PACK_OFFSET, (long) e.offset())
                .set(ChunkRow.SIZE, (long) e.plainLength()).set(ChunkRow.LAST_GRANT_AT, now).remove(ChunkRow.DAMAGED_AT)
                .remove(ChunkRow.S3_VERSION);
        u = e.compressed() ? u.set(ChunkRow.ENCODING, e.encoding().wireName()).set(ChunkRow.STORED_SIZE, (long) e.length())
                : u.remove(ChunkRow.ENCODING).remove(ChunkRow.STORED_SIZE);
        Condition still = and(eq(ChunkRow.INCARNATION, row.incarnation()), ne(ChunkRow.STATE, ChunkRow.State.DELETING.name()),
                unverified ? notExists(ChunkRow.SIZE) : eq(ChunkRow.DAMAGED_AT, row.damagedAt()),
                row.pack() == null ? notExists(ChunkRow.PACK) : eq(ChunkRow.PACK, row.pack()));
        return new Place(e, TxAction.update(Tables.CHUNKS, ChunkRow.key(e.id()), u, still), row.pack(), null);
    }

    /**
     * The placements with the pack's live count (and the count of any pack a damaged chunk leaves), all or nothing;
     * false if the transaction was cancelled (a row changed since it was read, or the pack is being collected).
     */
    private boolean transactPlacements(String packId, List<Place> group) {
        List<TxAction> actions = new ArrayList<>(group.size() + 1);
        Map<String, long[]> leaving = new HashMap<>();
        long bytes = 0;
        for (Place p : group) {
            actions.add(p.write());
            bytes += p.entry().plainLength();
            if (p.leaves() != null) {
                long[] c = leaving.computeIfAbsent(p.leaves(), k -> new long[2]);
                c[0]++;
                c[1] += p.entry().plainLength();
            }
        }
        if (actions.size() + 1 + leaving.size() > ItemStore.MAX_TRANSACTION_ACTIONS) {
            return false; // the one-by-one path places them
        }
        actions.add(liveCount(packId, group.size(), bytes));
        leaving.forEach((old, c) -> actions.add(TxAction.update(Tables.CHUNKS, PackRow.key(old),
                leftCount(old, c[0], c[1], clock.millis()), exists(ChunkRow.ID))));
        try {
            retry.run(() -> store.transact(actions));
            return true;
        } catch (TransactionCancelledException cancelled) {
            return false;
        }
    }

    /** The pack's live count grows by {@code chunks}; only while it is not being collected. */
    static TxAction liveCount(String packId, long chunks, long bytes) {
        return TxAction.update(Tables.CHUNKS, PackRow.key(packId),
                Update.update().add(PackRow.LIVE_CHUNKS, chunks).add(PackRow.LIVE_BYTES, bytes).add(PackRow.SEQ, 1L),
                and(exists(ChunkRow.ID), in(PackRow.STATE, PackRow.State.PENDING.name(), PackRow.State.SEALED.name())));
    }

    /** A pack loses live chunks: it goes (back) into the gc index, where the GC looks at its count. */
    static Update leftCount(String packId, long chunks, long bytes, long now) {
        return Update.update().add(PackRow.LIVE_CHUNKS, -chunks).add(PackRow.LIVE_BYTES, -bytes).add(PackRow.SEQ, 1L)
                .set(PackRow.GC_SHARD, Tables.shardOf(packId)).set(PackRow.GC_AT, now);
    }

    /** Places one chunk on its own, re-reading its row when the write finds it changed. */
    private Step placeAlone(String packId, PackFormat.Entry e) {
        for (int attempt = 0; attempt < 3; attempt++) {
            Optional<ChunkRow> row = retry.call(() -> store.get(Tables.CHUNKS, ChunkRow.key(e.id()))).map(ChunkRow::from);
            Step s = step(packId, e, row, clock.millis());
            if (!(s instanceof Place p)) {
                return s;
            }
            List<TxAction> actions = new ArrayList<>(List.of(p.write(), liveCount(packId, 1, e.plainLength())));
            if (p.leaves() != null) {
                actions.add(TxAction.update(Tables.CHUNKS, PackRow.key(p.leaves()), leftCount(p.leaves(), 1, e.plainLength(), clock.millis()),
                        exists(ChunkRow.ID)));
            }
            try {
                retry.run(() -> store.transact(actions));
                return new Placed(e);
            } catch (TransactionCancelledException cancelled) {
                PackRow pack = retry.call(() -> store.get(Tables.CHUNKS, PackRow.key(packId))).map(PackRow::from).orElse(null);
                if (pack == null || pack.state() == PackRow.State.DELETING || pack.state() == PackRow.State.REJECTED) {
                    throw expired();
                }
            }
        }
        return new Later(e); // the row keeps changing under us: ask again later
    }

    static ServiceException damaged(List<ChunkId> chunks, int count) {
        Map<String, Object> details = new HashMap<>();
        details.put("damaged", chunks.stream().limit(MAX_LISTED_DAMAGED).map(ChunkId::hex).toList());
        details.put("damagedCount", count);
        return ServiceException.unprocessable(DAMAGED_CODE, "The uploaded pack is not the declared one: "
                + (chunks.isEmpty() ? "its size, checksum or index differ." : count + " chunk(s) do not match their ids"
                + " (or, compressed, do not decode to exactly their declared plain length).")
                + " Nothing in it was stored; build and declare it again.", details);
    }

    static ServiceException expired() {
        return ServiceException.conflict("PACK_EXPIRED", "The pack was collected before it was sealed; declare it again.",
                Map.of());
    }
}
