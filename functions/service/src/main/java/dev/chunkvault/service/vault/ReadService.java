package dev.chunkvault.service.vault;

import dev.chunkvault.core.compress.Encoding;
import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.core.manifest.Manifest;
import dev.chunkvault.core.paths.FilePath;
import dev.chunkvault.service.blob.BlobStore;
import dev.chunkvault.service.blob.PresignedRequest;
import dev.chunkvault.service.blob.Presigner;
import dev.chunkvault.service.error.ServiceException;
import dev.chunkvault.service.store.Item;
import dev.chunkvault.service.store.ItemStore;
import dev.chunkvault.service.store.Page;
import dev.chunkvault.service.store.Query;
import dev.chunkvault.service.store.Query.SortCondition;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The read routes: file metadata, folder listings, the change feed, history and download plans. Everything is
 * scoped to the caller: another tenant's file answers exactly like a missing one.
 */
public final class ReadService {
    /**
     * How late a change can become visible after the position it was given: a commit sends its change key at most
     * {@link CommitService#CHANGE_KEY_MAX_AGE} (10 s) after taking it, the call lands within its timeout (30 s), the
     * feed's index is eventually consistent (well under a second on DynamoDB), and two functions' clocks may differ
     * (by up to 30 s, the margin the GC lease allows too). The feed shows every change at once, but hands out positions
     * only this far in the past, so a change that lands late behind a reader's position is still caught; the price is
     * that a reader sees the changes of the last minute and a half again on its next call (it knows their versions).
     */
    static final Duration CHANGE_SETTLE = Duration.ofSeconds(90);

    private static final int MAX_PAGE = 1000;
    /** Rows one listing request may read (see {@link #list}). */
    static final int LIST_SCAN_BUDGET = 4 * MAX_PAGE;
    /** The largest key any path can have after a prefix: U+10FFFF sorts last in UTF-8. */
    private static final String KEY_END = "\uDBFF\uDFFF";
    /** A change-feed position: {@link FileRow#changeKey}. */
    private static final java.util.regex.Pattern CHANGE_KEY = java.util.regex.Pattern.compile(
            "[0-9]{13}#[0-9a-f]{0,64}(\\|[0-9]{13}#[0-9a-f]{0,64}\\|[0-9]{13}#[0-9a-f]{0,64})?");

    private final ItemStore store;
    private final Presigner presigner;
    private final Clock clock;
    private final Settings settings;
    private final Retry retry;
    private final ManifestStore manifests;

    public ReadService(ItemStore store, BlobStore blobs, Presigner presigner, Clock clock, Settings settings, Retry retry) {
        this.store = store;
        this.presigner = presigner;
        this.clock = clock;
        this.settings = settings;
        this.retry = retry;
        this.manifests = new ManifestStore(blobs, settings, retry);
    }

    /** A file as listings show it. */
    public record FileEntry(String path, String version, long size, String contentHash, boolean deleted,
                            Instant clientMtime, Instant updatedAt, boolean executable, boolean link,
                            boolean folder, String originalName) {
        static FileEntry of(FileRow f) {
            return new FileEntry(f.displayPath(), f.head(), f.size(), f.contentHash(), f.deleted(),
                    Instant.ofEpochMilli(f.mtime()), Instant.ofEpochMilli(f.updatedAt()), f.executable(),
                    f.link(), f.folder(), f.originalName());
        }
    }

    /** A listing page: files, sub-folders (non-recursive listings), where to continue, where the feed starts. */
    public record Listing(List<FileEntry> files, List<String> folders, String cursor, String changeCursor) {}

    public record Changes(List<FileEntry> changes, String cursor, boolean more) {}

    public record History(String path, List<VersionView> versions, String cursor) {}

    /**
     * A presigned GET of one chunk: of its own object ({@code length} -1), or of the pack holding it, whose bytes
     * {@code [offset, offset + length)} are the chunk (a client asks for them with a {@code Range} header).
     */
    /**
     * A presigned GET of a chunk: of its own object, or (ranged) of its pack's range {@code [offset, offset + length)},
     * which holds its stored bytes; those encode {@code plainLength} plain bytes as {@code encoding} says (a compressed
     * chunk is always in a pack, docs/compression.md).
     */
    public record ChunkUrl(ChunkId id, PresignedRequest request, long offset, long length, Encoding encoding, long plainLength) {
        public ChunkUrl(ChunkId id, PresignedRequest request, long offset, long length) {
            this(id, request, offset, length, Encoding.RAW, length);
        }

