package dev.chunkvault.client.sync;

import dev.chunkvault.client.ApiException;
import dev.chunkvault.client.CommitBatcher;
import dev.chunkvault.client.SharedDeltas;
import dev.chunkvault.client.SharedGrants;
import dev.chunkvault.client.SharedPlans;
import dev.chunkvault.client.Planner;
import dev.chunkvault.client.Committer;
import dev.chunkvault.client.ChunkvaultClient;
import dev.chunkvault.client.ChunkvaultException;
import dev.chunkvault.client.FileModes;
import dev.chunkvault.client.FilePuller;
import dev.chunkvault.client.FilePusher;
import dev.chunkvault.client.IntegrityException;
import dev.chunkvault.client.LocalFileChangedException;
import dev.chunkvault.client.LocalTargets;
import dev.chunkvault.client.StaleParentException;
import dev.chunkvault.client.SymLinks;
import dev.chunkvault.client.UnsafePathException;
import dev.chunkvault.client.model.FileEntry;
import dev.chunkvault.client.model.VersionInfo;
import dev.chunkvault.client.sync.LocalScanner.LocalFile;
import dev.chunkvault.client.sync.SyncPlanner.Action;
import dev.chunkvault.client.sync.SyncPlanner.Local;
import dev.chunkvault.client.sync.SyncPlanner.Remote;
import dev.chunkvault.core.manifest.Manifest;
import dev.chunkvault.core.paths.InvalidFilePathException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Two-way sync of a folder with the account root.
 *
 * <ol>
 *   <li>Take the folder's lock (one sync at a time) and check that its state belongs to this endpoint and account
 *       ({@link SyncBinding}).</li>
 *   <li>Scan the folder (ignore rules, no symlinks, collisions reported); a file whose size and mtime match its
 *       record is unchanged, otherwise its content hash decides.</li>
 *   <li>Find remote changes ({@link RemoteView}): the change feed from the saved cursor (cheap), or a full listing
 *       (first sync, {@code --full}, or once a day).</li>
 *   <li>Decide per path with {@link SyncPlanner}; when more tracked files are gone (on either side) than the
 *       mass-delete safeguard allows, hold back every deletion, and the downloads into files missing here, unless
 *       forced.</li>
 *   <li>Apply: pushes commit on the base version (a 409 turns into a conflict), pulls write atomically and never
 *       replace a file that changed since the scan, conflicts go to {@link ConflictResolver} (clean merge, whose
 *       replaced local version {@link LocalBackups} keeps, or a conflicted copy that is uploaded too). State is
 *       recorded after each file, so an interrupted sync resumes where it stopped; the cursor advances only when
 *       every remote change was applied.</li>
 * </ol>
 * The engine plans and orchestrates; each path's situation and decision is a {@link SyncItem}.
 */
public final class SyncEngine {
    /**
     * Files transferred at the same time. Small files go many at a time, so that their grants, commits and download
     * plans travel together (a tree of small files cost more than one request per file when they went four at a time:
     * docs/perf-many-files.md); of the large ones (each with its own parallel chunk transfers) only a few. A commit batch
     * goes once half the threads wait in it ({@code CommitBatcher}), so about 64 files travel together while the other
     * 64 upload. 128 rather than 64 made a first sync of 3,000 small files 20 % faster and its packs twice as large
     * (docs/perf-many-files.md); 256 was slower again on two cores.
     */
    static final int FILE_PARALLELISM = 128;
    /** Large files ({@link #SMALL_FILE} or more) transferred at the same time. */
    static final int LARGE_FILE_PARALLELISM = 4;
    /** Files under this size are small: their transfers are mostly requests, not bytes. */
    static final long SMALL_FILE = 4L << 20;
    /** At most this many commits go in one batch request (the service's limit). */
    static final int COMMIT_BATCH = ChunkvaultClient.MAX_BATCH_COMMITS;
    /** How often a commit waiting for others to join its batch looks whether the batch may go. */
    static final Duration COMMIT_LINGER = Duration.ofMillis(250);
    /**
     * How long a commit batch that is neither full nor half the threads gathers commits, from its oldest one (beyond the
     * time another batch takes to be sent). With the deltas of many files batched, threads leave the delta stage in
     * groups (a shared delta request answers all its callers at once) further apart than {@link #COMMIT_LINGER}, while
     * most of the others wait in the delta stage: after one linger a batch carried one group. A lone commit waits this
     * long at most.
     */
    static final Duration COMMIT_MAX_GATHER = Duration.ofSeconds(2);
    /** How long a grant or download-plan request may wait for other files' to go with it. */
    static final Duration REQUEST_LINGER = Duration.ofMillis(25);

    /**
     * @param maxDeletes        deletions per sync allowed without {@code force}
     * @param maxDeleteFraction fraction of tracked files deletable without {@code force}
     * @param rebind            see {@link #withRebind}
     * @param windowsNames      whether names Windows cannot hold are skipped (on Windows, by default)
     * @param links             keep symbolic links as links ({@code --links}) or not ({@code --no-links}); null: as the
     *                          folder last chose (its state keeps the choice), skipped by default. See {@link #withLinks}
     */
    public record Options(boolean dryRun, boolean force, boolean fullListing, int maxDeletes, double maxDeleteFraction,
                          String device, Clock clock, boolean rebind, boolean windowsNames, List<String> exclude,
                          Boolean links) {
        public Options {
            Objects.requireNonNull(device, "device");
            Objects.requireNonNull(clock, "clock");
            exclude = List.copyOf(exclude);
        }

        public Options(boolean dryRun, boolean force, boolean fullListing, int maxDeletes, double maxDeleteFraction,
                       String device, Clock clock, boolean rebind, boolean windowsNames) {
            this(dryRun, force, fullListing, maxDeletes, maxDeleteFraction, device, clock, rebind, windowsNames, List.of(),
                    null);
        }

        public Options(boolean dryRun, boolean force, boolean fullListing, int maxDeletes, double maxDeleteFraction,
                       String device, Clock clock, boolean rebind, boolean windowsNames, List<String> exclude) {
            this(dryRun, force, fullListing, maxDeletes, maxDeleteFraction, device, clock, rebind, windowsNames, exclude,
                    null);
        }

        public static Options defaults(String device) {
            return new Options(false, false, false, 50, 0.5, device, Clock.systemDefaultZone(), false,
                    System.getProperty("os.name", "").startsWith("Windows"));
        }

        public Options withDryRun(boolean b) {
            return new Options(b, force, fullListing, maxDeletes, maxDeleteFraction, device, clock, rebind, windowsNames, exclude, links);
        }

        public Options withForce(boolean b) {
            return new Options(dryRun, b, fullListing, maxDeletes, maxDeleteFraction, device, clock, rebind, windowsNames, exclude, links);
        }

        public Options withFullListing(boolean b) {
            return new Options(dryRun, force, b, maxDeletes, maxDeleteFraction, device, clock, rebind, windowsNames, exclude, links);
        }

        public Options withMaxDeletes(int n) {
            return new Options(dryRun, force, fullListing, n, maxDeleteFraction, device, clock, rebind, windowsNames, exclude, links);
        }

        /**
         * Whether a folder bound to another account or endpoint (see {@link SyncBinding}) is rebound to this one:
         * its state is forgotten and it syncs as if for the first time. Not with a dry run.
         */
        public Options withRebind(boolean b) {
            return new Options(dryRun, force, fullListing, maxDeletes, maxDeleteFraction, device, clock, b, windowsNames, exclude, links);
        }

        /** Whether remote names that Windows cannot hold ({@code a:b}, {@code CON.txt}, {@code x.}) are skipped. */
        public Options withWindowsNames(boolean b) {
            return new Options(dryRun, force, fullListing, maxDeletes, maxDeleteFraction, device, clock, rebind, b, exclude, links);
        }

        /**
         * Patterns (the syntax of {@code .chunkvaultignore}) this sync leaves out, as if the folder's ignore file had them:
         * matching files are neither sent nor fetched nor deleted on either side.
         */
        public Options withExclude(List<String> patterns) {
            return new Options(dryRun, force, fullListing, maxDeletes, maxDeleteFraction, device, clock, rebind, windowsNames,
                    patterns, links);
        }

        /**
         * Symbolic links kept as links (true, {@code --links}: like {@code rsync -l}, a link's target is its content,
         * never followed) or skipped with a warning (false, {@code --no-links}); null keeps the folder's last choice.
         * A real sync records the choice in the folder's state, so later syncs keep it.
         */
        public Options withLinks(Boolean l) {
            return new Options(dryRun, force, fullListing, maxDeletes, maxDeleteFraction, device, clock, rebind, windowsNames,
                    exclude, l);
        }
    }

