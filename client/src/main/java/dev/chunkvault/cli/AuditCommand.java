package dev.chunkvault.cli;

import dev.chunkvault.client.model.AuditReport;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code chunkvault audit}: recounts references and reports drift (operators). */
@Command(mixinStandardHelpOptions = true, name = "audit", description = "Recount references and usage, report drift (operators; needs the admin scope).")
final class AuditCommand extends Subcommand {
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