        public boolean ranged() {
            return length >= 0;
        }

        public boolean compressed() {
            return encoding != Encoding.RAW;
        }
    }

    /**
     * How to download one version: its manifest inline, or (large manifests) a presigned GET of its binary
     * encoding with the hash to check it against, plus presigned GETs for the chunks asked for.
     */
    public record DownloadPlan(VersionView version, String profile, Manifest manifest, PresignedRequest manifestUrl,
                               ChunkId manifestHash, List<ChunkUrl> chunks, boolean allChunks) {}

    public FileEntry file(Owner owner, String path, boolean includeDeleted) {
        FileRow f = fileRow(owner, CommitService.parsePath(path)).orElseThrow(() -> ServiceException.notFound("No such file."));
        if (f.deleted() && !includeDeleted) {
            throw ServiceException.notFound("No such file.");
        }
        return FileEntry.of(f);
    }

    Optional<FileRow> fileRow(Owner owner, FilePath path) {
        return retry.call(() -> store.get(Tables.FILES, FileRow.key(owner, path.foldKey()))).map(FileRow::from);
    }

    /**
     * Lists the files under {@code folder} ("" for the root). Recursive listings return every file below;
     * non-recursive ones return the direct files and the names of sub-folders — without {@code includeDeleted}, only
     * sub-folders that still hold a file (a folder whose files were all deleted is gone from its parent's listing).
     *
     * <p>Finding that out reads past a sub-folder's rows not shown until its first shown one. A request reads at most
     * {@link #LIST_SCAN_BUDGET} rows, so a folder of many deleted files costs more pages, never a request without bound:
     * a page may then hold fewer entries than asked for, with a cursor to go on.
     */
    public Listing list(Owner owner, String folder, boolean recursive, boolean includeDeleted, String cursor, int limit) {
        return list(owner, folder, recursive, includeDeleted ? Shown.ALL : Shown.LIVE, cursor, limit);
    }

    /** Which files a listing returns; a non-recursive one names the sub-folders that hold at least one of them. */
    public enum Shown {
        /** Current files (the default). */
        LIVE,
        /** Current and deleted files. */
        ALL,
        /** Deleted files only: a folder's trash, with the sub-folders that hold deleted files. */
        DELETED;

        boolean shows(FileRow f) {
            return this == ALL || f.deleted() == (this == DELETED);
        }
    }

    /** As {@link #list(Owner, String, boolean, boolean, String, int)}, for any {@link Shown}. */
    public Listing list(Owner owner, String folder, boolean recursive, Shown shown, String cursor, int limit) {
        String prefix = folderPrefix(folder);
        String start = cursor == null ? prefix : decodeCursor(cursor, "l");
        if (!start.startsWith(prefix)) {
            throw ServiceException.badRequest("INVALID_CURSOR", "The cursor belongs to another listing.");
        }
        int pageSize = Math.max(1, Math.min(MAX_PAGE, limit));
        String changeCursor = encodeCursor("c", FileRow.changeKey(clock.millis() - CHANGE_SETTLE.toMillis(), ""));
        if (prefix.getBytes(StandardCharsets.UTF_8).length >= Limits.MAX_PATH_KEY_BYTES) {
            // No file key is that long, so the folder is empty (and its upper bound would not fit a key condition).
            return new Listing(List.of(), List.of(), null, changeCursor);
        }
        List<FileEntry> files = new ArrayList<>();
        Set<String> folders = new LinkedHashSet<>();
        String next = start;
        boolean exhausted = false;
        int scanned = 0;
        while (files.size() + folders.size() < pageSize && scanned < LIST_SCAN_BUDGET) {
            String from = next;
            // DynamoDB refuses an empty string as a key value, even in a condition: the root listing has no lower bound.
            Query q = Query.table(Tables.FILES, owner.sub()).where(from.isEmpty() ? SortCondition.le(prefix + KEY_END)
                    : SortCondition.between(from, prefix + KEY_END)).limit(pageSize);
            Page<Item> page = retry.call(() -> store.query(q));
            int consumed = 0;
            boolean jumped = false;
            for (Item i : page.items()) {
                if (files.size() + folders.size() >= pageSize || scanned >= LIST_SCAN_BUDGET) {
                    break;
                }
                consumed++;
                scanned++;
                FileRow f = FileRow.from(i);
                String rest = f.pathKey().substring(prefix.length());
                int slash = rest.indexOf('/');
                boolean show = shown.shows(f);
                if (!recursive && slash >= 0 && !show) {
                    next = f.pathKey() + "\u0000"; // a sub-folder's file not shown: look on in it for one that is
                    continue;
                }
                if (!recursive && slash >= 0) {
                    // A sub-folder: name it once, then continue past its whole subtree ('/' + 1 = '0').
                    folders.add(f.displayPath().substring(0, f.displayPath().length() - rest.length() + slash));
                    next = prefix + rest.substring(0, slash) + "0";
                    jumped = true;
                    break;
                }
                next = f.pathKey() + "\u0000"; // the smallest key after this one (paths never contain NUL)
                if (show) {
                    files.add(FileEntry.of(f));
                }
            }
            if (!jumped && consumed == page.items().size() && !page.hasMore()) {
                exhausted = true;
                break;
            }
        }
        return new Listing(files, List.copyOf(folders), exhausted ? null : encodeCursor("l", next), changeCursor);
    }