    private final ChunkvaultClient client;
    /** This run's replica id ({@link StateStore#newRunId}), or null for a dry run. */
    private final String runId;
    private final StateStore state;
    private final Path root;
    private final Options options;
    private final SyncListener listener;
    private final FilePusher pusher;
    /**
     * Groups the commits the transfer threads reach together into one request. The engine is its one owner: it makes
     * it, registers each transfer thread with it ({@link #applyAll}), and hands it to the pushes only as their
     * {@link Committer} (every push of the sync goes through {@link #pusher}, the conflict resolver's too).
     */
    private final CommitBatcher batcher;
    private final FilePuller puller;
    /** Upload grants and download plans of the transfer threads' files, grouped into shared requests. */
    private final SharedGrants grants;
    /** The deltas of the transfer threads' edited chunks, grouped into shared batch requests. */
    private final SharedDeltas deltas;
    private final SharedPlans plans;
    /** The plans of this run's transfers: new files' asked ahead ({@link PlanPrefetcher}), the rest shared. */
    private volatile Planner runPlanner;
    /** Large files transferred at once, of the {@link #FILE_PARALLELISM} transfer threads. */
    private final java.util.concurrent.Semaphore largeFiles = new java.util.concurrent.Semaphore(LARGE_FILE_PARALLELISM);
    private final Path tmp;
    private final LocalBackups backups;
    private final ConflictResolver conflicts;
    /** Whether this folder's file system keeps the executable bit (found at the start of each run). */
    private volatile boolean modes;
    /** Whether this run keeps symbolic links as links (the option, else the folder's recorded choice). */
    private volatile boolean links;

    public SyncEngine(ChunkvaultClient service, StateStore state, Options options, SyncListener listener) {
        // This run's replica id on every commit, and the folder's recent runs' commits left out of the feed it reads; the
        // id is recorded once the run holds the folder's lock (a dry run has none: it commits nothing).
        this.runId = options.dryRun() ? null : StateStore.newRunId();
        List<String> leftOut = new ArrayList<>(state.recentRuns());
        if (runId != null) {
            leftOut.add(runId);
        }
        ChunkvaultClient client = service.writingAs(runId,
                leftOut.subList(Math.max(0, leftOut.size() - StateStore.RECENT_RUNS), leftOut.size()));
        this.client = client;
        this.state = state;
        this.root = state.root();
        this.options = options;
        this.listener = listener == null ? SyncListener.NONE : listener;
        this.batcher = new CommitBatcher(client, COMMIT_BATCH, COMMIT_LINGER, COMMIT_MAX_GATHER);
        Committer commits = batcher;
        this.grants = new SharedGrants(client, REQUEST_LINGER);
        this.plans = new SharedPlans(client, REQUEST_LINGER);
        this.deltas = new SharedDeltas(client, REQUEST_LINGER);
        this.pusher = new FilePusher(client, state, commits, grants, deltas);
        this.runPlanner = plans;
        this.puller = new FilePuller(client, state, (path, version, chunks) -> runPlanner.plan(path, version, chunks));
        this.tmp = root.resolve(".chunkvault").resolve("tmp");
        this.backups = new LocalBackups(root, options.clock());
        this.conflicts = new ConflictResolver(client, state, pusher, puller, backups, options.clock(), options.device(),
                this.listener, new ConflictResolver.Actions() {
                    @Override
                    public FilePusher.Scanned scan(SyncItem it) throws IOException {
                        return SyncEngine.this.scan(it);
                    }

                    @Override
                    public void push(SyncItem it, SyncReport report, String parent) throws IOException {
                        SyncEngine.this.push(it, report, parent);
                    }

                    @Override
                    public void pull(SyncItem it, SyncReport report, FileEntry head) throws IOException {
                        SyncEngine.this.pull(it, report, head);
                    }

                    @Override
                    public void adopt(SyncItem it, String version, String remoteHash, Boolean remoteExecutable)
                            throws IOException {
                        SyncEngine.this.adopt(it, version, remoteHash, remoteExecutable);
                    }
                });
    }

    /**
     * Whether the service holds nothing new for the folder of {@code state}: the change feed after its cursor has only
     * the folder's own recent changes and changes it applied already (a watching sync answers a notification of its own
     * pushes with this look, not a sync). Reads the feed; changes nothing.
     */
    public static boolean nothingNewRemotely(ChunkvaultClient service, StateStore state) {
        return RemoteView.nothingNew(service, state);
    }

    /**
     * Syncs once. A real sync holds the folder's {@link SyncLock} throughout; a dry run takes no lock and changes
     * nothing (it does not even clean temporary files, which may be a running sync's downloads).
     *
     * @throws SyncBusyException     another sync of the folder is running
     * @throws SyncRefusedException  the folder is bound to another account or endpoint, or is not there at all
     */
    public SyncReport run() throws IOException {
        // A folder that is gone (moved, deleted, on a disk that is not mounted) is not synced, as Dropbox and Syncthing
        // stop a folder they cannot find: taking the lock would create it again, empty, and that looks like a
        // folder whose files were all deleted.
        if (!Files.isDirectory(root)) {
            throw new SyncRefusedException("The sync folder " + root + " is not there (moved, deleted, or on a disk"
                    + " that is not mounted?); nothing was changed.");
        }
        if (options.dryRun()) {
            return runLocked();
        }
        SyncLock lock = SyncLock.acquire(root);
        try {
            return runLocked();
        } finally {
            lock.close();
        }
    }

