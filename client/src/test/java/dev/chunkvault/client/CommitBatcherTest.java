package dev.chunkvault.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.chunkvault.client.model.CommitResult;
import dev.chunkvault.core.manifest.Manifest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The batcher's sending rule (issue 15): a batch goes once half the registered transfer threads wait in it, so the
 * other half upload the next files meanwhile instead of every thread stopping for each batch's answer.
 */
class CommitBatcherTest {
    private static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    @Test
    @Timeout(120) // the linger is an hour: without the rule, the commits below would wait for it
    void aBatchGoesOnceHalfTheThreadsWaitInIt() throws Exception {
        try (FakeVault vault = new FakeVault();
             ChunkvaultClient client = TestFiles.client(vault.endpoint(), new TestFiles.RecordingSleeper())) {
            CommitBatcher batcher = new CommitBatcher(client, 100, Duration.ofHours(1));
            for (int i = 0; i < 8; i++) {
                batcher.enter(); // eight transfer threads; four of them keep uploading and never commit here
            }
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<CommitResult>> done = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    ChunkvaultClient.Commit c = new ChunkvaultClient.Commit("half/f" + i + ".txt", null,
                            Manifest.empty(FakeVault.PROFILE), null, 0, EMPTY_SHA256, 0L,
                            ChunkvaultClient.newIdempotencyKey());
                    done.add(pool.submit(() -> batcher.commit(c)));
                }
                for (Future<CommitResult> f : done) {
                    assertNotNull(f.get().version());
                }
            } finally {
                pool.shutdownNow();
            }
            assertEquals(1, vault.commitBatches.get(), "one batch");
            assertEquals(4, vault.commitsInBatches.get(), "of the four waiting");
            assertNotNull(vault.head("half/f3.txt"), "committed");
        }
    }
}
