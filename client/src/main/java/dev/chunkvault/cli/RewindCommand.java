package dev.chunkvault.cli;

import dev.chunkvault.client.BadResponseException;
import dev.chunkvault.client.ChunkvaultClient;
import dev.chunkvault.client.model.RewindPage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code chunkvault rewind}: a remote folder back to how it was at a time, as new versions (nothing is lost). The service
 * works a page at a time; this loops over the pages and prints each change as it comes.
 */
@Command(mixinStandardHelpOptions = true, name = "rewind", description = "Put a remote folder back as it was at a time:"
        + " files changed since are restored, files deleted since come back, files created since are deleted, all as new"
        + " versions (nothing is lost). A file changed while the rewind runs is skipped, never overwritten.")
final class RewindCommand extends Subcommand {
    @Parameters(paramLabel = "FOLDER", description = "Remote folder, or a folder in a sync folder; / for the root.")
    String folder;

    @Option(names = "--to", required = true, paramLabel = "TIME", description = "2026-12-01T10:00:00Z, a local date-time"
            + " or date (2026-12-01T10:00, 2026-12-01), or a time ago (30m, 2h, 3d, 1w).")
    String time;

    @Option(names = "--dry-run", description = "Show what would change, change nothing.")
    boolean dryRun;

    /** Changes per request (the service allows 1..100). */
    private static final int PAGE_SIZE = 100;

    @Override
    public Integer call() {
        String remote = remoteFolder(folder);
        Instant at = Instant.now();
        Instant to = TimeArgument.parse(time, at, ZoneId.systemDefault());
        if (to.isAfter(at)) {
            throw CliException.usage("--to " + time + " is in the future (" + to + ").");
        }
        String key = dryRun ? null : ChunkvaultClient.newIdempotencyKey();
        List<RewindPage.Change> changes = new ArrayList<>();
        Map<String, Integer> counts = new LinkedHashMap<>();
        int unchanged = 0;
        int examined = 0;
        Instant retainedSince = null;
        String cursor = null;
        do {
            RewindPage page = cli().client().rewind(remote, to, dryRun, key, cursor, PAGE_SIZE);
            for (RewindPage.Change c : page.changes()) {
                changes.add(c);
                counts.merge(kind(c), 1, Integer::sum);
                if (!cli().json && (!cli().quiet || c.skipped())) {
                    cli().out.println(line(c));
                }
            }
            unchanged += page.unchanged();
            examined += page.examined();
            retainedSince = page.retainedSince();
            if (page.cursor() != null && page.cursor().equals(cursor)) {
                throw new BadResponseException("The server repeated a rewind cursor.", null);
            }
            cursor = page.cursor();
        } while (cursor != null);
        int skipped = counts.getOrDefault("skipped", 0);
        Map<String, Object> summary = new LinkedHashMap<>();
        for (String k : List.of("restored", "deleted", "broughtBack", "skipped")) {
            summary.put(k, counts.getOrDefault(k, 0));
        }
        summary.put("unchanged", unchanged);
        summary.put("examined", examined);
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("folder", remote);
        j.put("to", to.toString());
        j.put("dryRun", dryRun);
        j.put("changes", changes);
        j.put("summary", summary);
        Instant kept = retainedSince;
        cli().emit(j, o -> {
            String where = (remote.isEmpty() ? "/" : remote) + " to " + to;
            o.println(dryRun ? "Dry run, nothing changed. Rewinding " + where + " would restore " + summary.get("restored")
                    + ", delete " + summary.get("deleted") + " and bring back " + summary.get("broughtBack") + "; "
                    + skipped + " skipped, " + summary.get("unchanged") + " unchanged."
                    : "Rewound " + where + ": " + summary.get("restored") + " restored, " + summary.get("deleted")
                    + " deleted, " + summary.get("broughtBack") + " brought back, " + skipped + " skipped, "
                    + summary.get("unchanged") + " unchanged.");
            if (kept != null && changes.stream().anyMatch(c -> "NOT_RETAINED".equals(c.reason()))) {
                o.println("History is kept since " + kept + " (the retention period): files whose state then is no"
                        + " longer known were left as they are.");
            }
            if (!dryRun && summary.values().stream().limit(3).anyMatch(n -> (Integer) n > 0)) {
                o.println("Run `chunkvault sync` to update local copies.");
            }
        });
        return skipped > 0 ? ExitCodes.CONFLICTS : ExitCodes.OK;
    }

    /** The remote folder an argument names: "/" the root; a sync folder itself its root; else as {@code remotePath}. */
    private String remoteFolder(String arg) {
        String a = arg.strip();
        while (a.length() > 1 && a.endsWith("/")) {
            a = a.substring(0, a.length() - 1);
        }
        if (a.equals("/") || a.isEmpty()) {
            return "";
        }
        Path p = local(a);
        if (Files.isDirectory(p) && p.equals(CliContext.syncFolderOf(p))) {
            return "";
        }
        return remotePath(a);
    }

    private static String kind(RewindPage.Change c) {
        if (c.skipped()) {
            return "skipped";
        }
        return switch (String.valueOf(c.action())) {
            case "RESTORE" -> "restored";
            case "DELETE" -> "deleted";
            case "UNDELETE" -> "broughtBack";
            default -> "other";
        };
    }

    private String line(RewindPage.Change c) {
        if (c.skipped()) {
            String why = "NOT_RETAINED".equals(c.reason()) ? "its history at that time is no longer kept"
                    : "STALE_PARENT".equals(c.reason()) ? "it changed while rewinding; run the rewind again to include it"
                    : c.message() + " [" + c.reason() + "]";
            return String.format("%-14s%s  (%s)", "skipped", c.path(), why);
        }
        String verb = switch (String.valueOf(c.action())) {
            case "RESTORE" -> dryRun ? "would restore" : "restored";
            case "DELETE" -> dryRun ? "would delete" : "deleted";
            case "UNDELETE" -> dryRun ? "would bring back" : "brought back";
            default -> String.valueOf(c.action()).toLowerCase(java.util.Locale.ROOT);
        };
        return String.format("%-17s %s%s", verb, c.path(), c.toVersion() == null ? "" : "  (version " + c.toVersion() + ")");
    }
}