    private SyncReport runLocked() throws IOException {
        SyncReport report = new SyncReport();
        report.dryRun = options.dryRun();
        bindOrRefuse(report);
        if (!options.dryRun()) {
            state.recordRun(runId); // before anything is committed under it
            Files.createDirectories(tmp);
            cleanTemp();
            backups.prune();
        }
        IgnoreRules ignore = IgnoreRules.load(root, options.exclude());
        boolean linksBefore = state.syncsLinks();
        links = options.links() != null ? options.links() : linksBefore;
        if (!options.dryRun() && links != linksBefore) {
            state.setSyncsLinks(links);
        }
        // Remote view, read while the folder is scanned (a sync with nothing to do waits for the slower of the two, not
        // for both one after the other). Links just turned on: the links the change feed went past while they were
        // skipped are listed again.
        RemoteView.Pending pending = RemoteView.start(client, state, options.clock(),
                options.fullListing() || (links && !linksBefore), report);
        LocalScanner.Scan scan;
        Map<String, SyncRecord> records = new java.util.LinkedHashMap<>();
        Map<String, SyncRecord> folderRecords = new java.util.LinkedHashMap<>();
        try {
            // Whether this folder's file system keeps the executable bit: tried in the state folder by a real sync (a
            // dry run makes no file, and trusts the file system's word).
            modes = options.dryRun() ? Files.getFileStore(root).supportsFileAttributeView("posix") : FileModes.kept(tmp);
            scan = LocalScanner.scan(root, ignore, modes, links);
            state.allWithoutManifests(pathsOf(scan)).forEach((k, r) -> (r.folder() ? folderRecords : records).put(k, r));
        } catch (IOException | RuntimeException | Error e) {
            pending.cancel();
            throw e;
        }
        report.warnings.addAll(scan.warnings());
        scan.warnings().forEach(w -> listener.event("warning", "", w));
        folderRecordKeys = folderRecords.keySet();
        RemoteView remote = pending.get();
        bind();
        boolean full = remote.full();

        // Names that differ only by case (issue 21): each pair in one folder is kept, one member under a marked name on
        // the server; what is left is reported as a collision, not synced.
        caseSensitive = options.dryRun() || CaseAliases.caseSensitive(tmp);
        aliases.clear();
        endedAliases.clear();
        aliases.putAll(state.aliases());
        storedAliases.clear();
        storedAliases.putAll(aliases);
        Map<String, SyncRecord> allRecords = new java.util.HashMap<>(records);
        allRecords.putAll(folderRecords);
        for (CaseAliases.Marked m : CaseAliases.resolve(root, scan, aliases, allRecords, remote.files())) {
            report.caseMarked.add(m.localPath() + " -> " + m.remotePath());
            listener.event("case-conflict", m.localPath(), "stored as '" + LocalScanner.printable(m.remotePath())
                    + "' on the server: its name differs from '" + LocalScanner.printable(m.keptBy()) + "' only by case"
                    + " or Unicode form (both keep their names here)");
        }
        if (!options.dryRun()) {
            for (String ended : new ArrayList<>(storedAliases.keySet())) {
                if (!aliases.containsKey(ended)) {
                    state.removeAlias(ended); // its marked name is a file here now (see CaseAliases#resolve)
                    storedAliases.remove(ended);
                    endedAliases.add(ended);
                }
            }
        }
        scan.collisions().values().forEach(names -> {
            report.collisions.add(names);
            listener.event("collision", String.join(", ", names), "names differ only by case or Unicode form");
        });

        // Items.
        TreeSet<String> keys = new TreeSet<>();
        keys.addAll(scan.files().keySet());
        keys.addAll(records.keySet());
        keys.addAll(remote.files().keySet());
        keys.removeAll(scan.collisions().keySet());
        // A key skipped this time with a remote change pending keeps the cursor where it is, so the change is seen
        // again next time (a skip with nothing new on the server lets it move on: the local side is rescanned anyway).
        boolean skippedAny = false;
        for (String key : scan.collisions().keySet()) {
            skippedAny |= remote.changePending(key, records.get(key));
        }
        List<SyncItem> items = new ArrayList<>();
        for (String key : keys) {
            FileEntry re = remote.files().get(key);
            if (re != null && ignore.isIgnored(re.path(), false) && !records.containsKey(key)) {
                continue;
            }
            SyncRecord rec = records.get(key);
            String overFolder = null;
            if (re != null && re.isFolder()) {
                if (rec == null && scan.files().get(key) == null) {
                    continue; // an empty folder's marker, planned below
                }
                // A file here where the server has an empty folder: to the file, the server's side is a deletion; a
                // file edited or new here wins over the marker, an unchanged one goes and the folder comes next time.
                overFolder = re.version();
                re = new FileEntry(re.path(), re.version(), 0, null, true, null, null, null, null);
                skippedAny = true;
            }
            if (!full && re == null && rec != null) {
                re = new FileEntry(rec.path(), rec.version(), rec.size(), rec.contentHash(), false, null, null,
                        rec.executable(), rec.link());
            }
            if (!links && ((re != null && !re.deleted() && re.isLink()) || (rec != null && rec.link()))) {
                // Not here by choice: neither written as a file holding its target, nor deleted on the server because it
                // is missing here, nor counted by the mass-delete safeguard.
                String shown = re != null ? re.path() : rec.path();
                warn(report, shown, "skipped symbolic link '" + LocalScanner.printable(shown) + "' (links are synced only"
                        + " with --links)");
                continue; // for good, until links are synced here (turning them on lists the folder again)
            }
            SyncItem it = new SyncItem(key, rec, scan.files().get(key), re);
            it.overFolder = overFolder;
            if (options.windowsNames() && rec == null && it.local == null && re != null && !re.deleted()
                    && !SyncPaths.isWindowsPortable(re.path())) {
                warn(report, re.path(), "'" + LocalScanner.printable(re.path()) + "' has a name Windows cannot hold;"
                        + " not synced here (rename it on another device)");
                continue; // for good, until renamed: the cursor may move on
            }
            if (rec == null && it.local == null && re != null && !re.deleted()) {
                try {
                    LocalTargets.validate(re.path()); // what a listing may name and no folder may hold (../x, C:x)
                } catch (UnsafePathException e) {
                    warn(report, re.path(), e.getMessage() + "; not synced here (rename it on another device)");
                    continue; // for good, until renamed, as above
                }
            }
            if (rec != null && it.local == null) {
                // Not listed is not deleted: only a file that is really gone was deleted by the user.
                if (ignore.isIgnored(onDisk(rec).path(), false)) {
                    it.action = Action.FORGET; // ignored now: no longer synced here, the server's copy stays
                    items.add(it);
                    continue;
                }
                String why = notDeleted(root, onDisk(rec), scan);
                if (why != null) {
                    warn(report, rec.path(), "'" + LocalScanner.printable(rec.path()) + "' " + why + "; not synced");
                    skippedAny |= remote.changePending(key, rec);
                    continue;
                }
            }
            try {
                classify(it);
            } catch (LocalFileChangedException e) {
                warn(report, it.displayPath(), e.getMessage() + "; it will be synced next time");
                skippedAny |= remote.changePending(key, rec);
                continue;
            } catch (java.nio.file.NoSuchFileException e) {
                warn(report, it.displayPath(), "'" + LocalScanner.printable(it.displayPath()) + "' disappeared during"
                        + " the sync; it will be synced next time");
                skippedAny |= remote.changePending(key, rec);
                continue;
            } catch (IOException e) {
                warn(report, it.displayPath(), "'" + LocalScanner.printable(it.displayPath()) + "' could not be read ("
                        + e.getClass().getSimpleName() + "); not synced");
                skippedAny |= remote.changePending(key, rec);
                continue;
            }
            items.add(it);
        }

        // Empty folders' markers, planned like files (a folder counts as one file for the mass-delete safeguard).
        List<SyncItem> folderItems = planFolders(scan, records, folderRecords, remote, full, ignore);
        List<SyncItem> guarded = new ArrayList<>(items);
        guarded.addAll(folderItems);

        // Mass-delete safeguard: when too many tracked files are gone, deletions (and downloads into files missing
        // here) are held back.
        boolean heldBack = !options.force() && MassDeleteGuard.holdBack(guarded, records.size() + folderRecords.size(),
                options.maxDeletes(), options.maxDeleteFraction(), report);
        if (heldBack) {
            listener.event("refused", "", (report.refusedDeletes.size() + report.heldDownloads.size())
                    + " changes held back (mass-delete safeguard: " + report.heldBackBecause + ")");
        }

        // A file new here whose version names an original name goes under it, where this disk can hold it.
        java.util.Set<String> claimed = new java.util.HashSet<>();
        for (SyncItem it : items) {
            if (it.action == Action.PULL && it.local == null && it.rec == null && it.remote != null
                    && it.remote.originalName() != null) {
                String at = CaseAliases.localPathFor(root, it.remote, caseSensitive, remote.files(), claimed);
                if (at != null) {
                    aliases.put(it.key, at);
                }
            }
        }

        if (options.dryRun()) {
            for (SyncItem it : guarded) {
                if (it.action != Action.NONE) {
                    report.planned.add(new SyncReport.Planned(it.displayPath() + (it.folder ? "/" : ""), it.action.name()));
                }
            }
            return report;
        }

        // Transfers of different files run side by side (FILE_PARALLELISM); everything else, in order, after them.
        List<SyncItem> transfers = new ArrayList<>();
        List<SyncItem> rest = new ArrayList<>();
        for (SyncItem i : items) {
            if (i.action == Action.PUSH || i.action == Action.PULL) {
                transfers.add(i);
            } else if (i.action != Action.NONE) {
                rest.add(i);
            }
        }
        // From here on, each file's item is the only thing held of it (issue 15: a constant plus a small record per
        // file), and it is let go once the file is done (see applyAll): the scan, the records, the remote listing and
        // the unchanged files' items are not needed any more.
        items = null;
        guarded = null;
        keys = null;
        scan = null;
        records.clear();
        remote.release();
        boolean allApplied = !heldBack && !skippedAny;
        long planned = 0;
        for (SyncItem i : transfers) {
            planned += i.action == Action.PUSH ? i.local.size() : i.remote.size();
        }
        listener.plan(transfers.size(), planned);
        List<ChunkvaultClient.PlanRequest> fresh = transfers.stream().filter(SyncEngine::isFresh)
                .map(i -> new ChunkvaultClient.PlanRequest(i.remote.path(), i.remote.version(), null)).toList();
        runPlanner = fresh.isEmpty() ? plans : new PlanPrefetcher(fresh, plans::plans, plans);
        try {
            allApplied &= applyAll(transfers, report, FILE_PARALLELISM);
        } finally {
            runPlanner = plans;
        }
        sendDeletions(rest);
        allApplied &= applyAll(rest, report, 1);
        allApplied &= applyFolders(folderItems, report);
        storeAliases(); // before the cursor moves on: past it, a lost alias is not found again from the server's side
        if (allApplied) {
            remote.advance(state, options.clock());
        }
        state.pruneUploaded(options.clock().instant().minus(Duration.ofDays(2)));
        return report;
    }

