package dev.chunkvault.client;

import java.time.Instant;
import java.util.Optional;

/**
 * What a push must remember across a crash so that a re-run sends no chunk twice and commits at most once:
 * chunks uploaded (with when), and the idempotency key of a commit that was about to be sent.
 *
 * <p>The server answers "have" only for chunks the owner already references in a committed version, so
 * without this journal a re-run after a kill would upload again every chunk of the unfinished commit.
 * Implementations must be thread-safe: uploads run in parallel. A journal also keeps the block signatures of the
 * chunks it saw go up ({@link SignatureCache}), so the next edit of one is sent as a delta without a round trip.
 */
public interface PushJournal extends SignatureCache {
    /** When {@code chunkId} was last uploaded by this client, if it was. */
    Optional<Instant> uploadedAt(String chunkId);

    void recordUploaded(String chunkId, int size, Instant at);

    /** Forget an upload (the server said it is missing, e.g. collected): it will be sent again. */
    void forgetUploaded(String chunkId);

    /** The key of a commit of {@code manifestHash} on {@code parent} to {@code pathKey} that may have been sent. */
    Optional<String> commitKey(String pathKey, String parent, String manifestHash);

    void recordCommitKey(String pathKey, String parent, String manifestHash, String key);

    void clearCommitKey(String pathKey);

    /** A journal that lives as long as the process. */
    static PushJournal inMemory() {
        return new InMemoryPushJournal();
    }
}
