package dev.chunkvault.cli;

import dev.chunkvault.client.ChunkIndex;
import dev.chunkvault.client.SignatureCache;
import dev.chunkvault.client.ChunkvaultClient;
import dev.chunkvault.client.FilePuller;
import dev.chunkvault.client.FilePusher;
import dev.chunkvault.client.LocalTargets;
import dev.chunkvault.client.StaleParentException;
import dev.chunkvault.client.UnsafePathException;
import dev.chunkvault.client.model.AuditReport;
import dev.chunkvault.client.model.CommitResult;
import dev.chunkvault.client.model.FileEntry;
import dev.chunkvault.client.model.GcReport;
import dev.chunkvault.client.model.History;
import dev.chunkvault.client.model.Usage;
import dev.chunkvault.client.model.VersionInfo;
import dev.chunkvault.client.sync.IgnoreRules;
import dev.chunkvault.client.sync.LocalScanner;
import dev.chunkvault.client.sync.StateStore;
import dev.chunkvault.client.sync.SyncBinding;
import dev.chunkvault.client.sync.SyncEngine;
import dev.chunkvault.client.sync.SyncPaths;
import dev.chunkvault.client.sync.SyncRecord;
import dev.chunkvault.client.sync.SyncReport;
import dev.chunkvault.core.paths.ConflictedCopies;
import dev.chunkvault.core.paths.FilePath;
import dev.chunkvault.core.paths.InvalidFilePathException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** The {@code chunkvault} commands (picocli). */
public final class Commands {
    private Commands() {}

    static final String EXIT_CODES = "%nExit codes: 0 ok, 1 error, 2 usage, 3 conflicts left, 4 not signed in,"
            + " 5 service unavailable, 6 integrity (hash mismatch), 7 refused by a safeguard (mass delete: --force;"
            + " folder of another account: sync --rebind; names pull may not write here: skipped), 8 another sync of"
            + " the folder is running,"
            + " 130 interrupted.";

    @Command(name = "chunkvault", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
            description = "Chunkvault: a file store with content-defined chunking and delta sync.",
            footer = EXIT_CODES,
            subcommands = {Login.class, Logout.class, Push.class, Pull.class, Sync.class, Status.class, Ls.class,
                    HistoryCmd.class, Restore.class, Rm.class, Conflicts.class, Verify.class, UsageCmd.class, Gc.class,
                    Audit.class, Quota.class})
    public static final class Root implements Callable<Integer> {
        final Cli cli;

        Root(Cli cli) {
            this.cli = cli;
        }

        @Option(names = "--json", description = "Print results as JSON (for scripts).", scope = picocli.CommandLine.ScopeType.INHERIT)
        void json(boolean b) {
            cli.json = b;
        }

        @Option(names = "--debug", description = "Show stack traces of failures.", scope = picocli.CommandLine.ScopeType.INHERIT)
        void debug(boolean b) {
            cli.debug = b;
        }

        @Option(names = {"-q", "--quiet"}, description = "Print only errors and the result.", scope = picocli.CommandLine.ScopeType.INHERIT)
        void quiet(boolean b) {
            cli.quiet = b;
        }

        @Option(names = "--endpoint", paramLabel = "URL", description = "API endpoint (overrides config and CHUNKVAULT_ENDPOINT).",
                scope = picocli.CommandLine.ScopeType.INHERIT)
        void endpoint(String e) {
            cli.endpointOverride = e;
        }

        @Option(names = "--parallel", paramLabel = "N", description = "Concurrent chunk transfers (default 8).",
                scope = picocli.CommandLine.ScopeType.INHERIT)
        void parallel(int n) {
            if (n < 1 || n > 256) {
                throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "--parallel must be 1..256");
            }
            cli.parallel = n;
        }

