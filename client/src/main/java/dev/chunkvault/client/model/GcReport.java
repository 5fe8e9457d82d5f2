package dev.chunkvault.client.model;

/**
 * One GC step's report; {@code complete} false when the step stopped at its time budget. {@code packsRepacked} counts
 * the new packs written from mostly dead ones and {@code chunksMoved} the chunks moved into them (0 from services that
 * do not repack).
 */
public record GcReport(String runId, long token, String skipped, long versionsExpired, long filesPurged,
                       long pendingRolledBack, long chunksDecremented, long chunksMarked, long chunksSwept,
                       long bytesReclaimed, long orphanObjectsDeleted, long indexEntriesCleared, long packsDeleted,
                       long packsRepacked, long chunksMoved, boolean complete) {}
