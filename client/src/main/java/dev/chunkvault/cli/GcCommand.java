package dev.chunkvault.cli;

import dev.chunkvault.client.model.GcReport;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code chunkvault gc}: runs garbage collection steps until the run is complete (operators). */
@Command(mixinStandardHelpOptions = true, name = "gc", description = "Run garbage collection now (operators; needs the admin scope).")
final class GcCommand extends Subcommand {
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
        long repacked = steps.stream().mapToLong(GcReport::packsRepacked).sum();
        long moved = steps.stream().mapToLong(GcReport::chunksMoved).sum();
        boolean complete = last.complete();
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("steps", steps.size());
        j.put("complete", complete);
        j.put("versionsExpired", versions);
        j.put("filesPurged", purged);
        j.put("chunksSwept", swept);
        j.put("bytesReclaimed", bytes);
        j.put("packsRepacked", repacked);
        j.put("chunksMoved", moved);
        j.put("reports", steps);
        GcReport fin = last;
        cli().emit(j, o -> o.println("GC " + (complete ? "complete" : "stopped after " + steps.size() + " steps") + ": "
                + Human.plural(versions, "version") + " expired, " + Human.plural(purged, "file") + " purged, "
                + Human.plural(swept, "chunk") + " swept, " + Human.bytes(bytes) + " reclaimed"
                + (moved > 0 ? ", " + Human.plural(moved, "chunk") + " repacked into " + Human.plural(repacked, "pack") : "")
                + (fin.skipped() == null ? "." : " (" + fin.skipped() + ").")));
        return complete ? ExitCodes.OK : ExitCodes.ERROR;
    }
}
