package dev.chunkvault.service.vault;

import static dev.chunkvault.service.store.Condition.eq;

import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.service.store.Condition;
import dev.chunkvault.service.store.ConditionFailedException;
import dev.chunkvault.service.store.ItemStore;
import dev.chunkvault.service.store.Update;
import java.util.List;

/** Undoes versions that were written PENDING and never published (a lost head race, an abandoned commit). */
final class Unpublished {
    private final ItemStore store;
    private final ManifestStore manifests;
    private final RefOps refs;
    private final Retry retry;

    Unpublished(ItemStore store, ManifestStore manifests, RefOps refs, Retry retry) {
        this.store = store;
        this.manifests = manifests;
        this.refs = refs;
        this.retry = retry;
    }

    /**
     * Marks the version ABORTED first (so a late publish of it fails), removes its pins, deletes its manifest
     * object and then the version. Idempotent. {@code added} are the chunks it pinned, or null when unknown
     * (every chunk of its manifest is then tried; the ones it did not pin have no edge and are skipped).
     *
     * @return false if the version was published after all (nothing undone)
     */
    boolean rollback(VersionRow v, List<ChunkId> added) {
        try {
            retry.run(() -> store.update(Tables.VERSIONS, v.key(),
                    Update.update().set(VersionRow.STATE, VersionRow.State.ABORTED.name()),
                    Condition.in(VersionRow.STATE, VersionRow.State.PENDING.name(), VersionRow.State.ABORTED.name())));
        } catch (ConditionFailedException publishedOrGone) {
            return false;
        }
        // Without the list, try every chunk of its manifest; if even the manifest is gone, an earlier rollback
        // got past the unpinning already.
        List<ChunkId> chunks = added != null ? added
                : manifests.loadIfPresent(v).map(m -> List.copyOf(m.distinctIds())).orElse(List.of());
        refs.unpin(new Owner(v.owner()), v.fileId(),
                chunks.stream().map(c -> new RefOps.Unpin(c, v.versionId())).toList());
        manifests.delete(v);
        // Absent is fine: a retry after a lost answer finds its own delete done.
        retry.run(() -> store.delete(Tables.VERSIONS, v.key(), Condition.or(Condition.notExists(VersionRow.FILE_ID),
                eq(VersionRow.STATE, VersionRow.State.ABORTED.name()))));
        return true;
    }
}
