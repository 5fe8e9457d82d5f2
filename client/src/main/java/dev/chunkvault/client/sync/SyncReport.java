package dev.chunkvault.client.sync;

import java.util.ArrayList;
import java.util.List;

/**
 * What one sync did (or, for a dry run, would do). Lists hold paths relative to the sync root; they are
 * synchronized, as files are transferred in parallel.
 */
public final class SyncReport {
    public final List<String> pushed = java.util.Collections.synchronizedList(new ArrayList<>());
    public final List<String> pulled = java.util.Collections.synchronizedList(new ArrayList<>());
    public final List<String> deletedLocal = java.util.Collections.synchronizedList(new ArrayList<>());
    public final List<String> deletedRemote = java.util.Collections.synchronizedList(new ArrayList<>());
    public final List<String> merged = java.util.Collections.synchronizedList(new ArrayList<>());
    /** For each merged file, where its local version from before the merge is kept (under .chunkvault/backups). */
    public final List<String> backups = java.util.Collections.synchronizedList(new ArrayList<>());
    /** Conflicted copies created (each uploaded too). */
    public final List<String> conflicts = java.util.Collections.synchronizedList(new ArrayList<>());
    /**
     * Files newly stored under a marked name on the server, {@code "local -> remote"}: their names differ from a sibling's
     * only by case or Unicode form (both keep their names here). Reported once, when the file is first synced.
     */
    public final List<String> caseMarked = java.util.Collections.synchronizedList(new ArrayList<>());
    /** Names that fold to one key (case / normalisation) that could not be kept apart, not synced. */
    public final List<List<String>> collisions = java.util.Collections.synchronizedList(new ArrayList<>());
    /** Deletions held back by the mass-delete safeguard. */
    public final List<String> refusedDeletes = java.util.Collections.synchronizedList(new ArrayList<>());
    /**
     * Files missing here and edited elsewhere, not downloaded because the mass-delete safeguard held back the sync's
     * deletions (the edits stay on the server).
     */
    public final List<String> heldDownloads = java.util.Collections.synchronizedList(new ArrayList<>());
    /** Why the mass-delete safeguard held changes back (how many tracked files are gone), or null. */
    public String heldBackBecause;
    /** Files not uploaded because the account is over its storage quota (also listed under errors). */
    public final List<String> notUploaded = java.util.Collections.synchronizedList(new ArrayList<>());
    /** When a commit was refused for the quota: the quota and the bytes used then, in bytes (else -1). */
    public long quota = -1;
    public long quotaUsed = -1;
    public final List<String> warnings = java.util.Collections.synchronizedList(new ArrayList<>());
    public final List<String> errors = java.util.Collections.synchronizedList(new ArrayList<>());
    /** For a dry run: the planned action of each path that is not in sync. */
    public final List<Planned> planned = java.util.Collections.synchronizedList(new ArrayList<>());
    public long bytesUploaded;
    public long bytesDownloaded;
    public long bytesReused;
    public boolean dryRun;
    /** The folder was bound to another account or endpoint and has been rebound to this one (its state reset). */
    public boolean rebound;
    public boolean fullListing;

    public synchronized void overQuota(long quota, long used) {
        this.quota = quota;
        this.quotaUsed = used;
    }

    public synchronized void addUploaded(long n) {
        bytesUploaded += n;
    }

    public synchronized void addDownloaded(long n) {
        bytesDownloaded += n;
    }

    public synchronized void addReused(long n) {
        bytesReused += n;
    }

    public record Planned(String path, String action) {}

    /** Whether nothing needed doing. */
    public boolean inSync() {
        return pushed.isEmpty() && pulled.isEmpty() && deletedLocal.isEmpty() && deletedRemote.isEmpty()
                && merged.isEmpty() && conflicts.isEmpty() && planned.isEmpty() && errors.isEmpty()
                && refusedDeletes.isEmpty() && heldDownloads.isEmpty();
    }
}
