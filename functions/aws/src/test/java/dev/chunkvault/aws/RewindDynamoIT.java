package dev.chunkvault.aws;

import dev.chunkvault.service.TestClock;
import dev.chunkvault.service.vault.RewindScenarios;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Rewind on DynamoDB Local and s3proxy through the real adapters (the files table's key ranges, the versions searched
 * by seq with begins_with); the same scenario runs on the in-memory fakes in RewindServiceTest.
 */
class RewindDynamoIT {
    private EmulatedBackend backend;

    @AfterEach
    void stop() {
        if (backend != null) {
            backend.close();
        }
    }

    @Test
    void aFolderWithAHotFileComesBackAsItWas() {
        backend = new EmulatedBackend(List.of());
        new RewindScenarios(backend, new TestClock(Instant.now())).aFolderWithAHotFileComesBackAsItWas();
    }
}
