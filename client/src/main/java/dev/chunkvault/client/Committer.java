package dev.chunkvault.client;

import dev.chunkvault.client.model.CommitResult;
import java.util.Collection;

/**
 * How a push sends its commit: {@link ChunkvaultClient#commit} one request at a time, or a {@link CommitBatcher}
 * that groups the commits of a sync's transfer threads. Whoever creates the pusher chooses; see
 * {@link CommitBatcher} for who owns a batcher.
 */
@FunctionalInterface
public interface Committer {
    /** Sends {@code c}; throws what {@link ChunkvaultClient#commit} would throw for it. */
    CommitResult commit(ChunkvaultClient.Commit c);

    /**
     * Sends {@code c}, whose chunks include some in {@code seals}, packs still to be sealed: they are sealed first (a
     * refused pack is recorded in its {@link PackSeal}, and the commit then misses its chunks). Here each by its own
     * request; a {@link CommitBatcher} carries them in the batch.
     */
    default CommitResult commit(ChunkvaultClient.Commit c, Collection<PackSeal> seals) {
        PackSeal.sealEachAlone(seals);
        return commit(c);
    }
}