        @Override
        public Integer call() {
            new picocli.CommandLine(this).usage(cli.out);
            return ExitCodes.USAGE;
        }
    }

    static final class VersionProvider implements picocli.CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"chunkvault " + dev.chunkvault.client.Version.VERSION};
        }
    }

    /** Base of subcommands: access to the context. */
    abstract static class Sub implements Callable<Integer> {
        @ParentCommand
        Root root;

        Cli cli() {
            return root.cli;
        }

        Path local(String p) {
            return cli().cwd.resolve(p).toAbsolutePath().normalize();
        }

        /** A remote path from a CLI argument: a local file inside a sync folder maps to its place there. */
        String remotePath(String arg) {
            Path p = local(arg);
            Path folder = Cli.syncFolderOf(Files.exists(p) ? p : p.getParent() == null ? p : p.getParent());
            if (folder != null && p.startsWith(folder) && !p.equals(folder)) {
                return canonical(SyncPaths.relative(folder, p));
            }
            return canonical(arg);
        }

        static String canonical(String path) {
            try {
                return FilePath.parse(path).toString();
            } catch (InvalidFilePathException e) {
                throw CliException.usage("'" + path + "' is not a valid path (" + e.reason() + ").");
            }
        }
    }

    // ------------------------------------------------------------------ login / logout

    @Command(mixinStandardHelpOptions = true, name = "login", description = {"Sign in.",
            "  Local cloud:  chunkvault login --local alice [--endpoint http://127.0.0.1:4750]",
            "  A token:      chunkvault login --endpoint URL --token JWT",
            "  Cognito:      chunkvault login --endpoint URL --cognito-domain https://X.auth.REGION.amazoncognito.com"
                    + " --client-id ID  (values from the stack's Outputs)"})
    static final class Login extends Sub {
        @Option(names = "--token", paramLabel = "JWT", description = "Use this access token.")
        String token;

        @Option(names = "--local", paramLabel = "USER", description = "Ask the local cloud to mint a token for USER.")
        String localUser;

        @Option(names = "--cognito-domain", paramLabel = "URL", description = "Cognito hosted-UI domain (stack output UserPoolDomain).")
        String cognitoDomain;

        @Option(names = "--client-id", paramLabel = "ID", description = "Cognito app client id (stack output UserPoolClientId).")
        String clientId;

        @Option(names = "--scope", description = "OAuth scopes (default: openid chunkvault/read chunkvault/write).")
        List<String> scopes;

        @Option(names = "--port", description = "Loopback port of the OAuth redirect (default 53682).")
        int port = dev.chunkvault.cli.Login.CALLBACK_PORT;

        @Override
        public Integer call() throws IOException {
            Cli cli = cli();
            Config c = cli.fileConfig();
            String endpoint = cli.endpointOverride != null ? cli.endpointOverride
                    : cli.env.getOrDefault("CHUNKVAULT_ENDPOINT", c.endpoint());
            if (endpoint == null && localUser != null) {
                endpoint = "http://127.0.0.1:4750";
            }
            if (endpoint == null) {
                throw CliException.usage("Give the API endpoint: --endpoint URL.");
            }
            c = c.withEndpoint(endpoint);
            int modes = (token != null ? 1 : 0) + (localUser != null ? 1 : 0) + (cognitoDomain != null || clientId != null ? 1 : 0);
            if (modes > 1) {
                throw CliException.usage("Choose one of --token, --local and --cognito-domain/--client-id.");
            }
            if (token != null) {
                c = c.withLocalUser(null).withToken(token, null, null);
            } else if (localUser != null) {
                dev.chunkvault.cli.Login.Tokens t = dev.chunkvault.cli.Login.mintLocal(dev.chunkvault.cli.Login.http(),
                        endpoint, localUser);
                c = c.withLocalUser(localUser).withToken(t.accessToken(),
                        t.expiresAt() == null ? null : t.expiresAt().toString(), null);
            } else {
                String domain = cognitoDomain != null ? cognitoDomain : c.cognitoDomain();
                String client = clientId != null ? clientId : c.clientId();
                if (domain == null || client == null) {
                    throw CliException.usage("Give --local USER, --token JWT, or --cognito-domain URL and --client-id ID.");
                }
                dev.chunkvault.cli.Login.Tokens t = dev.chunkvault.cli.Login.cognito(dev.chunkvault.cli.Login.http(), domain,
                        client, scopes == null || scopes.isEmpty() ? dev.chunkvault.cli.Login.DEFAULT_SCOPES : scopes, port,
                        url -> {
                            cli.err.println("Open this address in your browser to sign in:");
                            cli.err.println("  " + url);
                            tryBrowse(url);
                        }, Duration.ofMinutes(5));
                c = c.withLocalUser(null).withCognito(domain, client).withToken(t.accessToken(),
                        t.expiresAt().toString(), t.refreshToken());
            }
            c.save(cli.configDir());
            String who = dev.chunkvault.cli.Login.subjectOf(c.token());
            String ep = endpoint;
            cli.emit(Map.of("endpoint", ep, "user", who), o -> o.println("Signed in to " + ep + " as " + who + "."));
            return ExitCodes.OK;
        }

        private static void tryBrowse(String url) {
            try {
                if (java.awt.Desktop.isDesktopSupported()
                        && java.awt.Desktop.getDesktop().isSupported(java.awt.Desktop.Action.BROWSE)) {
                    java.awt.Desktop.getDesktop().browse(java.net.URI.create(url));
                }
            } catch (Exception | LinkageError headless) {
                // no browser here: the printed address is enough
            }
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "logout", description = "Forget the stored token.")
    static final class Logout extends Sub {
        @Override
        public Integer call() throws IOException {
            Config c = cli().fileConfig();
            c.signedOut().save(cli().configDir());
            cli().emit(Map.of("signedOut", true), o -> o.println("Signed out."));
            return ExitCodes.OK;
        }
    }

    // ------------------------------------------------------------------ push / pull

    @Command(mixinStandardHelpOptions = true, name = "push", description = {"Upload local files as new versions (one way).",
            "Inside a sync folder the file's synced version is the parent: a file changed on the server meanwhile is"
                    + " refused (run sync), unless --force."})
    static final class Push extends Sub {
        @Parameters(arity = "1..*", paramLabel = "LOCAL", description = "Files or folders to upload.")
        List<String> paths;

        @Option(names = "--to", paramLabel = "REMOTE", description = "Remote path (a single file) or folder (several).")
        String to;

        @Option(names = "--force", description = "Replace the server's head even if it changed since the last sync.")
        boolean force;

        @Override
        public Integer call() throws IOException {
            Cli cli = cli();
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
                    LocalScanner.Scan scan = LocalScanner.scan(lp, IgnoreRules.load(lp));
                    scan.warnings().forEach(w -> progress.event("warning", "", w));
                    scan.files().values().forEach(f -> files.add(f.file()));
                } else if (Files.isRegularFile(lp)) {
                    files.add(lp);
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
                Path folder = Cli.syncFolderOf(f.getParent());
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
                                r.contentHash(), r.manifest()));
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

    @Command(mixinStandardHelpOptions = true, name = "pull", description = {"Download a remote file or folder (one way).",
            "A local file that differs is not replaced unless --force (or it is synced and unchanged). Names that may not"
                    + " be written here (../x, /x, C:x, control characters, .chunkvault/, under a symbolic link) are"
                    + " skipped with a warning, and the exit code is 7."})
    static final class Pull extends Sub {
        @Parameters(index = "0", paramLabel = "REMOTE", description = "Remote file or folder.")
        String remote;

        @Parameters(index = "1", arity = "0..1", paramLabel = "LOCAL", description = "Where to write (default: here).")
        String target;

        @Option(names = "--version", paramLabel = "V", description = "A version id (default: the head).")
        String version;

        @Option(names = "--force", description = "Replace local files even if they differ.")
        boolean force;

        /** One file to write: remote path, the folder it is written in, and the file. */
        private record Job(String remote, Path root, Path target) {}

        @Override
        public Integer call() throws IOException {
            Cli cli = cli();
            ChunkvaultClient client = cli.client();
            Progress progress = cli.progress();
            String rp = remote.equals("/") || remote.isEmpty() ? "" : canonical(remote);
            List<Job> jobs = new ArrayList<>();
            // Names not written, each with why (the service, or whatever answers in its place, chose them).
            List<Map<String, Object>> skipped = new ArrayList<>();
            java.util.Optional<FileEntry> single = rp.isEmpty() ? java.util.Optional.empty() : client.file(rp, false);
            Path dest = target == null ? cli.cwd : local(target);
            if (single.isPresent() || version != null) {
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
                    try {
                        jobs.add(new Job(p, dest, LocalTargets.resolve(dest, rel)));
                    } catch (UnsafePathException bad) {
                        skip(skipped, progress, p, bad);
                    }
                }
            }
            List<Map<String, Object>> results = new ArrayList<>();
            long started = System.nanoTime();
            long down = 0;
            for (Job j : jobs) {
                Path t = j.target();
                Path folder = Cli.syncFolderOf(t.getParent() == null ? t : t.getParent());
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
                                    progress.transfer(j.remote()), j.root()));
                    if (st != null) {
                        st.put(new SyncRecord(key, SyncPaths.relative(folder, t), r.version().versionId(), r.size(),
                                r.mtimeMillis(), r.version().contentHash(), r.manifest()));
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

    // ------------------------------------------------------------------ sync / status

    @Command(mixinStandardHelpOptions = true, name = "sync", description = {"Two-way sync of a folder with your account.",
            "Edits are never lost: a true conflict is merged when the edits are disjoint, else the local version is kept"
                    + " as a conflicted copy (uploaded too). Deleting more than --max-delete files (or over half) needs"
                    + " --force. Ignore patterns go in DIR/.chunkvaultignore; symbolic links are skipped."})
    static final class Sync extends Sub {
        @Parameters(index = "0", arity = "0..1", paramLabel = "DIR", description = "The folder (default: here).")
        String dir;

        @Option(names = "--dry-run", description = "Show what would be done, change nothing.")
        boolean dryRun;

        @Option(names = "--force", description = "Allow mass deletions (with --watch: in the first sync only).")
        boolean force;

        @Option(names = "--full", description = "Compare against a full remote listing instead of the change feed.")
        boolean full;

        @Option(names = "--max-delete", paramLabel = "N", description = "Deletions allowed without --force (default 50).")
        int maxDelete = 50;

        @Option(names = "--watch", description = "Keep syncing every --interval seconds until interrupted (Ctrl-C).")
        boolean watch;

        @Option(names = "--interval", paramLabel = "SECONDS", description = "Pause between syncs with --watch (default 30).")
        int interval = 30;

        @Option(names = "--rebind", description = "Sync a folder last synced with another account or endpoint with the"
                + " current one: its sync state is reset and its files compared afresh (nothing is deleted).")
        boolean rebind;

        @Override
        public Integer call() throws IOException {
            if (rebind && dryRun) {
                throw CliException.usage("--rebind and --dry-run do not go together.");
            }
            if (!watch) {
                return runSync(this, dir, dryRun, force, full, maxDelete, rebind);
            }
            if (interval < 1 || dryRun) {
                throw CliException.usage(dryRun ? "--watch and --dry-run do not go together." : "--interval must be at least 1.");
            }
            return watch((f, r) -> runSync(this, dir, false, f, full, maxDelete, r), force, rebind,
                    java.time.Duration.ofSeconds(interval), dev.chunkvault.client.Sleeper.SYSTEM, cli().err);
        }

        /** One sync of a watch. */
        @FunctionalInterface
        interface Once {
            int run(boolean force, boolean rebind) throws IOException;
        }

        /**
         * Syncs every {@code interval} until interrupted. {@code --force} and {@code --rebind} are for the first sync
         * only (the first that ran): a mass delete found later is held back again, as without --watch.
         */
        static int watch(Once once, boolean force, boolean rebind, java.time.Duration interval,
                         dev.chunkvault.client.Sleeper sleeper, java.io.PrintStream err) throws IOException {
            int last = ExitCodes.OK;
            boolean first = true;
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    last = once.run(force && first, rebind && first);
                    first = false;
                } catch (CliException e) {
                    throw e;
                } catch (dev.chunkvault.client.TransportException | dev.chunkvault.client.BadResponseException
                         | dev.chunkvault.client.sync.SyncBusyException e) {
                    err.println("chunkvault: " + Errors.classify(e).message() + " (retrying in " + interval.toSeconds()
                            + " s)");
                }
                try {
                    sleeper.sleep(interval);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return last;
        }
    }

    static int runSync(Sub cmd, String dir, boolean dryRun, boolean force, boolean full, int maxDelete, boolean rebind)
            throws IOException {
        Cli cli = cmd.cli();
        Path root = cmd.local(dir == null ? "." : dir);
        if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
            throw new CliException(ExitCodes.ERROR, root + " is not a folder.");
        }
        Path outer = root.getParent() == null ? null : Cli.syncFolderOf(root.getParent());
        if (outer != null && !Files.exists(root.resolve(".chunkvault"))) {
            throw CliException.usage(root + " is inside the sync folder " + outer + "; sync that one instead.");
        }
        ChunkvaultClient client = cli.client();
        Progress progress = cli.progress();
        try (StateStore st = StateStore.open(root)) {
            SyncEngine.Options o = SyncEngine.Options.defaults(cli.device()).withDryRun(dryRun).withForce(force)
                    .withFullListing(full).withMaxDeletes(maxDelete).withRebind(rebind);
            long started = System.nanoTime();
            SyncReport r;
            try {
                r = new SyncEngine(client, st, o, progress).run();
            } finally {
                progress.close();
            }
            long took = System.nanoTime() - started;
            int code = !r.errors.isEmpty() ? ExitCodes.ERROR
                    : !r.refusedDeletes.isEmpty() || !r.heldDownloads.isEmpty() ? ExitCodes.REFUSED
                    : !r.conflicts.isEmpty() || !r.collisions.isEmpty() ? ExitCodes.CONFLICTS : ExitCodes.OK;
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("root", root.toString());
            j.put("report", r);
            j.put("exitCode", code);
            cli.emit(j, out -> printReport(out, r, took, cli.quiet));
            return code;
        }
    }

    static void printReport(java.io.PrintStream out, SyncReport r, long nanos, boolean quiet) {
        if (r.dryRun) {
            if (r.planned.isEmpty()) {
                out.println("Everything is in sync.");
            }
            for (SyncReport.Planned p : r.planned) {
                out.printf("%-14s %s%n", p.action().toLowerCase(java.util.Locale.ROOT).replace('_', ' '), p.path());
            }
        }
        r.collisions.forEach(c -> out.println("name collision (not synced; rename one): " + String.join(" | ", c)));
        if (r.heldBackBecause != null) {
            out.println("Mass-delete safeguard: " + r.heldBackBecause + ".");
        }
        if (!r.refusedDeletes.isEmpty()) {
            boolean emptied = r.refusedDeletes.stream().anyMatch(d -> d.startsWith("empty "));
            out.println("Held back " + (emptied ? r.refusedDeletes.size() + " changes that delete or empty files"
                    : Human.plural(r.refusedDeletes.size(), "deletion")) + " (mass-delete safeguard);"
                    + " run again with --force if they are intended:");
            r.refusedDeletes.stream().limit(20).forEach(d -> out.println("  " + d));
        }
        if (!r.heldDownloads.isEmpty()) {
            out.println("Not downloaded while files are missing here: " + Human.plural(r.heldDownloads.size(), "file")
                    + " edited elsewhere (the edits stay on the server; they come down when the folder is back, or"
                    + " with --force):");
            r.heldDownloads.stream().limit(20).forEach(d -> out.println("  " + d));
        }
        if (!r.dryRun && !quiet) {
            if (r.inSync() && r.collisions.isEmpty()) {
                out.println("Everything is in sync.");
            } else {
                out.println("Sync done: " + r.pushed.size() + " up, " + r.pulled.size() + " down, "
                        + (r.deletedLocal.size() + r.deletedRemote.size()) + " deleted, " + r.merged.size() + " merged, "
                        + r.conflicts.size() + " conflicted copies; " + Human.bytes(r.bytesUploaded) + " sent, "
                        + Human.bytes(r.bytesDownloaded) + " received, " + Human.bytes(r.bytesReused) + " reused locally"
                        + " (" + Human.duration(nanos) + ").");
            }
        }
        r.backups.forEach(b -> out.println("merged; your version from before the merge is kept as: " + b));
        r.conflicts.forEach(c -> out.println("conflicted copy: " + c));
        r.errors.forEach(e -> out.println("error: " + e));
        if (!r.notUploaded.isEmpty()) {
            out.println("Over your storage quota" + (r.quota > 0 ? " (" + Human.bytes(r.quotaUsed) + " of "
                    + Human.bytes(r.quota) + " used)" : "") + ": " + Human.plural(r.notUploaded.size(), "file")
                    + " not uploaded; everything else was synced and nothing was lost. Delete files you no longer need"
                    + " (earlier versions do not count), or ask for a larger quota, then sync again. `chunkvault usage`"
                    + " shows what counts.");
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "status", description = "Show what sync would do, without changing anything.")
    static final class Status extends Sub {
        @Parameters(index = "0", arity = "0..1", paramLabel = "DIR", description = "The folder (default: here).")
        String dir;

        @Option(names = "--full", description = "Compare against a full remote listing.")
        boolean full;

        @Override
        public Integer call() throws IOException {
            Path f = Cli.syncFolderOf(dir == null ? cli().cwd : local(dir));
            if (f == null || dir != null && !f.equals(local(dir))) {
                throw new CliException(ExitCodes.ERROR, (dir == null ? "This folder" : local(dir).toString())
                        + " is not a sync folder; run `chunkvault sync DIR` first.");
            }
            String d = f.toString();
            int code = runSync(this, d, true, false, full, 50, false);
            return code == ExitCodes.REFUSED ? ExitCodes.OK : code;
        }
    }

    // ------------------------------------------------------------------ browsing

    @Command(mixinStandardHelpOptions = true, name = "ls", description = "List a remote folder.")
    static final class Ls extends Sub {
        @Parameters(arity = "0..1", paramLabel = "FOLDER", description = "Remote folder (default: the root).")
        String folder;

        @Option(names = {"-r", "--recursive"}, description = "Every file below.")
        boolean recursive;

        @Option(names = "--deleted", description = "Include deleted files (restorable).")
        boolean deleted;

        @Option(names = {"-l", "--long"}, description = "Sizes, versions and times.")
        boolean longFormat;

        @Override
        public Integer call() {
            String f = folder == null || folder.equals("/") ? "" : canonical(folder);
            ChunkvaultClient.FullListing l = cli().client().listAll(f, recursive, deleted);
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("folder", f);
            j.put("folders", l.folders());
            j.put("files", l.files());
            cli().emit(j, o -> {
                l.folders().forEach(d -> o.println(d + "/"));
                for (FileEntry e : l.files()) {
                    if (longFormat) {
                        o.printf("%10s  %s  %s  %s%s%n", Human.bytes(e.size()), Human.time(e.clientMtime()), e.version(),
                                e.path(), e.deleted() ? "  (deleted)" : "");
                    } else {
                        o.println(e.path() + (e.deleted() ? "  (deleted)" : ""));
                    }
                }
            });
            return ExitCodes.OK;
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "history", description = "The retained versions of a file, newest first.")
    static final class HistoryCmd extends Sub {
        @Parameters(paramLabel = "FILE", description = "Remote path, or a file in a sync folder.")
        String file;

        @Override
        public Integer call() {
            String path = remotePath(file);
            List<VersionInfo> all = new ArrayList<>();
            String cursor = null;
            do {
                History h = cli().client().history(path, cursor, 100);
                all.addAll(h.versions());
                cursor = h.cursor();
            } while (cursor != null);
            cli().emit(Map.of("path", path, "versions", all), o -> {
                for (VersionInfo v : all) {
                    o.printf("%s  %s  %10s  %s%n", v.versionId(), Human.time(v.createdAt()),
                            v.deleted() ? "deleted" : Human.bytes(v.size()),
                            v.deleted() ? "" : v.contentHash() == null ? "" : v.contentHash().substring(0, 12));
                }
            });
            return ExitCodes.OK;
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "restore", description = "Make an earlier version the current one (a new version; nothing is lost).")
    static final class Restore extends Sub {
        @Parameters(paramLabel = "FILE", description = "Remote path, or a file in a sync folder.")
        String file;

        @Option(names = "--version", required = true, paramLabel = "V", description = "The version id (see history).")
        String version;

        @Override
        public Integer call() {
            String path = remotePath(file);
            CommitResult r = cli().client().restore(path, version, null, ChunkvaultClient.newIdempotencyKey());
            cli().emit(r, o -> o.println("Restored " + path + " to " + version + " as new version "
                    + r.version().versionId() + ". Run `chunkvault sync` to update local copies."));
            return ExitCodes.OK;
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "rm", description = "Delete remote files (restorable during the retention period).")
    static final class Rm extends Sub {
        @Parameters(arity = "1..*", paramLabel = "FILE", description = "Remote paths, or files in a sync folder.")
        List<String> files;

        @Override
        public Integer call() throws IOException {
            List<Object> done = new ArrayList<>();
            for (String f : files) {
                String path = remotePath(f);
                Path lp = local(f);
                Path folder = Cli.syncFolderOf(Files.exists(lp) ? lp : lp.getParent());
                String parent = null;
                if (folder != null && lp.startsWith(folder)) {
                    try (StateStore st = StateStore.open(folder)) {
                        SyncBinding.require(st, SyncBinding.Identity.of(cli().client()));
                        String key = FilePath.parse(path).foldKey();
                        SyncRecord rec = st.get(key).orElse(null);
                        parent = rec == null ? null : rec.version();
                        CommitResult r = delete(path, parent);
                        if (rec != null && Files.isRegularFile(lp, LinkOption.NOFOLLOW_LINKS)) {
                            BasicFileAttributes a = Files.readAttributes(lp, BasicFileAttributes.class);
                            if (a.size() == rec.size() && a.lastModifiedTime().toMillis() == rec.mtimeMillis()) {
                                Files.delete(lp);
                            }
                        }
                        st.remove(key);
                        done.add(r.version());
                    }
                } else {
                    done.add(delete(path, null).version());
                }
                cli().progress().event("delete-remote", path, "");
            }
            cli().emit(Map.of("deleted", done), o -> o.println(Human.plural(done.size(), "file") + " deleted."));
            return ExitCodes.OK;
        }

        private CommitResult delete(String path, String parent) {
            try {
                return cli().client().delete(path, parent, ChunkvaultClient.newIdempotencyKey());
            } catch (StaleParentException e) {
                throw new CliException(ExitCodes.CONFLICTS, "'" + path + "' changed on the server since it was synced;"
                        + " not deleted. Run `chunkvault sync` first.");
            }
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "conflicts", description = "List conflicted copies and colliding names in a sync folder.")
    static final class Conflicts extends Sub {
        @Parameters(index = "0", arity = "0..1", paramLabel = "DIR", description = "The folder (default: here).")
        String dir;

        @Override
        public Integer call() throws IOException {
            Path root = local(dir == null ? "." : dir);
            LocalScanner.Scan scan = LocalScanner.scan(root, IgnoreRules.load(root));
            List<String> copies = new ArrayList<>();
            for (LocalScanner.LocalFile f : scan.files().values()) {
                if (ConflictedCopies.isConflictedCopy(FilePath.parse(f.path()).name())) {
                    copies.add(f.path());
                }
            }
            List<List<String>> collisions = new ArrayList<>(scan.collisions().values());
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("conflictedCopies", copies);
            j.put("collisions", collisions);
            cli().emit(j, o -> {
                if (copies.isEmpty() && collisions.isEmpty()) {
                    o.println("No conflicts.");
                }
                copies.forEach(c -> o.println("conflicted copy: " + c + "  (of " + originalOf(c) + ")"));
                collisions.forEach(c -> o.println("name collision: " + String.join(" | ", c)));
            });
            return copies.isEmpty() && collisions.isEmpty() ? ExitCodes.OK : ExitCodes.CONFLICTS;
        }

        private static String originalOf(String path) {
            FilePath p = FilePath.parse(path);
            return p.withName(ConflictedCopies.originalName(p.name())).toString();
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "verify", description = "Check local files against the server's content hashes.")
    static final class Verify extends Sub {
        @Parameters(index = "0", arity = "0..1", paramLabel = "DIR", description = "The sync folder (default: here).")
        String dir;

        @Override
        public Integer call() throws IOException {
            Path root = local(dir == null ? "." : dir);
            ChunkvaultClient client = cli().client();
            LocalScanner.Scan scan = LocalScanner.scan(root, IgnoreRules.load(root));
            Map<String, FileEntry> remote = new LinkedHashMap<>();
            for (FileEntry e : client.listAll("", true, false).files()) {
                remote.put(FilePath.parse(e.path()).foldKey(), e);
            }
            List<Map<String, String>> problems = new ArrayList<>();
            int ok = 0;
            for (LocalScanner.LocalFile f : scan.files().values()) {
                FileEntry e = remote.remove(f.pathKey());
                if (e == null) {
                    problems.add(Map.of("path", f.path(), "problem", "not on the server"));
                    continue;
                }
                String h = FilePuller.sha256(f.file());
                if (!h.equals(e.contentHash())) {
                    problems.add(Map.of("path", f.path(), "problem", "content differs from the server's head " + e.version()));
                } else {
                    ok++;
                }
            }
            for (FileEntry e : remote.values()) {
                problems.add(Map.of("path", e.path(), "problem", "missing locally"));
            }
            int okCount = ok;
            cli().emit(Map.of("verified", okCount, "problems", problems), o -> {
                problems.forEach(p -> o.println(p.get("problem") + ": " + p.get("path")));
                o.println(Human.plural(okCount, "file") + " match the server" + (problems.isEmpty() ? "." : "; "
                        + Human.plural(problems.size(), "difference") + "."));
            });
            return problems.isEmpty() ? ExitCodes.OK : ExitCodes.INTEGRITY;
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "usage", description = {"Your storage: what counts toward"
            + " your quota, and the rest.",
            "  The quota limits the current versions of your files; earlier versions and deleted files kept for"
                    + " restoring do not count."})
    static final class UsageCmd extends Sub {
        @Override
        public Integer call() {
            Usage u = cli().client().usage();
            cli().emit(u, o -> describe(o, u));
            return ExitCodes.OK;
        }

        /** "12.3 GiB of 100 GiB used (12 %), 1,234 files, ..." and a line per other figure. */
        static void describe(java.io.PrintStream o, Usage u) {
            String used = Human.bytes(u.logicalBytes());
            if (u.quota() == null) {
                o.print(used + " used (no quota)");
            } else {
                long percent = u.quota() == 0 ? 100 : (long) Math.floor(100.0 * u.logicalBytes() / u.quota());
                o.print(used + " of " + Human.bytes(u.quota()) + " used (" + percent + " %)");
            }
            o.println(", " + count(u.files(), "file") + ", " + count(u.versions(), "version") + " kept.");
            o.println("Earlier versions: " + Human.bytes(u.historyBytes()) + " (not counted toward the quota).");
            if (u.storedBytes() != null) {
                o.println("Stored after dedup: " + Human.bytes(u.storedBytes()) + " (as of " + Human.time(u.storedBytesAt())
                        + ").");
            }
            if (u.overQuota()) {
                o.println("Over your quota: new content is refused until you delete files (deleting and restoring"
                        + " always work), or ask for a larger quota.");
            } else if (u.available() != null) {
                o.println(Human.bytes(u.available()) + " free.");
            }
        }

        private static String count(long n, String word) {
            return String.format(java.util.Locale.ROOT, "%,d", n) + " " + word + (n == 1 ? "" : "s");
        }
    }

    // ------------------------------------------------------------------ operators

    @Command(mixinStandardHelpOptions = true, name = "quota", description = {"Set one account's storage quota"
            + " (operators; needs the admin scope).",
            "  chunkvault quota SUB 50GiB    chunkvault quota SUB unlimited    chunkvault quota SUB --default"})
    static final class Quota extends Sub {
        @Parameters(index = "0", paramLabel = "ACCOUNT", description = "The account's subject (the sub of its tokens).")
        String owner;

        @Parameters(index = "1", arity = "0..1", paramLabel = "SIZE",
                description = "The quota: bytes, or with a unit (500MiB, 50GiB, 2TiB; KB, MB, GB, TB are powers of"
                        + " 1000), or 'unlimited'.")
        String size;

        @Option(names = "--default", description = "Remove the account's own quota: the deployment's default applies.")
        boolean clear;

        @Override
        public Integer call() {
            if (clear == (size != null)) {
                throw CliException.usage("Give a SIZE, or --default to remove the account's own quota.");
            }
            Usage u = cli().client().setQuota(owner, clear ? null : parseSize(size));
            cli().emit(u, o -> {
                o.println("Quota of " + owner + ": " + (u.quota() == null ? "unlimited" : Human.bytes(u.quota()))
                        + (clear ? " (the default)" : "") + ".");
                UsageCmd.describe(o, u);
            });
            return ExitCodes.OK;
        }

        static long parseSize(String s) {
            String t = s.trim().toLowerCase(java.util.Locale.ROOT).replace(" ", "");
            if (t.equals("unlimited") || t.equals("0")) {
                return 0;
            }
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9]+(?:\\.[0-9]+)?)([kmgtp]?i?b?)").matcher(t);
            if (!m.matches()) {
                throw CliException.usage("'" + s + "' is not a size (e.g. 50GiB, 500MB, 1073741824 or unlimited).");
            }
            String unit = m.group(2).replace("b", "");
            int power = unit.isEmpty() ? 0 : "kmgtp".indexOf(unit.charAt(0)) + 1;
            double base = unit.endsWith("i") ? 1024 : 1000;
            double bytes = Double.parseDouble(m.group(1)) * Math.pow(base, power);
            if (bytes < 1 || bytes > (double) (1L << 60)) {
                throw CliException.usage("'" + s + "' is out of range (1 byte to 1 EiB, or unlimited).");
            }
            return (long) Math.ceil(bytes);
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "gc", description = "Run garbage collection now (operators; needs the admin scope).")
    static final class Gc extends Sub {
        /** While another run holds the lease: ask again this often, this many times (about its lease's lifetime). */
        static final java.time.Duration LEASE_WAIT = java.time.Duration.ofSeconds(5);
        static final int MAX_LEASE_WAITS = 36;

        @Option(names = "--now", description = "Confirm: run GC steps until the run is complete.")
        boolean now;

        @Option(names = "--max-steps", description = "Stop after this many steps (default 1000).")
        int maxSteps = 1000;

        @Override
        public Integer call() {
            if (!now) {
                throw CliException.usage("`chunkvault gc` runs garbage collection on the service; confirm with --now.");
            }
            List<GcReport> steps = new ArrayList<>();
            GcReport last;
            int waited = 0;
            do {
                last = cli().client().gcStep();
                steps.add(last);
                if (last.skipped() != null) {
                    // Another run holds the lease (the nightly one, or a run that died: its lease lapses within
                    // minutes). Wait for it rather than asking again at once.
                    if (++waited > MAX_LEASE_WAITS) {
                        break;
                    }
                    try {
                        cli().client().options().sleeper().sleep(LEASE_WAIT);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                }
            } while (!last.complete() && steps.size() < maxSteps);
            long versions = steps.stream().mapToLong(GcReport::versionsExpired).sum();
            long swept = steps.stream().mapToLong(GcReport::chunksSwept).sum();
            long bytes = steps.stream().mapToLong(GcReport::bytesReclaimed).sum();
            long purged = steps.stream().mapToLong(GcReport::filesPurged).sum();
            boolean complete = last.complete();
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("steps", steps.size());
            j.put("complete", complete);
            j.put("versionsExpired", versions);
            j.put("filesPurged", purged);
            j.put("chunksSwept", swept);
            j.put("bytesReclaimed", bytes);
            j.put("reports", steps);
            GcReport fin = last;
            cli().emit(j, o -> o.println("GC " + (complete ? "complete" : "stopped after " + steps.size() + " steps") + ": "
                    + Human.plural(versions, "version") + " expired, " + Human.plural(purged, "file") + " purged, "
                    + Human.plural(swept, "chunk") + " swept, " + Human.bytes(bytes) + " reclaimed"
                    + (fin.skipped() == null ? "." : " (" + fin.skipped() + ").")));
            return complete ? ExitCodes.OK : ExitCodes.ERROR;
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "audit", description = "Recount references and usage, report drift (operators; needs the admin scope).")
    static final class Audit extends Sub {
        @Option(names = "--fix", description = "Repair counters that drifted (references and usage), quarantine damaged"
                + " objects, measure each account's storage after dedup.")
        boolean fix;

        @Option(names = "--check-objects", description = "Also check that every referenced object exists.")
        boolean checkObjects;

        @Option(names = "--check-content", description = "Also read and hash every referenced object (resumes over"
                + " as many calls as it takes).")
        boolean checkContent;

        @Override
        public Integer call() {
            AuditReport r = cli().client().audit(fix, checkObjects, checkContent, false, null);
            List<AuditReport.Drift> drifts = new ArrayList<>(r.drifts());
            long driftCount = r.driftCount();
            long fixed = r.fixed();
            long checked = r.content() == null ? 0 : r.content().checked();
            long bytes = r.content() == null ? 0 : r.content().bytes();
            long healed = r.content() == null ? 0 : r.content().healed();
            AuditReport last = r;
            // The content check goes on where each call stopped, without recounting again.
            while (checkContent && last.complete() && last.content() != null && last.content().next() != null) {
                last = cli().client().audit(fix, false, true, true, last.content().next());
                drifts.addAll(last.drifts());
                driftCount += last.driftCount();
                fixed += last.fixed();
                checked += last.content() == null ? 0 : last.content().checked();
                bytes += last.content() == null ? 0 : last.content().bytes();
            }
            boolean complete = r.complete() && last.complete();
            long allDrift = driftCount;
            long allFixed = fixed;
            long allChecked = checked;
            long allBytes = bytes;
            long allHealed = healed;
            long quarantined = last.content() == null ? 0 : last.content().quarantined();
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("audit", r);
            j.put("complete", complete);
            j.put("driftCount", allDrift);
            j.put("fixed", allFixed);
            j.put("drifts", drifts.stream().limit(1000).toList());
            j.put("contentChecked", allChecked);
            j.put("quarantined", quarantined);
            j.put("healed", allHealed);
            cli().emit(checkContent ? j : r, o -> {
                o.println("Audited " + r.chunks() + " chunks, " + r.edges() + " edges, " + r.versions() + " versions"
                        + (checkContent ? ", read " + Human.plural(allChecked, "object") + " (" + Human.bytes(allBytes) + ")" : "")
                        + (complete ? "" : " (incomplete: time budget reached)") + ".");
                drifts.stream().limit(50).forEach(d -> o.println("drift " + d.kind()
                        + (d.chunk() != null ? " chunk " + d.chunk() : " account " + d.owner())
                        + ": stored " + d.stored() + ", expected " + d.expected()));
                o.println(allDrift == 0 ? "No drift." : Human.plural(allDrift, "drift") + " found"
                        + (fix ? ", " + allFixed + " fixed." : "; run with --fix to repair."));
                if (quarantined > 0) {
                    o.println(Human.plural(quarantined, "chunk") + " quarantined as damaged: each heals when a device"
                            + " that has it uploads it again (its next upload grant asks for it).");
                }
                if (allHealed > 0) {
                    o.println(Human.plural(allHealed, "damaged chunk") + " healed (uploaded again).");
                }
                if (r.inFlight() > 0) {
                    o.println(Human.plural(r.inFlight(), "count") + " changed while being audited (commits or expiry at"
                            + " work): not judged and not touched; run the audit again to check them settled.");
                }
            });
            if (!complete) {
                return ExitCodes.ERROR;
            }
            return allDrift == 0 || (fix && allFixed >= allDrift && quarantined == 0) ? ExitCodes.OK : ExitCodes.INTEGRITY;
        }
    }
}
