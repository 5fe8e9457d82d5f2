package dev.chunkvault.service.vault;

import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.service.store.Item;
import dev.chunkvault.service.store.Key;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What a commit batch read for all its commits at once (issue 15): the file rows, the versions each commit looks for
 * (its parent, and its own, for a replay, where it may exist), the owner's usage item, and the holdings and chunk rows of
 * the chunks its commits may add (a full manifest's, a delta's added entries), with the rows of the packs those chunks
 * are in — a few batched reads instead of five or six round trips per commit.
 *
 * <p>These are the same strongly consistent reads each commit would make on its own, made a little earlier. Nothing a
 * commit decides from them is written without the conditions it carries alone (the version's absence, the head CAS,
 * the chunk row's incarnation and state, the quota), so a view that has gone stale can only make a transaction fail,
 * never write a wrong one; a commit that loses such a race reads again for itself ({@link CommitService} drops the
 * view after the first attempt). A key the view did not read is read as usual. Built before the lanes start and only
 * read by them.
 *
 * <p>Three kinds of entry are known rather than read, on the same footing (a wrong one only cancels a transaction):
 * a small commit's own version where the file row shows it cannot have been written (no row, or a head older than
 * it), as absent; a chunk row the same request's seal has just created, as written; and that chunk as not held by the
 * owner, since no edge can name a chunk that had no row (held or not, a chunk proven by its pack is pinned the same
 * way). On a first sync these were half the batch's reads (docs/perf-many-files.md).
 */
final class BatchView {
    private final Map<Key, Optional<Item>> files = new HashMap<>();
    private final Map<Key, Optional<Item>> versions = new HashMap<>();
    private final Map<ChunkId, Boolean> held = new HashMap<>();
    private final Map<ChunkId, Optional<Item>> chunks = new HashMap<>();
    private final Map<String, Optional<Item>> packs = new HashMap<>();
    private Optional<Item> usage;
    private final boolean rowsToCreate;

    BatchView() {
        this(false);
    }

    /** {@code rowsToCreate}: some chunk rows of the view are still to be created by the batch's groups. */
    BatchView(boolean rowsToCreate) {
        this.rowsToCreate = rowsToCreate;
    }

    /** Whether some chunk rows of the view are still to be created by the batch's groups ({@link BatchSeals}). */
    boolean rowsToCreate() {
        return rowsToCreate;
    }

    void pack(String packId, Optional<Item> item) {
        packs.put(packId, item);
    }

    /** The pack row as read, or null when the view did not read it. */
    Optional<Item> pack(String packId) {
        return packs.get(packId);
    }

    void file(Key key, Optional<Item> item) {
        files.put(key, item);
    }

    void version(Key key, Optional<Item> item) {
        versions.put(key, item);
    }

    void held(ChunkId chunk, boolean isHeld) {
        held.put(chunk, isHeld);
    }

    void chunk(ChunkId chunk, Optional<Item> item) {
        chunks.put(chunk, item);
    }

    void usage(Optional<Item> item) {
        usage = item;
    }

    /** The file row as read, or null when the view did not read that key. */
    Optional<Item> file(Key key) {
        return files.get(key);
    }

    /** The version as read, or null when the view did not read that key. */
    Optional<Item> version(Key key) {
        return versions.get(key);
    }

    /** Whether the owner held the chunk, or null when the view did not read it. */
    Boolean held(ChunkId chunk) {
        return held.get(chunk);
    }

    /** The chunk row as read, or null when the view did not read it. */
    Optional<Item> chunk(ChunkId chunk) {
        return chunks.get(chunk);
    }

    /** The owner's usage item as read, or null. */
    Optional<Item> usage() {
        return usage;
    }
}
