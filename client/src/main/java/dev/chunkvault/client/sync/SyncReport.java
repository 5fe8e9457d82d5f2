package dev.chunkvault.client.sync;

import java.util.ArrayList;
import java.util.List;

/** What one sync did (or, for a dry run, would do). Lists hold paths relative to the sync root. */
public final class SyncReport {
    public final List<String> pushed = new ArrayList<>();
    public final List<String> pulled = new ArrayList<>();
    public final List<String> deletedLocal = new ArrayList<>();
    public final List<String> deletedRemote = new ArrayList<>();
    public final List<String> merged = new ArrayList<>();
    /** Conflicted copies created (each uploaded too). */
    public final List<String> conflicts = new ArrayList<>();
    /** Names that fold to one key (case / normalisation), not synced. */
    public final List<List<String>> collisions = new ArrayList<>();
    /** Deletions held back by the mass-delete safeguard. */
    public final List<String> refusedDeletes = new ArrayList<>();
    public final List<String> warnings = new ArrayList<>();
    public final List<String> errors = new ArrayList<>();
    /** For a dry run: the planned action of each path that is not in sync. */
    public final List<Planned> planned = new ArrayList<>();
    public long bytesUploaded;
    public long bytesDownloaded;
    public long bytesReused;
    public boolean dryRun;
    public boolean fullListing;

    public record Planned(String path, String action) {}

    /** Whether nothing needed doing. */
    public boolean inSync() {
        return pushed.isEmpty() && pulled.isEmpty() && deletedLocal.isEmpty() && deletedRemote.isEmpty()
                && merged.isEmpty() && conflicts.isEmpty() && planned.isEmpty() && errors.isEmpty()
                && refusedDeletes.isEmpty();
    }
}
