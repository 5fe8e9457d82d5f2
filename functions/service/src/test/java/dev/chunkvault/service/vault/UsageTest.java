package dev.chunkvault.service.vault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.service.sim.FakeClient;
import dev.chunkvault.service.sim.FakeClient.Content;
import dev.chunkvault.service.sim.TestVault;
import dev.chunkvault.service.store.Condition;
import dev.chunkvault.service.store.ItemStore;
import dev.chunkvault.service.store.TransientStoreException;
import dev.chunkvault.service.store.TxAction;
import java.util.List;
import java.util.Random;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Usage counters (docs/storage-model.md, "Usage and quotas") on the in-memory fakes: every commit, deletion, restore,
 * large commit and GC expiry moves the owner's counters in its own transaction, exactly once however often it is
 * retried; the audit recounts them, proves drift by the usage item's stamp, rebuilds a store that never had them, and
 * measures the bytes after dedup.
 */
class UsageTest {
    private final Random random = new Random(4711);

    private Content content(int chunks, int size) {
        return Content.random(random, chunks, size);
    }

    static Usage.Counters counters(TestVault v, FakeClient c) {
        return Usage.Row.from(v.items.get(Tables.CONTROL, Usage.key(c.owner))).counters();
    }

    static void assertRecountClean(TestVault v) {
        AuditService.AuditReport r = v.audit.audit(false, false, () -> true);
        assertTrue(r.clean(), "the counters equal their recount: " + r.drifts());
    }

    /** A store that loses the answer of the first transaction {@code which} selects, after applying it. */
    static final class LosesAnswer extends GcOrphansTest.Delegating {
        private final ItemStore inner;
        private Predicate<List<TxAction>> which = a -> false;
        int lost;

        LosesAnswer(ItemStore inner) {
            super(inner);
            this.inner = inner;
        }

        void once(Predicate<List<TxAction>> p) {
            which = p;
        }

        @Override
        public void transact(List<TxAction> actions) {
            inner.transact(actions);
            if (which.test(actions)) {
                which = a -> false;
                lost++;
                throw new TransientStoreException(TransientStoreException.Kind.UNAVAILABLE, "answer lost", null);
            }
        }
    }

    static boolean touchesUsage(List<TxAction> actions) {
        return actions.stream().anyMatch(a -> a.table().equals(Tables.CONTROL));
    }

