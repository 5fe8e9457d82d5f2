package dev.chunkvault.client.model;

import java.util.List;

/** The reference-count audit's report; {@code fixed} counts repaired counters (with {@code fix=true}). */
public record AuditReport(long chunks, long edges, long holdings, long versions, long driftCount, List<Drift> drifts,
                          long fixed, boolean complete) {
    public AuditReport {
        drifts = drifts == null ? List.of() : List.copyOf(drifts);
    }

    public boolean clean() {
        return complete && driftCount == 0;
    }

    /** One counter that differs from its recount. */
    public record Drift(String kind, String chunk, String owner, String fileId, long stored, long expected) {}
}
