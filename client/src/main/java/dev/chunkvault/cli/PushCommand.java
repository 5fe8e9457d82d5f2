package dev.chunkvault.cli;

import dev.chunkvault.client.ChunkvaultClient;
import dev.chunkvault.client.FilePusher;
import dev.chunkvault.client.StaleParentException;
import dev.chunkvault.client.model.FileEntry;
import dev.chunkvault.client.sync.IgnoreRules;
import dev.chunkvault.client.sync.LocalScanner;
import dev.chunkvault.client.sync.StateStore;
import dev.chunkvault.client.sync.SyncBinding;
import dev.chunkvault.client.sync.SyncPaths;
import dev.chunkvault.client.sync.SyncRecord;
import dev.chunkvault.core.paths.FilePath;
import dev.chunkvault.core.paths.InvalidFilePathException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code chunkvault push}: uploads local files as new versions (one way). */
@Command(mixinStandardHelpOptions = true, name = "push", description = {"Upload local files as new versions (one way).",
        "Inside a sync folder the file's synced version is the parent: a file changed on the server meanwhile is"
                + " refused (run sync), unless --force."})
final class PushCommand extends Subcommand {
    @Parameters(arity = "1..*", paramLabel = "LOCAL", description = "Files or folders to upload.")
    List<String> paths;

    @Option(names = "--to", paramLabel = "REMOTE", description = "Remote path (a single file) or folder (several).")
    String to;

    @Option(names = "--force", description = "Replace the server's head even if it changed since the last sync.")
    boolean force;

    @Option(names = "--dry-run", description = "Show what would be uploaded, change nothing.")
    boolean dryRun;

    @picocli.CommandLine.Mixin
    ExcludeOption exclude;

    @Override
    public Integer call() throws IOException {
        CliContext cli = cli();
        ChunkvaultClient client = cli.client();
        Progress progress = cli.progress();
        List<Map<String, Object>> results = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        for (String p : paths) {
            Path lp = local(p);
            if (Files.isSymbolicLink(lp)) {
                throw new CliException(ExitCodes.ERROR, lp + " is a symbolic link; links are not uploaded.");
            }
            if (Files.isDirectory(lp)) {
                LocalScanner.Scan scan = LocalScanner.scan(lp, IgnoreRules.load(lp, exclude.patterns));
                scan.warnings().forEach(w -> progress.event("warning", "", w));
                scan.files().values().forEach(f -> files.add(f.file()));
            } else if (Files.isRegularFile(lp)) {
                if (!exclude.excludes(lp.getFileName().toString())) {
                    files.add(lp);
                }
            } else {
                throw new java.nio.file.NoSuchFileException(lp.toString());
            }
        }
        if (to != null && files.size() > 1 && paths.size() == 1 && !Files.isDirectory(local(paths.get(0)))) {
            throw CliException.usage("--to names one file; give a folder for several.");
        }
        long started = System.nanoTime();
        long sent = 0;
        for (Path f : files) {
            Path folder = CliContext.syncFolderOf(f.getParent());
            String remote;
            if (to != null) {
                boolean single = files.size() == 1 && !Files.isDirectory(local(paths.get(0)));
                Path base = Files.isDirectory(local(paths.get(0))) ? local(paths.get(0)) : f.getParent();
                remote = single ? canonical(to) : canonical(to.replaceAll("/+$", "") + "/" + SyncPaths.relative(base, f));
            } else if (folder != null) {
                remote = canonical(SyncPaths.relative(folder, f));
            } else {
                remote = canonical(f.getFileName().toString());
            }
            if (dryRun) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("path", remote);
                m.put("file", f.toString());
                m.put("size", Files.size(f));
                results.add(m);
                if (!cli.json) {
                    cli.out.println("would upload  " + f + "  ->  " + remote);
                }
                continue;
            }
            try (StateStore st = folder != null ? StateStore.open(folder) : cli.globalJournal()) {
                if (folder != null) {
                    SyncBinding.require(st, SyncBinding.Identity.of(client));
                }
                FilePusher pusher = new FilePusher(client, st);
                String key = FilePath.parse(remote).foldKey();
                SyncRecord rec = folder != null ? st.get(key).orElse(null) : null;
                // A record says which version the file at its path here is based on, so only a file pushed to its
                // own place in the folder gets one. Pushed under another name (--to), it is not that name's copy:
                // recorded, the next sync took the missing file for a deletion and deleted it on the server.
                boolean ownPlace = folder != null && isAt(folder, f, key);
                String parent;
                if (rec != null && !force) {
                    parent = rec.version();
                } else {
                    parent = client.file(remote, false).map(FileEntry::version).orElse(null);
                    if (folder != null && rec == null && parent != null && !force) {
                        throw CliException.refused("'" + remote + "' already exists on the server and was never synced"
                                + " here; run `chunkvault sync` to reconcile, or push --force to replace it.");
                    }
                }
                FilePusher.Result r;
                try {
                    r = pusher.push(new FilePusher.Request(f, remote, parent,
                            rec != null && rec.version().equals(parent) ? rec.manifest() : null, null,
                            progress.transfer(remote)));
                } catch (StaleParentException stale) {
                    throw new CliException(ExitCodes.CONFLICTS, "'" + remote + "' changed on the server since it was"
                            + " last synced; run `chunkvault sync` to reconcile (or push --force).");
                }
                if (ownPlace) {
                    st.put(new SyncRecord(key, remote, r.commit().version().versionId(), r.size(), r.mtimeMillis(),
                            r.contentHash(), r.manifest(), Boolean.TRUE.equals(r.commit().version().executable())));
                }
                sent += r.stats().bytesSent();
                results.add(pushJson(remote, r));
                progress.event("push", remote, Human.bytes(r.size()) + ", " + Human.plural(r.stats().chunksUploaded(),
                        "chunk") + " uploaded, " + r.stats().chunksDelta() + " as deltas, " + r.commit().outcome()
                        + " " + r.commit().version().versionId());
            }
        }
        long took = System.nanoTime() - started;
        long total = sent;
        if (dryRun) {
            cli.emit(Map.of("dryRun", true, "wouldPush", results), o -> o.println(Human.plural(results.size(), "file")
                    + " would be uploaded (dry run: nothing was sent)."));
            return ExitCodes.OK;
        }
        cli.emit(Map.of("pushed", results, "bytesSent", total), o -> {
            if (!cli.quiet) {
                o.println(Human.plural(files.size(), "file") + " pushed, " + Human.bytes(total) + " sent ("
                        + Human.rate(total, took) + ").");
            }
        });
        return ExitCodes.OK;
    }

    /** Whether {@code file} is the file of the folder whose path has fold key {@code key}. */
    private static boolean isAt(Path folder, Path file, String key) {
        try {
            return FilePath.parse(SyncPaths.relative(folder, file)).foldKey().equals(key);
        } catch (InvalidFilePathException notASyncedName) {
            return false;
        }
    }

    private static Map<String, Object> pushJson(String remote, FilePusher.Result r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("path", remote);
        m.put("outcome", r.commit().outcome());
        m.put("version", r.commit().version());
        m.put("size", r.size());
        m.put("contentHash", r.contentHash());
        m.put("stats", r.stats());
        return m;
    }
}