    @Test
    void countersFollowCommitsDeletesRestoresLargeCommitsAndExpiry() {
        // Commits adding more than 2 chunks take the large path (pinned first, then published).
        TestVault v = new TestVault(Settings.DEFAULTS.withParallelism(1).withSmallCommitChunks(2));
        FakeClient alice = new FakeClient(v, "alice");
        FakeClient bob = new FakeClient(v, "bob");
        Content a1 = content(3, 1000);
        Content a2 = new Content(List.of(a1.chunks().get(0), content(1, 500).chunks().get(0)));
        Content b1 = content(1, 700);
        alice.upload(a1);
        String va1 = alice.commit("a.bin", null, a1, "usage-a-1").version().versionId();
        assertTrue(alice.commit("a.bin", null, a1, "usage-a-1").outcome() == CommitService.Outcome.REPLAYED);
        assertEquals(new Usage.Counters(3000, 1, 1, 0), counters(v, alice), "a large commit counts at publish");
        alice.upload(a2);
        alice.commit("a.bin", va1, a2, "usage-a-2");
        alice.upload(b1);
        String vb1 = alice.commit("b.bin", null, b1, "usage-b-1").version().versionId();
        assertEquals(new Usage.Counters(1500 + 700, 2, 3, 3000), counters(v, alice));

        String tomb = alice.delete("b.bin", vb1, "usage-b-del").version().versionId();
        assertEquals(new Usage.Counters(1500, 1, 3, 3700), counters(v, alice), "a deletion moves its file to the history");
        assertEquals(CommitService.Outcome.UNCHANGED, alice.delete("b.bin", tomb, "usage-b-del-2").outcome());
        alice.restore("b.bin", vb1, "usage-b-restore");
        assertEquals(new Usage.Counters(2200, 2, 4, 3700), counters(v, alice), "a restore is a new version with content");
        alice.restore("a.bin", va1, "usage-a-restore"); // a1's 2 chunks that a2 lacks: a small commit
        assertEquals(new Usage.Counters(3700, 2, 5, 5200), counters(v, alice));
        assertEquals(Usage.Counters.ZERO, counters(v, bob), "nobody else's usage moves");
        assertRecountClean(v);

        UsageService.UsageView shown = v.usage.usage(alice.owner);
        assertEquals(3700, shown.logicalBytes());
        assertEquals(2, shown.files());
        assertEquals(5, shown.versions());
        assertEquals(5200, shown.historyBytes());
        assertNull(shown.quota(), "no default quota in these settings: unlimited");
        assertNull(shown.storedBytes(), "not measured before an audit");
        assertNull(shown.storedCompressedBytes());

        // Past retention GC removes the history: a1, a2, b1 and the deletion; the heads stay.
        v.clock.advance(v.settings.retention().plusHours(1));
        v.gc.run("usage-gc-1", () -> true);
        assertEquals(new Usage.Counters(3700, 2, 2, 0), counters(v, alice));
        assertRecountClean(v);

        // A deleted file is purged after retention: its last version goes with it, nothing else moves.
        String headA = v.reads.file(alice.owner, "a.bin", false).version();
        alice.delete("a.bin", headA, "usage-a-del");
        assertEquals(new Usage.Counters(700, 1, 2, 3000), counters(v, alice));
        v.clock.advance(v.settings.retention().plusHours(1));
        v.gc.run("usage-gc-2", () -> true);
        assertEquals(new Usage.Counters(700, 1, 1, 0), counters(v, alice));
        assertRecountClean(v);
    }

    @Test
    void aCommitWhoseAnswerIsLostCountsOnce() {
        LosesAnswer[] store = new LosesAnswer[1];
        TestVault v = new TestVault(Settings.DEFAULTS.withParallelism(1), true,
                items -> store[0] = new LosesAnswer(items), UnaryOperator.identity(), Retry.immediate(3));
        FakeClient alice = new FakeClient(v, "alice");
        Content c = content(2, 800);
        alice.upload(c);
        store[0].once(UsageTest::touchesUsage);
        CommitService.CommitResult r = alice.commit("a.bin", null, c, "lost-answer-1");
        assertEquals(1, store[0].lost);
        assertEquals(CommitService.Outcome.REPLAYED, r.outcome(), "the retry found its own version");
        assertEquals(new Usage.Counters(1600, 1, 1, 0), counters(v, alice));
        alice.commit("a.bin", null, c, "lost-answer-1");
        assertEquals(new Usage.Counters(1600, 1, 1, 0), counters(v, alice), "a replay writes nothing");
        assertRecountClean(v);
    }

    @Test
    void anExpiryWhoseAnswerIsLostDecrementsOnce() {
        LosesAnswer[] store = new LosesAnswer[1];
        TestVault v = new TestVault(Settings.DEFAULTS.withParallelism(1), true,
                items -> store[0] = new LosesAnswer(items), UnaryOperator.identity(), Retry.immediate(3));
        FakeClient alice = new FakeClient(v, "alice");
        Content c1 = content(2, 800);
        Content c2 = content(1, 300);
        alice.upload(c1);
        String v1 = alice.commit("a.bin", null, c1, "expiry-lost-1").version().versionId();
        alice.upload(c2);
        alice.commit("a.bin", v1, c2, "expiry-lost-2");
        assertEquals(new Usage.Counters(300, 1, 2, 1600), counters(v, alice));
        v.clock.advance(v.settings.retention().plusHours(1));
        store[0].once(a -> touchesUsage(a) && a.get(0) instanceof TxAction.Delete);
        v.gc.run("expiry-lost", () -> true);
        assertEquals(1, store[0].lost);
        assertEquals(new Usage.Counters(300, 1, 1, 0), counters(v, alice), "the retried expiry found its version gone");
        assertRecountClean(v);
    }