    /**
     * Files changed after {@code cursor} (from a listing or a previous call), oldest change first — up to now, so an
     * acknowledged commit is seen by the next call, with no blind spot. A reader calls again while {@code more}, then
     * keeps the last cursor for its next poll.
     *
     * <p>Positions: a round of calls reads everything after the cursor's position, page by page; the cursor it hands
     * out at the end moves only up to the round's settled point ({@link #CHANGE_SETTLE} before its first call), so a
     * change that lands late — behind a key that some reader has already read past — is still ahead of every position
     * handed out, and the changes of the last {@code CHANGE_SETTLE} are read again by the next round (a reader knows
     * them by their version). Between the pages of a round the cursor carries the position, the round's settled point
     * and where the page stopped ({@code position|settled|resume}).
     */
    public Changes changes(Owner owner, String cursor, int limit) {
        return changes(owner, cursor, limit, java.util.Set.of());
    }

    /** Rows a call of the feed reads at most while every row it read was the caller's own (each is a cheap skip). */
    static final int FEED_SKIP_BUDGET = 10 * MAX_PAGE;

    /**
     * As {@link #changes(Owner, String, int)}, leaving out the files whose head one of the sync replicas
     * {@code exceptWriters} wrote ({@link Writers}): the caller's own recent sync runs, which recorded them when their
     * commits were answered; a run that stopped between the answer and its record finds its commit when it sends it
     * again (a stale parent whose head holds its bytes). The positions move past the rows left out as past any other.
     * A page whose rows were all left out reads on, up to {@link #FEED_SKIP_BUDGET} rows, so a replica's own large sync
     * costs a few calls, not one a page.
     */
    public Changes changes(Owner owner, String cursor, int limit, java.util.Set<String> exceptWriters) {
        String[] c = decodeCursor(cursor, "c").split("\\|");
        String after = c[0];
        String settled = c.length == 3 ? c[1] : FileRow.changeKey(clock.millis() - CHANGE_SETTLE.toMillis(), "");
        int pageSize = Math.max(1, Math.min(MAX_PAGE, limit));
        List<FileEntry> out = new ArrayList<>();
        String position = after;
        String lastRead = c.length == 3 ? c[2] : after;
        boolean more;
        int read = 0;
        do {
            Query q = Query.index(Tables.FILES, Tables.CHANGES_INDEX, owner.sub())
                    .where(SortCondition.gt(lastRead)).limit(pageSize);
            Page<Item> page = retry.call(() -> store.query(q));
            for (Item i : page.items()) {
                FileRow f = FileRow.from(i);
                if (!f.writtenByOneOf(exceptWriters)) {
                    out.add(FileEntry.of(f));
                }
                lastRead = f.changeKey();
                if (lastRead.compareTo(settled) <= 0) {
                    position = lastRead; // settled: no change can appear before it any more
                }
            }
            read += page.items().size();
            more = page.hasMore() && !page.items().isEmpty();
        } while (more && out.isEmpty() && read < FEED_SKIP_BUDGET);
        if (more) {
            return new Changes(out, encodeCursor("c", position + "|" + settled + "|" + lastRead), true);
        }
        if (position.compareTo(settled) < 0) {
            position = settled; // the round read everything after the cursor: move up to its settled point
        }
        return new Changes(out, encodeCursor("c", position), false);
    }