    /** The path strings of the scanned files, by key (records share them: each path is held once). */
    private static java.util.function.Function<String, String> pathsOf(LocalScanner.Scan scan) {
        Map<String, LocalFile> files = scan.files();
        return k -> {
            LocalFile f = files.get(k);
            return f == null ? null : f.path();
        };
    }

    /** The folder's state must belong to this endpoint and account; a first sync records them. */
    private void bindOrRefuse(SyncReport report) {
        SyncBinding.Identity who = SyncBinding.Identity.of(client);
        java.util.Optional<String> mismatch = SyncBinding.mismatch(state, who);
        if (mismatch.isPresent()) {
            if (!options.rebind() || options.dryRun()) {
                SyncBinding.require(state, who);
            }
            state.reset();
            report.rebound = true;
            warn(report, "", mismatch.get().replace(" Nothing was changed.", "") + " Rebound: the folder's sync state was"
                    + " reset, and its files are compared with this account's afresh.");
        }
    }

    /**
     * Records the folder's account once the service has answered (the remote view was read): a first sync that never
     * reached it — a mistyped endpoint, a token it refuses — leaves the folder unbound, so the next sync, signed in
     * properly, is not refused as another account's.
     */
    private void bind() {
        if (!options.dryRun()) {
            SyncBinding.bind(state, SyncBinding.Identity.of(client));
        }
    }

    /** A download of a file that is not here at all: whole-file plans, asked ahead. */
    private static boolean isFresh(SyncItem it) {
        return it.action == Action.PULL && it.local == null && it.rec == null && it.remote != null;
    }

    /** A transfer of {@link #SMALL_FILE} or more. */
    private static boolean isLarge(SyncItem it) {
        long size = it.action == Action.PUSH && it.local != null ? it.local.size()
                : it.remote != null ? it.remote.size() : 0;
        return size >= SMALL_FILE;
    }