    /**
     * A store from before usage was counted has no usage items: its owners read as zeros, the audit reports the drift,
     * and its fix rebuilds the counters exactly and measures the bytes after dedup.
     */
    @Test
    void theAuditRebuildsMissingCountersAndMeasuresStoredBytes() {
        TestVault v = new TestVault();
        FakeClient alice = new FakeClient(v, "alice");
        Content shared = content(2, 1000);
        Content other = new Content(List.of(shared.chunks().get(0), content(1, 400).chunks().get(0)));
        alice.upload(shared);
        String v1 = alice.commit("a.bin", null, shared, "rebuild-1").version().versionId();
        alice.upload(other);
        alice.commit("b.bin", null, other, "rebuild-2");
        alice.commit("a.bin", v1, other, "rebuild-3");
        Usage.Counters exact = counters(v, alice);
        assertEquals(new Usage.Counters(2800, 2, 3, 2000), exact);
        v.items.delete(Tables.CONTROL, Usage.key(alice.owner), Condition.ALWAYS);
        assertEquals(0, v.usage.usage(alice.owner).logicalBytes());

        AuditService.AuditReport found = v.audit.audit(false, false, () -> true);
        assertEquals(4, found.driftCount(), "each counter is drift: " + found.drifts());
        assertTrue(found.drifts().stream().allMatch(d -> d.kind().name().startsWith("USAGE_") && "alice".equals(d.owner())));
        assertEquals(Usage.Counters.ZERO, counters(v, alice), "an audit without fix writes nothing");

        AuditService.AuditReport fixed = v.audit.audit(true, false, () -> true);
        assertEquals(1, fixed.fixed(), "one usage item written");
        assertEquals(1, fixed.owners());
        assertEquals(exact, counters(v, alice));
        UsageService.UsageView u = v.usage.usage(alice.owner);
        assertEquals(2000 + 400, u.storedBytes(), "the distinct chunks alice holds, each once");
        assertEquals(2000 + 400, u.storedCompressedBytes(), "stored raw: as stored is the plain size");
        assertEquals(v.clock.millis(), u.storedBytesAt().toEpochMilli());
        assertRecountClean(v);
    }

    /** A drifted counter the audit proved is written on its stamp: a commit after the proof keeps it from being written. */
    @Test
    void driftOnQuietUsageIsRepairedAndACommitInFlightIsNot() {
        TestVault v = new TestVault();
        FakeClient alice = new FakeClient(v, "alice");
        Content c = content(1, 500);
        alice.upload(c);
        String v1 = alice.commit("a.bin", null, c, "drift-usage-1").version().versionId();
        // Drift as a bug would leave it: a counter written without its stamp moving.
        v.items.update(Tables.CONTROL, Usage.key(alice.owner),
                dev.chunkvault.service.store.Update.update().set(Usage.VERSIONS, 7L), Condition.ALWAYS);
        Content c2 = content(1, 600);
        alice.upload(c2);

        // The commit lands after the usage items were read, before the files were counted: in flight, not written.
        AuditService.AuditReport r = new AuditService(new AuditServiceTest.Interleaved(v.items).afterScanOf(Tables.CONTROL,
                () -> alice.commit("a.bin", v1, c2, "drift-usage-2")), v.blobs, v.clock, v.settings, Retry.immediate(3))
                .audit(true, false, () -> true);
        assertEquals(0, r.driftCount(), r.drifts().toString());
        assertEquals(0, r.fixed());
        assertTrue(r.inFlightSample().stream().anyMatch(d -> d.kind() == AuditService.Kind.USAGE_VERSIONS), r.toString());
        assertEquals(8, counters(v, alice).versions(), "the commit's change stands on the drifted counter");

        AuditService.AuditReport quiet = v.audit.audit(true, false, () -> true);
        assertEquals(1, quiet.driftCount(), quiet.drifts().toString());
        assertEquals(1, quiet.fixed());
        assertEquals(new Usage.Counters(600, 1, 2, 500), counters(v, alice));
        assertRecountClean(v);
    }
}
