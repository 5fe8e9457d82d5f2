package dev.chunkvault.client;

import dev.chunkvault.client.model.CommitResult;
import dev.chunkvault.client.model.DeltaStored;
import dev.chunkvault.client.model.Signatures;
import dev.chunkvault.client.model.UploadGrant;
import dev.chunkvault.core.chunking.Chunk;
import dev.chunkvault.core.chunking.Chunker;
import dev.chunkvault.core.chunking.ChunkingPolicy;
import dev.chunkvault.core.delta.BlockSignature;
import dev.chunkvault.core.delta.Delta;
import dev.chunkvault.core.delta.DeltaEncoder;
import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.core.hash.ContentHash;
import dev.chunkvault.core.hash.ContentHasher;
import dev.chunkvault.core.hash.Sha256;
import dev.chunkvault.core.manifest.Manifest;
import dev.chunkvault.core.manifest.ManifestDelta;
import dev.chunkvault.core.manifest.ManifestEntry;
import dev.chunkvault.core.paths.FilePath;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Pushes one local file as a new version: chunk and hash it in one streaming pass (bounded memory, whatever the
 * file's size), upload only the chunks the service lacks — re-reading each chunk's bytes from the file by offset,
 * in parallel through presigned PUTs, or as a binary delta of the parent chunk it overlaps most when that is
 * clearly smaller — and commit a manifest delta against the parent. A new file (no parent) is chunked while its
 * chunks upload: a scanning thread hands each full grant batch to the uploads at once (see {@code pushNew}).
 *
 * <p>Resumable: every uploaded chunk is journaled (with its time) and skipped by a re-run; the commit's
 * idempotency key is journaled before it is sent, so a re-run after a crash replays it instead of committing
 * twice. If the commit answers that some chunks are missing (e.g. collected since they were journaled), exactly
 * those are uploaded again.
 */
public final class FilePusher {
    /** Journaled uploads older than this are not trusted (GC may collect unreferenced chunks after its grace). */
    static final Duration JOURNAL_TRUST = Duration.ofHours(12);
    /** Chunks per upload-grant request: small enough that URLs are used well before they expire. */
    public static final int GRANT_BATCH = 128;
    /**
     * A grant request closes once its chunks reach this many bytes (or {@link #GRANT_BATCH} chunks): with the
     * large-file profile's 4 MiB chunks that is about 32 chunks, not 128 (512 MiB), and two batches in flight keep
     * about 256 MiB granted ahead of the transfers.
     */
    public static final long GRANT_BATCH_BYTES = 128L << 20;
    /** The first grant request of a push closes sooner, so that the transfers start while the rest is chunked. */
    static final long FIRST_GRANT_BATCH_BYTES = 16L << 20;
    /**
     * Grant batches whose uploads may be submitted at once: while the oldest one's PUTs finish, the next one's are
     * queued and the one after is being granted, so a grant slower than a batch's PUTs still leaves no transfer idle.
     */
    public static final int BATCHES_IN_FLIGHT = 3;
    static final int MAX_SIGNATURES_PER_CALL = 32;
    /** Binary deltas are tried for at most this many chunks per push (each costs the server a chunk read). */
    static final int MAX_DELTA_CANDIDATES = 64;
    /** A delta is sent only when it is at most this fraction of the chunk on the wire (compressed, if it compresses). */
    static final double DELTA_WORTH = 0.5;
    /**
     * Chunks smaller than this go whole. Above it a delta always pays with a cached signature: one request instead of
     * a grant and a PUT, and its literal bytes compress where an S3 object's cannot.
     */
    static final int MIN_DELTA_CHUNK = 128;
    /** A signature is asked of the service only for chunks of at least this size (it costs a round trip). */
    static final int MIN_FETCHED_DELTA_CHUNK = 8 << 10;
    static final int MAX_DELTA_BYTES = 4 << 20;
    /**
     * How many commit rounds in a row may report missing a chunk that the round before sent again, before the push
     * gives up: the service keeps refusing it (refused uploads, a collector racing every upload), so more would not help.
     */
    static final int MAX_STALLED_COMMIT_ROUNDS = 3;
    /**
     * How often a commit answered "in progress" (after the transport's own retries) is sent again: each answer means
     * a large version's pinning went on for one request's time budget, so this bounds a commit at roughly
     * {@value} × 7 × 20 s of service time.
     */
    static final int MAX_IN_PROGRESS_ROUNDS = 20;
    private static final int MAX_RETRY_ROUNDS = 10;

    /** How a push sends its commit: {@link ChunkvaultClient#commit}, or a {@link CommitBatcher} that groups them. */
    @FunctionalInterface
    public interface Committer {
        CommitResult commit(ChunkvaultClient.Commit c);
    }

    private final ChunkvaultClient client;
    private final PushJournal journal;
    private final Committer committer;

    /** Files are cut as {@link ChunkingPolicy} says: by size, and as the version they replace was. */
    public FilePusher(ChunkvaultClient client, PushJournal journal) {
        this(client, journal, client::commit);
    }

    public FilePusher(ChunkvaultClient client, PushJournal journal, Committer committer) {
        this.client = Objects.requireNonNull(client, "client");
        this.journal = Objects.requireNonNull(journal, "journal");
        this.committer = Objects.requireNonNull(committer, "committer");
    }

    /**
     * @param file           the local file
     * @param remotePath     where it goes ("docs/a.txt")
     * @param parentVersion  the version this content replaces; null for a new file (or over a deletion)
     * @param parentManifest the parent's manifest if known (saves a round trip); fetched when null
     * @param cut            how the file's bytes are already cut (e.g. a merged manifest), or null to chunk it
     */
    public record Request(Path file, String remotePath, String parentVersion, Manifest parentManifest, Manifest cut,
                          TransferListener listener) {
        public Request {
            Objects.requireNonNull(file, "file");
            Objects.requireNonNull(remotePath, "remotePath");
            listener = listener == null ? TransferListener.NONE : listener;
        }

        public static Request of(Path file, String remotePath, String parentVersion) {
            return new Request(file, remotePath, parentVersion, null, null, null);
        }

        public Request withParentManifest(Manifest m) {
            return new Request(file, remotePath, parentVersion, m, cut, listener);
        }

        public Request withListener(TransferListener l) {
            return new Request(file, remotePath, parentVersion, parentManifest, cut, l);
        }

        public Request withCut(Manifest m) {
            return new Request(file, remotePath, parentVersion, parentManifest, m, listener);
        }
    }

    /**
     * @param chunksUploaded chunks sent by presigned PUT
     * @param chunksDelta    chunks sent as a binary delta
     * @param chunksSkipped  new chunks not sent: already journaled or held
     * @param bytesSent      chunk bytes and delta bytes sent
     */
    public record Stats(int chunks, int chunksUploaded, int chunksDelta, int chunksSkipped, long bytesSent) {}

    /** The committed version with what the client knows about its content. */
    public record Result(CommitResult commit, Manifest manifest, String contentHash, long size, long mtimeMillis,
                         Stats stats) {}

    /** The content of a local file: its chunks (offsets, sizes, ids), its SHA-256, and the stat it was read at. */
    public record Scanned(Manifest manifest, String contentHash, long size, long mtimeMillis) {}

    /** Chunks and hashes {@code file} in one streaming pass, cut as a new file of its size. */
    public Scanned scan(Path file, TransferListener listener) throws IOException {
        return scan(file, null, listener);
    }

    /**
     * Chunks and hashes {@code file} in one streaming pass, with the profile {@link ChunkingPolicy} gives for its size
     * and the profile of the version it replaces ({@code baseProfile}, null for a new file).
     */
    public Scanned scan(Path file, String baseProfile, TransferListener listener) throws IOException {
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
        Chunker chunker = ChunkingPolicy.chunkerFor(a.size(), baseProfile);
        listener.start("hash", file.getFileName().toString(), a.size());
        List<ManifestEntry> entries = new ArrayList<>();
        ContentHash hash;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            hash = chunker.chunk(ch, (chunk, bytes) -> {
                entries.add(chunk.toManifestEntry());
                listener.advance(chunk.size());
            });
        } finally {
            listener.finish();
        }
        BasicFileAttributes b = Files.readAttributes(file, BasicFileAttributes.class);
        if (b.size() != hash.length() || b.lastModifiedTime().toMillis() != a.lastModifiedTime().toMillis()) {
            throw new LocalFileChangedException(file, "changed while it was being read");
        }
        return new Scanned(Manifest.of(chunker.profile().name(), entries), hash.sha256Hex(), hash.length(),
                a.lastModifiedTime().toMillis());
    }

    /** Checks that {@code file} is cut as {@code cut} says (every chunk's SHA-256) and hashes it. */
    public Scanned verifyCut(Path file, Manifest cut, TransferListener listener) throws IOException {
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
        if (a.size() != cut.totalSize()) {
            throw new IntegrityException(file + " does not have the size its manifest says.");
        }
        listener.start("hash", file.getFileName().toString(), a.size());
        ContentHasher content = ContentHasher.sha256Only();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            for (int i = 0; i < cut.chunkCount(); i++) {
                byte[] b = readFully(ch, cut.offset(i), cut.size(i));
                if (!ChunkId.sha256(b).equals(cut.id(i))) {
                    throw new IntegrityException(file + " does not match its manifest at chunk " + i + ".");
                }
                content.update(b, 0, b.length);
                listener.advance(b.length);
            }
        } finally {
            listener.finish();
        }
        return new Scanned(cut, content.finish().sha256Hex(), a.size(), a.lastModifiedTime().toMillis());
    }

    public Result push(Request r) throws IOException {
        if (r.cut() == null && r.parentVersion() == null) {
            return pushNew(r);
        }
        // The parent first: the file is cut with the parent's profile, so that it dedups against it.
        Manifest parentManifest = r.parentManifest() != null ? r.parentManifest() : fetchParent(r);
        Scanned s = r.cut() != null ? verifyCut(r.file(), r.cut(), r.listener())
                : scan(r.file(), parentManifest == null ? null : parentManifest.profile(), r.listener());
        return push(r, s, parentManifest);
    }

    /** The parent version's manifest; null when the parent is a deletion (or expired). */
    private Manifest fetchParent(Request r) {
        if (r.parentVersion() == null) {
            return null;
        }
        try {
            return client.manifest(r.remotePath(), r.parentVersion()).manifest();
        } catch (ApiException e) {
            if (!e.isNotFound()) {
                throw e;
            }
            return null; // the parent is a deletion (or expired): commit the full manifest on it
        }
    }

    /**
     * A new file (no parent, so nothing to reuse and no delta to try): chunking and hashing overlap the uploads. A
     * scanning thread cuts the file and hands each batch of chunks to upload to this thread as soon as it is full;
     * this thread asks for grants and submits the PUTs as for {@link #push(Request, Scanned)}, re-reading each chunk
     * by offset, so memory stays bounded whatever the file's size (the batches hold offsets and ids, never bytes).
     * The same journal: a chunk uploaded recently is skipped, each upload is journaled when it succeeds, and the
     * commit key is journaled before the commit, so a re-run after a kill resumes where this one stopped.
     */
    private Result pushNew(Request r) throws IOException {
        String pathKey = FilePath.parse(r.remotePath()).foldKey();
        Counters counters = new Counters();
        BasicFileAttributes a = Files.readAttributes(r.file(), BasicFileAttributes.class);
        BlockingQueue<List<Chunk>> batches = new LinkedBlockingQueue<>();
        AtomicBoolean stop = new AtomicBoolean();
        CompletableFuture<Scanned> scanned = new CompletableFuture<>();
        r.listener().start("upload", r.file().getFileName().toString(), a.size());
        Thread scanner = new Thread(() -> {
            try {
                scanned.complete(scanInto(r, a, batches, stop, counters));
            } catch (Throwable t) {
                scanned.completeExceptionally(t);
            } finally {
                batches.add(END_OF_SCAN);
            }
        }, "chunkvault-scan");
        scanner.setDaemon(true);
        java.util.ArrayDeque<InFlight> inflight = new java.util.ArrayDeque<>();
        Scanned s;
        try (FileChannel ch = FileChannel.open(r.file(), StandardOpenOption.READ)) {
            try {
                scanner.start();
                for (List<Chunk> batch = batches.take(); batch != END_OF_SCAN; batch = batches.take()) {
                    while (inflight.size() >= BATCHES_IN_FLIGHT) {
                        finish(r, ch, inflight.removeFirst(), counters);
                    }
                    inflight.add(grantAndSubmit(r, ch, batch, counters));
                }
                s = scanResult(scanned);
                while (!inflight.isEmpty()) {
                    finish(r, ch, inflight.removeFirst(), counters);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ChunkvaultException("Interrupted.", e);
            } catch (RuntimeException | IOException e) {
                inflight.forEach(b -> b.futures.forEach(f -> f.cancel(true)));
                throw e;
            } finally {
                stop.set(true);
                joinQuietly(scanner);
                r.listener().finish();
            }
            checkUnchanged(r.file(), s);
            CommitResult result = commit(r, ch, s, pathKey, null, null, counters);
            Manifest m = s.manifest();
            return new Result(result, m, s.contentHash(), s.size(), s.mtimeMillis(), counters.stats(m.chunkCount()));
        }
    }

    /** Marks the end of the scanner's batches (compared by identity). */
    private static final List<Chunk> END_OF_SCAN = java.util.Collections.unmodifiableList(new ArrayList<>());

    /**
     * Chunks and hashes the file like {@link #scan}, putting the chunks to upload (first occurrence, not journaled
     * recently) on {@code batches} in groups of {@link #GRANT_BATCH}.
     */
    private Scanned scanInto(Request r, BasicFileAttributes a, BlockingQueue<List<Chunk>> batches, AtomicBoolean stop,
                             Counters counters) throws IOException {
        Instant trustedSince = client.options().clock().instant().minus(JOURNAL_TRUST);
        Chunker chunker = ChunkingPolicy.chunkerFor(a.size(), null);
        List<ManifestEntry> entries = new ArrayList<>();
        Set<ChunkId> seen = new HashSet<>();
        List<List<Chunk>> pending = new ArrayList<>(List.of(new ArrayList<>()));
        long[] pendingBytes = new long[1];
        int[] sent = new int[1];
        ContentHash hash;
        try (FileChannel ch = FileChannel.open(r.file(), StandardOpenOption.READ)) {
            hash = chunker.chunk(ch, (chunk, bytes) -> {
                if (stop.get()) {
                    throw new java.io.InterruptedIOException("push abandoned");
                }
                entries.add(chunk.toManifestEntry());
                if (!seen.add(chunk.id())) {
                    r.listener().advance(chunk.size()); // sent once, with its first occurrence
                    return;
                }
                if (journal.uploadedAt(chunk.id().hex()).filter(t -> t.isAfter(trustedSince)).isPresent()) {
                    counters.skipped.incrementAndGet();
                    r.listener().advance(chunk.size());
                    return;
                }
                List<Chunk> batch = pending.get(0);
                batch.add(chunk);
                pendingBytes[0] += chunk.size();
                if (batchFull(batch.size(), pendingBytes[0], sent[0])) {
                    batches.add(batch);
                    sent[0]++;
                    pending.set(0, new ArrayList<>());
                    pendingBytes[0] = 0;
                }
            });
        }
        if (!pending.get(0).isEmpty()) {
            batches.add(pending.get(0));
        }
        BasicFileAttributes b = Files.readAttributes(r.file(), BasicFileAttributes.class);
        if (b.size() != hash.length() || b.lastModifiedTime().toMillis() != a.lastModifiedTime().toMillis()) {
            throw new LocalFileChangedException(r.file(), "changed while it was being read");
        }
        return new Scanned(Manifest.of(chunker.profile().name(), entries), hash.sha256Hex(), hash.length(),
                a.lastModifiedTime().toMillis());
    }

    private static Scanned scanResult(CompletableFuture<Scanned> scanned) throws IOException {
        try {
            return scanned.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChunkvaultException("Interrupted.", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new ChunkvaultException("Chunking failed.", cause);
        }
    }

    private static void joinQuietly(Thread t) {
        boolean interrupted = false;
        while (t.isAlive()) {
            try {
                t.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Pushes a file already scanned (its stat must not have changed since). */
    public Result push(Request r, Scanned s) throws IOException {
        return push(r, s, r.parentManifest() != null ? r.parentManifest() : fetchParent(r));
    }

    private Result push(Request r, Scanned s, Manifest parentManifest) throws IOException {
        String pathKey = FilePath.parse(r.remotePath()).foldKey();
        Manifest m = s.manifest();
        if (parentManifest != null && !parentManifest.profile().equals(m.profile())) {
            parentManifest = null; // chunked differently: send the full manifest, nothing from the parent is reused
        }
        Counters counters = new Counters();
        try (FileChannel ch = FileChannel.open(r.file(), StandardOpenOption.READ)) {
            Map<String, Chunk> need = plan(m, parentManifest, counters);
            if (parentManifest != null && client.options().deltaUploads() && !need.isEmpty()) {
                tryDeltas(r, ch, m, parentManifest, need, counters);
            }
            upload(r, ch, need, counters);
            checkUnchanged(r.file(), s);
            CommitResult result = commit(r, ch, s, pathKey, r.parentVersion(), parentManifest, counters);
            return new Result(result, m, s.contentHash(), s.size(), s.mtimeMillis(), counters.stats(m.chunkCount()));
        }
    }

    private static final class Counters {
        final AtomicInteger uploaded = new AtomicInteger();
        final AtomicInteger deltas = new AtomicInteger();
        final AtomicInteger skipped = new AtomicInteger();
        final AtomicLong bytes = new AtomicLong();

        Stats stats(int chunks) {
            return new Stats(chunks, uploaded.get(), deltas.get(), skipped.get(), bytes.get());
        }
    }

    /** The chunks to send: new to this file's history and not journaled recently, first occurrence of each. */
    private Map<String, Chunk> plan(Manifest m, Manifest parent, Counters counters) {
        Set<ChunkId> inParent = parent == null ? Set.of() : parent.distinctIds();
        Instant trustedSince = client.options().clock().instant().minus(JOURNAL_TRUST);
        Map<String, Chunk> need = new LinkedHashMap<>();
        Set<ChunkId> seen = new HashSet<>();
        for (int i = 0; i < m.chunkCount(); i++) {
            ChunkId id = m.id(i);
            if (!seen.add(id) || inParent.contains(id)) {
                continue;
            }
            String hex = id.hex();
            if (journal.uploadedAt(hex).filter(t -> t.isAfter(trustedSince)).isPresent()) {
                counters.skipped.incrementAndGet();
                continue;
            }
            need.put(hex, new Chunk(m.offset(i), m.size(i), id));
        }
        return need;
    }

    /**
     * For edited chunks: a binary delta against the parent chunk it most likely came from, when clearly smaller. The
     * base's signature comes from the journal when this client had the base in hand (no round trip), else from the
     * service, in batches — only for chunks big enough to repay that round trip.
     */
    private void tryDeltas(Request r, FileChannel ch, Manifest m, Manifest parent, Map<String, Chunk> need,
                           Counters counters) throws IOException {
        if (parent.chunkCount() == 0) {
            return;
        }
        Map<String, String> baseOf = deltaBases(m, parent, need);
        Map<String, BlockSignature> sigs = new LinkedHashMap<>();
        List<String> ask = new ArrayList<>();
        for (Map.Entry<String, String> e : baseOf.entrySet()) {
            String base = e.getValue();
            if (sigs.containsKey(base) || ask.contains(base)) {
                continue;
            }
            BlockSignature cached = journal.signature(base).map(b -> decodeFor(base, b)).orElse(null);
            if (cached != null) {
                sigs.put(base, cached);
            } else if (need.get(e.getKey()).size() >= MIN_FETCHED_DELTA_CHUNK) {
                ask.add(base);
            }
        }
        for (int i = 0; i < ask.size(); i += MAX_SIGNATURES_PER_CALL) {
            List<String> batch = ask.subList(i, Math.min(ask.size(), i + MAX_SIGNATURES_PER_CALL));
            Signatures answer;
            try {
                answer = client.signatures(r.remotePath(), r.parentVersion(), r.parentVersion(), batch);
            } catch (ApiException e) {
                break; // signatures unavailable: plain uploads for these
            }
            for (Signatures.Signature sg : answer.signatures()) {
                try {
                    BlockSignature decoded = decodeFor(sg.id(), Base64.getDecoder().decode(sg.signature()));
                    if (decoded != null && batch.contains(sg.id())) {
                        sigs.put(sg.id(), decoded);
                        journal.recordSignature(sg.id(), decoded.encode());
                    }
                } catch (RuntimeException malformed) {
                    // skip this base: its chunk is uploaded whole
                }
            }
        }
        long fileSize = ch.size();
        for (Map.Entry<String, String> e : baseOf.entrySet()) {
            BlockSignature sig = sigs.get(e.getValue());
            Chunk c = need.get(e.getKey());
            if (sig == null || c == null) {
                continue;
            }
            byte[] bytes = readChunk(r.file(), ch, c);
            Delta delta = DeltaEncoder.encode(sig, bytes);
            if (delta.encodedLength() > MAX_DELTA_BYTES) {
                continue;
            }
            Transport.Binary wire = Transport.Binary.of(delta.encode()); // compressed once: judged, then sent
            if (wire.wireLength() > c.size() * DELTA_WORTH) {
                continue;
            }
            try {
                DeltaStored stored = client.deltaUpload(e.getValue(), e.getKey(), wire);
                if (!e.getKey().equals(stored.id())) {
                    continue;
                }
            } catch (ApiException refused) {
                continue; // e.g. the base is being collected: upload the chunk whole
            }
            journal.recordUploaded(e.getKey(), c.size(), client.options().clock().instant());
            journal.remember(e.getKey(), bytes, fileSize);
            need.remove(e.getKey());
            counters.deltas.incrementAndGet();
            counters.bytes.addAndGet(wire.bytes().length);
        }
    }

    /** A signature decoded and checked to be of {@code id}; null when it is not. */
    private static BlockSignature decodeFor(String id, byte[] encoded) {
        try {
            BlockSignature s = BlockSignature.decode(encoded);
            return s.baseId().hex().equals(id) ? s : null;
        } catch (RuntimeException malformed) {
            return null;
        }
    }

    /**
     * The base of each delta candidate (new chunk → parent chunk, both hex): the parent chunk whose bytes overlap the
     * new chunk's the most, once the new chunk's range is mapped into the parent through the nearest preceding
     * chunk the two versions share (an insert or a deletion earlier in the file shifts everything after it).
     *
     * <p>Overlap, not the chunk under the new chunk's first byte: an edit can move a cut point, so a new chunk often
     * starts with the last few KiB of one parent chunk and goes on with all of the next one. A delta names a single
     * base, and against the first of those two it is nearly all literal bytes (the chunk is then uploaded whole),
     * while against the second it is a few blocks.
     */
    static Map<String, String> deltaBases(Manifest m, Manifest parent, Map<String, Chunk> need) {
        Map<ChunkId, Long> parentOffset = new java.util.HashMap<>();
        for (int k = 0; k < parent.chunkCount(); k++) {
            parentOffset.putIfAbsent(parent.id(k), parent.offset(k));
        }
        Map<String, String> baseOf = new LinkedHashMap<>();
        long shift = 0; // parent offset − new offset, at the last shared chunk
        for (int i = 0; i < m.chunkCount() && baseOf.size() < MAX_DELTA_CANDIDATES; i++) {
            Long shared = parentOffset.get(m.id(i));
            if (shared != null) {
                shift = shared - m.offset(i);
                continue;
            }
            String hex = m.id(i).hex();
            if (m.size(i) < MIN_DELTA_CHUNK || !need.containsKey(hex) || baseOf.containsKey(hex)) {
                continue;
            }
            long start = Math.max(0, Math.min(m.offset(i) + shift, parent.totalSize() - 1));
            long end = Math.min(parent.totalSize(), start + m.size(i));
            int best = parent.indexAt(start);
            long bestOverlap = -1;
            for (int k = best; k < parent.chunkCount() && parent.offset(k) < end; k++) {
                long overlap = Math.min(end, parent.offset(k) + parent.size(k)) - Math.max(start, parent.offset(k));
                if (overlap > bestOverlap) {
                    bestOverlap = overlap;
                    best = k;
                }
            }
            baseOf.put(hex, parent.id(best).hex());
        }
        return baseOf;
    }

    /**
     * Grants and parallel presigned PUTs for {@code need}; each success is journaled at once. Grants are asked for
     * ahead of the uploads (at most {@link #BATCHES_IN_FLIGHT} batches in flight), so the grant round trip overlaps the
     * transfers while every URL is still used soon after it was issued.
     */
    private void upload(Request r, FileChannel ch, Map<String, Chunk> need, Counters counters) throws IOException {
        if (need.isEmpty()) {
            return;
        }
        long total = need.values().stream().mapToLong(Chunk::size).sum();
        r.listener().start("upload", r.file().getFileName().toString(), total);
        java.util.ArrayDeque<InFlight> inflight = new java.util.ArrayDeque<>();
        try {
            for (List<Chunk> batch : grantBatches(new ArrayList<>(need.values()))) {
                while (inflight.size() >= BATCHES_IN_FLIGHT) {
                    finish(r, ch, inflight.removeFirst(), counters);
                }
                inflight.add(grantAndSubmit(r, ch, batch, counters));
            }
            while (!inflight.isEmpty()) {
                finish(r, ch, inflight.removeFirst(), counters);
            }
        } catch (RuntimeException | IOException e) {
            inflight.forEach(b -> b.futures.forEach(f -> f.cancel(true)));
            throw e;
        } finally {
            r.listener().finish();
        }
    }

    /**
     * Whether a grant request of {@code chunks} chunks and {@code bytes} bytes is full: at {@link #GRANT_BATCH} chunks,
     * or at {@link #FIRST_GRANT_BATCH_BYTES} (the push's first request) or {@link #GRANT_BATCH_BYTES} (the others).
     */
    private static boolean batchFull(int chunks, long bytes, int batchesBefore) {
        return chunks == GRANT_BATCH || bytes >= (batchesBefore == 0 ? FIRST_GRANT_BATCH_BYTES : GRANT_BATCH_BYTES);
    }

    /**
     * {@code chunks} in order, cut into grant requests of at most {@link #GRANT_BATCH} chunks that close once they
     * reach {@link #FIRST_GRANT_BATCH_BYTES} (the first) or {@link #GRANT_BATCH_BYTES} (the others).
     */
    static List<List<Chunk>> grantBatches(List<Chunk> chunks) {
        List<List<Chunk>> out = new ArrayList<>();
        List<Chunk> batch = new ArrayList<>();
        long bytes = 0;
        for (Chunk c : chunks) {
            batch.add(c);
            bytes += c.size();
            if (batchFull(batch.size(), bytes, out.size())) {
                out.add(batch);
                batch = new ArrayList<>();
                bytes = 0;
            }
        }
        if (!batch.isEmpty()) {
            out.add(batch);
        }
        return out;
    }

    /** One batch's submitted uploads. */
    private record InFlight(List<UploadGrant.Upload> granted, List<Future<?>> futures, Map<String, Chunk> chunks) {}

    /** Asks for grants (waiting out chunks being collected) and submits a PUT for each granted chunk. */
    private InFlight grantAndSubmit(Request r, FileChannel ch, List<Chunk> batch, Counters counters) {
        Map<String, Chunk> pending = new LinkedHashMap<>();
        batch.forEach(c -> pending.put(c.id().hex(), c));
        Map<String, Chunk> chunks = new LinkedHashMap<>(pending);
        List<UploadGrant.Upload> granted = new ArrayList<>();
        List<Future<?>> futures = new ArrayList<>();
        for (int round = 0; !pending.isEmpty(); round++) {
            if (round >= MAX_RETRY_ROUNDS) {
                throw new TransportException("The service kept deferring " + pending.size() + " chunk upload(s).", null);
            }
            UploadGrant g = client.requestUploads(pending.values().stream()
                    .map(c -> new ChunkvaultClient.ChunkRef(c.id().hex(), c.size())).toList());
            Set<String> answered = new HashSet<>();
            for (String have : g.have()) {
                Chunk c = pending.remove(have);
                answered.add(have);
                if (c != null) {
                    counters.skipped.incrementAndGet();
                    r.listener().advance(c.size());
                }
            }
            for (UploadGrant.Upload u : g.uploads()) {
                Chunk c = pending.remove(u.id());
                if (c == null) {
                    throw new BadResponseException("The upload grant names a chunk that was not asked for.", null);
                }
                answered.add(u.id());
                granted.add(u);
                futures.add(submit(r, ch, u, c, counters));
            }
            g.retry().forEach(l -> answered.add(l.id()));
            if (!answered.containsAll(pending.keySet())) {
                throw new BadResponseException("The upload grant left a chunk unanswered.", null);
            }
            if (!pending.isEmpty()) {
                long wait = g.retry().stream().mapToLong(UploadGrant.Later::retryAfterSeconds).max().orElse(1);
                try {
                    client.options().sleeper().sleep(Duration.ofSeconds(Math.max(1, Math.min(60, wait))));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new ChunkvaultException("Interrupted.", e);
                }
            }
        }
        return new InFlight(granted, futures, chunks);
    }

    private Future<?> submit(Request r, FileChannel ch, UploadGrant.Upload u, Chunk c, Counters counters) {
        return client.transferPool().submit(() -> {
            // A chunk of a file too large for its signature to be kept need not be in memory: the PUT streams it from
            // the file (large-file chunks are up to 8 MiB, and several transfers run at once). Otherwise the chunk is
            // read whole, within the transfers' memory budget, and its signature kept.
            boolean streamed = ch.size() > SignatureCache.MAX_FILE_BYTES;
            try (TransferMemory.Lease held = streamed ? null : client.transferMemory().acquire(c.size())) {
                byte[] bytes = streamed ? null : readFully(ch, c.offset(), c.size());
                try {
                    if (streamed) {
                        client.putObject(u.url(), u.headers(), c.size(), () -> new RegionInputStream(ch, c.offset(), c.size()));
                    } else {
                        client.putObject(u.url(), u.headers(), bytes);
                    }
                } catch (ApiException refused) {
                    // Not hashed before the PUT: it signs the chunk's SHA-256, so the storage refuses bytes that changed
                    // since the scan; only then is it worth finding out whether the file did.
                    ChunkId sent = streamed ? regionId(ch, c) : ChunkId.sha256(bytes);
                    if (refused.status() >= 400 && refused.status() < 500 && !sent.equals(c.id())) {
                        throw new LocalFileChangedException(r.file(), "changed while it was being uploaded");
                    }
                    throw refused;
                }
                journal.recordUploaded(u.id(), c.size(), client.options().clock().instant());
                if (bytes != null) {
                    journal.remember(u.id(), bytes, ch.size());
                }
                counters.uploaded.incrementAndGet();
                counters.bytes.addAndGet(c.size());
                r.listener().advance(c.size());
                return null;
            }
        });
    }

    /** Waits for a batch; uploads refused because their URL expired (a slow link) are granted and sent once more. */
    private void finish(Request r, FileChannel ch, InFlight b, Counters counters) throws IOException {
        List<Chunk> expired = new ArrayList<>();
        for (int i = 0; i < b.futures().size(); i++) {
            try {
                b.futures().get(i).get();
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof ApiException a && a.status() == 403) {
                    expired.add(b.chunks().get(b.granted().get(i).id()));
                    continue;
                }
                if (cause instanceof IOException io) {
                    throw io;
                }
                if (cause instanceof RuntimeException re) {
                    throw re;
                }
                throw new ChunkvaultException("Upload failed.", cause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ChunkvaultException("Interrupted.", e);
            }
        }
        if (!expired.isEmpty()) {
            InFlight again = grantAndSubmit(r, ch, expired, counters);
            for (Future<?> f : again.futures()) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (cause instanceof RuntimeException re) {
                        throw re;
                    }
                    throw cause instanceof IOException io ? io : new IOException("upload failed", cause);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new ChunkvaultException("Interrupted.", e);
                }
            }
        }
    }

    private CommitResult commit(Request r, FileChannel ch, Scanned s, String pathKey, String parent,
                                Manifest parentManifest, Counters counters) throws IOException {
        Manifest m = s.manifest();
        String manifestHash = m.hash().hex();
        String key = journal.commitKey(pathKey, parent, manifestHash).orElse(null);
        if (key == null) {
            key = ChunkvaultClient.newIdempotencyKey();
            journal.recordCommitKey(pathKey, parent, manifestHash, key);
        }
        ChunkvaultClient.Commit c = parentManifest != null
                ? new ChunkvaultClient.Commit(r.remotePath(), parent, null, ManifestDelta.compute(parentManifest, m),
                        s.size(), s.contentHash(), s.mtimeMillis(), key)
                : new ChunkvaultClient.Commit(r.remotePath(), parent, m, null, s.size(), s.contentHash(),
                        s.mtimeMillis(), key);
        int inProgress = 0;
        // A large commit verifies a slice of its chunks at a time and lists the missing ones it had time to find, so a
        // version whose chunks were collected after they were uploaded can take a round per slice: go on as long as
        // each round makes progress (nothing sent again in the round before is still missing), up to a bound no
        // honest answer reaches (every progressing round names chunks of this file).
        Set<String> sentAgain = Set.of();
        int stalled = 0;
        int maxRounds = m.distinctIds().size() + MAX_STALLED_COMMIT_ROUNDS;
        for (int round = 1; ; ) {
            try {
                CommitResult result = committer.commit(c);
                journal.clearCommitKey(pathKey);
                return result;
            } catch (StaleParentException stale) {
                journal.clearCommitKey(pathKey);
                throw stale;
            } catch (ApiException e) {
                if ("COMMIT_IN_PROGRESS".equals(e.code()) && ++inProgress < MAX_IN_PROGRESS_ROUNDS) {
                    continue; // a large commit that needs more than one request's time: the same request goes on with it
                }
                if (!e.isMissingChunks()) {
                    throw e;
                }
                List<String> missing = e.missingChunks();
                Set<String> before = sentAgain;
                stalled = missing.stream().anyMatch(before::contains) ? stalled + 1 : 0;
                if (stalled >= MAX_STALLED_COMMIT_ROUNDS || ++round > maxRounds) {
                    throw e;
                }
                reuploadMissing(r, ch, m, missing, counters);
                sentAgain = new HashSet<>(missing);
            }
        }
    }

    /** The commit said these chunks are missing (collected, or never arrived): forget and send exactly them. */
    private void reuploadMissing(Request r, FileChannel ch, Manifest m, List<String> missing, Counters counters)
            throws IOException {
        Map<String, Chunk> need = new LinkedHashMap<>();
        Set<String> wanted = new HashSet<>(missing);
        for (int i = 0; i < m.chunkCount() && need.size() < wanted.size(); i++) {
            String hex = m.id(i).hex();
            if (wanted.contains(hex) && !need.containsKey(hex)) {
                need.put(hex, new Chunk(m.offset(i), m.size(i), m.id(i)));
            }
        }
        if (need.isEmpty()) {
            throw new BadResponseException("The service reported missing chunks that are not in this file.", null);
        }
        need.keySet().forEach(journal::forgetUploaded);
        upload(r, ch, need, counters);
    }

    private static void checkUnchanged(Path file, Scanned s) throws IOException {
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
        if (a.size() != s.size() || a.lastModifiedTime().toMillis() != s.mtimeMillis()) {
            throw new LocalFileChangedException(file, "changed while it was being uploaded");
        }
    }

    /** A chunk's bytes re-read from the file by offset, checked against its id. */
    static byte[] readChunk(Path file, FileChannel ch, Chunk c) throws IOException {
        byte[] b = readFully(ch, c.offset(), c.size());
        MessageDigest md = Sha256.newDigest();
        md.update(b);
        if (!ChunkId.ofDigest(md.digest()).equals(c.id())) {
            throw new LocalFileChangedException(file, "changed while it was being uploaded");
        }
        return b;
    }

    /** The SHA-256 of a chunk's range of the file as it is now, read in pieces. */
    private static ChunkId regionId(FileChannel ch, Chunk c) throws IOException {
        MessageDigest md = Sha256.newDigest();
        ByteBuffer buf = ByteBuffer.allocate(64 << 10);
        long pos = c.offset();
        long end = c.offset() + c.size();
        while (pos < end) {
            buf.clear().limit((int) Math.min(buf.capacity(), end - pos));
            int n = ch.read(buf, pos);
            if (n < 0) {
                break; // shorter now: the hash cannot match
            }
            md.update(buf.array(), 0, n);
            pos += n;
        }
        return ChunkId.ofDigest(md.digest());
    }

    /** {@code length} bytes of a file from {@code offset}, by positional reads (the channel's position is not used). */
    static final class RegionInputStream extends java.io.InputStream {
        private final FileChannel ch;
        private long pos;
        private final long end;

        RegionInputStream(FileChannel ch, long offset, long length) {
            this.ch = ch;
            this.pos = offset;
            this.end = offset + length;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            java.util.Objects.checkFromIndexSize(off, len, b.length);
            if (pos >= end) {
                return -1;
            }
            if (len == 0) {
                return 0;
            }
            int n = ch.read(ByteBuffer.wrap(b, off, (int) Math.min(Math.min(len, IO_SLICE), end - pos)), pos);
            if (n < 0) {
                throw new EOFException("file shorter than expected");
            }
            pos += n;
            return n;
        }
    }

    /**
     * The most a single file read or write of a transfer moves. The JDK does file I/O from a heap buffer through a
     * temporary direct buffer of the same size, which each thread keeps: whole 8 MiB chunks read or written at once
     * by eight transfer threads would hold 64 MiB of direct memory (by default capped at the heap size).
     */
    static final int IO_SLICE = 256 << 10;

    static byte[] readFully(FileChannel ch, long offset, int size) throws IOException {
        byte[] b = new byte[size];
        ByteBuffer buf = ByteBuffer.wrap(b);
        long pos = offset;
        while (buf.position() < b.length) {
            buf.limit(Math.min(b.length, buf.position() + IO_SLICE));
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new EOFException("file shorter than expected");
            }
            pos += n;
        }
        return b;
    }
}
