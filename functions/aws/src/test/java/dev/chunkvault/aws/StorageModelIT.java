package dev.chunkvault.aws;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.service.TestClock;
import dev.chunkvault.service.vault.StorageModel;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The model-based test of the commit and GC protocols (see StorageModel) on DynamoDB Local and s3proxy through the
 * real adapters: 8 actors × 125 operations (1,000), checked after every one; then 8 × 60 with 10% of SDK calls
 * failing (an error before sending, a success whose response is lost, throttling, TransactionConflict — which
 * DynamoDB Local never raises by itself) injected by {@link FaultInjector}. The long runs (10,400 operations, with
 * and without faults) are StorageModelTest's, on the in-memory fakes.
 */
class StorageModelIT {
    @Test
    void protocolsKeepTheirInvariantsOnDynamoDbLocalAndS3Proxy() {
        try (EmulatedBackend backend = new EmulatedBackend(List.of())) {
            TestClock clock = new TestClock(Instant.now());
            StorageModel.run(Long.getLong("model.seed", 4242L), 0.0, 8, 125, backend, clock, 50, 200);
        }
    }

    @Test
    void protocolsKeepTheirInvariantsWithTenPercentSdkFaults() {
        FaultInjector faults = new FaultInjector(0.10, 99L, EnumSet.allOf(FaultInjector.Kind.class));
        try (EmulatedBackend backend = new EmulatedBackend(List.of(faults))) {
            TestClock clock = new TestClock(Instant.now());
            StorageModel.run(Long.getLong("model.seed", 4243L), 0.0, 8, 60, backend, clock, 50, 200);
        }
        assertTrue(faults.injected() > 50, "faults injected: " + faults.injected());
    }
}
