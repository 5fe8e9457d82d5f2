package dev.chunkvault.service.vault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.service.sim.FakeClient;
import dev.chunkvault.service.sim.FakeClient.Content;
import dev.chunkvault.service.sim.TestVault;
import dev.chunkvault.service.store.ItemStore;
import dev.chunkvault.service.store.TxAction;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** The change feed never skips a commit, however long the commit takes. */
class ChangeFeedTest {
    /**
     * A large commit pins its chunks in many transactions; here each takes a simulated minute, and another device
     * polls the feed in the middle (its cursor moves on to "now − settle"). After the publish, polling from that
     * cursor must show the file: its change key is the publish time, not the time the commit began.
     */
    @Test
    void aDevicePollingDuringALongCommitStillSeesIt() {
        AtomicReference<TestVault> vault = new AtomicReference<>();
        AtomicReference<String> midCursor = new AtomicReference<>();
        List<Integer> seenMid = new ArrayList<>();
        Owner[] owner = new Owner[1];
        UnaryOperator<ItemStore> slowPins = inner -> new GcOrphansTest.Delegating(inner) {
            private int transactions;

            @Override
            public void transact(List<TxAction> actions) {
                super.transact(actions);
                TestVault v = vault.get();
                if (v != null && owner[0] != null && ++transactions == 1) {
                    v.clock.advance(Duration.ofMinutes(5));
                    String start = v.reads.list(owner[0], "", true, false, null, 10).changeCursor();
                    ReadService.Changes mid = v.reads.changes(owner[0], start, 100);
                    seenMid.add(mid.changes().size());
                    midCursor.set(mid.cursor());
                }
            }
        };
        TestVault v = new TestVault(Settings.DEFAULTS.withParallelism(1).withSmallCommitChunks(2), true, slowPins,
                UnaryOperator.identity(), Retry.immediate(3));
        FakeClient alice = new FakeClient(v, "alice");
        Random random = new Random(3);
        List<byte[]> chunks = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            byte[] b = new byte[500];
            random.nextBytes(b);
            chunks.add(b);
        }
        Content content = new Content(chunks);
        alice.upload(content);
        owner[0] = alice.owner;
        vault.set(v);
        CommitService.CommitResult r = alice.commit("big/file.bin", null, content, "feed-key-0001");
        assertTrue(r.large(), "the commit took the large path (pinned in batches)");
        assertEquals(List.of(0), seenMid, "mid-commit the file is not visible yet");
        v.clock.advance(ReadService.CHANGE_SETTLE.plusSeconds(1));
        ReadService.Changes after = v.reads.changes(alice.owner, midCursor.get(), 100);
        assertEquals(List.of("big/file.bin"), after.changes().stream().map(ReadService.FileEntry::path).toList(),
                "the change shows up after the cursor a device got while the commit ran");
    }
}
