package dev.chunkvault.cli;

import dev.chunkvault.client.model.Usage;
import picocli.CommandLine.Command;

/** {@code chunkvault usage}: what counts toward the account's quota, and the rest. */
@Command(mixinStandardHelpOptions = true, name = "usage", description = {"Your storage: what counts toward"
        + " your quota, and the rest.",
        "  The quota limits the current versions of your files; earlier versions and deleted files kept for"
                + " restoring do not count."})
final class UsageCommand extends Subcommand {
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
            o.println("Stored after dedup: " + Human.bytes(u.storedBytes())
                    + (u.storedCompressedBytes() == null ? "" : ", " + Human.bytes(u.storedCompressedBytes())
                    + " as stored (compressed)") + " (as of " + Human.time(u.storedBytesAt()) + ").");
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
