package dev.chunkvault.client;

import dev.chunkvault.client.model.CommitResult;
import dev.chunkvault.core.chunking.Chunk;
import dev.chunkvault.core.chunking.ChunkingPolicy;
import dev.chunkvault.core.manifest.Manifest;
import dev.chunkvault.core.manifest.ManifestDelta;
import dev.chunkvault.core.paths.FilePath;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;

/**
 * Pushes one local file as a new version, through named stages:
 * <ol>
 *   <li>{@link ChunkScanner} chunks and hashes it in one streaming pass (bounded memory, whatever its size);</li>
 *   <li>{@link ChunkPicker} keeps the chunks the service may lack: new to the file's history, not journaled;</li>
 *   <li>{@link DeltaUploader} sends an edited chunk as a binary delta of the parent chunk it overlaps most, when that
 *       is clearly smaller, in batches with other deltas ({@link DeltaSender});</li>
 *   <li>{@link ChunkUploader} asks for upload grants ({@link GrantBatcher}) and sends the rest by presigned PUT in
 *       parallel, re-reading each chunk from the file by offset;</li>
 *   <li>{@link VersionCommitter} commits a manifest delta against the parent (the full manifest for a new file).</li>
 * </ol>
 * A new file (no parent, so nothing to reuse and no delta to try) is chunked while its chunks upload: the scan runs
 * on a thread of its own and hands each full grant request to the uploads at once (see {@code pushNew}).
 *
 * <p>Resumable: every uploaded chunk is journaled (with its time) and skipped by a re-run; the commit's
 * idempotency key is journaled before it is sent, so a re-run after a crash replays it instead of committing
 * twice. If the commit answers that some chunks are missing (e.g. collected since they were journaled), exactly
 * those are uploaded again.
 */
public final class FilePusher {
    /** Chunks per upload-grant request (see {@link GrantBatcher}). */
    public static final int GRANT_BATCH = GrantBatcher.GRANT_BATCH;
    /** Bytes at which an upload-grant request closes (see {@link GrantBatcher}). */
    public static final long GRANT_BATCH_BYTES = GrantBatcher.GRANT_BATCH_BYTES;
    /** Grant requests whose uploads may be in flight at once (see {@link ChunkUploader}). */
    public static final int BATCHES_IN_FLIGHT = ChunkUploader.BATCHES_IN_FLIGHT;

    private final ChunkvaultClient client;
    private final PushJournal journal;
    private final DeltaUploader deltas;
    private final ChunkUploader uploader;
    private final VersionCommitter committer;

    /** Files are cut as {@link ChunkingPolicy} says: by size, and as the version they replace was. */
    public FilePusher(ChunkvaultClient client, PushJournal journal) {
        this(client, journal, client::commit);
    }

    /** @param committer how the commits are sent: one request each, or grouped with others by its owner */
    public FilePusher(ChunkvaultClient client, PushJournal journal, Committer committer) {
        this(client, journal, committer, client::requestUploads);
    }

    /**
     * @param committer how the commits are sent: one request each, or grouped with others by its owner
     * @param granter   how upload grants are asked for: one request each, or shared with other files' pushes
     */
    public FilePusher(ChunkvaultClient client, PushJournal journal, Committer committer, Granter granter) {
        this(client, journal, committer, granter, new SharedDeltas(client, java.time.Duration.ZERO));
    }

    /**
     * @param committer how the commits are sent: one request each, or grouped with others by its owner
     * @param granter   how upload grants are asked for: one request each, or shared with other files' pushes
     * @param deltas    how the deltas of edited chunks are sent: each file's in one batch, or shared with other files'
     */
    public FilePusher(ChunkvaultClient client, PushJournal journal, Committer committer, Granter granter,
                      DeltaSender deltas) {
        this.client = Objects.requireNonNull(client, "client");
        this.journal = Objects.requireNonNull(journal, "journal");
        Objects.requireNonNull(committer, "committer");
        this.deltas = new DeltaUploader(client, journal, Objects.requireNonNull(deltas, "deltas"));
        this.uploader = new ChunkUploader(client, journal, Objects.requireNonNull(granter, "granter"));
        this.committer = new VersionCommitter(journal, committer, uploader);
    }

