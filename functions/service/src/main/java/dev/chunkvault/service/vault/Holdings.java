package dev.chunkvault.service.vault;

import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.service.store.Item;
import dev.chunkvault.service.store.ItemStore;
import dev.chunkvault.service.store.Key;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Which chunks an owner holds: those with a holding count of at least one (one per run edge). */
final class Holdings {
    private final ItemStore store;
    private final Parallel parallel;
    private final Retry retry;

    Holdings(ItemStore store, Parallel parallel, Retry retry) {
        this.store = store;
        this.parallel = parallel;
        this.retry = retry;
    }

    Set<ChunkId> held(Owner owner, List<ChunkId> chunks) {
        List<Key> keys = chunks.stream().distinct().map(c -> Refs.holding(owner, c)).toList();
        Set<ChunkId> held = new HashSet<>();
        for (Item i : BatchReads.getAll(store, parallel, retry, Tables.REFS, keys)) {
            if (i.numberOr(Refs.COUNT, 0) > 0) {
                held.add(Refs.chunkOf(i.string(Refs.REF)));
            }
        }
        return held;
    }

    /**
     * The chunks of {@code chunks} the owner holds, less those quarantined as damaged ({@link Quarantine}): a caller
     * is asked to upload those again rather than told "have", so any client that has the bytes heals the chunk. Only
     * the owner's own holdings are looked at, so the answer tells nothing about anyone else's.
     */
    Set<ChunkId> heldIntact(Owner owner, List<ChunkId> chunks) {
        Set<ChunkId> held = held(owner, chunks);
        if (held.isEmpty()) {
            return held;
        }
        for (Item i : BatchReads.getAll(store, parallel, retry, Tables.CHUNKS, held.stream().map(ChunkRow::key).toList())) {
            if (i.numberOr(ChunkRow.DAMAGED_AT, 0) > 0) {
                held.remove(ChunkId.parse(i.string(ChunkRow.ID)));
            }
        }
        return held;
    }
}
