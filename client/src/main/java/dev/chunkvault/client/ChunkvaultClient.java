package dev.chunkvault.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chunkvault.client.Transport.Call;
import dev.chunkvault.client.model.AuditReport;
import dev.chunkvault.client.model.Changes;
import dev.chunkvault.client.model.CommitResult;
import dev.chunkvault.client.model.ConflictCheck;
import dev.chunkvault.client.model.DeltaStored;
import dev.chunkvault.client.model.DownloadPlan;
import dev.chunkvault.client.model.FileEntry;
import dev.chunkvault.client.model.GcReport;
import dev.chunkvault.client.model.History;
import dev.chunkvault.client.model.Listing;
import dev.chunkvault.client.model.Notifications;
import dev.chunkvault.client.model.Signatures;
import dev.chunkvault.client.model.PackDeclared;
import dev.chunkvault.client.model.PackSealed;
import dev.chunkvault.client.model.RewindPage;
import dev.chunkvault.client.model.UploadGrant;
import dev.chunkvault.core.pack.PackFormat;
import dev.chunkvault.client.model.Usage;
import dev.chunkvault.client.model.VersionInfo;
import dev.chunkvault.core.manifest.Manifest;
import dev.chunkvault.core.manifest.ManifestDelta;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A typed client of every route in {@code docs/openapi.yaml}, plus presigned object transfers. Thread-safe.
 * Higher-level file operations live in {@link FilePusher} and {@link FilePuller}.
 *
 * <p>Errors: {@link ApiException} for the server's error answers ({@link StaleParentException} for a 409 on a
 * stale parent), {@link TransportException} when the service stays unreachable after retries,
 * {@link BadResponseException} for answers that cannot be read.
 */
public final class ChunkvaultClient implements AutoCloseable {
    private final ClientOptions options;
    private final Transport transport;
    private final ExecutorService transfers;
    /** Sends the packs of one large file's slices side by side (its own pool: pack calls wait for other files'). */
    private final ExecutorService packSenders;
    private final TransferMemory transferMemory;
    /** The service refused a commit's executable bit (see {@link #refusesNewField}). */
    private final java.util.concurrent.atomic.AtomicBoolean executableBitsRefused;
    /** The service refused a commit's original name (see {@link #refusesNewField}). */
    private final java.util.concurrent.atomic.AtomicBoolean originalNamesRefused;
    private final HttpClient http;
    /** The client this one is a {@linkplain #writingAs view} of (it owns the pools), or null. */
    private final ChunkvaultClient base;
    /** The sync replica this client's commits name ({@link #writingAs}), or null. */
    private final String writer;
    /** The replicas whose changes {@link #changes} leaves out ({@link #writingAs}). */
    private final List<String> leftOut;

