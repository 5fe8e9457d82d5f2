package dev.chunkvault.service.vault;

import dev.chunkvault.service.TestClock;
import dev.chunkvault.service.sim.Backend;
import org.junit.jupiter.api.Test;

/**
 * The model-based test of the commit and GC protocols on the in-memory fakes (issue "Storage API", tests 3 and
 * 4): 8 actors × 1,300 operations, without and with 10% injected store faults. See {@link StorageModel}; the same
 * model runs on DynamoDB Local + s3proxy in StorageModelIT.
 */
class StorageModelTest {
    @Test
    void protocolsKeepTheirInvariantsUnderRandomInterleavings() {
        long seed = Long.getLong("model.seed", 20261124L);
        TestClock clock = new TestClock();
        StorageModel.run(seed, 0.0, 8, 1300, Backend.inMemory(clock, seed % 2 == 0), clock, 25, 2000);
    }

    @Test
    void protocolsKeepTheirInvariantsUnderInjectedFaults() {
        long seed = Long.getLong("model.seed", 777L);
        TestClock clock = new TestClock();
        StorageModel.run(seed, 0.10, 8, 1300, Backend.inMemory(clock, seed % 2 == 0), clock, 25, 2000);
    }
}
