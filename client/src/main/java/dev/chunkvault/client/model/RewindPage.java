package dev.chunkvault.client.model;

import java.time.Instant;
import java.util.List;

/**
 * One page of a rewind ({@code POST /v1/rewind}): the changes it decided (a dry run: {@code PLANNED}) or made, the files it
 * looked at and found unchanged; continue with {@code cursor} while it is present.
 */
public record RewindPage(String folder, Instant to, boolean dryRun, List<Change> changes, int examined, int unchanged,
                         String cursor, Instant retainedSince) {
    public RewindPage {
        changes = changes == null ? List.of() : List.copyOf(changes);
    }

    /**
     * One file: {@code action} RESTORE, DELETE or UNDELETE (null when its state then is not known); {@code status}
     * PLANNED, DONE or SKIPPED with {@code reason} (STALE_PARENT: changed meanwhile; NOT_RETAINED: history gone).
     */
    public record Change(String path, String action, String status, String fromVersion, String toVersion,
                         String newVersion, String reason, String message) {
        public boolean skipped() {
            return "SKIPPED".equals(status);
        }
    }
}
