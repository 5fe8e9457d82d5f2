package dev.chunkvault.client.model;

/** One GC step's report; {@code complete} false when the step stopped at its time budget. */
public record GcReport(String runId, long token, String skipped, long versionsExpired, long filesPurged,
                       long pendingRolledBack, long chunksDecremented, long chunksMarked, long chunksSwept,
                       long bytesReclaimed, long orphanObjectsDeleted, long indexEntriesCleared, boolean complete) {}
