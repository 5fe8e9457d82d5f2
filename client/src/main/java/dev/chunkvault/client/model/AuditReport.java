package dev.chunkvault.client.model;

import java.util.List;

/**
 * The reference-count audit's report. {@code driftCount} counts differences proven against counters that did not
 * change while they were audited; {@code inFlight} counts differences whose counters changed meanwhile (commits or
 * expiry at work: not judged, never fixed, settled by a later audit); {@code fixed} counts repaired counters (with
 * {@code fix=true}).
 */
public record AuditReport(long chunks, long edges, long holdings, long versions, long driftCount, List<Drift> drifts,
                          long fixed, boolean complete, long inFlight, List<Drift> inFlightSample, Content content) {
    public AuditReport {
        drifts = drifts == null ? List.of() : List.copyOf(drifts);
        inFlightSample = inFlightSample == null ? List.of() : List.copyOf(inFlightSample);
    }

    public boolean clean() {
        return complete && driftCount == 0;
    }

    /**
     * The quarantine and the content check: objects read and hashed, where the next call goes on ({@code next}, null at
     * the end), chunks still quarantined as damaged, marks lifted because the object is right again.
     */
    public record Content(long checked, long bytes, String from, String next, long quarantined, long healed) {}

    /** One counter that differs from its recount. */
    public record Drift(String kind, String chunk, String owner, String fileId, long stored, long expected) {}
}
