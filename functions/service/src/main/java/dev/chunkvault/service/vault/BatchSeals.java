package dev.chunkvault.service.vault;

import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.core.pack.PackFormat;
import dev.chunkvault.service.store.Item;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * What the seals of one commit batch hand its commits ({@link CommitBatches}; docs/storage-model.md, "Seal in a commit
 * batch"): the chunk rows the seals wrote, as written, and the rows they left to the commits to create.
 *
 * <p>A new chunk of a verified pack that one of the batch's small commits adds would otherwise be written twice in a
 * row: by the seal (a PENDING row at its range, in the GC index) and by the commit (its references, LIVE, out of the
 * index). The seal leaves such a row to the commit's group ({@link CommitGroups}), which creates it LIVE with its
 * references and the pack's live count in the one transaction that writes the commits; the pack is SEALED first, as
 * always, so no commit references a chunk of a pack not verified. Every deferred row that no group created (a group
 * cancelled, a commit refused, the same request sent again) is placed by the seal's own code before any commit of the
 * batch runs alone ({@link PackService#placeDeferred}), so the seal's answer holds whatever the commits did.
 */
final class BatchSeals {
    /** A row a seal left to the commits: its pack and entry, and the row as the seal would have written it. */
    record Deferral(String packId, PackFormat.Entry entry, Item row) {}

    /** The chunks the seals may leave to the commits: those only the batch's sure-small commits add. */
    final Set<ChunkId> deferrable;
    /** Rows the seals created, as written. */
    final Map<ChunkId, Item> created = new HashMap<>();
    /** Rows the seals left to the commits, in the order met. */
    final Map<ChunkId, Deferral> deferred = new LinkedHashMap<>();
    /** The packs sealed with rows left to the commits. */
    final Map<String, PackRow> packs = new HashMap<>();

    BatchSeals(Set<ChunkId> deferrable) {
        this.deferrable = Set.copyOf(deferrable);
    }

    /** No seals: nothing known, nothing deferred. */
    static BatchSeals none() {
        return new BatchSeals(Set.of());
    }

    /** The rows the commits are to create, as a seal would have written them (PENDING, at their ranges). */
    Map<ChunkId, Item> toCreate() {
        Map<ChunkId, Item> out = new HashMap<>();
        deferred.forEach((c, d) -> out.put(c, d.row()));
        return out;
    }

    /** The row a commit group creates for a deferred chunk: LIVE with {@code refs} references, out of the GC index. */
    static Item live(Item pending, long refs) {
        return pending.toBuilder().set(ChunkRow.STATE, ChunkRow.State.LIVE.name()).set(ChunkRow.REFS, refs)
                .set(ChunkRow.REFS_SEQ, 1L).remove(ChunkRow.GC_SHARD).remove(ChunkRow.GC_AT).build();
    }
}
