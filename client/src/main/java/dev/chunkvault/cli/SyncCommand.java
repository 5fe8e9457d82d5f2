package dev.chunkvault.cli;

import dev.chunkvault.client.model.Notifications;
import dev.chunkvault.client.watch.FolderWatcher;
import dev.chunkvault.client.watch.NotificationSocket;
import dev.chunkvault.client.watch.Signals;
import dev.chunkvault.client.watch.Wake;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code chunkvault sync}: two-way sync of a folder, once or until interrupted ({@code --watch}). */
@Command(mixinStandardHelpOptions = true, name = "sync", description = {"Two-way sync of a folder with your account.",
        "Edits are never lost: a true conflict is merged when the edits are disjoint, else the local version is kept"
                + " as a conflicted copy (uploaded too). Deleting more than --max-delete files (or over half) needs"
                + " --force. Ignore patterns go in DIR/.chunkvaultignore; symbolic links are skipped with a warning"
                + " unless --links."})
final class SyncCommand extends Subcommand {
    @Mixin
    FolderArgument folder;

    @Mixin
    ExcludeOption exclude;

    @Option(names = "--dry-run", description = "Show what would be done, change nothing.")
    boolean dryRun;

    @Option(names = "--force", description = "Allow mass deletions (with --watch: in the first sync only).")
    boolean force;

    @Option(names = "--full", description = "Compare against a full remote listing instead of the change feed.")
    boolean full;

    @Option(names = "--max-delete", paramLabel = "N", description = "Deletions allowed without --force (default 50).")
    int maxDelete = 50;

    @Option(names = "--watch", description = {"Keep syncing until interrupted (Ctrl-C): at once when files change here"
            + " (file-system events) or elsewhere (the service's push notifications), and every 10 minutes anyway.",
            "Where the service sends no notifications, it polls every --interval seconds."})
    boolean watch;

    @Option(names = "--interval", paramLabel = "SECONDS", description = "With --watch: how often to poll when there are no"
            + " push notifications (default 30).")
    int interval = 30;

    @Option(names = "--rebind", description = "Sync a folder last synced with another account or endpoint with the"
            + " current one: its sync state is reset and its files compared afresh (nothing is deleted).")
    boolean rebind;

    @Option(names = "--links", description = "Keep symbolic links as links (like rsync -l): a link's target is synced as"
            + " it is, never followed, and a link to a folder is not walked into. The folder keeps doing so in later"
            + " syncs, until --no-links.")
    boolean links;

    @Option(names = "--no-links", description = "Skip symbolic links with a warning (the default), in this and later"
            + " syncs of the folder. Links already on the server are left there, never deleted for being missing here.")
    boolean noLinks;

    /** The links choice given, or null to keep the folder's. */
    Boolean linksChoice() {
        if (links && noLinks) {
            throw CliException.usage("--links and --no-links do not go together.");
        }
        return links ? Boolean.TRUE : noLinks ? Boolean.FALSE : null;
    }

    @Override
    public Integer call() throws IOException {
        if (rebind && dryRun) {
            throw CliException.usage("--rebind and --dry-run do not go together.");
        }
        if (!watch) {
            return SyncRunner.run(this, folder.dir, dryRun, force, full, maxDelete, rebind, exclude.patterns, linksChoice());
        }
        if (interval < 1 || dryRun) {
            throw CliException.usage(dryRun ? "--watch and --dry-run do not go together." : "--interval must be at least 1.");
        }
        Boolean choice = linksChoice();
        Once once = (f, r) -> SyncRunner.run(this, folder.dir, false, f, full, maxDelete, r, exclude.patterns, choice);
        Path root = local(folder.dir == null ? "." : folder.dir);
        SyncRunner.ensureFolder(cli(), root, false);
        Duration poll = Duration.ofSeconds(interval);
        Notifications n = notifications();
        Signals signals = Signals.standard();
        java.io.PrintStream err = cli().err;
        try (FolderWatcher files = new FolderWatcher(root, signals, m -> err.println("chunkvault: " + m));
             NotificationSocket socket = n.url() == null ? null : new NotificationSocket(URI.create(n.url()),
                     cli().client()::openSocket, cli().client()::refreshToken, Duration.ofSeconds(n.keepAliveSeconds()), signals,
                     m -> err.println("chunkvault: " + m))) {
            files.start();
            if (socket != null) {
                socket.start();
            }
            Duration catchUp = Duration.ofSeconds(n.catchUpSeconds());
            // Pushed and watched: a sync when something changes, and a catch-up and full scan every catchUp. Else a poll.
            // A notification alone, of changes this folder made itself (its own pushes are announced to it too), is
            // answered by a look at the feed, not a sync with a scan of the folder.
            Quiet ownOnly = () -> {
                try (dev.chunkvault.client.sync.StateStore st = dev.chunkvault.client.sync.StateStore.open(root)) {
                    return dev.chunkvault.client.sync.SyncEngine.nothingNewRemotely(cli().client(), st);
                }
            };
            return watch(once, force, rebind, () -> signals.await(socket != null && socket.connected() && files.complete()
                    ? catchUp : poll), ownOnly, poll, err);
        }
    }

    /** Where the service pushes notifications; none (polling) when it cannot say. */
    private Notifications notifications() {
        try {
            return cli().client().notifications();
        } catch (dev.chunkvault.client.ChunkvaultException e) {
            cli().err.println("chunkvault: no push notifications (" + Errors.classify(e).message() + "); polling every "
                    + interval + " s");
            return Notifications.none();
        }
    }

    /** Waits for the next reason to sync and returns the reasons. */
    @FunctionalInterface
    interface Waiter {
        java.util.Set<Wake> await() throws InterruptedException;
    }

    /** Whether the service holds nothing new for the folder (only what it knows: its own changes among them). */
    @FunctionalInterface
    interface Quiet {
        boolean nothingNew() throws IOException;
    }

    /** Syncs, then sleeps {@code interval}, until interrupted (see the other {@code watch}). */
    static int watch(Once once, boolean force, boolean rebind, Duration interval, dev.chunkvault.client.Sleeper sleeper,
                     java.io.PrintStream err) throws IOException {
        return watch(once, force, rebind, () -> {
            sleeper.sleep(interval);
            return java.util.EnumSet.of(Wake.TIMEOUT);
        }, () -> false, interval, err);
    }

    /**
     * Whether a wait that ended with {@code why} needs no sync: a notification alone, and a look at the feed finds nothing
     * the folder does not know. Anything else — a local change, a reconnect, the catch-up time — or a look that fails
     * is a sync.
     */
    static boolean onlyOwnChanges(java.util.Set<Wake> why, Quiet ownOnly) {
        if (!why.equals(java.util.EnumSet.of(Wake.REMOTE))) {
            return false;
        }
        try {
            return ownOnly.nothingNew();
        } catch (IOException | RuntimeException e) {
            return false; // the sync finds out, and says what is wrong
        }
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
    static int watch(Once once, boolean force, boolean rebind, Waiter waiter, Quiet ownOnly, Duration retry,
                     java.io.PrintStream err) throws IOException {
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
                err.println("chunkvault: " + Errors.classify(e).message() + " (retrying in " + retry.toSeconds()
                        + " s)");
            }
            try {
                while (!Thread.currentThread().isInterrupted() && onlyOwnChanges(waiter.await(), ownOnly)) {
                    // nothing to do: wait again
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return last;
    }
}
