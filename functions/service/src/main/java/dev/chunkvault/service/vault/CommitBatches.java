package dev.chunkvault.service.vault;

import java.util.List;

/**
 * {@code POST /v1/commit-batch} with the packs its commits use still to seal (docs/storage-model.md, "Packs"): a sync's
 * pack would otherwise cost a request of its own to seal. The batch is checked first, writing nothing
 * ({@link CommitService#checkBatch}); then the packs are sealed ({@link PackService#sealAll}: each read once and every
 * chunk hashed, the very code of {@code POST /v1/packs/seal}); only then are the commits prepared and written
 * ({@link CommitService#commitBatch}), so no commit can reference a chunk of a pack before the pack is verified — the
 * commits' reads start after the seals' writes. A pack that is refused (damaged, say) places nothing: a commit that
 * needs one of its chunks is refused as missing it, and the other commits go on as they would. The new rows of chunks
 * only the batch's small commits add are left by the seals to the groups that write those commits, and placed by the
 * seal's code after the groups where no group created them ({@link BatchSeals}).
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
        // The rows the seals create are handed to the commits as written, not read back, and the new rows of chunks
        // only the batch's small commits add are left to the groups that write those commits (BatchSeals).
        BatchSeals seals = new BatchSeals(seal.isEmpty() ? java.util.Set.of() : commits.deferrable(requests));
        List<PackService.SealItem> sealed = seal.isEmpty() ? List.of() : packs.sealAll(owner, seal, seals);
        // A chunk a seal answers "send alone" (its verified bytes are stored elsewhere) was hashed in the caller's pack
        // just now: proof enough for this batch's commits, which need no upload of it alone.
        java.util.Set<dev.chunkvault.core.hash.ChunkId> proven = new java.util.HashSet<>();
        sealed.stream().filter(s -> s.sealed() != null).forEach(s -> s.sealed().uploads().forEach(u -> proven.add(u.id())));
        java.util.Map<String, PackService.Sealed> rest = new java.util.HashMap<>();
        List<CommitService.BatchItem> answers = commits.commitBatch(requests, proven, seals,
                created -> rest.putAll(packs.placeDeferred(owner, seals, created)));
        return new Answer(sealed.stream().map(s -> withRest(s, rest.get(s.packId()))).toList(), answers);
    }

    /**
     * A seal's answer once the rows it left to the commits that none created are placed: those were counted placed,
     * and are now what their placement answered.
     */
    private static PackService.SealItem withRest(PackService.SealItem item, PackService.Sealed rest) {
        if (rest == null || item.sealed() == null) {
            return item;
        }
        PackService.Sealed s = item.sealed();
        int left = rest.placed() + rest.uploads().size() + rest.retry().size();
        List<UploadService.Upload> uploads = new java.util.ArrayList<>(s.uploads());
        uploads.addAll(rest.uploads());
        List<UploadService.Later> retry = new java.util.ArrayList<>(s.retry());
        retry.addAll(rest.retry());
        return new PackService.SealItem(item.packId(), new PackService.Sealed(s.packId(), s.placed() - left + rest.placed(),
                uploads, retry, s.verifyNanos(), s.verifiedBytes()), null);
    }
}