    public History history(Owner owner, String path, String cursor, int limit) {
        FilePath p = CommitService.parsePath(path);
        FileRow f = fileRow(owner, p).orElseThrow(() -> ServiceException.notFound("No such file."));
        int pageSize = Math.max(1, Math.min(100, limit));
        Query q = Query.table(Tables.VERSIONS, f.fileId()).descending().limit(pageSize);
        if (cursor != null) {
            q = q.where(SortCondition.lt(decodeCursor(cursor, "h")));
        }
        Query query = q;
        Page<Item> page = retry.call(() -> store.query(query));
        List<VersionView> versions = new ArrayList<>();
        String last = null;
        for (Item i : page.items()) {
            VersionRow v = VersionRow.from(i);
            last = v.versionId();
            if (v.readableAt(clock.millis())) {
                versions.add(VersionView.of(v));
            }
        }
        return new History(f.displayPath(), versions, page.hasMore() && last != null ? encodeCursor("h", last) : null);
    }

    /**
     * The plan to download a version (the head when {@code versionId} is null): its manifest and presigned GETs
     * for {@code wanted} chunks (all of them, up to the per-request limit, when null). Only chunks of this
     * version are presigned.
     */
    public DownloadPlan download(Owner owner, String path, String versionId, List<ChunkId> wanted) {
        FilePath p = CommitService.parsePath(path);
        FileRow f = fileRow(owner, p).orElseThrow(() -> ServiceException.notFound("No such file."));
        String id = versionId == null ? f.head() : versionId;
        return plan(readableVersion(f, id), versionId == null, wanted, settings.maxChunksPerRequest());
    }

    /** One file of a batch of download plans: as {@link #download}'s arguments. */
    public record FileRequest(String path, String versionId, List<ChunkId> wanted) {}

    /** One file's plan, or the error {@link #download} would have answered for it (exactly one is set). */
    public record BatchPlan(DownloadPlan plan, ServiceException error) {}

    /** Files per batch of download plans. */
    public static final int MAX_BATCH_FILES = 100;

