package dev.chunkvault.aws;

import dev.chunkvault.service.TestClock;
import dev.chunkvault.service.vault.LargeCommitScenarios;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Large commits in slices (a time budget of zero: one slice per request, each answering COMMIT_IN_PROGRESS) on
 * DynamoDB Local and s3proxy through the real adapters; the same scenarios run on the in-memory fakes in
 * CommitServiceTest.
 */
class LargeCommitIT {
    private EmulatedBackend backend;

    private LargeCommitScenarios scenarios() {
        backend = new EmulatedBackend(List.of());
        return new LargeCommitScenarios(backend, new TestClock(Instant.now()));
    }

    @AfterEach
    void stop() {
        if (backend != null) {
            backend.close();
        }
    }

    @Test
    void aSlicedCommitGoesOnWhereItStopped() {
        scenarios().aSlicedCommitGoesOnWhereItStopped();
    }

    @Test
    void aChunkMissingFromALaterSliceIsListedAndTheCommitGoesOnOnceUploaded() {
        scenarios().aChunkMissingFromALaterSliceIsListedAndTheCommitGoesOnOnceUploaded();
    }

    @Test
    void aChunkMissingFromTheFirstSliceWritesNothing() {
        scenarios().aChunkMissingFromTheFirstSliceWritesNothing();
    }
}
