package dev.chunkvault.client.sync;

import dev.chunkvault.client.ApiException;
import dev.chunkvault.client.ChunkIndex;
import dev.chunkvault.client.ChunkvaultClient;
import dev.chunkvault.client.ChunkvaultException;
import dev.chunkvault.client.FilePuller;
import dev.chunkvault.client.FilePusher;
import dev.chunkvault.client.IntegrityException;
import dev.chunkvault.client.LocalFileChangedException;
import dev.chunkvault.client.LocalTargets;
import dev.chunkvault.client.StaleParentException;
import dev.chunkvault.client.UnsafePathException;
import dev.chunkvault.client.model.ConflictCheck;
import dev.chunkvault.client.model.FileEntry;
import dev.chunkvault.client.model.VersionInfo;
import dev.chunkvault.client.sync.LocalScanner.LocalFile;
import dev.chunkvault.core.manifest.Manifest;
import dev.chunkvault.core.manifest.ManifestDelta;
import dev.chunkvault.core.paths.ConflictedCopies;
import dev.chunkvault.core.paths.FileNames;
import dev.chunkvault.core.paths.FilePath;
import dev.chunkvault.core.paths.InvalidFilePathException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A file edited on both sides since its base: the service's conflict-check decides. Identical content is adopted,
 * disjoint edits are merged (the merged file is committed on the head, then written here, and the local version from
 * before the merge is kept in {@link LocalBackups}), anything else keeps both: the local edit becomes a conflicted
 * copy (uploaded as a new file) and the head is pulled into the original name. A merge whose commit finds the head
 * moved is checked and built again on the new head, up to {@link #MAX_MERGE_ATTEMPTS} times.
 *
 * <p>Keeping both is only ever the answer to a verdict, or to a service without conflict-check; a service failing
 * after retries ends the sync, and any other refusal is this file's error: neither renames the user's file.
 */
final class ConflictResolver {
    /**
     * How often a merge whose commit found the head moved on (another device committed, often a merge of its own) is
     * checked and built again on the new head before both copies are kept: many devices editing disjoint parts of
     * one file at once each win a round, and each attempt after a lost one waits a random, growing pause first.
     */
    static final int MAX_MERGE_ATTEMPTS = 8;

    /** The sync's own actions that a resolution ends in. */
    interface Actions {
        /** The local file's chunks and hash, cut as its base was. */
        FilePusher.Scanned scan(SyncItem it) throws IOException;

        /** Pushes the local file on {@code parent} (null: as a new file). */
        void push(SyncItem it, SyncReport report, String parent) throws IOException;

        /** Pulls {@code head} into the item's place. */
        void pull(SyncItem it, SyncReport report, FileEntry head) throws IOException;

        /** Takes {@code version}, whose content is the local file's, as the file's new base. */
        void adopt(SyncItem it, String version, String remoteHash, Boolean remoteExecutable) throws IOException;
    }

    private final ChunkvaultClient client;
    private final StateStore state;
    private final Path root;
    private final Path tmp;
    private final FilePusher pusher;
    private final FilePuller puller;
    private final LocalBackups backups;
    private final Clock clock;
    private final String device;
    private final SyncListener listener;
    private final Actions actions;

    /** @param device this device's name, for conflicted copies */
    ConflictResolver(ChunkvaultClient client, StateStore state, FilePusher pusher, FilePuller puller,
                     LocalBackups backups, Clock clock, String device, SyncListener listener, Actions actions) {
        this.client = client;
        this.state = state;
        this.root = state.root();
        this.tmp = root.resolve(".chunkvault").resolve("tmp");
        this.pusher = pusher;
        this.puller = puller;
        this.backups = backups;
        this.clock = clock;
        this.device = device;
        this.listener = listener;
        this.actions = actions;
    }

    /** Resolves the item's local edit against {@code head}, the server's version it conflicts with. */
    void resolve(SyncItem it, SyncReport report, FileEntry head) throws IOException {
        for (int attempt = 1; ; attempt++) {
            if (!resolveOnce(it, report, head, attempt < MAX_MERGE_ATTEMPTS)) {
                return;
            }
            try {
                long ceiling = Math.min(2_000, 100L << Math.min(attempt, 5));
                client.options().sleeper().sleep(Duration.ofMillis(
                        ThreadLocalRandom.current().nextLong(ceiling / 2, ceiling + 1)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted");
            }
        }
    }

    /**
     * Keeps both sides without asking for a merge: for a conflict with a symbolic link on either side (a link's target is
     * not merged byte-wise with anything). The local side becomes a conflicted copy (a link stays a link), the head is
     * pulled into the name.
     */
    void keepBoth(SyncItem it, SyncReport report, FileEntry head) throws IOException {
        FilePusher.Scanned s = it.scanned != null ? it.scanned : actions.scan(it);
        it.scanned = s;
        listener.event("warning", it.local.path(), "edited on both sides, with a symbolic link on one; keeping both");
        conflictedCopy(it, report, s, head, null);
    }

    /** @return true if a merge lost the race for the head and {@code mayRetry}: check again on the new head */
    private boolean resolveOnce(SyncItem it, SyncReport report, FileEntry head, boolean mayRetry) throws IOException {
        LocalFile lf = it.local;
        FilePusher.Scanned s = it.scanned != null ? it.scanned : actions.scan(it);
        it.scanned = s;
        ConflictCheck cc = null;
        try {
            try {
                cc = client.conflictCheck(query(it, s, false));
            } catch (ApiException e) {
                if (e.status() != 422 || !"BASE_NOT_RETAINED".equals(e.code())) {
                    throw e;
                }
                cc = client.conflictCheck(query(it, s, true)); // the delta's base expired: the whole manifest
            }
        } catch (ApiException e) {
            // Keep both only on a verdict, or where there is no conflict-check (an older service: no such route). A
            // service failing after retries (5xx, 429) ends the sync, and any other refusal is this file's error:
            // neither renames the user's file.
            if (!e.isNoSuchRoute()) {
                throw e;
            }
            listener.event("warning", lf.path(), "conflict-check unavailable (" + e.code() + "); keeping both copies");
        }
        if (cc == null) {
            conflictedCopy(it, report, s, head, null);
            return false;
        }
        VersionInfo ccHead = cc.head();
        FileEntry current = ccHead != null && !ccHead.deleted() ? RemoteView.entryOf(ccHead) : null;
        String action = cc.action() != null ? cc.action() : legacyAction(cc);
        switch (action) {
            case ConflictCheck.ACTION_NONE -> {
                if (current != null && Objects.equals(current.contentHash(), s.contentHash())) {
                    actions.adopt(it, current.version(), current.contentHash(), current.executable());
                    return false;
                }
            }
            case ConflictCheck.ACTION_PUSH -> {
                actions.push(it, report, ccHead == null || ccHead.deleted() ? null : ccHead.versionId());
                return false;
            }
            case ConflictCheck.ACTION_COMMIT_MERGED -> {
                String unfit = MergePolicy.unmergeable(lf.file());
                Manifest merged = current == null || unfit != null ? null : cc.merged(s.manifest());
                if (unfit != null) {
                    listener.event("warning", lf.path(), "edited on both sides; " + unfit + " is not merged byte-wise,"
                            + " keeping both versions");
                }
                Merge m = merged == null ? Merge.FAILED : merge(it, report, s, ccHead, merged);
                if (m == Merge.MERGED) {
                    return false;
                }
                if (m == Merge.HEAD_MOVED) {
                    if (mayRetry) {
                        return true;
                    }
                    listener.event("warning", lf.path(), "the file kept changing during the merge; keeping both copies");
                }
            }
            default -> { }
        }
        // KEEP_BOTH, or anything that would lose the local edit (PULL over a local change): keep both.
        String suggested = cc.conflictedCopyName();
        if (suggested == null && cc.conflictedCopyPath() != null) {
            suggested = cc.conflictedCopyPath().substring(cc.conflictedCopyPath().lastIndexOf('/') + 1);
        }
        conflictedCopy(it, report, s, current != null ? current : head, suggested);
        return false;
    }

    /** How a merge ended: committed and installed, not possible (keep both), or its commit found a newer head. */
    private enum Merge { MERGED, FAILED, HEAD_MOVED }

    /** The question for conflict-check: a manifest delta against the base when there is one (a large file sends little). */
    private ChunkvaultClient.ConflictQuery query(SyncItem it, FilePusher.Scanned s, boolean whole) {
        LocalFile lf = it.local;
        String base = it.rec == null ? null : it.rec.version();
        Manifest full = s.manifest();
        ManifestDelta delta = null;
        Manifest baseManifest = it.rec == null ? null : state.withManifest(it.rec).manifest();
        if (!whole && baseManifest != null && baseManifest.profile().equals(full.profile()) && full.chunkCount() > 64) {
            delta = ManifestDelta.compute(baseManifest, full);
            full = null;
        }
        String localTime = LocalDateTime.ofInstant(clock.instant(), ZoneId.systemDefault())
                .withNano(0).format(DateTimeFormatter.ISO_LOCAL_DATE_TIME);
        return new ChunkvaultClient.ConflictQuery(lf.path(), lf.file().getFileName().toString(), base, full, delta, null,
                device, localTime);
    }

    /** For a service that answers without {@code action}: derive it from the outcome. */
    private static String legacyAction(ConflictCheck cc) {
        if (cc.outcome() == null) {
            return ConflictCheck.ACTION_KEEP_BOTH;
        }
        return switch (cc.outcome()) {
            case ConflictCheck.IDENTICAL_CONTENT, ConflictCheck.NO_CHANGE -> ConflictCheck.ACTION_NONE;
            case ConflictCheck.FAST_FORWARD -> "PUSH".equals(cc.direction()) ? ConflictCheck.ACTION_PUSH
                    : ConflictCheck.ACTION_KEEP_BOTH;
            case ConflictCheck.MODIFY_DELETE -> ConflictCheck.ACTION_PUSH;
            case ConflictCheck.MODIFY_MODIFY -> Boolean.TRUE.equals(cc.mergeable()) ? ConflictCheck.ACTION_COMMIT_MERGED
                    : ConflictCheck.ACTION_KEEP_BOTH;
            default -> ConflictCheck.ACTION_KEEP_BOTH;
        };
    }

    /**
     * Both sides edited disjoint regions: build the merged file (local chunks from disk, the head's from the
     * server), commit it on the head, then replace the local file if it is still as scanned.
     */
    private Merge merge(SyncItem it, SyncReport report, FilePusher.Scanned local, VersionInfo head, Manifest merged)
            throws IOException {
        LocalFile lf = it.local;
        Manifest headManifest = client.manifest(lf.path(), head.versionId()).manifest();
        ChunkIndex localChunks = indexOf(lf.file(), local.manifest()).or(state);
        FilePuller.Built built;
        try {
            built = puller.build(lf.path(), head.versionId(), merged, null, tmp, localChunks, listener.transfer(lf.path()));
        } catch (ApiException | IntegrityException e) {
            listener.event("warning", lf.path(), "merge failed (" + e.getMessage() + "); keeping both copies");
            return Merge.FAILED;
        }
        try {
            boolean executable = SyncItem.localBit(it);
            FilePusher.Result r = pusher.push(new FilePusher.Request(built.temp(), lf.path(), head.versionId(),
                    headManifest, merged, listener.transfer(lf.path()), executable));
            // Nothing but the server's history would keep the local version (its head moved on): keep it here too.
            Path backup = backups.keep(lf);
            BasicFileAttributes a;
            try {
                a = FilePuller.install(built.temp(), root, lf.file(), t -> SyncItem.unchangedSinceScan(t, lf),
                        clock.millis(), lf.executable() == null ? null : executable);
            } catch (IOException | RuntimeException e) {
                Files.deleteIfExists(backup);
                throw e;
            }
            state.put(new SyncRecord(it.key, lf.path(), r.commit().version().versionId(), a.size(),
                    a.lastModifiedTime().toMillis(), r.contentHash(), merged, executable));
            String kept = SyncPaths.relative(root, backup);
            report.merged.add(lf.path());
            report.backups.add(kept);
            report.addUploaded(r.stats().bytesSent());
            listener.event("merge", lf.path(), "both edits merged; your version from before the merge is kept as '"
                    + kept + "'");
            return Merge.MERGED;
        } catch (StaleParentException stale) {
            return Merge.HEAD_MOVED; // another device committed first: check again against its version
        } finally {
            Files.deleteIfExists(built.temp());
        }
    }

    /** Where the chunks of {@code file}, cut as {@code m}, are in it. */
    static ChunkIndex indexOf(Path file, Manifest m) {
        Map<String, ChunkIndex.Location> at = new HashMap<>();
        for (int i = 0; i < m.chunkCount(); i++) {
            at.putIfAbsent(m.id(i).hex(), new ChunkIndex.Location(file, m.offset(i), m.size(i)));
        }
        return id -> at.containsKey(id) ? List.of(at.get(id)) : List.of();
    }

    /**
     * A true conflict: the local edit moves to a conflicted copy (uploaded as a new file), and the head is pulled
     * into the original name. Both edits survive.
     */
    private void conflictedCopy(SyncItem it, SyncReport report, FilePusher.Scanned s, FileEntry head, String suggested)
            throws IOException {
        LocalFile lf = it.local;
        FilePath original = FilePath.parse(lf.path());
        String copyName;
        Path copyFile;
        for (int attempt = 1; ; attempt++) {
            copyName = copyName(original, lf.file(), suggested);
            copyFile = lf.file().resolveSibling(copyName);
            if (!SyncItem.unchangedSinceScan(lf.file(), lf)) {
                throw new LocalFileChangedException(lf.file(), "changed during the sync");
            }
            // A rename replaces an existing target on POSIX whatever the options say: look right before it, and
            // take another name if something appeared under this one since it was chosen.
            if (!Files.exists(copyFile, LinkOption.NOFOLLOW_LINKS)) {
                break;
            }
            if (attempt >= 5) {
                throw new LocalFileChangedException(copyFile, "keeps appearing; no conflicted copy was made");
            }
        }
        FilePath copyPath = original.withName(copyName);
        LocalTargets.check(root, copyFile); // the file's own folder, unless swapped for a link since the scan
        Files.move(lf.file(), copyFile, StandardCopyOption.ATOMIC_MOVE);
        report.conflicts.add(copyPath.toString());
        listener.event("conflict", lf.path(), "your version was kept as '" + copyName + "'");
        // A rename keeps the stat: the copy is what was scanned (the push checks it), and that is what is recorded,
        // so an edit of the copy saved meanwhile stays an edit.
        // A link (moved as a link by the rename) is pushed from its staged target: it is never opened.
        boolean link = lf.isLink();
        boolean executable = !link && SyncItem.localBit(it);
        FilePusher.Result r;
        try {
            r = pusher.push(new FilePusher.Request(link ? it.staged : copyFile, copyPath.toString(), null, null, null,
                    listener.transfer(copyPath.toString()), executable).withLink(link), s);
        } finally {
            if (link && it.staged != null) {
                Files.deleteIfExists(it.staged);
                it.staged = null;
            }
        }
        state.put(new SyncRecord(copyPath.foldKey(), copyPath.toString(), r.commit().version().versionId(),
                link ? lf.size() : s.size(), link ? lf.mtimeMillis() : s.mtimeMillis(), s.contentHash(), r.manifest(),
                executable, link));
        report.addUploaded(r.stats().bytesSent());
        if (head != null && !head.deleted()) {
            SyncItem moved = new SyncItem(it.key, it.rec, null, head);
            actions.pull(moved, report, head);
        } else {
            state.remove(it.key);
        }
    }

    private String copyName(FilePath original, Path localFile, String suggested) {
        LocalDateTime now = LocalDateTime.ofInstant(clock.instant(), ZoneId.systemDefault());
        List<String> candidates = new ArrayList<>();
        if (suggested != null) {
            try {
                String n = FileNames.normalize(suggested);
                if (ConflictedCopies.isConflictedCopy(n)) {
                    LocalTargets.validate(original.withName(n).toString()); // a name from the server: not C:x here
                    candidates.add(n);
                }
            } catch (InvalidFilePathException | UnsafePathException ignored) {
                // the server's suggestion is not usable here: make one
            }
        }
        candidates.add(ConflictedCopies.name(original.name(), device, now));
        for (int n = 2; n < 100; n++) {
            candidates.add(ConflictedCopies.name(original.name(), device, now, n));
        }
        for (String c : candidates) {
            FilePath p = original.withName(c);
            if (!Files.exists(localFile.resolveSibling(c), LinkOption.NOFOLLOW_LINKS)
                    && state.get(p.foldKey()).isEmpty() && client.file(p.toString(), true).isEmpty()) {
                return c;
            }
        }
        throw new ChunkvaultException("could not find a free name for a conflicted copy of " + original);
    }
}