    public ChunkvaultClient(ClientOptions options) {
        this.options = options;
        AtomicInteger n = new AtomicInteger();
        this.transfers = Executors.newFixedThreadPool(options.parallelism(), r -> {
            Thread t = new Thread(r, "chunkvault-transfer-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.packSenders = Executors.newFixedThreadPool(options.parallelism(), r -> {
            Thread t = new Thread(r, "chunkvault-pack-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        HttpClient.Builder hb = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(java.time.Duration.ofSeconds(15)).followRedirects(HttpClient.Redirect.NEVER);
        if (options.proxy() != null) {
            hb.proxy(options.proxy());
        }
        this.http = hb.build();
        this.transport = new Transport(http, options.endpoint(), options.tokens(), options.retry(), options.sleeper(),
                options.clock(), options.timeout(), "chunkvault-cli/" + Version.VERSION, options.bandwidth());
        this.base = null;
        this.writer = null;
        this.leftOut = List.of();
        this.transferMemory = TransferMemory.forHeap();
        this.executableBitsRefused = new java.util.concurrent.atomic.AtomicBoolean();
        this.originalNamesRefused = new java.util.concurrent.atomic.AtomicBoolean();
        this.packer = new java.util.concurrent.atomic.AtomicReference<>();
        this.ranges = new java.util.concurrent.atomic.AtomicReference<>();
        this.packsOffered = new java.util.concurrent.atomic.AtomicBoolean();
        this.declarationsAnswerHeld = new java.util.concurrent.atomic.AtomicBoolean(true);
        this.compressPacks = new java.util.concurrent.atomic.AtomicBoolean(!"false".equals(System.getProperty("chunkvault.compress")));
        this.compressLarge = new java.util.concurrent.atomic.AtomicBoolean(
                !"false".equals(System.getProperty("chunkvault.compress.large")));
        this.sealsInCommitsRefused = new java.util.concurrent.atomic.AtomicBoolean();
    }

    /** A view of {@code base} whose API calls name {@code writer}: everything else is {@code base}'s own, shared. */
    private ChunkvaultClient(ChunkvaultClient base, String writer, List<String> leftOut) {
        this.base = base;
        this.options = base.options;
        this.http = base.http;
        this.transfers = base.transfers;
        this.packSenders = base.packSenders;
        this.transport = writer == null ? base.transport : base.transport.withWriter(writer);
        this.transferMemory = base.transferMemory;
        this.executableBitsRefused = base.executableBitsRefused;
        this.originalNamesRefused = base.originalNamesRefused;
        this.packer = base.packer;
        this.ranges = base.ranges;
        this.packsOffered = base.packsOffered;
        this.declarationsAnswerHeld = base.declarationsAnswerHeld;
        this.compressPacks = base.compressPacks;
        this.compressLarge = base.compressLarge;
        this.sealsInCommitsRefused = base.sealsInCommitsRefused;
        this.writer = writer;
        this.leftOut = List.copyOf(leftOut);
    }

    /**
     * This client as the sync replica {@code writer} (a sync run's id; null: commits name none): its commits and
     * deletions name it ({@link Transport#WRITER_HEADER}), and {@link #changes} leaves out the changes the replicas
     * {@code leftOut} wrote (the folder's recent runs', at most 16). The view shares this client's connections, pools,
     * packer and what it learned of the service; closing it closes nothing.
     */
    public ChunkvaultClient writingAs(String writer, List<String> leftOut) {
        return new ChunkvaultClient(base != null ? base : this, writer, leftOut);
    }


    public ClientOptions options() {
        return options;
    }

    Transport transport() {
        return transport;
    }

    /** The bounded pool presigned transfers run on ({@link ClientOptions#parallelism()} threads). */
    ExecutorService transferPool() {
        return transfers;
    }

    /** The pool a large file's pack slices are sent on ({@link ClientOptions#parallelism()} threads). */
    ExecutorService packSenders() {
        return packSenders;
    }

    /** The memory the pool's transfers may hold chunk bytes in, shared by every push and pull of this client. */
    TransferMemory transferMemory() {
        return transferMemory;
    }

    /**
     * How long the packer waits for other files' chunks to join a pack: 100 ms instead of 25 made
     * a first sync's packs about twice as large for the same time (docs/perf-many-files.md); 50 ms keeps a lone push's
     * wait short.
     */
    static final java.time.Duration PACK_LINGER = java.time.Duration.ofMillis(50);

    private final java.util.concurrent.atomic.AtomicReference<Packer> packer;

    /** The packer every push of this client shares, so small chunks of files pushed together share packs. */
    public Packer packer() {
        return once(packer, () -> new Packer(this, PACK_LINGER));
    }

    /** The value in {@code ref}, made by {@code make} the first time (a lost race's value is dropped, nothing started). */
    private static <T> T once(java.util.concurrent.atomic.AtomicReference<T> ref, java.util.function.Supplier<T> make) {
        T t = ref.get();
        if (t == null) {
            ref.compareAndSet(null, make.get());
            t = ref.get();
        }
        return t;
    }

    /** How long the range fetcher waits for other files' chunks of the same packs (the shared plans' linger). */
    static final java.time.Duration RANGE_LINGER = java.time.Duration.ofMillis(25);

    private final java.util.concurrent.atomic.AtomicReference<RangeFetcher> ranges;

    /** The fetcher every pull of this client shares, so chunks of one pack that files need together come in one GET. */
    public RangeFetcher ranges() {
        return once(ranges, () -> new RangeFetcher(this, RANGE_LINGER));
    }

    /** A fresh idempotency key. */
    public static String newIdempotencyKey() {
        return "cv-" + UUID.randomUUID();
    }

    // ------------------------------------------------------------------ writes

    /** A chunk to ask an upload grant for: id (64 hex) and size. */
    public record ChunkRef(String id, int size) {}

    record UploadsBody(List<ChunkRef> chunks, Boolean pack) {}

    /** Chunks per {@link #requestUploads} request (the service's limit). */
    public static final int MAX_GRANT_CHUNKS = 1000;

    /**
     * {@code POST /v1/uploads}: grants for up to 1000 chunks (id hex, size). With {@link ClientOptions#packs} the request
     * offers packs, and the answer's {@code pack} lists the chunks to send in one ({@link #declarePack}).
     */
    public UploadGrant requestUploads(List<ChunkRef> chunks) {
        UploadGrant g = transport.call(Call.post("/v1/uploads", new UploadsBody(chunks, options.packs() ? Boolean.TRUE : null)),
                UploadGrant.class);
        if (options.packs()) {
            packsOffered.set(g.offersPacks());
        }
        return g;
    }

    record PackBody(String sha256, long size, List<PackEntry> chunks, Boolean unlessHeld) {}

    /** An index entry as declared; {@code encoding} and {@code plainLength} only for a compressed chunk (else omitted). */
    record PackEntry(String id, int offset, int length, String encoding, Integer plainLength) {
        static PackEntry of(PackFormat.Entry e) {
            return new PackEntry(e.id().hex(), e.offset(), e.length(), e.compressed() ? e.encoding().wireName() : null,
                    e.compressed() ? e.plainLength() : null);
        }
    }

    record SealBody(String packId) {}

    /** Set by the first grant's answer: whether the service offers packs (it lists the chunks to pack). */
    private final java.util.concurrent.atomic.AtomicBoolean packsOffered;
    /** Cleared once the service refuses {@code unlessHeld} on a declaration (a deployment older than this client). */
    private final java.util.concurrent.atomic.AtomicBoolean declarationsAnswerHeld;

    /**
     * Whether small chunks may go straight to a pack, without asking for upload grants first: the service's pack
     * declarations then answer which of them the caller already holds ({@code unlessHeld}). False until a grant's answer
     * showed that the service offers packs (so a run's first files are granted as before), and again once a
     * declaration is refused that field: grants are then asked for first, as before.
     */
    public boolean packsWithoutGrants() {
        return options.packs() && packsOffered.get() && declarationsAnswerHeld.get();
    }

    /**
     * Whether packs hold compressed chunks (docs/compression.md): on unless {@code -Dchunkvault.compress=false}, and
     * until a service refuses a declaration of compressed chunks (a deployment older than this client refuses their
     * fields): the packer then builds its packs raw, as before.
     */
    public boolean compressPacks() {
        return compressPacks.get();
    }

    /** Turns compression of packed chunks on or off for this client (tests, benchmarks). */
    public void compressPacks(boolean on) {
        compressPacks.set(on);
    }

    private final java.util.concurrent.atomic.AtomicBoolean compressPacks;

    /**
     * Whether a compressible chunk over {@link PackFormat#MAX_CHUNK_BYTES} (the large-file profile's) goes compressed, as
     * a one-entry pack, rather than alone and raw (docs/compression.md): while packs are compressed and go without
     * grants, and until a service refuses such a pack (a deployment older than this client: its limit per entry is
     * 1 MiB); such chunks then go alone, raw, as before.
     */
    public boolean compressLargeChunks() {
        return compressLarge.get() && compressPacks() && packsWithoutGrants();
    }

    /** Turns compression of large chunks on or off for this client (tests, benchmarks). */
    public void compressLargeChunks(boolean on) {
        compressLarge.set(on);
    }

    private final java.util.concurrent.atomic.AtomicBoolean compressLarge;

    /** {@code POST /v1/packs}: declares a pack (its SHA-256, size and chunks); the answer holds its one presigned PUT. */
    public PackDeclared declarePack(String sha256Hex, long size, List<PackFormat.Entry> entries) {
        return declarePack(sha256Hex, size, entries, false);
    }

    /**
     * {@code POST /v1/packs}, as {@link #declarePack(String, long, List)}; with {@code unlessHeld}, a service that holds
     * some of the chunks for the caller declares nothing and lists them ({@link PackDeclared#have()}), to be left out of
     * the pack. A service that cannot answer that (it refuses the field, or has no packs at all) is thrown as it
     * answered, and {@link #packsWithoutGrants()} turns false for this client: grants are asked for first from then on.
     */
    public PackDeclared declarePack(String sha256Hex, long size, List<PackFormat.Entry> entries, boolean unlessHeld) {
        List<PackEntry> index = entries.stream().map(PackEntry::of).toList();
        boolean compressed = entries.stream().anyMatch(PackFormat.Entry::compressed);
        PackDeclared d;
        try {
            d = transport.call(Call.post("/v1/packs", new PackBody(sha256Hex, size, index, unlessHeld ? Boolean.TRUE : null)),
                    PackDeclared.class);
        } catch (ApiException e) {
            if (compressed && e.isUnknownField()) {
                // The compressed chunks' fields, or unlessHeld: a raw declaration, sent next, tells which.
                compressPacks.set(false);
            } else if (e.isNoSuchRoute() || unlessHeld && e.isUnknownField()) {
                declarationsAnswerHeld.set(false);
            }
            throw e;
        }
        if (d.packId() == null && unlessHeld && !d.have().isEmpty()) {
            return d;
        }
        if (d.packId() == null || d.upload() == null || d.upload().url() == null) {
            throw new BadResponseException("The pack declaration's answer has no id or upload.", null);
        }
        return d;
    }

    /** Set once the service refuses {@code seal} in a commit batch (a deployment older than this client). */
    private final java.util.concurrent.atomic.AtomicBoolean sealsInCommitsRefused;

    /**
     * Whether packs are left to be sealed by the commit batch that first uses them ({@link PackSeal}), instead of by a
     * request each: until the service refuses the field, then packs are sealed by their own request again.
     */
    public boolean sealsInCommits() {
        return options.packs() && !sealsInCommitsRefused.get();
    }

    /** From now on, packs are sealed by the packer, a request each, as with a service whose batches do not seal. */
    void sealPacksAlone() {
        sealsInCommitsRefused.set(true);
    }

    /** {@code POST /v1/packs/seal}: the service verifies the uploaded pack and stores its chunks. */
    public PackSealed sealPack(String packId) {
        return transport.call(Call.post("/v1/packs/seal", new SealBody(packId)), PackSealed.class);
    }

    /** The same, from ids and sizes. */
    public UploadGrant requestUploads(List<String> ids, List<Integer> sizes) {
        List<ChunkRef> refs = new ArrayList<>(ids.size());
        for (int i = 0; i < ids.size(); i++) {
            refs.add(new ChunkRef(ids.get(i), sizes.get(i)));
        }
        return requestUploads(refs);
    }

    record CommitBody(String path, String parentVersion, Manifest manifest, ManifestDelta manifestDelta, Long size,
                      String contentHash, Long clientMtime, String idempotencyKey, Boolean delete, Boolean executable,
                      Boolean link, String originalName) {
        /**
         * The body; without the executable bit when {@code withBit} is false, without the original name when
         * {@code withName} is false (for a service that does not know them).
         */
        static CommitBody of(Commit c, boolean withBit, boolean withName) {
            if (c.isDeletion()) {
                return new CommitBody(c.path(), c.parentVersion(), null, null, null, null, null, c.idempotencyKey(), true,
                        null, null, null);
            }
            // The bit only when set: a plain file's commit is exactly what clients from before the bit sent.
            return new CommitBody(c.path(), c.parentVersion(), c.manifest(), c.manifestDelta(), c.size(), c.contentHash(),
                    c.clientMtime(), c.idempotencyKey(), null, withBit && c.executable() ? Boolean.TRUE : null,
                    c.link() ? Boolean.TRUE : null, withName ? c.originalName() : null);
        }
    }

    /**
     * What to commit: exactly one of a full manifest and a delta against the parent's manifest, or a {@link #deletion}.
     *
     * @param originalName the file's name here when {@code path} holds a marked name for it (a name differing from a
     *                     sibling's only by case, issue 21), or null
     */
    public record Commit(String path, String parentVersion, Manifest manifest, ManifestDelta manifestDelta, long size,
                         String contentHash, Long clientMtime, String idempotencyKey, boolean executable, boolean link,
                         String originalName) {
        /** A commit of a file stored under its own name. */
        public Commit(String path, String parentVersion, Manifest manifest, ManifestDelta manifestDelta, long size,
                      String contentHash, Long clientMtime, String idempotencyKey, boolean executable, boolean link) {
            this(path, parentVersion, manifest, manifestDelta, size, contentHash, clientMtime, idempotencyKey, executable,
                    link, null);
        }

        /** A commit of a file that is not executable. */
        public Commit(String path, String parentVersion, Manifest manifest, ManifestDelta manifestDelta, long size,
                      String contentHash, Long clientMtime, String idempotencyKey) {
            this(path, parentVersion, manifest, manifestDelta, size, contentHash, clientMtime, idempotencyKey, false, false);
        }

        /** A commit of a regular file (not a symbolic link). */
        public Commit(String path, String parentVersion, Manifest manifest, ManifestDelta manifestDelta, long size,
                      String contentHash, Long clientMtime, String idempotencyKey, boolean executable) {
            this(path, parentVersion, manifest, manifestDelta, size, contentHash, clientMtime, idempotencyKey, executable,
                    false);
        }

        /** The same commit under another idempotency key. */
        public Commit withIdempotencyKey(String key) {
            return new Commit(path, parentVersion, manifest, manifestDelta, size, contentHash, clientMtime, key, executable,
                    link, originalName);
        }

        /** The same commit, of a file whose name here is {@code name} (see above). */
        public Commit withOriginalName(String name) {
            return new Commit(path, parentVersion, manifest, manifestDelta, size, contentHash, clientMtime, idempotencyKey,
                    executable, link, name);
        }

        /** A deletion of the file (a tombstone; with a parent, only if that is still the head), as {@link #delete}. */
        public static Commit deletion(String path, String parentVersion, String idempotencyKey) {
            return new Commit(path, parentVersion, null, null, 0, null, null, idempotencyKey);
        }

        /** Whether this is a {@link #deletion} (neither a manifest nor a delta). */
        public boolean isDeletion() {
            return manifest == null && manifestDelta == null;
        }
    }

    /**
     * {@code POST /v1/commits}. Retried safely: the idempotency key makes a repeated commit find its own result.
     *
     * @throws StaleParentException when the parent is not the head any more
     */
    public CommitResult commit(Commit c) {
        if (c.isDeletion()) {
            return delete(c.path(), c.parentVersion(), c.idempotencyKey());
        }
        try {
            try {
                return transport.call(Call.post("/v1/commits", body(c)), CommitResult.class);
            } catch (ApiException e) {
                if (!refusesNewField(e, List.of(c))) {
                    throw e;
                }
                return transport.call(Call.post("/v1/commits", body(c)), CommitResult.class);
            }
        } catch (ApiException e) {
            throw staleOr(e, c.path());
        }
    }

    private CommitBody body(Commit c) {
        return CommitBody.of(c, !executableBitsRefused.get(), !originalNamesRefused.get());
    }

    /**
     * Whether the service answered that it does not know a commit's {@code executable} or {@code originalName} field (a
     * deployment older than this client: it refuses fields it does not know). Then that field is left out of this
     * client's commits from now on — the files are synced, without it — and {@link #executableBitsRefused()} says so
     * for the bit (without the name, a file stored under a marked name shows under it on every device).
     */
    private boolean refusesNewField(ApiException e, List<Commit> sent) {
        if (!e.isUnknownField() || e.getMessage() == null) {
            return false;
        }
        if (e.getMessage().contains("'executable'") && sent.stream().anyMatch(Commit::executable)) {
            executableBitsRefused.set(true);
            return true;
        }
        if (e.getMessage().contains("'originalName'") && sent.stream().anyMatch(c -> c.originalName() != null)) {
            originalNamesRefused.set(true);
            return true;
        }
        return false;
    }

    /**
     * Whether the service refused the executable bit (it is older than this client): files marked executable here were
     * committed without it, so other devices get them without it. Worth a warning once per run.
     */
    public boolean executableBitsRefused() {
        return executableBitsRefused.get();
    }

    record BatchBody(List<CommitBody> commits, List<String> seal) {}

    /** One commit's answer within a batch: its result, or the exception {@link #commit} would have thrown for it. */
    public record BatchOutcome(CommitResult result, RuntimeException error) {}

    /** One pack's seal within a batch: what {@link #sealPack} would have answered, or thrown (exactly one is set). */
    public record SealOutcome(String packId, PackSealed sealed, ApiException error) {}

    /** A batch's answer: the commits', in order, and the seals', in the order asked. */
    public record BatchAnswer(List<BatchOutcome> commits, List<SealOutcome> seals) {}

    /** Packs one commit batch may seal (the service's limit), and the declared bytes they may hold together. */
    public static final int MAX_BATCH_SEALS = 4;
    public static final long MAX_BATCH_SEAL_BYTES = 32L << 20;
    /**
     * The plain bytes (what the service decodes and hashes) of the packs one batch carries to seal: the service's
     * default budget per request; a pack past the service's budget is answered 413 {@code SEAL_DEFERRED} and sealed by
     * its own request ({@link CommitBatcher}). One pack alone always fits (a pack holds at most {@link
     * dev.chunkvault.core.pack.PackFormat#MAX_PACK_PLAIN_BYTES}: {@link Packer}).
     */
    public static final long MAX_BATCH_SEAL_PLAIN_BYTES = 256L << 20;

    /** Commits per {@link #commitBatch} request (the service's limit). */
    public static final int MAX_BATCH_COMMITS = 100;

    /**
     * {@code POST /v1/commit-batch}: several files' commits in one request, each with its own outcome, in order (a
     * stale parent is a {@link StaleParentException} in its slot). A failure of the request itself is thrown; the
     * whole batch may then be sent again, the idempotency keys answering for the commits already done.
     */
    public List<BatchOutcome> commitBatch(List<Commit> commits) {
        return commitBatch(commits, List.of()).commits();
    }

    /**
     * {@code POST /v1/commit-batch}, as {@link #commitBatch(List)}, with {@code seal}: uploaded packs (at most
     * {@link #MAX_BATCH_SEALS}, {@link #MAX_BATCH_SEAL_BYTES} together) that the service seals, each as {@link #sealPack}
     * would, before it looks at the commits; each pack's answer is in {@link BatchAnswer#seals}. A service older than
     * this client refuses the field: that is thrown as it answered (nothing was sealed or committed), and
     * {@link #sealsInCommits()} turns false.
     */
    public BatchAnswer commitBatch(List<Commit> commits, List<String> seal) {
        JsonNode answer;
        try {
            answer = transport.callTree(Call.post("/v1/commit-batch", batchBody(commits, seal)));
        } catch (ApiException e) {
            if (!seal.isEmpty() && e.isUnknownField() && e.getMessage() != null && e.getMessage().contains("'seal'")) {
                sealsInCommitsRefused.set(true);
                throw e;
            }
            if (!refusesNewField(e, commits)) {
                throw e;
            }
            answer = transport.callTree(Call.post("/v1/commit-batch", batchBody(commits, seal)));
        }
        JsonNode results = answer == null ? null : answer.get("results");
        if (results == null || !results.isArray() || results.size() != commits.size()) {
            throw new BadResponseException("The server's answer to /v1/commit-batch does not have one result per commit.",
                    null);
        }
        List<BatchOutcome> out = new ArrayList<>(commits.size());
        for (int i = 0; i < commits.size(); i++) {
            JsonNode r = results.get(i);
            int status = r.path("status").asInt(0);
            if (status >= 200 && status < 300) {
                try {
                    String outcome = r.path("outcome").asText(null);
                    VersionInfo version = ClientJson.MAPPER.treeToValue(r.get("version"), VersionInfo.class);
                    if (outcome == null || version == null) {
                        throw new IllegalArgumentException("no outcome or version");
                    }
                    out.add(new BatchOutcome(new CommitResult(outcome, version), null));
                } catch (Exception e) {
                    throw new BadResponseException("A result of /v1/commit-batch could not be read.", e);
                }
            } else {
                ApiException e = new ApiException(status, r.path("error").asText(null), r.path("message").asText(null),
                        r.path("requestId").asText(null), r.get("details"), null);
                out.add(new BatchOutcome(null, staleOr(e, commits.get(i).path())));
            }
        }
        return new BatchAnswer(out, sealOutcomes(answer, seal));
    }

    private static List<SealOutcome> sealOutcomes(JsonNode answer, List<String> seal) {
        if (seal.isEmpty()) {
            return List.of();
        }
        JsonNode sealed = answer.get("sealed");
        if (sealed == null || !sealed.isArray() || sealed.size() != seal.size()) {
            throw new BadResponseException("The server's answer to /v1/commit-batch does not have one seal per pack.", null);
        }
        List<SealOutcome> out = new ArrayList<>(seal.size());
        for (int i = 0; i < seal.size(); i++) {
            JsonNode r = sealed.get(i);
            if (!seal.get(i).equals(r.path("packId").asText(null))) {
                throw new BadResponseException("A seal of /v1/commit-batch answers for another pack.", null);
            }
            int status = r.path("status").asInt(0);
            if (status >= 200 && status < 300) {
                try {
                    out.add(new SealOutcome(seal.get(i), ClientJson.MAPPER.treeToValue(r, PackSealed.class), null));
                } catch (Exception e) {
                    throw new BadResponseException("A seal of /v1/commit-batch could not be read.", e);
                }
            } else {
                out.add(new SealOutcome(seal.get(i), null, new ApiException(status, r.path("error").asText(null),
                        r.path("message").asText(null), r.path("requestId").asText(null), r.get("details"), null)));
            }
        }
        return out;
    }

    private BatchBody batchBody(List<Commit> commits, List<String> seal) {
        return new BatchBody(commits.stream().map(this::body).toList(), seal.isEmpty() ? null : seal);
    }

    record DeleteBody(String path, String parentVersion, String idempotencyKey) {}

    /** {@code POST /v1/delete}: a tombstone; with a parent, only if that is still the head. */
    public CommitResult delete(String path, String parentVersion, String idempotencyKey) {
        try {
            return transport.call(Call.post("/v1/delete", new DeleteBody(path, parentVersion, idempotencyKey)),
                    CommitResult.class);
        } catch (ApiException e) {
            throw staleOr(e, path);
        }
    }

    record FolderBody(String path, String parentVersion, Manifest manifest, long size, String contentHash,
                      String idempotencyKey, boolean folder) {}

    /**
     * {@code POST /v1/commits} of an empty folder's marker at {@code path} ({@code folder: true}, no content). A service
     * from before markers answers 400 {@code UNKNOWN_FIELD}, thrown as it is: the caller decides what to do without them.
     *
     * @throws StaleParentException when the parent is not the head any more
     */
    public CommitResult commitFolder(String path, String parentVersion, String idempotencyKey) {
        try {
            return transport.call(Call.post("/v1/commits", new FolderBody(path, parentVersion,
                    Manifest.empty(dev.chunkvault.core.chunking.ChunkingProfile.DEFAULT.name()), 0, EMPTY_SHA256,
                    idempotencyKey, true)), CommitResult.class);
        } catch (ApiException e) {
            throw staleOr(e, path);
        }
    }

    /** The SHA-256 of no bytes: an empty folder's marker's content hash. */
    public static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    record RestoreBody(String path, String version, String parentVersion, String idempotencyKey) {}

    /** {@code POST /v1/restore}: an earlier version's content as the new head. */
    public CommitResult restore(String path, String version, String parentVersion, String idempotencyKey) {
        try {
            return transport.call(Call.post("/v1/restore", new RestoreBody(path, version, parentVersion, idempotencyKey)),
                    CommitResult.class);
        } catch (ApiException e) {
            throw staleOr(e, path);
        }
    }

    record RewindBody(String folder, String to, Boolean dryRun, String idempotencyKey, String cursor, Integer limit) {}

    /**
     * {@code POST /v1/rewind}: one page of a rewind of {@code folder} ("" for the root) to {@code to}; {@code cursor} is
     * the previous page's (null for the first). The same {@code idempotencyKey} for every page of one rewind (null for
     * a dry run): a page sent again makes no second version of a file.
     */
    public RewindPage rewind(String folder, java.time.Instant to, boolean dryRun, String idempotencyKey, String cursor,
                             Integer limit) {
        return transport.call(Call.post("/v1/rewind", new RewindBody(folder == null ? "" : folder, to.toString(),
                dryRun ? Boolean.TRUE : null, idempotencyKey, cursor, limit)), RewindPage.class);
    }

    /**
     * {@code POST /v1/delta-uploads}: the service rebuilds {@code target} from {@code base} and the delta. Sent as the
     * delta's binary encoding (which names both ids), gzip-compressed when that makes it smaller.
     */
    public DeltaStored deltaUpload(String baseChunk, String targetChunk, byte[] encodedDelta) {
        return deltaUpload(baseChunk, targetChunk, Transport.Binary.of(encodedDelta));
    }

    /** As {@link #deltaUpload(String, String, byte[])}, for a body already compressed (to judge its wire size). */
    DeltaStored deltaUpload(String baseChunk, String targetChunk, Transport.Binary delta) {
        dev.chunkvault.core.delta.Delta.Header h = dev.chunkvault.core.delta.Delta.Header.read(delta.bytes())
                .orElseThrow(() -> new IllegalArgumentException("not an encoded delta"));
        if (!h.baseId().hex().equals(baseChunk) || !h.targetId().hex().equals(targetChunk)) {
            throw new IllegalArgumentException("the delta is not from " + baseChunk + " to " + targetChunk);
        }
        return transport.call(Call.binary("/v1/delta-uploads", delta), DeltaStored.class);
    }

    /** Deltas per {@link #deltaUploads} request (the service's default bound). */
    public static final int MAX_BATCH_DELTAS = 128;
    /** Bytes of framed deltas per {@link #deltaUploads} request: base64 in Lambda's 6 MB payload, with room to spare. */
    public static final int MAX_BATCH_DELTA_BYTES = 3 << 20;
    /** Rebuilt bytes (the targets' lengths) per {@link #deltaUploads} request (the service's default bound). */
    public static final long MAX_BATCH_REBUILT_BYTES = 64L << 20;

    /**
     * {@code POST /v1/delta-upload-batch}: many deltas (each a delta's binary encoding, which names its base and target)
     * in one framed body, gzip-compressed when that makes it smaller; each answered with what {@link #deltaUpload}
     * would give for it alone, or the {@link ApiException} it would throw. At most {@link #MAX_BATCH_DELTAS} deltas,
     * {@link #MAX_BATCH_DELTA_BYTES} and {@link #MAX_BATCH_REBUILT_BYTES} of targets. A service without the route
     * answers {@link ApiException#isNoSuchRoute()}.
     */
    public List<Coalescer.Answer<DeltaStored>> deltaUploads(List<byte[]> encodedDeltas) {
        byte[] framed = dev.chunkvault.core.delta.DeltaBatch.encode(encodedDeltas);
        JsonNode answer = transport.callTree(Call.binary("/v1/delta-upload-batch", Transport.Binary.of(framed)));
        JsonNode results = answer == null ? null : answer.get("results");
        if (results == null || !results.isArray() || results.size() != encodedDeltas.size()) {
            throw new BadResponseException("The server's answer to /v1/delta-upload-batch does not have one result per delta.",
                    null);
        }
        List<Coalescer.Answer<DeltaStored>> out = new ArrayList<>(encodedDeltas.size());
        for (JsonNode r : results) {
            int status = r.path("status").asInt(0);
            if (status >= 200 && status < 300) {
                try {
                    out.add(Coalescer.Answer.of(ClientJson.MAPPER.treeToValue(r, DeltaStored.class)));
                } catch (Exception e) {
                    throw new BadResponseException("A result of /v1/delta-upload-batch could not be read.", e);
                }
            } else {
                out.add(Coalescer.Answer.failed(new ApiException(status, r.path("error").asText(null),
                        r.path("message").asText(null), r.path("requestId").asText(null), r.get("details"), null,
                        "POST /v1/delta-uploads")));
            }
        }
        return out;
    }

    private RuntimeException staleOr(ApiException e, String path) {
        if (e.isStaleParent()) {
            VersionInfo head = null;
            JsonNode h = e.details().path("head");
            if (h.isObject()) {
                try {
                    head = ClientJson.MAPPER.treeToValue(h, VersionInfo.class);
                } catch (Exception unreadable) {
                    head = null;
                }
            }
            return new StaleParentException(path, head, e);
        }
        return e;
    }

    // ------------------------------------------------------------------ reads

    /** {@code GET /v1/files}: one page of a folder listing. */
    public Listing list(String folder, boolean recursive, boolean includeDeleted, String cursor, Integer limit) {
        return transport.call(Call.get("/v1/files", Transport.query("folder", folder == null ? "" : folder,
                "recursive", Boolean.toString(recursive), "includeDeleted", Boolean.toString(includeDeleted),
                "cursor", cursor, "limit", limit == null ? null : limit.toString())), Listing.class);
    }

    /** All pages of a listing, and the change cursor of the first page. */
    public record FullListing(List<FileEntry> files, List<String> folders, String changeCursor) {}

    public FullListing listAll(String folder, boolean recursive, boolean includeDeleted) {
        List<FileEntry> files = new ArrayList<>();
        List<String> folders = new ArrayList<>();
        String cursor = null;
        String changeCursor = null;
        do {
            Listing page = list(folder, recursive, includeDeleted, cursor, 1000);
            if (changeCursor == null) {
                changeCursor = page.changeCursor();
            }
            files.addAll(page.files());
            folders.addAll(page.folders());
            if (page.cursor() != null && page.cursor().equals(cursor)) {
                throw new BadResponseException("The server repeated a listing cursor.", null);
            }
            cursor = page.cursor();
        } while (cursor != null);
        return new FullListing(files, folders, changeCursor);
    }

    /**
     * {@code GET /v1/file}: the head of one file; empty when the service says it does not exist (or is deleted, unless
     * asked).
     */
    public Optional<FileEntry> file(String path, boolean includeDeleted) {
        try {
            return Optional.of(transport.call(Call.get("/v1/file", Transport.query("path", path,
                    "includeDeleted", Boolean.toString(includeDeleted))), FileEntry.class));
        } catch (ApiException e) {
            if (e.isNoSuchFile()) {
                return Optional.empty();
            }
            throw e; // a missing route among them: that is no answer about the file
        }
    }

    /**
     * {@code GET /v1/changes}: files changed since {@code cursor}; for a {@linkplain #writingAs replica's view}, without
     * the files whose head its left-out replicas wrote (a service older than that lists them too).
     */
    public Changes changes(String cursor, Integer limit) {
        return transport.call(Call.get("/v1/changes", Transport.query("cursor", cursor,
                "limit", limit == null ? null : limit.toString(), "exceptWriter", leftOut.isEmpty() ? null
                        : String.join(",", leftOut))), Changes.class);
    }

    /** {@code GET /v1/history}: one page of a file's retained versions, newest first. */
    public History history(String path, String cursor, Integer limit) {
        return transport.call(Call.get("/v1/history", Transport.query("path", path, "cursor", cursor,
                "limit", limit == null ? null : limit.toString())), History.class);
    }

    record DownloadBody(String path, String version, List<String> chunks) {}

    /**
     * {@code POST /v1/downloads}. {@code chunks} null asks for URLs of all chunks (up to 1000); an empty list for
     * none (just the manifest).
     */
    public DownloadPlan downloadPlan(String path, String version, List<String> chunks) {
        return transport.call(Call.post("/v1/downloads", new DownloadBody(path, version, chunks)), DownloadPlan.class);
    }

    /** One file of {@link #downloadPlans}: as {@link #downloadPlan}'s arguments. */
    public record PlanRequest(String path, String version, List<String> chunks) {}

    record DownloadBatchBody(List<DownloadBody> files) {}

    /** Files per {@link #downloadPlans} request (the service's limit). */
    public static final int MAX_BATCH_PLANS = 100;

    /**
     * {@code POST /v1/download-batch}: the plans of up to {@link #MAX_BATCH_PLANS} files (at most 1000 chunks listed in
     * all), each the plan {@link #downloadPlan} would give, or the {@link ApiException} it would throw.
     */
    public List<Coalescer.Answer<DownloadPlan>> downloadPlans(List<PlanRequest> files) {
        JsonNode answer = transport.callTree(Call.post("/v1/download-batch", new DownloadBatchBody(files.stream()
                .map(f -> new DownloadBody(f.path(), f.version(), f.chunks())).toList())));
        JsonNode results = answer == null ? null : answer.get("results");
        if (results == null || !results.isArray() || results.size() != files.size()) {
            throw new BadResponseException("The server's answer to /v1/download-batch does not have one result per file.",
                    null);
        }
        List<Coalescer.Answer<DownloadPlan>> out = new ArrayList<>(files.size());
        for (JsonNode r : results) {
            int status = r.path("status").asInt(0);
            if (status >= 200 && status < 300) {
                try {
                    out.add(Coalescer.Answer.of(ClientJson.MAPPER.treeToValue(r, DownloadPlan.class)));
                } catch (Exception e) {
                    throw new BadResponseException("A result of /v1/download-batch could not be read.", e);
                }
            } else {
                out.add(Coalescer.Answer.failed(new ApiException(status, r.path("error").asText(null),
                        r.path("message").asText(null), r.path("requestId").asText(null), r.get("details"), null,
                        "POST /v1/downloads")));
            }
        }
        return out;
    }

    record SignaturesBody(String path, String version, String against, List<String> chunks) {}

    /** {@code POST /v1/signatures}: block signatures of up to 32 chunks of a version. */
    public Signatures signatures(String path, String version, String against, List<String> chunks) {
        return transport.call(Call.post("/v1/signatures", new SignaturesBody(path, version, against, chunks)),
                Signatures.class);
    }

    /**
     * A request to {@code POST /v1/conflict-check}: at most one of {@code localManifest}, {@code localManifestDelta}
     * (against {@code baseVersion}'s manifest) and {@code localDeleted}.
     *
     * @param localTime the device's wall-clock time, {@code 2026-01-02T03:04:05}, for conflicted-copy names
     */
    public record ConflictQuery(String path, String localName, String baseVersion, Manifest localManifest,
                                ManifestDelta localManifestDelta, Boolean localDeleted, String device,
                                String localTime) {}

    public ConflictCheck conflictCheck(ConflictQuery q) {
        return transport.call(Call.post("/v1/conflict-check", q), ConflictCheck.class);
    }

    /** A version and its manifest. */
    public record RemoteManifest(VersionInfo version, Manifest manifest) {}

    /**
     * A version's manifest (the head when {@code version} is null), fetched from its presigned URL when it is too
     * large to be inline, and checked against the server's manifest hash.
     *
     * @throws ApiException 404 {@code NOT_FOUND} ({@link ApiException#isNoSuchFile}) when the file, the version, or its
     *     content (a deletion) does not exist
     */
    public RemoteManifest manifest(String path, String version) {
        DownloadPlan plan = downloadPlan(path, version, List.of());
        return new RemoteManifest(requireVersion(plan), manifestOf(plan));
    }

    static VersionInfo requireVersion(DownloadPlan plan) {
        if (plan.version() == null || plan.version().versionId() == null) {
            throw new BadResponseException("The download plan names no version.", null);
        }
        return plan.version();
    }

    /** The manifest of a download plan: inline, or fetched and verified. */
    Manifest manifestOf(DownloadPlan plan) {
        if (plan.manifest() != null) {
            return plan.manifest();
        }
        if (plan.manifestUrl() == null || plan.manifestHash() == null) {
            throw new BadResponseException("The download plan has neither a manifest nor a manifest URL.", null);
        }
        byte[] bytes = getObject(plan.manifestUrl().url(), plan.manifestUrl().headers());
        if (!dev.chunkvault.core.hash.ChunkId.sha256(bytes).hex().equals(plan.manifestHash())) {
            throw new IntegrityException("The downloaded manifest does not match its hash; refusing it.");
        }
        try {
            return Manifest.decode(bytes);
        } catch (IllegalArgumentException e) {
            throw new BadResponseException("The downloaded manifest cannot be decoded.", e);
        }
    }

    /**
     * {@code GET /v1/notifications}: where to open the notification socket; {@link Notifications#none()} from a
     * deployment without the route (404 for the route itself, not for a file).
     */
    public Notifications notifications() {
        try {
            Notifications n = transport.call(Call.get("/v1/notifications", java.util.Map.of()),
                    Notifications.class);
            return n.keepAliveSeconds() <= 0 || n.catchUpSeconds() <= 0 ? Notifications.none() : n;
        } catch (ApiException e) {
            if (e.isNoSuchRoute()) {
                return Notifications.none();
            }
            throw e;
        }
    }

    /**
     * Opens a notification socket to {@code url} (see {@link dev.chunkvault.client.watch.NotificationSocket}), with this
     * client's token, proxy and HTTP settings.
     */
    public java.util.concurrent.CompletableFuture<WebSocket> openSocket(URI url, WebSocket.Listener listener) {
        WebSocket.Builder b = http.newWebSocketBuilder().connectTimeout(java.time.Duration.ofSeconds(15));
        String token = options.tokens().token();
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return b.buildAsync(url, listener);
    }

    /** Asks the token provider for a fresh token (after a socket was refused with 401); true if it has one. */
    public boolean refreshToken() {
        return options.tokens().refresh();
    }

    /** {@code GET /v1/usage}: the caller's usage and quota. */
    public Usage usage() {
        return transport.call(Call.get("/v1/usage", java.util.Map.of()), Usage.class);
    }

    // ------------------------------------------------------------------ admin

    record QuotaBody(String owner, Long quotaBytes) {}

    /**
     * {@code PUT /v1/admin/quota}: sets one account's quota on logical bytes ({@code quotaBytes}: 0 = unlimited), or
     * with null removes it (the deployment's default applies again). Returns that account's usage.
     */
    public Usage setQuota(String owner, Long quotaBytes) {
        return transport.call(Call.put("/v1/admin/quota", new QuotaBody(owner, quotaBytes)), Usage.class);
    }

    record GcAnswer(GcReport gc) {}

    /** {@code POST /v1/admin/gc}: one bounded GC step. */
    public GcReport gcStep() {
        GcAnswer a = transport.call(Call.post("/v1/admin/gc", null), GcAnswer.class);
        if (a.gc() == null) {
            throw new BadResponseException("The GC answer has no report.", null);
        }
        return a.gc();
    }

    record AuditAnswer(AuditReport audit) {}

    /** {@code POST /v1/admin/audit}. */
    public AuditReport audit(boolean fix, boolean checkObjects) {
        return audit(fix, checkObjects, false, false, null);
    }

    /**
     * {@code POST /v1/admin/audit} with the content check: {@code contentOnly} skips the recount (for the calls that go
     * on from {@code contentAfter}, an earlier report's {@code content.next}).
     */
    public AuditReport audit(boolean fix, boolean checkObjects, boolean checkContent, boolean contentOnly,
                             String contentAfter) {
        java.util.List<String> q = new java.util.ArrayList<>(java.util.List.of("fix", Boolean.toString(fix),
                "checkObjects", Boolean.toString(checkObjects)));
        if (checkContent) {
            q.addAll(java.util.List.of("checkContent", "true", "contentOnly", Boolean.toString(contentOnly)));
            if (contentAfter != null) {
                q.addAll(java.util.List.of("contentAfter", contentAfter));
            }
        }
        AuditAnswer a = transport.call(Call.post("/v1/admin/audit", Transport.query(q.toArray(String[]::new)), null),
                AuditAnswer.class);
        if (a.audit() == null) {
            throw new BadResponseException("The audit answer has no report.", null);
        }
        return a.audit();
    }

    // ------------------------------------------------------------------ objects

    public void putObject(String url, java.util.Map<String, String> headers, byte[] body) {
        transport.presignedPut(url, headers, body);
    }

    /** A presigned PUT of {@code length} bytes streamed from {@code body}, which is called once per attempt. */
    public void putObject(String url, java.util.Map<String, String> headers, long length,
                          java.util.function.Supplier<java.io.InputStream> body) {
        transport.presignedPut(url, headers, length, body);
    }

    public byte[] getObject(String url, java.util.Map<String, String> headers) {
        return transport.presignedGet(url, headers);
    }

    /** A presigned GET streamed into {@code sink} (reset before each attempt), so no object-sized array is held. */
    public void getObject(String url, java.util.Map<String, String> headers, Transport.BodySink sink) {
        transport.presignedGet(url, headers, sink);
    }

    @Override
    public void close() {
        if (base != null) {
            return; // a view: its pools are its base's
        }
        transfers.shutdownNow();
        packSenders.shutdownNow();
    }
}