    /**
     * The download plans of many files in one request (a second device getting a tree of small files): each exactly
     * as {@link #download} would answer it alone, a file's own refusal (no such file, a deletion...) its item's
     * error. The file rows and the versions are read with two batched reads for the whole batch, not two reads per
     * file. Presigned chunk URLs are shared out in file order up to the per-request limit; a file past it gets a plan
     * with {@code allChunks = false}, and its remaining URLs are asked for by {@link #download}.
     */
    public List<BatchPlan> downloadBatch(Owner owner, List<FileRequest> files) {
        if (files.isEmpty()) {
            throw ServiceException.badRequest("EMPTY_BATCH", "Name at least one file.");
        }
        if (files.size() > MAX_BATCH_FILES) {
            throw ServiceException.tooLarge("TOO_MANY_FILES", "At most " + MAX_BATCH_FILES + " files per request.");
        }
        int listed = files.stream().mapToInt(f -> f.wanted() == null ? 0 : f.wanted().size()).sum();
        if (listed > settings.maxChunksPerRequest()) {
            throw ServiceException.tooLarge("TOO_MANY_CHUNKS", "At most " + settings.maxChunksPerRequest()
                    + " chunks per request.");
        }
        List<FilePath> paths = files.stream().map(f -> CommitService.parsePath(f.path())).toList();
        java.util.Map<String, FileRow> rows = new java.util.HashMap<>();
        BatchReads.getAll(store, Parallel.inline(), retry, Tables.FILES, paths.stream().map(p -> FileRow.key(owner,
                p.foldKey())).distinct().toList()).forEach(i -> {
                    FileRow r = FileRow.from(i);
                    rows.put(r.pathKey(), r);
                });
        List<dev.chunkvault.service.store.Key> versionKeys = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            FileRow f = rows.get(paths.get(i).foldKey());
            String v = files.get(i).versionId() == null && f != null ? f.head() : files.get(i).versionId();
            if (f != null && VersionRow.seqOf(v) >= 1) {
                versionKeys.add(VersionRow.key(f.fileId(), v));
            }
        }
        java.util.Map<String, VersionRow> versions = new java.util.HashMap<>();
        BatchReads.getAll(store, Parallel.inline(), retry, Tables.VERSIONS, versionKeys.stream().distinct().toList())
                .forEach(i -> {
                    VersionRow v = VersionRow.from(i);
                    versions.put(v.fileId() + "#" + v.versionId(), v);
                });
        long now = clock.millis();
        int urls = settings.maxChunksPerRequest();
        // First what each plan holds, then every chunk row the batch needs in a few batched reads, then the URLs (each
        // pack presigned once for the whole batch).
        List<Object> chosen = new ArrayList<>(files.size());
        for (int i = 0; i < files.size(); i++) {
            FileRequest r = files.get(i);
            try {
                FileRow f = rows.get(paths.get(i).foldKey());
                if (f == null) {
                    throw ServiceException.notFound("No such file.");
                }
                String id = r.versionId() == null ? f.head() : r.versionId();
                if (VersionRow.seqOf(id) < 1) {
                    throw ServiceException.badRequest("INVALID_VERSION", "That is not a version id.");
                }
                VersionRow v = versions.get(f.fileId() + "#" + id);
                if (v == null || !v.readableAt(now)) {
                    throw ServiceException.notFound("No such version of this file.");
                }
                Chosen c = choose(v, r.versionId() == null, r.wanted(), urls);
                urls -= c.ids().size();
                chosen.add(c);
            } catch (ServiceException e) {
                if (e.isServiceTrouble()) {
                    throw e;
                }
                chosen.add(e);
            }
        }
        Map<ChunkId, Item> located = locate(chosen.stream().filter(c -> c instanceof Chosen).flatMap(c -> ((Chosen) c).ids()
                .stream()).toList());
        Map<String, PresignedRequest> packUrls = new HashMap<>();
        List<BatchPlan> out = new ArrayList<>(files.size());
        for (Object c : chosen) {
            out.add(c instanceof Chosen ch ? new BatchPlan(plan(ch, chunkUrls(ch.ids(), located, packUrls)), null)
                    : new BatchPlan(null, (ServiceException) c));
        }
        return out;
    }

    /**
     * A version's plan: its manifest and presigned GETs for {@code wanted} chunks (all of them, up to {@code maxUrls},
     * when null). Only chunks of this version are presigned.
     */
    private DownloadPlan plan(VersionRow v, boolean head, List<ChunkId> wanted, int maxUrls) {
        Chosen c = choose(v, head, wanted, maxUrls);
        return plan(c, chunkUrls(c.ids()));
    }

    /** A version's manifest and the chunks its plan gives URLs for (all of them, or whether more must be asked for). */
    private record Chosen(VersionRow v, Manifest m, List<ChunkId> ids, boolean all) {}

    private DownloadPlan plan(Chosen c, List<ChunkUrl> urls) {
        boolean inline = c.v().manifestKey() == null;
        return new DownloadPlan(VersionView.of(c.v()), c.m().profile(), inline ? c.m() : null,
                inline ? null : presigner.presignGet(c.v().manifestKey(), settings.downloadUrlTtl()), c.v().manifestHash(),
                urls, c.all());
    }

    private Chosen choose(VersionRow v, boolean head, List<ChunkId> wanted, int maxUrls) {
        if (v.tombstone()) {
            throw ServiceException.notFound(head ? "The file is deleted." : "That version is a deletion.");
        }
        Manifest m = manifests.load(v);
        List<ChunkId> ids;
        boolean all;
        if (wanted == null) {
            List<ChunkId> distinct = new ArrayList<>(new LinkedHashSet<>(m.entries().stream().map(e -> e.id()).toList()));
            int n = Math.max(0, Math.min(maxUrls, settings.maxChunksPerRequest()));
            all = distinct.size() <= n;
            ids = all ? distinct : distinct.subList(0, n);
        } else {
            if (wanted.size() > settings.maxChunksPerRequest()) {
                throw ServiceException.tooLarge("TOO_MANY_CHUNKS",
                        "At most " + settings.maxChunksPerRequest() + " chunks per request.");
            }
            Set<ChunkId> inVersion = m.distinctIds();
            for (ChunkId c : wanted) {
                if (!inVersion.contains(c)) {
                    throw ServiceException.badRequest("CHUNK_NOT_IN_VERSION", "A requested chunk is not part of this version.");
                }
            }
            ids = List.copyOf(new LinkedHashSet<>(wanted));
            all = new HashSet<>(ids).containsAll(inVersion);
        }
        return new Chosen(v, m, ids, all);
    }

    /**
     * Presigned GETs of these chunks where their rows locate them: a packed chunk's URL is its pack's (presigned once per
     * pack) with the chunk's range. A chunk with no row is given its object's URL (it answers 404, as it would have).
     */
    List<ChunkUrl> chunkUrls(List<ChunkId> ids) {
        return chunkUrls(ids, locate(ids), new HashMap<>());
    }

    /** The chunk rows of {@code ids} (batched reads of 100), by id. */
    private Map<ChunkId, Item> locate(java.util.Collection<ChunkId> ids) {
        Map<ChunkId, Item> rows = new HashMap<>();
        BatchReads.getAll(store, Parallel.inline(), retry, Tables.CHUNKS, ids.stream().distinct().map(ChunkRow::key).toList())
                .forEach(r -> rows.put(ChunkId.parse(r.string(ChunkRow.ID)), r));
        return rows;
    }

    /** The URLs of {@code ids} as {@code rows} locate them; {@code packUrls} holds each pack's URL once presigned. */
    private List<ChunkUrl> chunkUrls(List<ChunkId> ids, Map<ChunkId, Item> rows, Map<String, PresignedRequest> packUrls) {
        List<ChunkUrl> out = new ArrayList<>(ids.size());
        for (ChunkId c : ids) {
            Item row = rows.get(c);
            String pack = row == null ? null : row.string(ChunkRow.PACK);
            if (pack == null) {
                out.add(new ChunkUrl(c, presigner.presignGet(ChunkRow.objectKey(c), settings.downloadUrlTtl()), 0, -1));
            } else {
                PresignedRequest get = packUrls.computeIfAbsent(pack,
                        p -> presigner.presignGet(PackRow.objectKey(p), settings.downloadUrlTtl()));
                long plain = row.numberOr(ChunkRow.SIZE, 0);
                out.add(new ChunkUrl(c, get, row.numberOr(ChunkRow.PACK_OFFSET, 0), row.numberOr(ChunkRow.STORED_SIZE, plain),
                        ChunkRow.encodingOf(row), plain));
            }
        }
        return out;
    }

    /** An ACTIVE version of this file, or 404 (unpublished versions do not exist for readers). */
    VersionRow readableVersion(FileRow f, String versionId) {
        if (VersionRow.seqOf(versionId) < 1) {
            throw ServiceException.badRequest("INVALID_VERSION", "That is not a version id.");
        }
        return retry.call(() -> store.get(Tables.VERSIONS, VersionRow.key(f.fileId(), versionId)))
                .map(VersionRow::from).filter(v -> v.readableAt(clock.millis()))
                .orElseThrow(() -> ServiceException.notFound("No such version of this file."));
    }

    /** The version if it is a readable version of this file at {@code now}. */
    Optional<VersionRow> versionIfReadable(FileRow f, String versionId, long now) {
        return retry.call(() -> store.get(Tables.VERSIONS, VersionRow.key(f.fileId(), versionId)))
                .map(VersionRow::from).filter(v -> v.readableAt(now));
    }

    /** The key prefix of a folder: "" for the root, else the folded path and a slash. */
    static String folderPrefix(String folder) {
        if (folder == null || folder.isEmpty() || folder.equals("/")) {
            return "";
        }
        String trimmed = folder.endsWith("/") ? folder.substring(0, folder.length() - 1) : folder;
        return CommitService.parsePath(trimmed).foldKey() + "/";
    }

    static String encodeCursor(String kind, String key) {
        return kind + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(key.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The key a cursor of {@code kind} carries, checked to be one this service could have handed out: a listing
     * position within the path-key limit ({@code l}; {@code w} for a rewind's), a change-feed position {@code <13 digits>#<fileId>} ({@code c})
     * or a version id ({@code h}). Anything else is refused here rather than by the store.
     */
    static String decodeCursor(String cursor, String kind) {
        if (cursor == null || !cursor.startsWith(kind + ".") || cursor.length() > 4096) {
            throw ServiceException.badRequest("INVALID_CURSOR", "The cursor is not valid here.");
        }
        String key;
        try {
            key = new String(Base64.getUrlDecoder().decode(cursor.substring(2)), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw ServiceException.badRequest("INVALID_CURSOR", "The cursor is not valid here.");
        }
        boolean valid = key.indexOf('\uFFFD') < 0 && switch (kind) {
            case "l", "w" -> key.getBytes(StandardCharsets.UTF_8).length <= Limits.MAX_PATH_KEY_BYTES + 1;
            case "c" -> CHANGE_KEY.matcher(key).matches();
            case "h" -> VersionRow.seqOf(key) >= 1;
            default -> false;
        };
        if (!valid) {
            throw ServiceException.badRequest("INVALID_CURSOR", "The cursor is not valid here.");
        }
        return key;
    }

}
