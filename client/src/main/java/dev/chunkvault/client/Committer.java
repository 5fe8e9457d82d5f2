package dev.chunkvault.client;

import dev.chunkvault.client.model.CommitResult;

/**
 * How a push sends its commit: {@link ChunkvaultClient#commit} one request at a time, or a {@link CommitBatcher}
 * that groups the commits of a sync's transfer threads. Whoever creates the pusher chooses; see
 * {@link CommitBatcher} for who owns a batcher.
 */
@FunctionalInterface
public interface Committer {
    /** Sends {@code c}; throws what {@link ChunkvaultClient#commit} would throw for it. */
    CommitResult commit(ChunkvaultClient.Commit c);
}
