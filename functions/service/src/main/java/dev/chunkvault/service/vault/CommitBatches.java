package dev.chunkvault.service.vault;

import java.util.List;

/**
 * {@code POST /v1/commit-batch} with the packs its commits use still to seal (docs/storage-model.md, "Packs"): a sync's
 * pack would otherwise cost a request of its own to seal. The batch is checked first, writing nothing
 * ({@link CommitService#checkBatch}); then the packs are sealed ({@link PackService#sealAll}: each read once and every
 * chunk hashed, the very code of {@code POST /v1/packs/seal}); only then are the commits prepared and written
 * ({@link CommitService#commitBatch}), so no commit can reference a chunk of a pack before the pack is verified — the
 * commits' reads start after the seals' writes. A pack that is refused (damaged, say) places nothing: a commit that
 * needs one of its chunks is refused as missing it, and the other commits go on as they would.
 */
public final class CommitBatches {
    /** The seals (in the order asked) and the commits' answers (in order). */
    public record Answer(List<PackService.SealItem> seals, List<CommitService.BatchItem> commits) {}

    private final PackService packs;
    private final CommitService commits;

    public CommitBatches(PackService packs, CommitService commits) {
        this.packs = packs;
        this.commits = commits;
    }

    /** Seals {@code seal} (pack ids, possibly none), then commits {@code requests}, all of {@code owner}. */
    public Answer commit(Owner owner, List<String> seal, List<CommitService.CommitRequest> requests) {
        commits.checkBatch(requests);
        if (requests.stream().anyMatch(r -> !r.owner().equals(owner))) {
            throw new IllegalArgumentException("a batch is one owner's");
        }
        // The rows the seals create are handed to the commits as written, not read back (BatchView).
        java.util.Map<dev.chunkvault.core.hash.ChunkId, dev.chunkvault.service.store.Item> created = new java.util.HashMap<>();
        List<PackService.SealItem> sealed = seal.isEmpty() ? List.of() : packs.sealAll(owner, seal, created);
        // A chunk a seal answers "send alone" (its verified bytes are stored elsewhere) was hashed in the caller's pack
        // just now: proof enough for this batch's commits, which need no upload of it alone.
        java.util.Set<dev.chunkvault.core.hash.ChunkId> proven = new java.util.HashSet<>();
        sealed.stream().filter(s -> s.sealed() != null).forEach(s -> s.sealed().uploads().forEach(u -> proven.add(u.id())));
        return new Answer(sealed, commits.commitBatch(requests, proven, created));
    }
}
