package dev.chunkvault.client;

import dev.chunkvault.client.model.CommitResult;
import dev.chunkvault.core.chunking.Chunk;
import dev.chunkvault.core.manifest.Manifest;
import java.io.IOException;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The commit stage of a push: sends a version's commit through the {@link Committer} it was given, at most once. The
 * commit's idempotency key is journaled before it is sent, so a re-run after a crash replays the same commit instead
 * of committing twice. The commit carries the packs of the file's chunks still to be sealed ({@link PackSeal}). A
 * commit answered "in progress" is sent again as it is; one answered with missing chunks (collected since they were
 * uploaded, never arrived, or in a pack whose seal asked for them alone or refused it) has exactly those sent again
 * ({@link ChunkUploader#resend}), round after round while the rounds make progress.
 */
final class VersionCommitter {
    /**
     * How many commit rounds in a row may report missing a chunk that the round before sent again, before the push
     * gives up: the service keeps refusing it (refused uploads, a collector racing every upload), so more would not help.
     */
    static final int MAX_STALLED_COMMIT_ROUNDS = 3;
    /**
     * How often a commit answered "in progress" (after the transport's own retries) is sent again: each answer means
     * a large version's pinning went on for one request's time budget, so this bounds a commit at roughly
     * {@value} × 7 × 20 s of service time.
     */
    static final int MAX_IN_PROGRESS_ROUNDS = 20;

    private final PushJournal journal;
    private final Committer committer;
    private final ChunkUploader uploader;

    VersionCommitter(PushJournal journal, Committer committer, ChunkUploader uploader) {
        this.journal = journal;
        this.committer = committer;
        this.uploader = uploader;
    }

    /**
     * Commits {@code commit} (its idempotency key is set here) of the file {@code from}, cut as {@code m}, to the path
     * whose fold key is {@code pathKey}.
     */
    CommitResult commit(PushSource from, String pathKey, Manifest m, ChunkvaultClient.Commit commit) throws IOException {
        String parent = commit.parentVersion();
        // The bit is part of what is committed: a key journaled for the other bit is another request's.
        String manifestHash = m.hash().hex() + (commit.executable() ? ":x" : "") + (commit.link() ? ":link" : "")
                + (commit.originalName() != null ? ":name:" + commit.originalName() : "");
        String key = journal.commitKey(pathKey, parent, manifestHash).orElse(null);
        if (key == null) {
            key = ChunkvaultClient.newIdempotencyKey();
            journal.recordCommitKey(pathKey, parent, manifestHash, key);
        }
        ChunkvaultClient.Commit c = commit.withIdempotencyKey(key);
        int inProgress = 0;
        // A large commit verifies a slice of its chunks at a time and lists the missing ones it had time to find, so a
        // version whose chunks were collected after they were uploaded can take a round per slice: go on as long as
        // each round makes progress (nothing sent again in the round before is still missing), up to a bound no
        // honest answer reaches (every progressing round names chunks of this file).
        Set<String> sentAgain = Set.of();
        int stalled = 0;
        int maxRounds = m.distinctIds().size() + MAX_STALLED_COMMIT_ROUNDS;
        for (int round = 1; ; ) {
            try {
                CommitResult result = committer.commit(c, from.unsealed().toCarry());
                journal.clearCommitKey(pathKey);
                return result;
            } catch (StaleParentException stale) {
                journal.clearCommitKey(pathKey);
                throw stale;
            } catch (ApiException e) {
                if ("COMMIT_IN_PROGRESS".equals(e.code()) && ++inProgress < MAX_IN_PROGRESS_ROUNDS) {
                    continue; // a large commit that needs more than one request's time: the same request goes on with it
                }
                if (!e.isMissingChunks()) {
                    throw e;
                }
                List<String> missing = e.missingChunks();
                Set<String> before = sentAgain;
                stalled = missing.stream().anyMatch(before::contains) ? stalled + 1 : 0;
                if (stalled >= MAX_STALLED_COMMIT_ROUNDS || ++round > maxRounds) {
                    throw e;
                }
                reuploadMissing(from, m, missing);
                sentAgain = new HashSet<>(missing);
            }
        }
    }

    /** The commit said these chunks are missing (collected, or never arrived): forget and send exactly them. */
    private void reuploadMissing(PushSource from, Manifest m, List<String> missing) throws IOException {
        Map<String, Chunk> need = new LinkedHashMap<>();
        Set<String> wanted = new HashSet<>(missing);
        for (int i = 0; i < m.chunkCount() && need.size() < wanted.size(); i++) {
            String hex = m.id(i).hex();
            if (wanted.contains(hex) && !need.containsKey(hex)) {
                need.put(hex, new Chunk(m.offset(i), m.size(i), m.id(i)));
            }
        }
        if (need.isEmpty()) {
            throw new BadResponseException("The service reported missing chunks that are not in this file.", null);
        }
        need.keySet().forEach(journal::forgetUploaded);
        uploader.resend(from, need.values());
    }
}
