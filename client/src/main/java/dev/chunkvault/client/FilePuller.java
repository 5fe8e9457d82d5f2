package dev.chunkvault.client;

import dev.chunkvault.client.model.DownloadPlan;
import dev.chunkvault.client.model.VersionInfo;
import dev.chunkvault.core.compress.ChunkCodec;
import dev.chunkvault.core.compress.Encoding;
import dev.chunkvault.core.compress.EncodingException;
import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.core.hash.Sha256;
import dev.chunkvault.core.manifest.Manifest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Pulls one version of a remote file into a local file: every chunk already present locally (any file, any
 * offset, per the {@link ChunkIndex}) is copied from disk, the rest downloaded through presigned GETs in
 * parallel. Everything is written into a temporary file next to the target, each chunk checked against its
 * SHA-256 and the whole file against the version's content hash, then fsynced and atomically renamed over the
 * target — so the target is either the old file or the complete, verified new one. Chunks of files over
 * {@link SignatureCache#MAX_FILE_BYTES} are streamed into their place in the file (a 256 KiB buffer each); those of
 * smaller files are held while their signature is computed, within the client's {@link TransferMemory} budget.
 */
public final class FilePuller {
    /** The bytes of packed chunks one file's thread fetches and holds at a time. */
    static final long PACKED_SLICE_BYTES = 8L << 20;
    static final int URL_BATCH = 1000;
    private static final int GET_ATTEMPTS = 2;

    private final ChunkvaultClient client;
    private final SignatureCache signatures;
    private final Planner planner;

    public FilePuller(ChunkvaultClient client) {
        this(client, SignatureCache.NONE);
    }

    /** A puller that keeps the block signatures of the chunks it downloads, for deltas of later local edits. */
    public FilePuller(ChunkvaultClient client, SignatureCache signatures) {
        this(client, signatures, client::downloadPlan);
    }

    /** @param planner how download plans are asked for: one request each, or shared with other files' pulls */
    public FilePuller(ChunkvaultClient client, SignatureCache signatures, Planner planner) {
        this.client = Objects.requireNonNull(client, "client");
        this.signatures = Objects.requireNonNull(signatures, "signatures");
        this.planner = Objects.requireNonNull(planner, "planner");
    }

    /** Decides, just before the rename, whether the target may be replaced (e.g. it has no unsynced edit). */
    @FunctionalInterface
    public interface ReplaceGuard {
        boolean mayReplace(Path target) throws IOException;

        ReplaceGuard ALWAYS = t -> true;
    }

    /**
     * @param version  the version to pull; null for the head
     * @param tempDir  where the temporary file is built: must be on the target's file system (rename); null for
     *                 the target's folder
     * @param index    local chunk locations to reuse
     * @param root     the folder the target is written in (a sync folder, a pull's destination): no symbolic link
     *                 may lie between it and the target, nor be the target (see {@link LocalTargets}); folders
     *                 missing below it are created without following links. Null for the target's own folder.
     * @param allUrls  ask for every chunk's URL with the manifest, in one plan: for a file that is not here yet (a
     *                 second device's first sync), where no chunk is likely to be found locally; otherwise the plan
     *                 brings the manifest alone and only the chunks not found locally are asked for
     * @param links    keep symbolic links as links ({@code --links}): a link version is made a link here
     *                 ({@link SymLinks#install}), and a link at the target is replaced by the rename (never
     *                 followed). Without it a link version is not written ({@link SymLinks.NotSyncedException}) and a
     *                 link at the target is refused
     */
    public record Request(String remotePath, String version, Path target, Path tempDir, ChunkIndex index,
                          ReplaceGuard guard, TransferListener listener, Path root, boolean allUrls, boolean links) {
        public Request {
            Objects.requireNonNull(remotePath, "remotePath");
            Objects.requireNonNull(target, "target");
            index = index == null ? ChunkIndex.EMPTY : index;
            guard = guard == null ? ReplaceGuard.ALWAYS : guard;
            listener = listener == null ? TransferListener.NONE : listener;
        }

        public Request(String remotePath, String version, Path target, Path tempDir, ChunkIndex index,
                       ReplaceGuard guard, TransferListener listener) {
            this(remotePath, version, target, tempDir, index, guard, listener, null, false, false);
        }

        public Request(String remotePath, String version, Path target, Path tempDir, ChunkIndex index,
                       ReplaceGuard guard, TransferListener listener, Path root) {
            this(remotePath, version, target, tempDir, index, guard, listener, root, false, false);
        }

        public static Request of(String remotePath, Path target) {
            return new Request(remotePath, null, target, null, null, null, null, null, false, false);
        }

        public Request withAllUrls(boolean all) {
            return new Request(remotePath, version, target, tempDir, index, guard, listener, root, all, links);
        }

        public Request withVersion(String v) {
            return new Request(remotePath, v, target, tempDir, index, guard, listener, root, allUrls, links);
        }

        public Request withIndex(ChunkIndex i) {
            return new Request(remotePath, version, target, tempDir, i, guard, listener, root, allUrls, links);
        }

        public Request withTempDir(Path d) {
            return new Request(remotePath, version, target, d, index, guard, listener, root, allUrls, links);
        }

        public Request withGuard(ReplaceGuard g) {
            return new Request(remotePath, version, target, tempDir, index, g, listener, root, allUrls, links);
        }

        public Request withListener(TransferListener l) {
            return new Request(remotePath, version, target, tempDir, index, guard, l, root, allUrls, links);
        }

        public Request withRoot(Path r) {
            return new Request(remotePath, version, target, tempDir, index, guard, listener, r, allUrls, links);
        }

        public Request withLinks(boolean l) {
            return new Request(remotePath, version, target, tempDir, index, guard, listener, root, allUrls, l);
        }

        /** The folder the target must stay in: {@link #root}, or the target's own. */
        Path rootOrParent() {
            return root != null ? root : parentOf(target);
        }
    }

    public record Stats(int chunks, int chunksReused, int chunksDownloaded, long bytesDownloaded, long bytesReused) {}

    /** What was written: the version, its manifest, and the installed file's stat. */
    public record Result(VersionInfo version, Manifest manifest, long size, long mtimeMillis, Stats stats) {}

    /** A verified temporary file holding a manifest's content. */
    public record Built(Path temp, String contentHash, Stats stats) {}

    public Result pull(Request r) throws IOException {
        // Before anything is downloaded: a target under a link is refused at once, not after the transfer.
        if (r.links()) {
            LocalTargets.checkReplacing(r.rootOrParent(), r.target());
        } else {
            LocalTargets.check(r.rootOrParent(), r.target());
        }
        DownloadPlan plan = planner.plan(r.remotePath(), r.version(), r.allUrls() ? null : List.of());
        VersionInfo v = ChunkvaultClient.requireVersion(plan);
        if (v.isLink() && !r.links()) {
            throw new SymLinks.NotSyncedException("'" + LocalTargets.printable(r.remotePath()) + "' is a symbolic link;"
                    + " not written here (links are kept as links only with --links)", null);
        }
        if (v.isLink() && v.size() > SymLinks.MAX_TARGET_BYTES) {
            throw new BadResponseException("The link " + r.remotePath() + " has a target longer than "
                    + SymLinks.MAX_TARGET_BYTES + " bytes.", null);
        }
        Manifest m = client.manifestOf(plan);
        if (m.totalSize() != v.size()) {
            throw new BadResponseException("The manifest of " + r.remotePath() + " does not add up to its size.", null);
        }
        // Next to the target by default: its folders are made here, one at a time and never through a link (the
        // temporary file would otherwise be created wherever a link on the way pointed).
        Path tempDir = r.tempDir() != null ? r.tempDir() : LocalTargets.createParents(r.rootOrParent(), r.target(),
                r.links());
        Map<String, DownloadPlan.ChunkUrl> known = new java.util.HashMap<>();
        plan.chunks().forEach(c -> known.put(c.id(), c));
        // A link's chunks are its target's bytes, found nowhere on disk (and reading "its" file would follow it).
        Built built = build(r.remotePath(), v.versionId(), m, v.contentHash(), tempDir,
                v.isLink() ? ChunkIndex.EMPTY : r.index(), r.listener(), known);
        long mtime = v.clientMtime() == null ? System.currentTimeMillis() : v.clientMtime().toEpochMilli();
        BasicFileAttributes a;
        if (v.isLink()) {
            String linkTarget;
            try {
                linkTarget = SymLinks.decode(r.remotePath(), Files.readAllBytes(built.temp()));
            } finally {
                Files.deleteIfExists(built.temp());
            }
            a = SymLinks.install(tempDir, r.rootOrParent(), r.target(), linkTarget, r.guard(), mtime);
        } else {
            a = install(built.temp(), r.rootOrParent(), r.target(), r.guard(), mtime, v.executable(), r.links());
        }
        return new Result(v, m, a.size(), a.lastModifiedTime().toMillis(), built.stats());
    }

    private static Path parentOf(Path target) {
        Path p = target.toAbsolutePath().getParent();
        return p == null ? Path.of(".") : p;
    }

    /**
     * Builds {@code manifest}'s content in a new temporary file in {@code tempDir}: chunks from {@code index} where
     * their bytes check out, the others downloaded from version {@code versionId} of {@code remotePath}.
     *
     * @param expectedHash the content's SHA-256, checked after the build; null to skip (the result's hash is
     *                     reported either way)
     */
    public Built build(String remotePath, String versionId, Manifest manifest, String expectedHash, Path tempDir,
                       ChunkIndex index, TransferListener listener) throws IOException {
        return build(remotePath, versionId, manifest, expectedHash, tempDir, index, listener, Map.of());
    }

    /** The same, with chunk URLs already at hand (from the plan that brought the manifest). */
    Built build(String remotePath, String versionId, Manifest manifest, String expectedHash, Path tempDir,
                ChunkIndex index, TransferListener listener, Map<String, DownloadPlan.ChunkUrl> known) throws IOException {
        Files.createDirectories(tempDir);
        // Not createTempFile: its owner-only mode would stay on the installed file. A plain create gets the
        // user's default mode (umask), as any program writing a new file would.
        Path temp = Files.createFile(tempDir.resolve(".cv-" + java.util.UUID.randomUUID() + ".part"));
        boolean ok = false;
        try {
            Stats stats;
            listener.start("download", remotePath, manifest.totalSize());
            try (FileChannel out = FileChannel.open(temp, StandardOpenOption.READ, StandardOpenOption.WRITE,
                    LinkOption.NOFOLLOW_LINKS)) {
                stats = fill(remotePath, versionId, manifest, index, out, listener, known);
                out.force(true);
            } finally {
                listener.finish();
            }
            if (Files.size(temp) != manifest.totalSize()) {
                throw new IntegrityException("The rebuilt " + remotePath + " has the wrong size; it was not saved.");
            }
            // Every chunk fill wrote was checked against its id (its SHA-256): a file that is one chunk has that id for its
            // hash, and is not read back (most files of a large tree are one chunk: issue 15).
            String hash = oneChunk(manifest) ? manifest.id(0).hex() : sha256(temp);
            if (expectedHash != null && !expectedHash.equals(hash)) {
                throw new IntegrityException("The downloaded " + remotePath + " does not match the server's content hash;"
                        + " it was not saved.");
            }
            ok = true;
            return new Built(temp, hash, stats);
        } finally {
            if (!ok) {
                Files.deleteIfExists(temp);
            }
        }
    }

    private Stats fill(String remotePath, String versionId, Manifest m, ChunkIndex index, FileChannel out,
                       TransferListener listener, Map<String, DownloadPlan.ChunkUrl> known) throws IOException {
        Map<String, List<Integer>> positions = new LinkedHashMap<>();
        for (int i = 0; i < m.chunkCount(); i++) {
            positions.computeIfAbsent(m.id(i).hex(), k -> new ArrayList<>(1)).add(i);
        }
        int reused = 0;
        long bytesReused = 0;
        List<String> missing = new ArrayList<>();
        for (Map.Entry<String, List<Integer>> e : positions.entrySet()) {
            int first = e.getValue().get(0);
            byte[] local = readLocal(index, e.getKey(), m.size(first));
            if (local == null) {
                missing.add(e.getKey());
                continue;
            }
            for (int i : e.getValue()) {
                writeAt(out, m.offset(i), local);
                listener.advance(local.length);
                bytesReused += local.length;
            }
            reused++;
        }
        AtomicInteger downloaded = new AtomicInteger();
        AtomicLong bytesDown = new AtomicLong();
        for (int i = 0; i < missing.size(); i += URL_BATCH) {
            List<String> batch = missing.subList(i, Math.min(missing.size(), i + URL_BATCH));
            Map<String, DownloadPlan.ChunkUrl> urls = new LinkedHashMap<>();
            List<String> unknown = new ArrayList<>();
            for (String id : batch) {
                DownloadPlan.ChunkUrl url = known.get(id);
                if (url != null) {
                    urls.put(id, url);
                } else {
                    unknown.add(id);
                }
            }
            if (!unknown.isEmpty()) {
                planner.plan(remotePath, versionId, unknown).chunks().forEach(c -> urls.put(c.id(), c));
            }
            List<Future<?>> futures = new ArrayList<>();
            boolean streamed = m.totalSize() > SignatureCache.MAX_FILE_BYTES;
            // Chunks in packs come through the shared fetcher, on this thread, with other files' chunks of the same
            // packs (a few ranged GETs for many files); each is checked against its id like any download.
            List<RangeFetcher.Want> packed = new ArrayList<>();
            for (String id : batch) {
                DownloadPlan.ChunkUrl url = urls.get(id);
                if (url != null && url.ranged() && (!streamed || url.compressed())) {
                    // A compressed chunk is decoded in memory: at most 1 MiB, or a large chunk's one-entry pack of at most
                    // 8 MiB plain (held() counts its stored and plain bytes against the transfers' memory budget).
                    packed.add(new RangeFetcher.Want(id, url));
                }
            }
            // Slices of about a pack's worth, held within the transfers' memory budget.
            for (List<RangeFetcher.Want> slice : Slices.of(packed, w -> held(w.url()), 2 * PACKED_SLICE_BYTES)) {
                long sliceBytes = Slices.total(slice, w -> held(w.url()));
                try (TransferMemory.Lease held = client.transferMemory().acquire((int) Math.min(Integer.MAX_VALUE, sliceBytes))) {
                    Map<String, byte[]> fetched = client.ranges().fetch(slice);
                    for (RangeFetcher.Want w : slice) {
                        List<Integer> at = positions.get(w.id());
                        int size = m.size(at.get(0));
                        byte[] bytes = plain(w.url(), fetched.get(w.id()), size);
                        if (bytes == null || bytes.length != size || !ChunkId.sha256(bytes).hex().equals(w.id())) {
                            bytes = fetchVerified(w.url(), w.id(), size); // fetched on its own, checked, retried once
                        }
                        signatures.remember(w.id(), bytes, m.totalSize());
                        for (int idx : at) {
                            writeAt(out, m.offset(idx), bytes);
                            listener.advance(bytes.length);
                        }
                        downloaded.incrementAndGet();
                        bytesDown.addAndGet(size);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new ChunkvaultException("Interrupted.", e);
                }
            }
            for (String id : batch) {
                DownloadPlan.ChunkUrl url = urls.get(id);
                if (url == null) {
                    throw new BadResponseException("The download plan has no URL for a chunk that was asked for.", null);
                }
                if (url.ranged() && (!streamed || url.compressed())) {
                    continue; // fetched above
                }
                List<Integer> at = positions.get(id);
                int size = m.size(at.get(0));
                // A chunk of a file too large for its signature to be kept need not be in memory: its body is
                // streamed into its place in the file (as uploads of such files stream from it).
                futures.add(client.transferPool().submit(() -> {
                    if (streamed) {
                        fetchInto(url, id, size, out, m.offset(at.get(0)));
                        for (int k = 1; k < at.size(); k++) {
                            copyRegion(out, m.offset(at.get(0)), m.offset(at.get(k)), size);
                        }
                        listener.advance((long) size * at.size());
                    } else {
                        try (TransferMemory.Lease held = client.transferMemory().acquire(2 * size)) {
                            // twice the chunk: the HTTP client's buffers, then the body array
                            byte[] bytes = fetchVerified(url, id, size);
                            signatures.remember(id, bytes, m.totalSize());
                            for (int idx : at) {
                                writeAt(out, m.offset(idx), bytes);
                                listener.advance(bytes.length);
                            }
                        }
                    }
                    downloaded.incrementAndGet();
                    bytesDown.addAndGet(size);
                    return null;
                }));
            }
            await(futures);
        }
        return new Stats(m.chunkCount(), reused, downloaded.get(), bytesDown.get(), bytesReused);
    }

    /**
     * The memory a packed chunk holds while it is fetched: its stored bytes (the GET's body) and its plain bytes (cut
     * from that body, or decoded from it: a compressed chunk's plain bytes can be many times its stored ones).
     */
    static long held(DownloadPlan.ChunkUrl url) {
        return url.length() + (url.compressed() ? url.plainLength() : url.length());
    }

    /** Downloads one chunk and checks size and SHA-256; a mismatch is retried once, then refused. */
    private byte[] fetchVerified(DownloadPlan.ChunkUrl url, String id, int size) {
        return fetchChecked(id, () -> plain(url, client.getObject(url.url(), url.requestHeaders()), size),
                bytes -> bytes != null && bytes.length == size && ChunkId.sha256(bytes).hex().equals(id));
    }

    /**
     * The chunk's plain bytes from the bytes fetched at {@code url}: those bytes, or, for a compressed chunk, their
     * decoding, which is never longer than the chunk's {@code size} in the manifest (the plan's plain length must be the
     * same). Null when they do not decode to exactly that (the caller fetches again, then refuses the chunk).
     */
    static byte[] plain(DownloadPlan.ChunkUrl url, byte[] fetched, int size) {
        if (fetched == null || !url.compressed()) {
            return fetched;
        }
        Encoding encoding = url.encodingOrNull();
        if (encoding == null || url.plainLength() == null || url.plainLength() != size) {
            return null; // an encoding this client does not know, or a plan that disagrees with the manifest
        }
        try {
            return ChunkCodec.decode(encoding, fetched, 0, fetched.length, size);
        } catch (EncodingException notTheChunk) {
            return null;
        }
    }

    /**
     * Downloads one chunk straight into {@code out} at {@code offset}, hashing it on the way; a body of the wrong size
     * or hash is fetched again once, then refused. Never writes outside {@code [offset, offset + size)}.
     */
    private void fetchInto(DownloadPlan.ChunkUrl url, String id, int size, FileChannel out, long offset) {
        fetchChecked(id, () -> {
            RegionSink sink = new RegionSink(out, offset, size);
            client.getObject(url.url(), url.requestHeaders(), sink);
            return sink;
        }, sink -> sink.checksOut(id));
    }

    /** Fetches chunk {@code id} until {@code ok} holds, at most {@value #GET_ATTEMPTS} times, then refuses it. */
    private static <T> T fetchChecked(String id, java.util.function.Supplier<T> fetch, java.util.function.Predicate<T> ok) {
        for (int attempt = 1; ; attempt++) {
            T fetched = fetch.get();
            if (ok.test(fetched)) {
                return fetched;
            }
            if (attempt >= GET_ATTEMPTS) {
                throw new IntegrityException("A downloaded chunk (" + id.substring(0, 12) + "…) does not match its hash;"
                        + " refusing it. Nothing was saved.");
            }
        }
    }

    /** A download's body written into its region of the file, hashed as it goes; bytes past the region are dropped. */
    static final class RegionSink implements Transport.BodySink {
        private final FileChannel out;
        private final long offset;
        private final int size;
        private final java.security.MessageDigest digest = dev.chunkvault.core.hash.Sha256.newDigest();
        private long received;

        RegionSink(FileChannel out, long offset, int size) {
            this.out = out;
            this.offset = offset;
            this.size = size;
        }

        @Override
        public void reset() {
            digest.reset();
            received = 0;
        }

        @Override
        public void write(byte[] buffer, int length) throws IOException {
            int fits = (int) Math.max(0, Math.min(length, size - received));
            if (fits > 0) {
                writeAt(out, offset + received, buffer, fits);
                digest.update(buffer, 0, fits);
            }
            received += length;
        }

        /** Whether exactly {@code size} bytes came and their SHA-256 is {@code id}. */
        boolean checksOut(String id) {
            return received == size && ChunkId.ofDigest(digest.digest()).hex().equals(id);
        }
    }

    /** Copies {@code size} bytes of {@code ch} from {@code from} to {@code to} (a chunk that occurs twice). */
    private static void copyRegion(FileChannel ch, long from, long to, int size) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(Math.min(size, FileRegions.IO_SLICE));
        for (long done = 0; done < size; ) {
            b.clear().limit((int) Math.min(b.capacity(), size - done));
            int n = ch.read(b, from + done);
            if (n < 0) {
                throw new IOException("the file ended inside a chunk it was just given");
            }
            b.flip();
            while (b.hasRemaining()) {
                ch.write(b, to + done + b.position());
            }
            done += n;
        }
    }

    /** The chunk's bytes from the first local location whose bytes check out, or null. */
    static byte[] readLocal(ChunkIndex index, String id, int size) {
        for (ChunkIndex.Location loc : index.find(id)) {
            if (loc.size() != size || !Files.isRegularFile(loc.file(), LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            try (FileChannel ch = FileChannel.open(loc.file(), StandardOpenOption.READ)) {
                if (ch.size() < loc.offset() + size) {
                    continue;
                }
                byte[] b = FileRegions.readFully(ch, loc.offset(), size);
                if (ChunkId.sha256(b).hex().equals(id)) {
                    return b;
                }
            } catch (IOException unreadable) {
                // the location is stale: try the next, or download
            }
        }
        return null;
    }

    private static void writeAt(FileChannel out, long offset, byte[] bytes) throws IOException {
        writeAt(out, offset, bytes, bytes.length);
    }

    private static void writeAt(FileChannel out, long offset, byte[] bytes, int length) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes, 0, length);
        long pos = offset;
        while (b.position() < length) {
            b.limit(Math.min(length, b.position() + FileRegions.IO_SLICE)); // see FileRegions.IO_SLICE
            pos += out.write(b, pos);
        }
    }

    private static void await(List<Future<?>> futures) throws IOException {
        RuntimeException failure = null;
        IOException ioFailure = null;
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                if (failure == null && ioFailure == null) {
                    if (c instanceof IOException io) {
                        ioFailure = io;
                    } else if (c instanceof UncheckedIOException u) {
                        ioFailure = u.getCause();
                    } else if (c instanceof RuntimeException re) {
                        failure = re;
                    } else {
                        failure = new ChunkvaultException("Download failed.", c);
                    }
                    futures.forEach(other -> other.cancel(true));
                }
            } catch (java.util.concurrent.CancellationException cancelled) {
                // cancelled after another failure
            } catch (InterruptedException e) {
                futures.forEach(other -> other.cancel(true));
                Thread.currentThread().interrupt();
                throw new ChunkvaultException("Interrupted.", e);
            }
        }
        if (ioFailure != null) {
            throw ioFailure;
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Whether the manifest's content is its one chunk, whole. */
    static boolean oneChunk(Manifest m) {
        return m.chunkCount() == 1 && m.offset(0) == 0 && m.size(0) == m.totalSize();
    }

    /** SHA-256 of a file's bytes, lowercase hex. */
    public static String sha256(Path file) throws IOException {
        MessageDigest md = Sha256.newDigest();
        // Within the JDK's cache of temporary direct buffers (the CLI's -Djdk.nio.maxCachedBufferSize=32768): a larger
        // heap buffer is copied through a direct one allocated and freed on every read.
        ByteBuffer buf = ByteBuffer.allocate(32 << 10);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            while (ch.read(buf) >= 0) {
                buf.flip();
                md.update(buf);
                buf.clear();
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /**
     * Moves a verified temporary file over {@code target} atomically, after {@code guard} allowed it. Never
     * writes through a symbolic link. The parent directory is fsynced so the rename survives a crash.
     */
    public static BasicFileAttributes install(Path temp, Path target, ReplaceGuard guard, long mtimeMillis)
            throws IOException {
        return install(temp, parentOf(target), target, guard, mtimeMillis);
    }

    /**
     * As {@link #install(Path, Path, ReplaceGuard, long)}, for a target in folder {@code root}: no symbolic link may
     * lie between them (see {@link LocalTargets}), checked first and again right before the rename, and the folders
     * missing on the way are created without following links.
     *
     * @throws UnsafePathException a link is on the way, or is the target
     */
    public static BasicFileAttributes install(Path temp, Path root, Path target, ReplaceGuard guard, long mtimeMillis)
            throws IOException {
        return install(temp, root, target, guard, mtimeMillis, null);
    }

    /**
     * As {@link #install(Path, Path, Path, ReplaceGuard, long)}, giving the file the version's executable bit where the
     * file system keeps modes ({@link FileModes}); null (a service that does not say) keeps the replaced file's mode.
     */
    public static BasicFileAttributes install(Path temp, Path root, Path target, ReplaceGuard guard, long mtimeMillis,
                                              Boolean executable) throws IOException {
        return install(temp, root, target, guard, mtimeMillis, executable, false);
    }

    /**
     * As {@link #install(Path, Path, Path, ReplaceGuard, long, Boolean)}; with {@code replaceLink} ({@code --links}) a
     * symbolic link at the target (a link turned back into a file elsewhere) is replaced by the rename, never followed.
     */
    public static BasicFileAttributes install(Path temp, Path root, Path target, ReplaceGuard guard, long mtimeMillis,
                                              Boolean executable, boolean replaceLink) throws IOException {
        boolean moved = false;
        try {
            Path t = replaceLink ? LocalTargets.checkReplacing(root, target) : LocalTargets.check(root, target);
            if (Files.isDirectory(t, LinkOption.NOFOLLOW_LINKS)) {
                throw new LocalFileChangedException(target, "is a folder; the file was not written");
            }
            if (!guard.mayReplace(t)) {
                throw new LocalFileChangedException(target, "has local changes that are not synced; it was not replaced");
            }
            // After the guard, which may take a while (it hashes the old file): a folder swapped meanwhile is seen here.
            Path parent = LocalTargets.createParents(root, t, replaceLink);
            // The temporary file is this puller's own, but a link put in its place would still be followed by a
            // plain set-time or chmod: neither follows one here.
            Files.getFileAttributeView(temp, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                    .setTimes(FileTime.fromMillis(mtimeMillis), null, null);
            if (!Files.isSymbolicLink(t)) {
                keepPermissions(t, temp); // a link's own mode means nothing (and is not the file's to keep)
            }
            if (executable != null) {
                FileModes.apply(temp, executable); // on the temporary file, before it takes the name: never through a link
            }
            // Again right before the rename, the last moment Java offers: what is left open is the time between this
            // check and the rename. A rename never follows a link at the target itself; it replaces it.
            if (replaceLink) {
                LocalTargets.checkReplacing(root, t);
            } else {
                LocalTargets.check(root, t);
            }
            try {
                Files.move(temp, t, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                moved = true;
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("cannot rename atomically into " + parent + " (another file system?)", e);
            }
            fsyncDir(parent);
            return Files.readAttributes(t, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } finally {
            if (!moved) {
                Files.deleteIfExists(temp); // renamed, it is gone: no unlink to make
            }
        }
    }

    /** A file replaced by a newer version keeps its permissions (an executable stays executable). */
    private static void keepPermissions(Path replaced, Path temp) {
        PosixFileAttributeView view = Files.getFileAttributeView(temp, PosixFileAttributeView.class,
                LinkOption.NOFOLLOW_LINKS);
        try {
            if (view != null && Files.exists(replaced, LinkOption.NOFOLLOW_LINKS)) {
                view.setPermissions(Files.getPosixFilePermissions(replaced, LinkOption.NOFOLLOW_LINKS));
            }
        } catch (UnsupportedOperationException | IOException notPosix) {
            // Windows or a file system without POSIX modes: the default mode stays.
        }
    }

    /** Folders' fsyncs, shared by the threads that need one at the same moment ({@link DirSync}). */
    private static final DirSync FOLDER_SYNCS = new DirSync(FilePuller::fsyncDirNow);

    /** Makes a rename into {@code dir} durable: returns once an fsync of it that began after this call has ended. */
    static void fsyncDir(Path dir) {
        FOLDER_SYNCS.sync(dir);
    }

    private static void fsyncDirNow(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | UnsupportedOperationException notSupported) {
            // some platforms cannot open a directory; the rename is still atomic
        }
    }
}
