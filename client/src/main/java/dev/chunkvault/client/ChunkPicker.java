package dev.chunkvault.client;

import dev.chunkvault.core.hash.ChunkId;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;

/**
 * Decides which of one file's chunks a push sends: the first occurrence of each chunk that is neither in the version
 * it replaces nor journaled as uploaded within {@link #JOURNAL_TRUST}. A chunk left out for its journal entry is
 * counted as skipped; a repeat or a chunk of the parent is not counted.
 */
final class ChunkPicker {
    /** Journaled uploads older than this are not trusted (GC may collect unreferenced chunks after its grace). */
    static final Duration JOURNAL_TRUST = Duration.ofHours(12);

    private final PushJournal journal;
    private final Instant trustedSince;
    private final Set<ChunkId> inParent;
    private final PushCounters counters;
    private final Set<ChunkId> seen = new HashSet<>();

    /** @param now when the push started (uploads journaled {@link #JOURNAL_TRUST} before it are sent again) */
    ChunkPicker(PushJournal journal, Instant now, Set<ChunkId> inParent, PushCounters counters) {
        this.journal = journal;
        this.trustedSince = now.minus(JOURNAL_TRUST);
        this.inParent = inParent;
        this.counters = counters;
    }

    /** Whether the chunk {@code id}, met next in the file, is sent. */
    boolean pick(ChunkId id) {
        if (!seen.add(id) || inParent.contains(id)) {
            return false;
        }
        if (journal.uploadedAt(id.hex()).filter(t -> t.isAfter(trustedSince)).isPresent()) {
            counters.skipped.incrementAndGet();
            return false;
        }
        return true;
    }
}
