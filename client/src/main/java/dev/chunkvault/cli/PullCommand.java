package dev.chunkvault.cli;

import dev.chunkvault.client.ChunkIndex;
import dev.chunkvault.client.ChunkvaultClient;
import dev.chunkvault.client.FilePuller;
import dev.chunkvault.client.LocalTargets;
import dev.chunkvault.client.SignatureCache;
import dev.chunkvault.client.UnsafePathException;
import dev.chunkvault.client.model.FileEntry;
import dev.chunkvault.client.sync.StateStore;
import dev.chunkvault.client.sync.SyncBinding;
import dev.chunkvault.client.sync.SyncPaths;
import dev.chunkvault.client.sync.SyncRecord;
import dev.chunkvault.core.paths.FilePath;
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

/** {@code chunkvault pull}: downloads a remote file or folder (one way), skipping names not safe to write here. */
@Command(mixinStandardHelpOptions = true, name = "pull", description = {"Download a remote file or folder (one way).",
        "A local file that differs is not replaced unless --force (or it is synced and unchanged). Names that may not"
                + " be written here (../x, /x, C:x, control characters, .chunkvault/, under a symbolic link) are"
                + " skipped with a warning, and the exit code is 7. So are symbolic links, unless --links: then each is"
                + " made a link here, its target as it is (never followed)."})
final class PullCommand extends Subcommand {
    @Parameters(index = "0", paramLabel = "REMOTE", description = "Remote file or folder.")
    String remote;

    @Parameters(index = "1", arity = "0..1", paramLabel = "LOCAL", description = "Where to write (default: here).")
    String target;

    @Option(names = "--version", paramLabel = "V", description = "A version id (default: the head).")
    String version;

    @Option(names = "--force", description = "Replace local files even if they differ.")
    boolean force;

    @Option(names = "--dry-run", description = "Show what would be downloaded and where, change nothing.")
    boolean dryRun;

    @picocli.CommandLine.Mixin
    ExcludeOption exclude;

    @Option(names = "--links", description = "Make symbolic links stored on the server links here (like rsync -l), their"
            + " targets as they are, never followed; a link already here is replaced, never written through.")
    boolean links;

    /** One file to write: remote path, the folder it is written in, and the file. */
    private record Job(String remote, Path root, Path target) {}

