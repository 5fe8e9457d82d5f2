package dev.chunkvault.cli;

import dev.chunkvault.client.ChunkvaultClient;
import dev.chunkvault.client.FilePusher;
import dev.chunkvault.client.StaleParentException;
import dev.chunkvault.client.SymLinks;
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
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
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
                + " refused (run sync), unless --force. Symbolic links are refused (named) or skipped (in a folder),"
                + " unless --links: then each is uploaded as a link, its target as it is, never followed."})
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

    @Option(names = "--links", description = "Upload symbolic links as links (like rsync -l): the target is stored as it"
            + " is, never followed, and a link to a folder is not walked into.")
    boolean links;

    @Override
    public Integer call() throws IOException {
        CliContext cli = cli();
        ChunkvaultClient client = cli.client();
        Progress progress = cli.progress();
        List<Map<String, Object>> results = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        // With --links: each link's target, read once (never followed), by the link's path.
        Map<Path, String> linkTargets = new java.util.HashMap<>();
        for (String p : paths) {
            Path lp = local(p);
            if (Files.isSymbolicLink(lp) && !links) {
                throw new CliException(ExitCodes.ERROR, lp + " is a symbolic link; links are uploaded only with --links.");
            }
            if (Files.isSymbolicLink(lp)) {
                if (!exclude.excludes(lp.getFileName().toString())) {
                    files.add(lp);
                    linkTargets.put(lp, SymLinks.target(lp));
                }
            } else if (Files.isDirectory(lp)) {
                LocalScanner.Scan scan = LocalScanner.scan(lp, IgnoreRules.load(lp, exclude.patterns), false, links);
                scan.warnings().forEach(w -> progress.event("warning", "", w));
                scan.files().values().forEach(f -> {
                    files.add(f.file());
                    if (f.isLink()) {
                        linkTargets.put(f.file(), f.link());
                    }
                });
            } else if (Files.isRegularFile(lp)) {
                if (!exclude.excludes(lp.getFileName().toString())) {
                    files.add(lp);
                }
            } else {
                throw new java.nio.file.NoSuchFileException(lp.toString());
            }
        }
        if (to != null && files.size() > 1 && paths.size() == 1 && !isFolder(local(paths.get(0)))) {
            throw CliException.usage("--to names one file; give a folder for several.");
        }
        long started = System.nanoTime();
        long sent = 0;
        for (Path f : files) {
            Path folder = CliContext.syncFolderOf(f.getParent());
            String remote;
            if (to != null) {
                boolean single = files.size() == 1 && !isFolder(local(paths.get(0)));
                Path base = isFolder(local(paths.get(0))) ? local(paths.get(0)) : f.getParent();
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
                m.put("size", linkTargets.containsKey(f) ? SymLinks.bytes(linkTargets.get(f)).length : Files.size(f));
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
                String linkTarget = linkTargets.get(f);
                // A link is pushed from its target's bytes staged in a regular file: the link itself is never opened.
                Path staged = linkTarget == null ? null : SymLinks.stage(linkTarget, folder != null
                        ? folder.resolve(".chunkvault").resolve("tmp") : Files.createTempDirectory("chunkvault-link"));
                try {
                    r = pusher.push(new FilePusher.Request(staged != null ? staged : f, remote, parent,
                            rec != null && rec.version().equals(parent) ? rec.manifest() : null, null,
                            progress.transfer(remote)).withLink(linkTarget != null));
                } catch (StaleParentException stale) {
                    throw new CliException(ExitCodes.CONFLICTS, "'" + remote + "' changed on the server since it was"
                            + " last synced; run `chunkvault sync` to reconcile (or push --force).");
                } finally {
                    if (staged != null) {
                        Files.deleteIfExists(staged);
                        if (folder == null) {
                            Files.deleteIfExists(staged.getParent());
                        }
                    }
                }
                if (ownPlace) {
                    // A link's record keeps the link's own stat, as a sync records it.
                    BasicFileAttributes own = linkTarget == null ? null
                            : Files.readAttributes(f, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                    st.put(new SyncRecord(key, remote, r.commit().version().versionId(), r.size(),
                            own != null ? own.lastModifiedTime().toMillis() : r.mtimeMillis(), r.contentHash(), r.manifest(),
                            Boolean.TRUE.equals(r.commit().version().executable()), linkTarget != null));
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

    /** A folder to upload the files of: with --links, a link to a folder is a link, not a folder. */
    private boolean isFolder(Path p) {
        return links ? Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) : Files.isDirectory(p);
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