    /**
     * @param file           the local file
     * @param remotePath     where it goes ("docs/a.txt")
     * @param parentVersion  the version this content replaces; null for a new file (or over a deletion)
     * @param parentManifest the parent's manifest if known (saves a round trip); fetched when null
     * @param cut            how the file's bytes are already cut (e.g. a merged manifest), or null to chunk it
     * @param executable     the executable bit to commit; null to read it from the file (not executable where the
     *                       file system has no modes)
     * @param link           whether to commit a symbolic link: {@code file} is then a regular file holding the link's
     *                       target path (UTF-8), staged by {@link SymLinks#stage}; the link itself is never opened
     * @param originalName   the file's name here when {@code remotePath} holds a marked name for it (issue 21), or null
     */
    public record Request(Path file, String remotePath, String parentVersion, Manifest parentManifest, Manifest cut,
                          TransferListener listener, Boolean executable, boolean link, String originalName) {
        public Request {
            Objects.requireNonNull(file, "file");
            Objects.requireNonNull(remotePath, "remotePath");
            listener = listener == null ? TransferListener.NONE : listener;
        }

        /** A request for a file stored under its own name. */
        public Request(Path file, String remotePath, String parentVersion, Manifest parentManifest, Manifest cut,
                       TransferListener listener, Boolean executable, boolean link) {
            this(file, remotePath, parentVersion, parentManifest, cut, listener, executable, link, null);
        }

        /** A request whose executable bit is read from the file. */
        public Request(Path file, String remotePath, String parentVersion, Manifest parentManifest, Manifest cut,
                       TransferListener listener) {
            this(file, remotePath, parentVersion, parentManifest, cut, listener, null, false);
        }

        /** A request for a regular file with the executable bit as given. */
        public Request(Path file, String remotePath, String parentVersion, Manifest parentManifest, Manifest cut,
                       TransferListener listener, Boolean executable) {
            this(file, remotePath, parentVersion, parentManifest, cut, listener, executable, false);
        }

        public static Request of(Path file, String remotePath, String parentVersion) {
            return new Request(file, remotePath, parentVersion, null, null, null);
        }

        public Request withParentManifest(Manifest m) {
            return new Request(file, remotePath, parentVersion, m, cut, listener, executable, link, originalName);
        }

        public Request withListener(TransferListener l) {
            return new Request(file, remotePath, parentVersion, parentManifest, cut, l, executable, link, originalName);
        }

        public Request withCut(Manifest m) {
            return new Request(file, remotePath, parentVersion, parentManifest, m, listener, executable, link, originalName);
        }

        public Request withExecutable(Boolean x) {
            return new Request(file, remotePath, parentVersion, parentManifest, cut, listener, x, link, originalName);
        }

        /** A request for a symbolic link whose target is staged in {@code staged}, or for a regular file. */
        public Request withLink(boolean l) {
            return new Request(file, remotePath, parentVersion, parentManifest, cut, listener, executable, l, originalName);
        }

        /** The same request, of a file whose name here is {@code name} (see above). */
        public Request withOriginalName(String name) {
            return new Request(file, remotePath, parentVersion, parentManifest, cut, listener, executable, link, name);
        }

        /** The bit to commit: as asked, else the file's own (a link is never executable). */
        boolean executableBit() throws IOException {
            if (link) {
                return false;
            }
            return executable != null ? executable : Boolean.TRUE.equals(FileModes.executable(file));
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
        warmUpCodec();
        return scanned(ChunkScanner.scan(file, baseProfile, listener));
    }

    /** Checks that {@code file} is cut as {@code cut} says (every chunk's SHA-256) and hashes it. */
    public Scanned verifyCut(Path file, Manifest cut, TransferListener listener) throws IOException {
        return scanned(ChunkScanner.verify(file, cut, listener));
    }

    private static Scanned scanned(ChunkScanner.Cut c) {
        return new Scanned(c.manifest(), c.hash().sha256Hex(), c.hash().length(), c.mtimeMillis());
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

    /** Pushes a file already scanned (its stat must not have changed since). */
    public Result push(Request r, Scanned s) throws IOException {
        return push(r, s, r.parentManifest() != null ? r.parentManifest() : fetchParent(r));
    }

    /** The codec loads while the file is read and chunked, not when its first chunk is to be compressed or probed. */
    private void warmUpCodec() {
        if (client.compressPacks()) {
            CodecWarmUp.start();
        }
    }

    /** The parent version's manifest; null when the parent is a deletion (or expired). */
    private Manifest fetchParent(Request r) {
        if (r.parentVersion() == null) {
            return null;
        }
        try {
            return client.manifest(r.remotePath(), r.parentVersion()).manifest();
        } catch (ApiException e) {
            if (!e.isNoSuchFile()) {
                throw e; // a missing route is no answer about the parent
            }
            return null; // the parent is a deletion (or expired): commit the full manifest on it
        }
    }

    /** Scanned, then: the chunks to send, deltas for what can go as one, uploads for the rest, the commit. */
    private Result push(Request r, Scanned s, Manifest parentManifest) throws IOException {
        String pathKey = FilePath.parse(r.remotePath()).foldKey();
        Manifest m = s.manifest();
        if (parentManifest != null && !parentManifest.profile().equals(m.profile())) {
            parentManifest = null; // chunked differently: send the full manifest, nothing from the parent is reused
        }
        PushCounters counters = new PushCounters();
        try (FileChannel ch = FileChannel.open(r.file(), StandardOpenOption.READ)) {
            PushSource from = new PushSource(r.file(), ch, r.listener(), counters);
            Map<String, Chunk> need = toSend(m, parentManifest, counters);
            deltas.send(from, r.remotePath(), r.parentVersion(), m, parentManifest, need);
            uploader.upload(from, need.values());
            ChunkScanner.requireUnchanged(r.file(), s.size(), s.mtimeMillis());
            CommitResult result = committer.commit(from, pathKey, m,
                    commitOf(r.remotePath(), r.parentVersion(), parentManifest, s, r.executableBit(), r.link())
                            .withOriginalName(r.originalName()));
            return new Result(result, m, s.contentHash(), s.size(), s.mtimeMillis(), stats(counters, m));
        }
    }

    /** The chunks of {@code m} to send (id hex → chunk, in file order), as {@link ChunkPicker} decides. */
    private Map<String, Chunk> toSend(Manifest m, Manifest parent, PushCounters counters) {
        ChunkPicker picker = new ChunkPicker(journal, client.options().clock().instant(),
                parent == null ? Set.of() : parent.distinctIds(), counters);
        Map<String, Chunk> need = new LinkedHashMap<>();
        for (int i = 0; i < m.chunkCount(); i++) {
            if (picker.pick(m.id(i))) {
                need.put(m.id(i).hex(), new Chunk(m.offset(i), m.size(i), m.id(i)));
            }
        }
        return need;
    }

    /** Marks the end of the scan's grant requests (compared by identity). */
    private static final List<ChunkUploader.ChunkToSend> END_OF_SCAN = Collections.unmodifiableList(new ArrayList<>());

    /**
     * A new file (no parent, so nothing to reuse and no delta to try): chunking and hashing overlap the uploads. The
     * scan runs on a thread of its own, where the chunks to send are picked and cut into grant requests; each request
     * is handed to this thread as soon as it is full, and this thread asks for grants and submits the PUTs as for
     * {@link #push(Request, Scanned)}, re-reading each chunk by offset, so memory stays bounded whatever the file's
     * size (the requests hold offsets and ids, never bytes). The same journal: a chunk uploaded recently is skipped,
     * each upload is journaled when it succeeds, and the commit key is journaled before the commit, so a re-run after
     * a kill resumes where this one stopped.
     */
    private Result pushNew(Request r) throws IOException {
        warmUpCodec();
        String pathKey = FilePath.parse(r.remotePath()).foldKey();
        PushCounters counters = new PushCounters();
        BasicFileAttributes a = Files.readAttributes(r.file(), BasicFileAttributes.class);
        BlockingQueue<List<ChunkUploader.ChunkToSend>> batches = new LinkedBlockingQueue<>();
        r.listener().start("upload", r.file().getFileName().toString(), a.size());
        ChunkUploader.Window uploads = uploader.window();
        Scanned s;
        try (FileChannel ch = FileChannel.open(r.file(), StandardOpenOption.READ)) {
            PushSource from = new PushSource(r.file(), ch, r.listener(), counters);
            ChunkScanner.Background scan = null;
            try {
                scan = new ChunkScanner.Background(r.file(), a, null, picking(from, batches::add),
                        () -> batches.add(END_OF_SCAN));
                for (List<ChunkUploader.ChunkToSend> batch = batches.take(); batch != END_OF_SCAN;
                        batch = batches.take()) {
                    uploads.submit(batch);
                }
                s = scanned(scan.await());
                uploads.drain();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ChunkvaultException("Interrupted.", e);
            } catch (RuntimeException | IOException e) {
                uploads.cancel();
                throw e;
            } finally {
                if (scan != null) {
                    scan.close();
                }
                r.listener().finish();
            }
            ChunkScanner.requireUnchanged(r.file(), s.size(), s.mtimeMillis());
            Manifest m = s.manifest();
            CommitResult result = committer.commit(from, pathKey, m, commitOf(r.remotePath(), null, null, s, r.executableBit(),
                    r.link()).withOriginalName(r.originalName()));
            return new Result(result, m, s.contentHash(), s.size(), s.mtimeMillis(), stats(counters, m));
        }
    }

    /**
     * The scan's sink for a new file: each chunk {@link ChunkPicker} keeps goes into a grant request, and each request
     * to {@code out} as it fills; a chunk not sent counts as done for the progress at once.
     */
    private ChunkScanner.ChunkSink picking(PushSource from, Consumer<List<ChunkUploader.ChunkToSend>> out) {
        ChunkPicker picker = new ChunkPicker(journal, client.options().clock().instant(), Set.of(), from.counters());
        GrantBatcher<ChunkUploader.ChunkToSend> requests = new GrantBatcher<>(c -> c.chunk().size(), out);
        return new ChunkScanner.ChunkSink() {
            @Override
            public void chunk(Chunk c) {
                if (picker.pick(c.id())) {
                    requests.add(new ChunkUploader.ChunkToSend(from, c));
                } else {
                    from.listener().advance(c.size()); // sent once, with its first occurrence, or journaled
                }
            }

            @Override
            public void end() {
                requests.flush();
            }
        };
    }

    /** What to commit: a manifest delta against the parent's manifest when there is one, else the full manifest. */
    private static ChunkvaultClient.Commit commitOf(String remotePath, String parent, Manifest parentManifest,
                                                    Scanned s, boolean executable, boolean link) {
        Manifest m = s.manifest();
        return parentManifest != null
                ? new ChunkvaultClient.Commit(remotePath, parent, null, ManifestDelta.compute(parentManifest, m),
                        s.size(), s.contentHash(), s.mtimeMillis(), null, executable, link)
                : new ChunkvaultClient.Commit(remotePath, parent, m, null, s.size(), s.contentHash(),
                        s.mtimeMillis(), null, executable, link);
    }

    private static Stats stats(PushCounters c, Manifest m) {
        return new Stats(m.chunkCount(), c.uploaded.get(), c.deltas.get(), c.skipped.get(), c.bytes.get());
    }
}