    @Override
    public Integer call() throws IOException {
        CliContext cli = cli();
        ChunkvaultClient client = cli.client();
        Progress progress = cli.progress();
        String rp = remote.equals("/") || remote.isEmpty() ? "" : canonical(remote);
        List<Job> jobs = new ArrayList<>();
        // Names not written, each with why (the service, or whatever answers in its place, chose them).
        List<Map<String, Object>> skipped = new ArrayList<>();
        java.util.Optional<FileEntry> single = rp.isEmpty() ? java.util.Optional.empty() : client.file(rp, false);
        Path dest = target == null ? cli.cwd : local(target);
        if (version == null && single.isPresent() && single.get().isFolder()) {
            // The path is an empty folder: made (into a folder named as the destination, or as the destination), not
            // downloaded as a file.
            try {
                Path made = Files.isDirectory(dest) ? LocalTargets.resolve(dest, FilePath.parse(rp).name()) : dest;
                if (!dryRun) {
                    Files.createDirectories(made);
                }
                progress.event("pull", rp, (dryRun ? "would make" : "made") + " the empty folder " + made);
            } catch (UnsafePathException e) {
                skip(skipped, progress, rp, e);
            }
        } else if (single.isPresent() || version != null) {
            if (Files.isDirectory(dest)) {
                String name = FilePath.parse(rp).name();
                try {
                    jobs.add(new Job(rp, dest, LocalTargets.resolve(dest, name)));
                } catch (UnsafePathException e) {
                    skip(skipped, progress, rp, e);
                }
            } else {
                jobs.add(new Job(rp, dest.getParent(), dest)); // a file the user named: only links are checked
            }
        } else {
            ChunkvaultClient.FullListing all = client.listAll(rp, true, false);
            if (all.files().isEmpty()) {
                throw new CliException(ExitCodes.ERROR, "Not found: no file or folder '" + remote + "' on the server.");
            }
            String prefix = rp.isEmpty() ? "" : rp + "/";
            java.util.Set<String> listed = new java.util.HashSet<>();
            for (FileEntry e : all.files()) {
                String p = e.path() == null ? "" : e.path();
                if (!listed.add(p)) {
                    continue;
                }
                String rel = p.length() > prefix.length() && p.regionMatches(true, 0, prefix, 0, prefix.length())
                        ? p.substring(prefix.length()) : p.substring(p.lastIndexOf('/') + 1);
                if (exclude.excludes(rel)) {
                    continue;
                }
                try {
                    if (e.isFolder()) {
                        // An empty folder: made, not downloaded (a dry run makes nothing).
                        Path made = LocalTargets.resolve(dest, rel);
                        if (!dryRun) {
                            java.nio.file.Files.createDirectories(made);
                        }
                        continue;
                    }
                    jobs.add(new Job(p, dest, LocalTargets.resolve(dest, rel)));
                } catch (UnsafePathException bad) {
                    skip(skipped, progress, p, bad);
                }
            }
        }
        List<Map<String, Object>> results = new ArrayList<>();
        if (dryRun) {
            for (Job j : jobs) {
                results.add(Map.of("path", j.remote(), "file", j.target().toString()));
                if (!cli.json) {
                    cli.out.println("would download  " + j.remote() + "  ->  " + j.target());
                }
            }
            int code = skipped.isEmpty() ? ExitCodes.OK : ExitCodes.REFUSED;
            cli.emit(Map.of("dryRun", true, "wouldPull", results, "skipped", skipped, "exitCode", code), o -> o.println(
                    Human.plural(results.size(), "file") + " would be downloaded (dry run: nothing was written)."));
            return code;
        }
        long started = System.nanoTime();
        long down = 0;
        for (Job j : jobs) {
            Path t = j.target();
            Path folder = CliContext.syncFolderOf(t.getParent() == null ? t : t.getParent());
            try (StateStore st = folder != null ? StateStore.open(folder) : null) {
                if (st != null) {
                    SyncBinding.require(st, SyncBinding.Identity.of(client));
                }
                String key = folder != null ? FilePath.parse(SyncPaths.relative(folder, t)).foldKey() : null;
                SyncRecord rec = st != null ? st.get(key).orElse(null) : null;
                ChunkIndex index = existingFileIndex(t, rec);
                if (st != null) {
                    index = index.or(st);
                }
                FilePuller.ReplaceGuard guard = force ? FilePuller.ReplaceGuard.ALWAYS : p -> mayReplace(p, rec);
                FilePuller.Result r = new FilePuller(client, st != null ? st : SignatureCache.NONE).pull(
                        new FilePuller.Request(j.remote(), version, t,
                                folder != null ? folder.resolve(".chunkvault").resolve("tmp") : null, index, guard,
                                progress.transfer(j.remote()), j.root()).withLinks(links));
                if (st != null) {
                    boolean link = r.version().isLink();
                    Boolean bit = link ? Boolean.FALSE : dev.chunkvault.client.FileModes.executable(t);
                    st.put(new SyncRecord(key, SyncPaths.relative(folder, t), r.version().versionId(), r.size(),
                            r.mtimeMillis(), r.version().contentHash(), r.manifest(),
                            bit != null ? bit : Boolean.TRUE.equals(r.version().executable()), link));
                }
                down += r.stats().bytesDownloaded();
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("path", j.remote());
                m.put("file", t.toString());
                m.put("version", r.version());
                m.put("stats", r.stats());
                results.add(m);
                progress.event("pull", j.remote(), Human.bytes(r.size()) + ", " + Human.plural(r.stats().chunksDownloaded(),
                        "chunk") + " downloaded, " + r.stats().chunksReused() + " reused");
            } catch (UnsafePathException e) {
                skip(skipped, progress, j.remote(), e); // a link that appeared on the way since the names were checked
            } catch (dev.chunkvault.client.SymLinks.NotSyncedException e) {
                // A link without --links, or one this file system cannot make: not written, said, exit 7.
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("path", j.remote());
                m.put("reason", "LINK");
                m.put("message", e.getMessage());
                skipped.add(m);
                progress.event("warning", "", e.getMessage());
            } catch (dev.chunkvault.client.LocalFileChangedException e) {
                throw CliException.refused(e.getMessage() + ". Use --force to replace it.");
            }
        }
        long took = System.nanoTime() - started;
        long total = down;
        // Skipped names are refused by a safeguard, as a local file that differs is: exit 7, after the rest.
        int code = skipped.isEmpty() ? ExitCodes.OK : ExitCodes.REFUSED;
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("pulled", results);
        j.put("skipped", skipped);
        j.put("bytesDownloaded", total);
        j.put("exitCode", code);
        cli.emit(j, o -> {
            if (!cli.quiet || !skipped.isEmpty()) {
                o.println(Human.plural(results.size(), "file") + " pulled, " + Human.bytes(total) + " downloaded ("
                        + Human.rate(total, took) + ")" + (skipped.isEmpty() ? "." : "; " + Human.plural(skipped.size(),
                        "name") + " skipped, not safe to write here (see the warnings)."));
            }
        });
        return code;
    }

    /** Reports a remote name that is not written; the warning quotes it with control characters replaced. */
    private static void skip(List<Map<String, Object>> skipped, Progress progress, String remote,
                             UnsafePathException e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("path", remote);
        m.put("reason", e.reason().name());
        m.put("message", e.why());
        skipped.add(m);
        progress.event("warning", "", "skipped '" + LocalTargets.printable(remote) + "': it " + e.why());
    }

    /** Absent, or synced and unchanged since. */
    private static boolean mayReplace(Path p, SyncRecord rec) throws IOException {
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            return true;
        }
        if (rec == null) {
            return false;
        }
        if (Files.isSymbolicLink(p)) { // with --links only (else refused before): compared by its target, never read
            return rec.link() && dev.chunkvault.client.SymLinks.contentHash(dev.chunkvault.client.SymLinks.target(p))
                    .equals(rec.contentHash());
        }
        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        return a.size() == rec.size() && a.lastModifiedTime().toMillis() == rec.mtimeMillis()
                || FilePuller.sha256(p).equals(rec.contentHash());
    }

    /**
     * The chunks of the file about to be replaced: an edit of a large file downloads only what changed. The file is
     * cut as its synced version was (or as a new file of its size), which is how the version pulled over it was
     * most likely cut too.
     */
    private static ChunkIndex existingFileIndex(Path t, SyncRecord rec) throws IOException {
        if (!Files.isRegularFile(t, LinkOption.NOFOLLOW_LINKS)) {
            return ChunkIndex.EMPTY;
        }
        var content = dev.chunkvault.core.chunking.ChunkingPolicy.chunkerFor(Files.size(t), rec == null ? null : rec.profile())
                .chunkAll(t);
        Map<String, ChunkIndex.Location> at = new java.util.HashMap<>();
        content.chunks().forEach(c -> at.putIfAbsent(c.id().hex(), new ChunkIndex.Location(t, c.offset(), c.size())));
        return id -> at.containsKey(id) ? List.of(at.get(id)) : List.of();
    }
}
