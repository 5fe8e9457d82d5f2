package dev.chunkvault.cli;

import java.io.IOException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code chunkvault sync}: two-way sync of a folder, once or every {@code --interval} ({@code --watch}). */
@Command(mixinStandardHelpOptions = true, name = "sync", description = {"Two-way sync of a folder with your account.",
        "Edits are never lost: a true conflict is merged when the edits are disjoint, else the local version is kept"
                + " as a conflicted copy (uploaded too). Deleting more than --max-delete files (or over half) needs"
                + " --force. Ignore patterns go in DIR/.chunkvaultignore; symbolic links are skipped."})
final class SyncCommand extends Subcommand {
    @Mixin
    FolderArgument folder;

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
            return SyncRunner.run(this, folder.dir, dryRun, force, full, maxDelete, rebind);
        }
        if (interval < 1 || dryRun) {
            throw CliException.usage(dryRun ? "--watch and --dry-run do not go together." : "--interval must be at least 1.");
        }
        return watch((f, r) -> SyncRunner.run(this, folder.dir, false, f, full, maxDelete, r), force, rebind,
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