    /**
     * Applies items, {@code parallelism} at a time; false if any could not be applied (it is retried next time). Each
     * item is let go as soon as its file is done ({@code items} is emptied first), so what a sync holds per file shrinks
     * as it goes. The transfer threads take the items in order; a problem that ends the sync stops them all.
     */
    private boolean applyAll(List<SyncItem> items, SyncReport report, int parallelism) throws IOException {
        SyncItem[] queue = items.toArray(new SyncItem[0]);
        items.clear();
        if (parallelism <= 1 || queue.length <= 1) {
            boolean ok = true;
            for (int i = 0; i < queue.length; i++) {
                SyncItem it = queue[i];
                queue[i] = null;
                ok &= applyGuarded(it, report);
            }
            return ok;
        }
        int threads = Math.min(parallelism, queue.length);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "chunkvault-sync");
            t.setDaemon(true);
            return t;
        });
        java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        try {
            java.util.concurrent.CompletionService<Boolean> done = new java.util.concurrent.ExecutorCompletionService<>(pool);
            List<java.util.concurrent.Future<Boolean>> workers = new ArrayList<>();
            for (int w = 0; w < threads; w++) {
                workers.add(done.submit(() -> {
                    boolean ok = true;
                    for (int i = next.getAndIncrement(); i < queue.length && !stop.get(); i = next.getAndIncrement()) {
                        SyncItem it = queue[i];
                        queue[i] = null; // each index is taken by one thread only
                        boolean large = isLarge(it);
                        if (large) {
                            largeFiles.acquireUninterruptibly();
                        }
                        batcher.enter();
                        try {
                            ok &= applyGuarded(it, report);
                        } finally {
                            batcher.leave();
                            if (large) {
                                largeFiles.release();
                            }
                        }
                    }
                    return ok;
                }));
            }
            boolean ok = true;
            for (int w = 0; w < threads; w++) {
                try {
                    ok &= done.take().get();
                } catch (java.util.concurrent.ExecutionException e) {
                    stop.set(true);
                    workers.forEach(other -> other.cancel(true));
                    Throwable c = e.getCause();
                    if (c instanceof IOException io) {
                        throw io;
                    }
                    if (c instanceof RuntimeException re) {
                        throw re;
                    }
                    throw new ChunkvaultException("Sync failed.", c);
                } catch (InterruptedException e) {
                    stop.set(true);
                    workers.forEach(other -> other.cancel(true));
                    Thread.currentThread().interrupt();
                    throw new ChunkvaultException("Interrupted.", e);
                }
            }
            return ok;
        } finally {
            stop.set(true);
            pool.shutdownNow();
        }
    }

    /**
     * Applies one item. A problem with this file alone (it changed meanwhile, bad bytes, a 4xx) is reported and
     * returns false; a problem with the service or the sign-in (401, 429, 5xx, a route it does not have, unreachable)
     * ends the sync.
     */
    private boolean applyGuarded(SyncItem it, SyncReport report) throws IOException {
        if (overQuota.get() && growsRemote(it)) {
            // The account is over its quota: this upload would be refused after its bytes were sent.
            notUploadedOverQuota(it, report);
            return false;
        }
        try {
            apply(it, report);
            return true;
        } catch (LocalFileChangedException e) {
            report.warnings.add(e.getMessage() + "; it will be synced next time");
            listener.event("warning", it.displayPath(), e.getMessage());
        } catch (SymLinks.NotSyncedException e) {
            // A link that cannot be made here (the file system or OS has none): skipped, not recorded as synced.
            warn(report, it.displayPath(), e.getMessage());
            return true;
        } catch (UnsafePathException e) {
            // A link on the way (the name itself was checked when planning): synced once it is gone.
            warn(report, it.displayPath(), e.getMessage() + "; not synced");
        } catch (StaleParentException e) {
            warn(report, it.displayPath(), e.getMessage() + " It will be synced next time.");
        } catch (IntegrityException | InvalidFilePathException | java.nio.file.InvalidPathException e) {
            report.errors.add(it.displayPath() + ": " + e.getMessage());
            listener.event("error", it.displayPath(), e.getMessage());
        } catch (ApiException e) {
            if (e.isQuotaExceeded()) {
                // Nothing changed on the server; deletions and downloads go on, uploads that would grow do not.
                overQuota.set(true);
                report.overQuota(e.details().path("quota").asLong(-1), e.details().path("used").asLong(-1));
                notUploadedOverQuota(it, report);
                return false;
            }
            if (e.isTooManyVersions()) {
                warn(report, it.displayPath(), it.displayPath() + " changed too often (its limit of new versions this"
                        + " hour); it will be synced next time");
                return false;
            }
            if (e.isUnauthorized() || e.status() >= 500 || e.status() == 429 || e.isNoSuchRoute()) {
                throw e;
            }
            report.errors.add(it.displayPath() + ": " + e.getMessage());
            listener.event("error", it.displayPath(), e.getMessage());
        } catch (java.nio.file.NoSuchFileException e) {
            warn(report, it.displayPath(), it.displayPath() + " disappeared during the sync; it will be synced next time");
        } catch (java.nio.file.AccessDeniedException e) {
            warn(report, it.displayPath(), it.displayPath() + ": permission denied; not synced");
        } catch (IOException e) {
            report.errors.add(it.displayPath() + ": " + e.getClass().getSimpleName() + ": " + e.getMessage());
            listener.event("error", it.displayPath(), e.getMessage());
        }
        return false;
    }

    /** Set once a commit of this sync was refused for the account's storage quota. */
    private final java.util.concurrent.atomic.AtomicBoolean overQuota = new java.util.concurrent.atomic.AtomicBoolean();

    /** An upload that would make the account's files larger (a new file, or one that grew). */
    private static boolean growsRemote(SyncItem it) {
        if (it.action != Action.PUSH || it.local == null) {
            return false;
        }
        long remote = it.remote != null && !it.remote.deleted() ? it.remote.size() : 0;
        return it.local.size() > remote;
    }

    private void notUploadedOverQuota(SyncItem it, SyncReport report) {
        report.notUploaded.add(it.displayPath());
        report.errors.add(it.displayPath() + ": not uploaded: over your storage quota");
        listener.event("error", it.displayPath(), "not uploaded: over your storage quota");
    }

    private void warn(SyncReport report, String path, String message) {
        report.warnings.add(message);
        listener.event("warning", path, message);
    }

    /**
     * Why a tracked file that the scan did not list may still exist, or null when it is really gone. Only a file
     * that is not on disk, with no folder on its way that was skipped (a link, a name not allowed, unreadable),
     * and that did not move into a folder whose name is not allowed, was deleted by the user.
     */
    static String notDeleted(Path root, SyncRecord rec, LocalScanner.Scan scan) throws IOException {
        String path = LocalScanner.nfc(rec.path());
        for (int slash = path.indexOf('/'); ; slash = path.indexOf('/', slash + 1)) {
            String prefix = slash < 0 ? path : path.substring(0, slash);
            LocalScanner.Skipped s = scan.skipped().get(prefix);
            if (s != null) {
                String what = switch (s.kind()) {
                    case LINK -> "a symbolic link";
                    case SPECIAL -> "a special file";
                    case INVALID_NAME -> "a name that is not allowed";
                    case UNREADABLE -> "unreadable";
                };
                return slash < 0 ? "is " + what + " now"
                        : "lies in '" + LocalScanner.printable(prefix) + "', which is " + what;
            }
            if (slash >= 0 && scan.links().contains(prefix)) {
                return "lies in '" + LocalScanner.printable(prefix) + "', which is a symbolic link (kept as a link, not"
                        + " followed)";
            }
            if (slash < 0) {
                break;
            }
        }
        Path file = SyncPaths.toLocal(root, rec.path());
        if (Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
            return "is a folder now";
        }
        if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return "is on disk but was not read (created during the scan, or not a regular file)";
        }
        // Renamed (the file, or a folder on its way) to a name the service does not allow: the same file is there.
        for (Map.Entry<String, LocalScanner.Skipped> e : scan.skipped().entrySet()) {
            if (e.getValue().kind() != LocalScanner.Skip.INVALID_NAME) {
                continue;
            }
            String skipped = e.getKey();
            int cut = skipped.lastIndexOf('/');
            String parent = cut < 0 ? "" : skipped.substring(0, cut + 1);
            if (!path.startsWith(parent)) {
                continue;
            }
            String rest = path.substring(parent.length());
            int slash = rest.indexOf('/');
            if (e.getValue().directory() && slash > 0) {
                if (Files.isRegularFile(SyncPaths.toLocal(root, skipped + rest.substring(slash)), LinkOption.NOFOLLOW_LINKS)) {
                    return "seems to have moved into '" + LocalScanner.printable(skipped) + "', whose name is not allowed";
                }
            } else if (!e.getValue().directory() && slash < 0) {
                Path candidate = SyncPaths.toLocal(root, skipped);
                if (Files.isRegularFile(candidate, LinkOption.NOFOLLOW_LINKS) && Files.size(candidate) == rec.size()
                        && FilePuller.sha256(candidate).equals(rec.contentHash())) {
                    return "seems to have been renamed to '" + LocalScanner.printable(skipped) + "', a name that is not"
                            + " allowed";
                }
            }
        }
        return null;
    }

    // ---------------------------------------------------------------- classification

    private void classify(SyncItem it) throws IOException {
        SyncRecord rec = it.rec;
        LocalFile lf = it.local;
        FileEntry re = it.remote;
        if (rec != null) {
            if (lf == null) {
                it.localState = Local.DELETED;
            } else if (lf.isLink() || rec.link()) {
                // A link's content is its target, compared whole (a few bytes, no stat to trust); a file that became a
                // link, or a link that became a file, is a change.
                it.localState = lf.isLink() && rec.link() && SymLinks.contentHash(lf.link()).equals(rec.contentHash())
                        ? Local.UNCHANGED : Local.MODIFIED;
            } else if (lf.size() == rec.size() && lf.mtimeMillis() == rec.mtimeMillis() && !rec.racy()
                    && !it.localBitChanged()) {
                it.localState = Local.UNCHANGED;
            } else {
                it.scanned = scan(it);
                // A chmod alone (its mtime stays) is a change too: a new version with the same chunks.
                if (it.scanned.contentHash().equals(rec.contentHash()) && !it.localBitChanged()) {
                    it.localState = Local.UNCHANGED;
                    if (!options.dryRun()) {
                        state.touch(rec.pathKey(), rec.path(), it.scanned.size(), it.scanned.mtimeMillis());
                    }
                } else {
                    it.localState = Local.MODIFIED;
                }
            }
            if (re == null) {
                it.remoteState = Remote.UNKNOWN; // in a full listing with deletions: not even a tombstone
            } else if (re.deleted()) {
                it.remoteState = Remote.DELETED;
            } else if (re.version().equals(rec.version())
                    || (Objects.equals(re.contentHash(), rec.contentHash()) && !it.remoteBitChanged()
                            && !it.remoteKindChanged())) {
                it.remoteState = Remote.UNCHANGED;
            } else {
                it.remoteState = Remote.MODIFIED;
            }
        } else {
            it.localState = lf == null ? Local.ABSENT : Local.ADDED;
            it.remoteState = re == null || re.deleted() ? Remote.ABSENT : Remote.ADDED;
        }
        boolean bothChanged = (it.localState == Local.MODIFIED && it.remoteState == Remote.MODIFIED)
                || (it.localState == Local.ADDED && it.remoteState == Remote.ADDED);
        if (bothChanged && it.scanned == null && !lf.isLink()) {
            it.scanned = scan(it);
        }
        boolean same = bothChanged && localHash(it).equals(re.contentHash()) && lf.isLink() == re.isLink();
        it.action = SyncPlanner.decide(it.localState, it.remoteState, same);
        if (it.remoteState == Remote.UNKNOWN && it.action == Action.PUSH) {
            listener.event("warning", lf.path(), "unknown to the server (purged after its retention period?);"
                    + " uploaded again from this folder");
        }
        if (it.action == Action.NONE && rec != null && re != null && !re.deleted() && !re.version().equals(rec.version())) {
            it.action = Action.ADOPT; // same content, newer version (e.g. a restore of the same bytes)
        }
        // Both sides changed to the same bytes (ADOPT) with other bits: the remote version is adopted with its bit, so
        // the local bit stays a change, sent by the next sync (nothing is lost; no conflicted copy for a mode).
    }

    /**
     * Chunks and hashes the local file, cut as its base version was (so that it dedups against it). A link's target is
     * staged in a regular file first (see {@link SymLinks#stage}): the link itself is never opened.
     */
    private FilePusher.Scanned scan(SyncItem it) throws IOException {
        Path file = it.local.file();
        if (it.local.isLink()) {
            if (it.staged == null) {
                it.staged = SymLinks.stage(it.local.link(), tmp);
            }
            file = it.staged;
        }
        return pusher.scan(file, it.rec == null ? null : state.withManifest(it.rec).profile(),
                listener.transfer(it.local.path()));
    }

    /** The local side's content hash: a link's from its target, a file's as scanned. */
    private static String localHash(SyncItem it) {
        return it.local.isLink() ? SymLinks.contentHash(it.local.link()) : it.scanned.contentHash();
    }

    /** A conflict with a link on either side is never merged: both are kept (the local side as a conflicted copy). */
    private void resolveConflict(SyncItem it, SyncReport report, FileEntry head) throws IOException {
        if (it.involvesLink() || head.isLink()) {
            conflicts.keepBoth(it, report, head);
        } else {
            conflicts.resolve(it, report, head);
        }
    }

    // ---------------------------------------------------------------- actions

    private void apply(SyncItem it, SyncReport report) throws IOException {
        switch (it.action) {
            case NONE -> { }
            case PUSH -> push(it, report, pushParent(it));
            case PULL -> pull(it, report, it.remote);
            case DELETE_LOCAL -> deleteLocal(it, report);
            case DELETE_REMOTE -> deleteRemote(it, report);
            case FORGET -> state.remove(it.key);
            case ADOPT -> adopt(it, it.remote.version(), it.remote.contentHash(), it.remote.executable());
            case CONFLICT -> resolveConflict(it, report, it.remote);
        }
    }

    /** The parent of a push: the remote head when it is the base's content, none over a deletion. */
    private static String pushParent(SyncItem it) {
        if (it.overFolder != null) {
            return it.overFolder; // the file replaces the server's empty folder
        }
        if (it.rec == null || it.remoteState == Remote.DELETED || it.remoteState == Remote.UNKNOWN) {
            return null;
        }
        return it.remote != null && !it.remote.deleted() ? it.remote.version() : it.rec.version();
    }

    private void push(SyncItem it, SyncReport report, String parent) throws IOException {
        LocalFile lf = it.local;
        FilePusher.Scanned s = it.scanned != null ? it.scanned : scan(it);
        it.scanned = s;
        Manifest parentManifest = it.rec != null && Objects.equals(parent, it.rec.version())
                ? state.withManifest(it.rec).manifest() : null;
        FilePusher.Result r;
        boolean executable = !lf.isLink() && SyncItem.localBit(it);
        try {
            r = pusher.push(new FilePusher.Request(lf.isLink() ? it.staged : lf.file(), lf.path(), parent, parentManifest,
                    null, listener.transfer(lf.path()), executable).withLink(lf.isLink())
                    .withOriginalName(originalName(it.key, lf.path())), s);
        } catch (StaleParentException stale) {
            VersionInfo head = stale.head().orElse(null);
            listener.event("stale", lf.path(), "changed on the server meanwhile");
            if (head == null || head.deleted()) {
                if (parent == null) {
                    throw stale;
                }
                push(it, report, null);
            } else if (Objects.equals(head.contentHash(), s.contentHash()) && head.isLink() == lf.isLink()) {
                adopt(it, head.versionId(), head.contentHash(), head.executable());
            } else {
                resolveConflict(it, report, RemoteView.entryOf(head));
            }
            return;
        } finally {
            if (it.staged != null && lf.isLink()) {
                Files.deleteIfExists(it.staged); // a conflicted copy re-stages it
                it.staged = null;
            }
        }
        // A link's record keeps its own stat (lstat), not the staged file's.
        record(it.key, lf.path(), r.commit().version().versionId(), r.manifest(), lf.isLink() ? lf.size() : s.size(),
                lf.isLink() ? lf.mtimeMillis() : s.mtimeMillis(), s.contentHash(), executable, lf.isLink());
        report.pushed.add(lf.path());
        report.addUploaded(r.stats().bytesSent());
        listener.event("push", lf.path(), plural(r.stats().chunksUploaded(), "chunk") + " uploaded"
                + (r.stats().chunksDelta() > 0 ? ", " + r.stats().chunksDelta() + " as deltas" : ""));
    }

    private void pull(SyncItem it, SyncReport report, FileEntry head) throws IOException {
        String localPath = it.local != null ? it.local.path() : it.rec != null ? it.rec.path() : head.path();
        // A file not here whose name here is not its remote path (see CaseAliases) goes to that name.
        String diskPath = it.local == null ? aliases.getOrDefault(it.key, localPath) : localPath;
        if (it.local == null && folderRecordKeys.contains(it.key)) {
            // A file where this folder synced an empty folder: the folder goes if it is still empty (else this fails,
            // and nothing is lost).
            Files.deleteIfExists(SyncPaths.toLocal(root, diskPath));
        }
        Path target = it.local == null ? LocalTargets.resolve(root, diskPath)
                : links ? LocalTargets.checkReplacing(root, it.local.file()) : LocalTargets.check(root, it.local.file());
        LocalFile seen = it.local;
        FilePuller.ReplaceGuard guard = t -> SyncItem.unchangedSinceScan(t, seen);
        // A file not here at all (a second device's first sync) has no chunks to reuse: every URL comes with its plan.
        boolean fresh = isFresh(it);
        FilePuller.Result r = puller.pull(new FilePuller.Request(head.path(), head.version(), target, tmp, state,
                guard, listener.transfer(localPath), root).withAllUrls(fresh).withLinks(links));
        boolean link = r.version().isLink();
        record(it.key, localPath, r.version().versionId(), r.manifest(), r.size(), r.mtimeMillis(),
                r.version().contentHash(), !link && pulledBit(it, target, r.version()), link);
        report.pulled.add(localPath);
        report.addDownloaded(r.stats().bytesDownloaded());
        report.addReused(r.stats().bytesReused());
        listener.event("pull", localPath, plural(r.stats().chunksDownloaded(), "chunk") + " downloaded"
                + (r.stats().chunksReused() > 0 ? ", " + r.stats().chunksReused() + " reused locally" : ""));
    }

    /**
     * The bit to record for a file just pulled: what the disk now has where modes are kept (a bit that could not be set
     * is then no change of ours to send), else the version's (or, from a service that does not say, the record's).
     */
    private boolean pulledBit(SyncItem it, Path target, VersionInfo v) throws IOException {
        Boolean onDisk = modes ? FileModes.executable(target) : null;
        if (onDisk != null) {
            return onDisk;
        }
        if (v.executable() != null) {
            return v.executable();
        }
        return it.rec != null && it.rec.executable();
    }

    private static String plural(long n, String word) {
        return n + " " + word + (n == 1 ? "" : "s");
    }

    private void deleteLocal(SyncItem it, SyncReport report) throws IOException {
        LocalFile lf = it.local;
        if (!SyncItem.unchangedSinceScan(lf.file(), lf)) {
            throw new LocalFileChangedException(lf.file(), "changed during the sync; not deleted");
        }
        Files.delete(lf.file());
        state.remove(it.key);
        removeEmptyParents(lf.file().getParent());
        report.deletedLocal.add(lf.path());
        listener.event("delete-local", lf.path(), "deleted on the server");
    }

    private void removeEmptyParents(Path dir) {
        Path r = root.toAbsolutePath().normalize();
        for (Path d = dir.toAbsolutePath().normalize(); d != null && d.startsWith(r) && !d.equals(r); d = d.getParent()) {
            try (DirectoryStream<Path> s = Files.newDirectoryStream(d)) {
                if (s.iterator().hasNext()) {
                    return;
                }
            } catch (IOException e) {
                return;
            }
            try {
                Files.delete(d);
            } catch (IOException e) {
                return;
            }
        }
    }

    /** Deletions on the server sent ahead in commit batches: each one's answer, by item key. */
    private final Map<String, Object> sentDeletions = new java.util.HashMap<>();

    /**
     * Sends the deletions among {@code items} ahead, up to {@link ChunkvaultClient#MAX_BATCH_COMMITS} per commit batch
     * (a folder's deletions are a few requests, not one each); {@link #deleteRemote} then takes each one's answer as
     * its own. Anything that keeps a batch from being answered — a service from before deletions could be batched
     * (400), no batch route, a failure — leaves its deletions to be sent one by one, as before.
     */
    private void sendDeletions(List<SyncItem> items) {
        List<SyncItem> deletes = items.stream().filter(i -> i.action == Action.DELETE_REMOTE).toList();
        if (deletes.size() < 2) {
            return;
        }
        for (int i = 0; i < deletes.size(); i += ChunkvaultClient.MAX_BATCH_COMMITS) {
            List<SyncItem> group = deletes.subList(i, Math.min(deletes.size(), i + ChunkvaultClient.MAX_BATCH_COMMITS));
            List<ChunkvaultClient.Commit> commits = group.stream().map(it -> ChunkvaultClient.Commit.deletion(it.rec.path(),
                    deletionParent(it), ChunkvaultClient.newIdempotencyKey())).toList();
            List<ChunkvaultClient.BatchOutcome> outcomes;
            try {
                outcomes = client.commitBatch(commits);
            } catch (RuntimeException notBatched) {
                return; // these and the rest go one by one
            }
            for (int k = 0; k < group.size(); k++) {
                ChunkvaultClient.BatchOutcome o = outcomes.get(k);
                sentDeletions.put(group.get(k).key, o.error() != null ? o.error() : o.result());
            }
        }
    }

    private static String deletionParent(SyncItem it) {
        return it.remote != null && !it.remote.deleted() ? it.remote.version() : it.rec.version();
    }

    private void deleteRemote(SyncItem it, SyncReport report) throws IOException {
        SyncRecord rec = it.rec;
        String parent = deletionParent(it);
        Object sent = sentDeletions.remove(it.key);
        try {
            if (sent instanceof RuntimeException answered) {
                throw answered; // its answer in the batch, handled as if it had been sent alone
            }
            if (sent == null) {
                client.delete(rec.path(), parent, ChunkvaultClient.newIdempotencyKey());
            }
        } catch (StaleParentException stale) {
            VersionInfo head = stale.head().orElse(null);
            if (head != null && !head.deleted()) {
                pull(it, report, RemoteView.entryOf(head)); // edited elsewhere meanwhile: the edit wins over our delete
                return;
            }
        } catch (ApiException e) {
            if (!e.isNoSuchFile()) {
                throw e; // a missing route above all: the file was not deleted
            }
        }
        state.remove(it.key);
        report.deletedRemote.add(rec.path());
        listener.event("delete-remote", rec.path(), "deleted here");
    }

    /**
     * Takes {@code version}, whose content is the local file's, as the file's new base. The file is not read again:
     * what is recorded is what the scan saw (its stat, and the content hash that was compared), and only if the
     * file is still exactly as scanned; an edit saved meanwhile stays an edit for the next sync.
     */
    private void adopt(SyncItem it, String version, String remoteHash, Boolean remoteExecutable) throws IOException {
        LocalFile lf = it.local;
        String localHash = lf.isLink() ? SymLinks.contentHash(lf.link())
                : it.scanned != null ? it.scanned.contentHash() : it.rec != null ? it.rec.contentHash() : null;
        if (localHash == null || !localHash.equals(remoteHash)) {
            throw new LocalFileChangedException(lf.file(), "differs from the server's copy it was compared with");
        }
        LocalFile seen = it.scanned == null || lf.isLink() ? lf
                : new LocalFile(lf.pathKey(), lf.path(), lf.file(), it.scanned.size(), it.scanned.mtimeMillis());
        if (!SyncItem.unchangedSinceScan(lf.file(), seen)) {
            throw new LocalFileChangedException(lf.file(), "changed during the sync");
        }
        // The server's manifest of the same bytes: later pushes send manifest deltas against exactly it.
        Manifest m = client.manifest(lf.path(), version).manifest();
        if (m.totalSize() != seen.size()) {
            throw new LocalFileChangedException(lf.file(), "does not have the size of the server's copy");
        }
        // The adopted version's bit. A file new on both sides (a first sync) takes it on disk too, as a pull would; a
        // synced file whose bit was changed here keeps its bit, a change for the next sync to send.
        boolean executable = !lf.isLink() && (remoteExecutable != null ? remoteExecutable : SyncItem.localBit(it));
        if (!lf.isLink() && it.rec == null && lf.executable() != null && lf.executable() != executable) {
            FileModes.apply(lf.file(), executable);
        }
        record(it.key, lf.path(), version, m, seen.size(), seen.mtimeMillis(), remoteHash, executable, lf.isLink());
    }

    // ---------------------------------------------------------------- empty folders

    /** The keys of this run's recorded empty folders (set when it lists its records). */
    private volatile java.util.Set<String> folderRecordKeys = java.util.Set.of();
    /** Set once the service refused a marker as a field it does not know: no more markers are sent this run. */
    private volatile boolean foldersRefused;

    /**
     * Plans the empty folders' markers (issue 21): a folder here that holds nothing synced, a marker on the server, or
     * one this folder synced. Decided as files are ({@link SyncPlanner#decide}): a new empty folder is pushed (a
     * marker committed), a new marker pulled (the folder made), a deleted one deleted on the other side. A synced empty
     * folder that got files here needs its marker no more ({@link Action#FORGET}, which also deletes the marker on the
     * server). A path the files' plan holds (a file on either side) is left to it.
     */
    private List<SyncItem> planFolders(LocalScanner.Scan scan, Map<String, SyncRecord> records,
                                       Map<String, SyncRecord> folderRecords, RemoteView remote, boolean full,
                                       IgnoreRules ignore) throws IOException {
        TreeSet<String> keys = new TreeSet<>(scan.folders().keySet());
        keys.addAll(folderRecords.keySet());
        remote.files().forEach((k, e) -> {
            if (e.isFolder()) {
                keys.add(k);
            }
        });
        List<SyncItem> out = new ArrayList<>();
        for (String key : keys) {
            FileEntry re = remote.files().get(key);
            if (scan.files().containsKey(key) || records.containsKey(key) || scan.collisions().containsKey(key)
                    || (re != null && !re.deleted() && !re.isFolder())) {
                continue; // a file's path (a file that replaced a synced empty folder is pulled in its place)
            }
            SyncRecord rec = folderRecords.get(key);
            LocalFile lf = scan.folders().get(key);
            String path = lf != null ? lf.path() : rec != null ? rec.path() : re.path();
            if (ignore.isIgnored(path, true)) {
                if (rec != null) {
                    // Ignored now: no longer synced here; the server's marker stays (no remote side: never deleted).
                    SyncItem it = new SyncItem(key, rec, lf, null);
                    it.folder = true;
                    it.action = Action.FORGET;
                    out.add(it);
                }
                continue;
            }
            if (rec == null && lf == null) {
                try {
                    LocalTargets.validate(re.path());
                } catch (UnsafePathException e) {
                    continue; // a name no folder may hold; the files' plan warns about those
                }
                if (options.windowsNames() && !SyncPaths.isWindowsPortable(re.path())) {
                    continue;
                }
            }
            if (!full && re == null && rec != null) {
                re = new FileEntry(rec.path(), rec.version(), 0, rec.contentHash(), false, null, null, false, false, true);
            }
            SyncItem it = new SyncItem(key, rec, lf, re);
            it.folder = true;
            Path dir = SyncPaths.toLocal(root, path);
            boolean filled = lf == null && Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS);
            if (rec != null && lf == null && !filled && notDeleted(root, rec, scan) != null) {
                continue; // out of sight (under a link, a name not allowed, unreadable), not deleted
            }
            if (rec != null) {
                it.localState = lf != null ? Local.UNCHANGED : filled ? Local.UNCHANGED : Local.DELETED;
                it.remoteState = re == null ? Remote.UNKNOWN
                        : re.isFolder() ? Remote.UNCHANGED : Remote.DELETED; // a tombstone, or a file in its place
            } else {
                it.localState = lf != null ? Local.ADDED : Local.ABSENT;
                it.remoteState = re != null && re.isFolder() ? Remote.ADDED : Remote.ABSENT;
            }
            it.action = SyncPlanner.decide(it.localState, it.remoteState, true);
            if (filled && rec != null) {
                // It holds files now (they keep it on every device): the marker is not needed. A folder deleted on the
                // server meanwhile stays here with its files, which are synced.
                it.action = Action.FORGET;
            } else if (it.action == Action.NONE && rec != null && re != null && !re.version().equals(rec.version())) {
                it.action = Action.ADOPT;
            }
            out.add(it);
        }
        return out;
    }

    /**
     * Applies the folders' plan after the files': deletions first (a folder removed here may take its emptied parents
     * with it, which a marker of the parent then brings back), then the rest. False if any could not be applied.
     */
    private boolean applyFolders(List<SyncItem> items, SyncReport report) throws IOException {
        boolean ok = true;
        List<SyncItem> ordered = new ArrayList<>(items.stream().filter(i -> i.action == Action.DELETE_LOCAL).toList());
        ordered.addAll(items.stream().filter(i -> i.action != Action.DELETE_LOCAL && i.action != Action.NONE).toList());
        for (SyncItem it : ordered) {
            try {
                applyFolder(it, report);
            } catch (ApiException e) {
                if (e.isUnauthorized() || e.status() >= 500 || e.status() == 429 || e.isNoSuchRoute()) {
                    throw e;
                }
                report.errors.add(it.displayPath() + "/: " + e.getMessage());
                listener.event("error", it.displayPath() + "/", e.getMessage());
                ok = false;
            } catch (IOException e) {
                warn(report, it.displayPath(), "folder '" + LocalScanner.printable(it.displayPath()) + "': "
                        + e.getClass().getSimpleName() + "; it will be synced next time");
                ok = false;
            }
        }
        return ok;
    }

    private void applyFolder(SyncItem it, SyncReport report) throws IOException {
        String shown = it.displayPath() + "/";
        switch (it.action) {
            case PUSH -> {
                if (foldersRefused) {
                    return;
                }
                String parent = it.remote != null && !it.remote.deleted() && it.remote.isFolder() ? it.remote.version() : null;
                CommitResultOrRefused r = commitFolder(it.local.path(), parent);
                if (r == null) {
                    warn(report, "", FOLDERS_REFUSED); // once: no marker is sent again this run
                    return;
                }
                recordFolder(it.key, it.local.path(), r.version());
                report.pushed.add(shown);
                listener.event("push", shown, "empty folder");
            }
            case PULL -> {
                // Made, or there already (holding files, which then keep it: the marker goes next time).
                Path dir = LocalTargets.resolve(root, it.remote.path());
                Files.createDirectories(dir);
                recordFolder(it.key, it.remote.path(), it.remote.version());
                report.pulled.add(shown);
                listener.event("pull", shown, "empty folder");
            }
            case ADOPT -> recordFolder(it.key, it.displayPath(), it.remote.version());
            case DELETE_LOCAL -> {
                Path dir = SyncPaths.toLocal(root, it.rec.path());
                try {
                    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                        state.remove(it.key); // gone already, or something else is there now: never deleted here
                        return;
                    }
                    Files.delete(dir); // only an empty folder: one that got anything meanwhile stays
                    removeEmptyParents(dir.getParent());
                    report.deletedLocal.add(shown);
                    listener.event("delete-local", shown, "deleted on the server");
                } catch (java.nio.file.DirectoryNotEmptyException kept) {
                    // deleted on the server, but it holds something here now: it stays, and what it holds is synced
                }
                state.remove(it.key);
            }
            case DELETE_REMOTE -> {
                deleteMarker(it);
                state.remove(it.key);
                report.deletedRemote.add(shown);
                listener.event("delete-remote", shown, "deleted here");
            }
            case FORGET -> {
                if (it.remote != null && it.remote.isFolder() && it.rec != null
                        && Objects.equals(it.remote.version(), it.rec.version())) {
                    deleteMarker(it); // it holds files now: they keep it
                }
                state.remove(it.key);
            }
            default -> { }
        }
    }

    /** A marker's commit answer: its version id, or null once the service refused markers. */
    private record CommitResultOrRefused(String version) {}

    private CommitResultOrRefused commitFolder(String path, String parent) {
        try {
            return new CommitResultOrRefused(client.commitFolder(path, parent, ChunkvaultClient.newIdempotencyKey())
                    .version().versionId());
        } catch (StaleParentException stale) {
            VersionInfo head = stale.head().orElse(null);
            if (head != null && head.isFolder() && !head.deleted()) {
                return new CommitResultOrRefused(head.versionId()); // made on another device meanwhile: the same
            }
            throw stale;
        } catch (ApiException e) {
            if (e.isUnknownField()) {
                foldersRefused = true;
                return null;
            }
            throw e;
        }
    }

    /** Said once per run when the service refuses markers. */
    static final String FOLDERS_REFUSED = "this service does not keep empty folders; they are not synced";

    private void deleteMarker(SyncItem it) {
        try {
            client.delete(it.rec.path(), it.remote != null && it.remote.isFolder() ? it.remote.version() : it.rec.version(),
                    ChunkvaultClient.newIdempotencyKey());
        } catch (StaleParentException stale) {
            // something else is there now (a file, a new marker): left as it is
        } catch (ApiException e) {
            if (!e.isNoSuchFile()) {
                throw e;
            }
        }
    }

    private void recordFolder(String key, String path, String version) {
        state.put(SyncRecord.folder(key, path, version, Manifest.empty(dev.chunkvault.core.chunking.ChunkingProfile.DEFAULT.name()),
                ChunkvaultClient.EMPTY_SHA256));
    }

    private void record(String key, String path, String version, Manifest m, long size, long mtime, String hash,
                        boolean executable, boolean link) {
        state.put(new SyncRecord(key, path, version, size, mtime, hash, m, executable, link));
        storeAlias(key);
    }

    // ---------------------------------------------------------------- aliases (see CaseAliases)

    /** This sync's aliases: the folder's, and those made by this sync (stored with their file's record). */
    private final Map<String, String> aliases = new java.util.concurrent.ConcurrentHashMap<>();
    /** The aliases the state holds. */
    private final Map<String, String> storedAliases = new java.util.concurrent.ConcurrentHashMap<>();
    /** Whether this folder's disk tells names apart by case (a dry run assumes so). */
    private volatile boolean caseSensitive;

    /** Stores the alias of the file with {@code key}, once it has a record, unless the state has it already. */
    private void storeAlias(String key) {
        String at = aliases.get(key);
        if (at != null && !at.equals(storedAliases.get(key))) {
            state.putAlias(key, at);
            storedAliases.put(key, at);
        }
    }

    /** Stores the aliases of files recorded without {@link #record} (a merge, say). */
    private void storeAliases() {
        for (String key : aliases.keySet()) {
            if (!aliases.get(key).equals(storedAliases.get(key)) && state.get(key).isPresent()) {
                storeAlias(key);
            }
        }
    }

    /** The keys whose alias ended this run: the file here is spelled as the marked name (see CaseAliases#resolve). */
    private final java.util.Set<String> endedAliases = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * The name the file with {@code key} has here, when its remote path holds a marked name; its remote path's own name
     * when its alias ended this run (the server then drops the original name the version had: else the other devices
     * would write this file under the name of the file that was aliased); else null (the server keeps the version's).
     */
    private String originalName(String key, String remotePath) {
        String at = aliases.get(key);
        if (at == null) {
            return endedAliases.contains(key) ? remotePath.substring(remotePath.lastIndexOf('/') + 1) : null;
        }
        return at.substring(at.lastIndexOf('/') + 1);
    }

    /** {@code rec} with the path its file has on disk (its alias, if it has one). */
    private SyncRecord onDisk(SyncRecord rec) {
        String at = aliases.get(rec.pathKey());
        return at == null ? rec : rec.withPath(at);
    }

    private void cleanTemp() {
        try (DirectoryStream<Path> s = Files.newDirectoryStream(tmp, ".cv-*.part")) {
            for (Path p : s) {
                Files.deleteIfExists(p);
            }
        } catch (IOException ignored) {
            // leftovers are harmless
        }
    }
}
