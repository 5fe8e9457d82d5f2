package dev.chunkvault.cli;

import dev.chunkvault.client.ChunkvaultClient;
import dev.chunkvault.client.sync.StateStore;
import dev.chunkvault.client.sync.SyncEngine;
import dev.chunkvault.client.sync.SyncReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** What {@code sync} and {@code status} share: one run of the engine on a folder, and its report. */
final class SyncRunner {
    private SyncRunner() {}

    /** One sync of {@code dir} (with {@code dryRun}: what it would do), its report printed; the exit code. */
    static int run(Subcommand cmd, String dir, boolean dryRun, boolean force, boolean full, int maxDelete, boolean rebind)
            throws IOException {
        return run(cmd, dir, dryRun, force, full, maxDelete, rebind, java.util.List.of());
    }

    /** As the other {@code run}, leaving out the paths that match {@code exclude}. */
    static int run(Subcommand cmd, String dir, boolean dryRun, boolean force, boolean full, int maxDelete, boolean rebind,
                   java.util.List<String> exclude) throws IOException {
        return run(cmd, dir, dryRun, force, full, maxDelete, rebind, exclude, null);
    }

    /**
     * As the other {@code run}; {@code links} keeps symbolic links as links (true) or skips them (false), and the
     * folder keeps the choice for later syncs; null: as the folder last chose.
     */
    static int run(Subcommand cmd, String dir, boolean dryRun, boolean force, boolean full, int maxDelete, boolean rebind,
                   java.util.List<String> exclude, Boolean links) throws IOException {
        CliContext cli = cmd.cli();
        Path root = cmd.local(dir == null ? "." : dir);
        ensureFolder(cli, root, dryRun);
        Path outer = root.getParent() == null ? null : CliContext.syncFolderOf(root.getParent());
        if (outer != null && !Files.exists(root.resolve(".chunkvault"))) {
            throw CliException.usage(root + " is inside the sync folder " + outer + "; sync that one instead.");
        }
        ChunkvaultClient client = cli.client();
        Progress progress = cli.progress();
        try (StateStore st = StateStore.open(root)) {
            SyncEngine.Options o = SyncEngine.Options.defaults(cli.device()).withDryRun(dryRun).withForce(force)
                    .withFullListing(full).withMaxDeletes(maxDelete).withRebind(rebind).withExclude(exclude)
                    .withLinks(links);
            long started = System.nanoTime();
            SyncReport r;
            // Ctrl-C ends the JVM: say what was done, and that the next run goes on from there (exit 130).
            Thread interrupted = new Thread(() -> {
                progress.close();
                cli.err.println();
                cli.err.println("Interrupted: " + progress.doneSoFar() + ". What finished is kept, nothing half-done is;"
                        + " the next sync of " + root + " resumes from here.");
                cli.err.flush();
            }, "chunkvault-interrupted");
            boolean hooked = installHook(interrupted);
            try {
                r = new SyncEngine(client, st, o, progress).run();
            } finally {
                if (hooked) {
                    removeHook(interrupted);
                }
                progress.close();
            }
            if (client.executableBitsRefused()) {
                r.warnings.add("the service does not keep executable bits (it is older than this client): files marked"
                        + " executable here were synced without the bit");
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

    /**
     * A sync folder that does not exist yet, in a folder that does, is made (a second device's first sync names a new
     * folder): said on stderr. Anything else that is not a folder is an error; a dry run makes nothing.
     */
    static void ensureFolder(CliContext cli, Path root, boolean dryRun) throws IOException {
        if (Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Path parent = root.getParent();
        if (Files.exists(root, LinkOption.NOFOLLOW_LINKS) || parent == null || !Files.isDirectory(parent)) {
            throw new CliException(ExitCodes.ERROR, root + (Files.exists(root, LinkOption.NOFOLLOW_LINKS) ? " is not a folder."
                    : " does not exist, nor does the folder it would be made in."));
        }
        if (dryRun) {
            throw new CliException(ExitCodes.ERROR, root + " does not exist yet; a sync without --dry-run makes it.");
        }
        Files.createDirectory(root);
        if (!cli.quiet) {
            cli.err.println("Created " + root + " (a new sync folder).");
        }
    }

    private static boolean installHook(Thread hook) {
        try {
            Runtime.getRuntime().addShutdownHook(hook);
            return true;
        } catch (IllegalStateException shuttingDown) {
            return false;
        }
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the JVM is going down: the hook runs
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
        r.caseMarked.forEach(c -> out.println("case conflict: '" + c.replace(" -> ", "' is stored as '") + "' on the server"
                + " (its name differs from another's only by case; both names are kept here)"));
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
}
