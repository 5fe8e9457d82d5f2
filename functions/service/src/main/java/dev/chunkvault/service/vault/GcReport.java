package dev.chunkvault.service.vault;

/**
 * What one GC run did. {@code complete} is false when the run stopped at its time budget and left work
 * for the next one, and when it did not run at all ({@code skipped} says why). Marks and index entries count chunks and
 * packs alike; {@code packsDeleted} counts pack objects deleted (their bytes are in {@code bytesReclaimed}); {@code packsRepacked} the new
 * packs written by repacking mostly dead ones, and {@code chunksMoved} the chunk rows moved into them.
 */
public record GcReport(String runId, long token, String skipped, long versionsExpired, long filesPurged,
                       long pendingRolledBack, long chunksDecremented, long chunksMarked, long chunksSwept,
                       long bytesReclaimed, long orphanObjectsDeleted, long indexEntriesCleared, long packsDeleted,
                       long packsRepacked, long chunksMoved, boolean complete) {

    static GcReport skipped(String runId, String why) {
        return new GcReport(runId, -1, why, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, false);
    }
}
