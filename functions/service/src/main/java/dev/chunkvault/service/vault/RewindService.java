package dev.chunkvault.service.vault;

import dev.chunkvault.core.hash.ChunkId;
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
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Rewind (docs/storage-model.md, "Rewind"): a folder back to how it was at an instant, as new versions, so nothing is
 * lost. Each file under the folder whose state at that instant differs from its head now gets one commit through the
 * ordinary protocol — a restore of the version it had then (which also brings a deleted file back), or a delete of a
 * file that did not exist then — on the head read here as the parent, so a file changed meanwhile is refused (409) and
 * reported as skipped, never overwritten. The work goes a page at a time (a cursor over the folder's paths) with a
 * bound on files looked at, on changes, and on time; a dry run answers the same page without writing.
 */
public final class RewindService {
    /** Changes per page: one commit batch. */
    public static final int MAX_CHANGES = CommitService.MAX_BATCH_COMMITS;
    /** File rows looked at per page (most are unchanged since the instant, known from their row alone). */
    static final int MAX_EXAMINED = 1000;
    /** A page stops looking at files after this long (or with less than {@link #RESERVE} left), to write its changes. */
    static final Duration EXAMINE_BUDGET = Duration.ofSeconds(10);
    /** Time a page keeps for its commit batch. */
    static final Duration RESERVE = Duration.ofSeconds(12);
    private static final Pattern IDEMPOTENCY_KEY = Pattern.compile("[A-Za-z0-9._:-]{8,100}");
    private static final String KEY_END = "\uDBFF\uDFFF";
    private static final int ROWS_PER_QUERY = 250;
    private static final int VERSIONS_PER_QUERY = 25;

    /** What a change does to a file. */
    public enum Action {
        /** The file's content (and flags) become those of the version it had then: a restore. */
        RESTORE,
        /** The file did not exist then (or was deleted then): it is deleted now (a tombstone, restorable). */
        DELETE,
        /** The file existed then and is deleted now: the version it had then is restored. */
        UNDELETE
    }

    public enum Status {
        /** A dry run: this would be done. */
        PLANNED,
        /** Done: {@code newVersion} is the file's new head. */
        DONE,
        /** Not done: {@code reason} says why (the file changed meanwhile, its history is not kept...). */
        SKIPPED
    }

    /** Why a file could not be rewound: its state at the instant is no longer known (past the retention period). */
    public static final String NOT_RETAINED = "NOT_RETAINED";

    /**
     * One file's change. {@code action} is null only for a file skipped as {@link #NOT_RETAINED} (what it would need is
     * not known). {@code fromVersion} is the head it was decided on, {@code toVersion} the version restored (null for a
     * delete).
     */
    public record Change(String path, Action action, Status status, String fromVersion, String toVersion,
                         String newVersion, String reason, String message) {}

    /**
     * @param folder          the folder ("" for the root)
     * @param to              the instant rewound to
     * @param cursor          where the next page starts; null when the folder is done
     * @param examined        files looked at on this page
     * @param unchanged       of those, files already as they were (or absent then and now)
     * @param retainedSince   history older than this may be gone: states before it are known only where still kept
     */
    public record Result(String folder, Instant to, boolean dryRun, List<Change> changes, int examined, int unchanged,
                         String cursor, Instant retainedSince) {}

    /**
     * @param idempotencyKey names this rewind (required unless a dry run): the same key on a retried page makes no
     *                       second version of a file, and a file it already rewound is answered as done
     * @param limit          changes per page, 1..{@link #MAX_CHANGES}
     */
    public record Request(Owner owner, String folder, Instant to, boolean dryRun, String idempotencyKey, String cursor,
                          int limit) {}

    private final ItemStore store;
    private final CommitService commits;
    private final Clock clock;
    private final Settings settings;
    private final Retry retry;

    public RewindService(ItemStore store, CommitService commits, Clock clock, Settings settings, Retry retry) {
        this.store = store;
        this.commits = commits;
        this.clock = clock;
        this.settings = settings;
        this.retry = retry;
    }

    /** One page of a rewind: decides (and unless a dry run, commits) the changes of up to {@code limit} files. */
    public Result rewind(Request r) {
        long now = clock.millis();
        if (r.to() == null) {
            throw ServiceException.badRequest("INVALID_TIME", "Give the instant to rewind to.");
        }
        long t = r.to().toEpochMilli();
        if (t > now) {
            throw ServiceException.badRequest("TIME_IN_FUTURE", "The instant to rewind to is in the future.");
        }
        if (!r.dryRun() && (r.idempotencyKey() == null || !IDEMPOTENCY_KEY.matcher(r.idempotencyKey()).matches())) {
            throw ServiceException.badRequest("INVALID_IDEMPOTENCY_KEY",
                    "idempotencyKey must be 8..100 characters of letters, digits and . _ : -");
        }
        if (r.limit() < 1 || r.limit() > MAX_CHANGES) {
            throw ServiceException.badRequest("INVALID_LIMIT", "limit must be 1.." + MAX_CHANGES + ".");
        }
        String prefix = ReadService.folderPrefix(r.folder());
        String start = r.cursor() == null ? prefix : ReadService.decodeCursor(r.cursor(), "w");
        if (!start.startsWith(prefix)) {
            throw ServiceException.badRequest("INVALID_CURSOR", "The cursor belongs to another folder.");
        }
        Instant retainedSince = Instant.ofEpochMilli(now - settings.retention().toMillis());

        List<Decision> todo = new ArrayList<>();
        List<Change> settled = new ArrayList<>();
        int examined = 0;
        int unchanged = 0;
        long began = System.nanoTime();
        if (r.cursor() == null && !prefix.isEmpty()) {
            // The folder's own empty-folder marker belongs to it: an empty folder then, with files now, gets it back.
            String own = prefix.substring(0, prefix.length() - 1);
            Optional<FileRow> row = retry.call(() -> store.get(Tables.FILES, FileRow.key(r.owner(), own))).map(FileRow::from);
            if (row.isPresent()) {
                Decision d = decide(row.get(), t, now, r.idempotencyKey());
                if (row.get().folder() || (d.then() != null && d.then().folder())) {
                    examined++;
                    unchanged += d.sort(todo, settled);
                }
            }
        }
        String next = start;
        boolean exhausted = false;
        while (examined < MAX_EXAMINED && todo.size() < r.limit() && !outOfTime(began)) {
            String from = next;
            Query q = Query.table(Tables.FILES, r.owner().sub()).where(from.isEmpty() ? SortCondition.le(prefix + KEY_END)
                    : SortCondition.between(from, prefix + KEY_END)).limit(ROWS_PER_QUERY);
            Page<Item> page = retry.call(() -> store.query(q));
            int consumed = 0;
            for (Item i : page.items()) {
                if (examined >= MAX_EXAMINED || todo.size() >= r.limit() || outOfTime(began)) {
                    break;
                }
                consumed++;
                FileRow f = FileRow.from(i);
                next = f.pathKey() + "\u0000"; // the smallest key after this one (paths never contain NUL)
                examined++;
                unchanged += decide(f, t, now, r.idempotencyKey()).sort(todo, settled);
            }
            if (consumed == page.items().size() && !page.hasMore()) {
                exhausted = true;
                break;
            }
        }
        List<Change> changes = new ArrayList<>(settled);
        if (r.dryRun()) {
            todo.forEach(d -> changes.add(d.change(Status.PLANNED, null, null, null)));
        } else {
            changes.addAll(apply(r.owner(), todo));
        }
        changes.sort(java.util.Comparator.comparing(c -> c.path().toLowerCase(java.util.Locale.ROOT)));
        return new Result(prefix.isEmpty() ? "" : prefix.substring(0, prefix.length() - 1), r.to(), r.dryRun(), changes,
                examined, unchanged, exhausted ? null : ReadService.encodeCursor("w", next), retainedSince);
    }

    private boolean outOfTime(long began) {
        return System.nanoTime() - began > EXAMINE_BUDGET.toNanos()
                || dev.chunkvault.service.time.Deadline.current().remaining().compareTo(RESERVE) < 0;
    }

    /** Commits the decided changes as one batch; a file's own refusal (changed meanwhile: 409) is its skip. */
    private List<Change> apply(Owner owner, List<Decision> todo) {
        if (todo.isEmpty()) {
            return List.of();
        }
        List<CommitService.CommitRequest> requests = new ArrayList<>();
        for (Decision d : todo) {
            FileRow f = d.file();
            CommitService.Source source = d.action() == Action.DELETE ? new CommitService.Source.Tombstone()
                    : new CommitService.Source.FromVersion(d.then().versionId());
            String path = d.action() == Action.DELETE ? f.displayPath() : d.then().displayPath();
            requests.add(new CommitService.CommitRequest(owner, path, f.head(), source, 0, null, 0, d.commitKey()));
        }
        List<CommitService.BatchItem> items = commits.commitBatch(requests);
        List<Change> out = new ArrayList<>();
        for (int i = 0; i < todo.size(); i++) {
            CommitService.BatchItem item = items.get(i);
            Decision d = todo.get(i);
            if (item.error() == null) {
                out.add(d.change(Status.DONE, item.result().version().versionId(), null, null));
            } else {
                out.add(d.change(Status.SKIPPED, null, item.error().code(), item.error().getMessage()));
            }
        }
        return out;
    }

    /**
     * What to do with one file. {@code then} is the version the file had at the instant (null: it did not exist, or is
     * not known); {@code action} null with {@code reason} null means nothing to do.
     */
    private record Decision(FileRow file, VersionRow then, Action action, String reason, String doneAs, Action doneAction,
                            String rewindKey) {
        /** Files a page acts on go to {@code todo}, the ones already answered to {@code settled}; 1 for an unchanged file. */
        int sort(List<Decision> todo, List<Change> settled) {
            if (reason != null) {
                settled.add(new Change(file.displayPath(), action, Status.SKIPPED, file.head(), null, null, reason,
                        "Its history at that time is no longer kept (see the retention period); left as it is."));
                return 0;
            }
            if (doneAs != null) {
                // A retried page: this rewind already made the head (the same key): answered as done again.
                settled.add(new Change(path(), doneAction, Status.DONE, null,
                        doneAction == Action.DELETE ? null : then.versionId(), doneAs, null, null));
                return 0;
            }
            if (action == null) {
                return 1;
            }
            todo.add(this);
            return 0;
        }

        String path() {
            return then != null && action != Action.DELETE && doneAction != Action.DELETE ? then.displayPath()
                    : file.displayPath();
        }

        Change change(Status status, String newVersion, String code, String message) {
            return new Change(path(), action, status, file.head(), action == Action.DELETE ? null : then.versionId(),
                    newVersion, code, message);
        }

        String commitKey() {
            return commitKey(rewindKey, file.fileId(), action == Action.DELETE ? "absent" : then.versionId());
        }

        /** The commit's idempotency key: one per (rewind, file, target), so a retried page replays its own commit. */
        static String commitKey(String rewindKey, String fileId, String target) {
            String hex = ChunkId.sha256((rewindKey + "\u0000" + fileId + "\u0000" + target)
                    .getBytes(StandardCharsets.UTF_8)).hex();
            return "rewind." + hex.substring(0, 40);
        }
    }

    /** Decides one file: its state at {@code t} against its head now. */
    private Decision decide(FileRow f, long t, long now, String rewindKey) {
        if (f.updatedAt() <= t) {
            // The row was last written before the instant: the head now is the head then (nothing read).
            return new Decision(f, null, null, null, null, null, rewindKey);
        }
        // The head then: the newest ACTIVE version created at or before the instant. The newest versions are read first
        // (one query: the usual case); a file with more versions since is searched by seq, which is contiguous among
        // ACTIVE versions (each one's parent is the head before it; expiry goes oldest first) and orders createdAt.
        Page<Item> newest = retry.call(() -> store.query(Query.table(Tables.VERSIONS, f.fileId()).descending()
                .limit(VERSIONS_PER_QUERY)));
        List<VersionRow> seen = new ArrayList<>();
        VersionRow then = null;
        for (Item i : newest.items()) {
            VersionRow v = VersionRow.from(i);
            if (v.state() != VersionRow.State.ACTIVE) {
                continue; // never a head: a large commit being written, or one rolled back
            }
            seen.add(v);
            if (v.createdAt() <= t) {
                then = v;
                break;
            }
        }
        if (then == null && newest.hasMore()) {
            long below = seen.isEmpty() ? f.headSeq() + 1 : seen.get(seen.size() - 1).seq();
            then = search(f.fileId(), below - 1, t);
        }
        VersionRow head = find(seen, f.fileId(), f.head());
        if (head == null) {
            return new Decision(f, null, null, null, null, null, rewindKey); // purged meanwhile: nothing to rewind
        }
        if (then == null) {
            VersionRow earliest = newest.hasMore() ? oldest(f.fileId()) : seen.isEmpty() ? null : seen.get(seen.size() - 1);
            // Absent then, if this file's first version (seq 1) is kept and came after the instant. A path whose earlier
            // file was purged gets a new file: one that existed at the instant was deleted after it and purged a retention
            // period later, so a file created within a retention period after the instant had no such predecessor.
            boolean absent = earliest != null && earliest.seq() == 1
                    && earliest.createdAt() - settings.retention().toMillis() <= t;
            if (!absent) {
                return new Decision(f, null, null, NOT_RETAINED, null, null, rewindKey);
            }
            if (head.tombstone()) {
                String deletedBy = VersionRow.versionId(f.fileId(), head.seq(), Decision.commitKey(rewindKey, f.fileId(),
                        "absent"));
                return replayed(f, null, head, deletedBy, Action.DELETE, rewindKey);
            }
            return new Decision(f, null, Action.DELETE, null, null, null, rewindKey);
        }
        if (!then.readableAt(now)) {
            return new Decision(f, then, null, NOT_RETAINED, null, null, rewindKey);
        }
        if (then.tombstone()) {
            if (head.tombstone()) {
                String deletedBy = VersionRow.versionId(f.fileId(), head.seq(), Decision.commitKey(rewindKey, f.fileId(),
                        "absent"));
                return replayed(f, then, head, deletedBy, Action.DELETE, rewindKey);
            }
            return new Decision(f, then, Action.DELETE, null, null, null, rewindKey);
        }
        if (!head.tombstone() && sameContent(then, head)) {
            String restoredBy = VersionRow.versionId(f.fileId(), head.seq(), Decision.commitKey(rewindKey, f.fileId(),
                    then.versionId()));
            VersionRow parent = head.parent() == null ? null : find(seen, f.fileId(), head.parent());
            Action was = parent != null && parent.tombstone() ? Action.UNDELETE : Action.RESTORE;
            return replayed(f, then, head, restoredBy, was, rewindKey);
        }
        return new Decision(f, then, head.tombstone() ? Action.UNDELETE : Action.RESTORE, null, null, null, rewindKey);
    }

    /** The version among {@code seen}, else read. */
    private VersionRow find(List<VersionRow> seen, String fileId, String versionId) {
        return seen.stream().filter(v -> v.versionId().equals(versionId)).findFirst().orElseGet(() -> retry.call(
                () -> store.get(Tables.VERSIONS, VersionRow.key(fileId, versionId))).map(VersionRow::from).orElse(null));
    }

    /** The ACTIVE version with this seq, if kept. */
    private VersionRow activeAt(String fileId, long seq) {
        Query q = Query.table(Tables.VERSIONS, fileId).where(SortCondition.beginsWith(String.format("%010d-", seq)))
                .limit(VERSIONS_PER_QUERY);
        return retry.call(() -> store.query(q)).items().stream().map(VersionRow::from)
                .filter(v -> v.state() == VersionRow.State.ACTIVE).findFirst().orElse(null);
    }

    /**
     * The ACTIVE version of highest seq at most {@code hi} created at or before {@code t}, by binary search on seq (kept
     * versions have every seq from the oldest kept up; a seq with none is below them), or null.
     */
    private VersionRow search(String fileId, long hi, long t) {
        long lo = 1;
        VersionRow best = null;
        while (lo <= hi) {
            long mid = lo + (hi - lo) / 2;
            VersionRow v = activeAt(fileId, mid);
            if (v != null && v.createdAt() <= t) {
                best = v;
                lo = mid + 1;
            } else if (v == null) {
                lo = mid + 1; // expired: the answer, if any is kept, is above
            } else {
                hi = mid - 1;
            }
        }
        return best;
    }

    /** The file's oldest kept ACTIVE version. */
    private VersionRow oldest(String fileId) {
        dev.chunkvault.service.store.Cursor after = null;
        while (true) {
            Query q = Query.table(Tables.VERSIONS, fileId).limit(VERSIONS_PER_QUERY).after(after);
            Page<Item> p = retry.call(() -> store.query(q));
            for (Item i : p.items()) {
                VersionRow v = VersionRow.from(i);
                if (v.state() == VersionRow.State.ACTIVE) {
                    return v;
                }
            }
            if (!p.hasMore()) {
                return null;
            }
            after = p.next();
        }
    }

    /** Nothing to do; answered as done if this very rewind made the head ({@code madeBy}: its commit's version id). */
    private static Decision replayed(FileRow f, VersionRow then, VersionRow head, String madeBy, Action action,
                                     String rewindKey) {
        boolean ours = rewindKey != null && head.versionId().equals(madeBy);
        return new Decision(f, then, null, null, ours ? head.versionId() : null, ours ? action : null, rewindKey);
    }

    /** Same content, flags and original name: restoring one over the other would change nothing (the commit's test). */
    private static boolean sameContent(VersionRow a, VersionRow b) {
        return a.manifestHash().equals(b.manifestHash()) && a.executable() == b.executable() && a.link() == b.link()
                && a.folder() == b.folder() && java.util.Objects.equals(a.originalName(), b.originalName());
    }
}
