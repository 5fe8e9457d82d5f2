package dev.chunkvault.service.vault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.service.error.ErrorKind;
import dev.chunkvault.service.error.ServiceException;
import dev.chunkvault.service.sim.FakeClient;
import dev.chunkvault.service.sim.FakeClient.Content;
import dev.chunkvault.service.sim.TestVault;
import dev.chunkvault.service.store.Item;
import dev.chunkvault.service.store.ItemStore;
import dev.chunkvault.service.store.Key;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Quotas on logical bytes (docs/storage-model.md, "Usage and quotas") on the in-memory fakes: a commit that would grow
 * an owner's bytes past their quota is refused with 403 QUOTA_EXCEEDED and changes nothing, small or large, whenever
 * the room runs out (before, or while racing another commit for it); deletes, restores and commits that do not grow
 * are always allowed; an operator's quota for one owner overrides the default and takes effect at once.
 */
class QuotaTest {
    private final Random random = new Random(9001);

    private Content content(int chunks, int size) {
        return Content.random(random, chunks, size);
    }

    private static ServiceException overQuota(Runnable r) {
        ServiceException e = assertThrows(ServiceException.class, r::run);
        assertEquals(ErrorKind.FORBIDDEN, e.kind(), e.code() + ": " + e.getMessage());
        assertEquals(CommitService.QUOTA_EXCEEDED, e.code());
        return e;
    }

    private static long logical(TestVault v, FakeClient c) {
        return UsageTest.counters(v, c).logicalBytes();
    }

    /** Runs an action once, right after the {@code n}-th read of a usage item has returned. */
    static final class AfterUsageRead extends GcOrphansTest.Delegating {
        private final ItemStore inner;
        private int countdown;
        private Runnable action;

        AfterUsageRead(ItemStore inner) {
            super(inner);
            this.inner = inner;
        }

        void after(int n, Runnable a) {
            countdown = n;
            action = a;
        }

        @Override
        public Optional<Item> get(String table, Key key) {
            Optional<Item> got = inner.get(table, key);
            if (action != null && table.equals(Tables.CONTROL) && --countdown == 0) {
                Runnable a = action;
                action = null;
                a.run();
            }
            return got;
        }
    }

    private static TestVault interleaved(Settings settings, AfterUsageRead[] store) {
        return new TestVault(settings, true, items -> store[0] = new AfterUsageRead(items), UnaryOperator.identity(),
                Retry.immediate(3));
    }

    @Test
    void aCommitPastTheQuotaIsRefusedAndChangesNothing() {
        TestVault v = new TestVault();
        FakeClient alice = new FakeClient(v, "alice");
        v.usage.setQuota(alice.owner, 2000L);
        Content a = content(3, 500);
        alice.upload(a);
        String va = alice.commit("a.bin", null, a, "quota-a-1").version().versionId();
        Content b = content(1, 600);
        alice.upload(b);
        Map<String, List<Item>> before = v.items.snapshot();

        ServiceException e = overQuota(() -> alice.commit("b.bin", null, b, "quota-b-1"));
        assertEquals(Map.of("quota", 2000L, "used", 1500L, "needed", 600L), e.details());
        assertEquals(before, v.items.snapshot(), "nothing was written");

        // The history does not count: after a shrinking edit the same file fits.
        Content smaller = new Content(a.chunks().subList(0, 2));
        alice.commit("a.bin", va, smaller, "quota-a-2");
        assertEquals(CommitService.Outcome.CREATED, alice.commit("b.bin", null, b, "quota-b-1").outcome(),
                "the same request goes through once there is room");
        assertEquals(1600, logical(v, alice));
        assertEquals(1500, UsageTest.counters(v, alice).historyBytes());
        UsageTest.assertRecountClean(v);
    }

    @Test
    void deletesRestoresAndCommitsThatDoNotGrowAreAllowedOverTheQuota() {
        TestVault v = new TestVault();
        FakeClient alice = new FakeClient(v, "alice");
        Content big = content(2, 1000);
        alice.upload(big);
        String v1 = alice.commit("a.bin", null, big, "key-over-1").version().versionId();
        Content small = content(1, 300);
        alice.upload(small);
        String v2 = alice.commit("a.bin", v1, small, "key-over-2").version().versionId();
        v.usage.setQuota(alice.owner, 100L); // lowered below what is stored: nothing is taken away

        assertEquals(300, v.usage.usage(alice.owner).logicalBytes());
        Content sameSize = content(1, 300);
        alice.upload(sameSize);
        String v3 = alice.commit("a.bin", v2, sameSize, "key-over-3").version().versionId();
        Content tiny = content(1, 10);
        alice.upload(tiny);
        overQuota(() -> alice.commit("t.bin", null, tiny, "over-tiny"));
        String v4 = alice.restore("a.bin", v1, "over-restore").version().versionId();
        assertEquals(2000, logical(v, alice), "a restore is always allowed, even past the quota");
        Content shrink = content(1, 50);
        alice.upload(shrink);
        alice.commit("a.bin", v4, shrink, "over-shrink");
        alice.delete("a.bin", null, "over-delete");
        assertEquals(0, logical(v, alice));
        assertEquals(CommitService.Outcome.CREATED, alice.commit("t.bin", null, tiny, "over-tiny").outcome());
        assertNotNull(v3);
        UsageTest.assertRecountClean(v);
    }

    @Test
    void anOperatorsQuotaOverridesTheDefaultAndTakesEffectAtOnce() {
        TestVault v = new TestVault(Settings.DEFAULTS.withParallelism(1).withDefaultQuotaBytes(1000));
        FakeClient alice = new FakeClient(v, "alice");
        assertEquals(1000L, v.usage.usage(alice.owner).quota(), "the default applies to a new owner");
        Content c = content(2, 700);
        alice.upload(c);
        ServiceException e = overQuota(() -> alice.commit("a.bin", null, c, "key-raise-1"));
        assertEquals(1000L, e.details().get("quota"));

        UsageService.OwnerUsage raised = v.usage.setQuota(alice.owner, 5000L);
        assertEquals("alice", raised.owner());
        assertEquals(5000L, raised.quota());
        assertEquals(CommitService.Outcome.CREATED, alice.commit("a.bin", null, c, "key-raise-1").outcome());

        assertNull(v.usage.setQuota(alice.owner, 0L).quota(), "0 is unlimited");
        assertEquals(1000L, v.usage.setQuota(alice.owner, null).quota(), "null clears it: the default again");
        assertEquals(1400, v.usage.usage(alice.owner).logicalBytes(), "a quota below the usage takes nothing away");
        assertEquals("INVALID_QUOTA", assertThrows(ServiceException.class,
                () -> v.usage.setQuota(alice.owner, -1L)).code());
        assertEquals("INVALID_QUOTA", assertThrows(ServiceException.class,
                () -> v.usage.setQuota(alice.owner, Usage.MAX_QUOTA_BYTES + 1)).code());
    }

    /** Two commits race for the last room: the one that writes second fails its condition, and nothing of it stays. */
    @Test
    void concurrentCommitsCannotPassTheQuotaTogether() {
        AfterUsageRead[] store = new AfterUsageRead[1];
        TestVault v = interleaved(Settings.DEFAULTS.withParallelism(1), store);
        FakeClient laptop = new FakeClient(v, "alice");
        FakeClient phone = new FakeClient(v, "alice");
        v.usage.setQuota(laptop.owner, 2000L);
        Content a = content(2, 600);
        Content b = content(2, 600);
        laptop.upload(a);
        phone.upload(b);
        // The laptop has read the usage (0 of 2000: room for its 1200) when the phone's commit of 1200 lands.
        store[0].after(1, () -> phone.commit("b.bin", null, b, "key-race-b"));
        ServiceException e = overQuota(() -> laptop.commit("a.bin", null, a, "key-race-a"));
        assertEquals(1200L, e.details().get("used"));
        assertEquals(1200, logical(v, laptop));
        assertThrows(ServiceException.class, () -> v.reads.file(laptop.owner, "a.bin", true));
        UsageTest.assertRecountClean(v);
    }

    /** The quota changes between a commit's read and its write: it reads again and is judged by the new one. */
    @Test
    void aQuotaChangedWhileACommitIsUnderWayIsTheOneThatCounts() {
        AfterUsageRead[] store = new AfterUsageRead[1];
        TestVault v = interleaved(Settings.DEFAULTS.withParallelism(1), store);
        FakeClient alice = new FakeClient(v, "alice");
        v.usage.setQuota(alice.owner, 1000L);
        Content a = content(1, 800);
        alice.upload(a);
        store[0].after(1, () -> v.usage.setQuota(alice.owner, 500L));
        ServiceException e = overQuota(() -> alice.commit("a.bin", null, a, "changed-1"));
        assertEquals(500L, e.details().get("quota"));

        v.usage.setQuota(alice.owner, 1000L);
        store[0].after(1, () -> v.usage.setQuota(alice.owner, 5000L));
        assertEquals(CommitService.Outcome.CREATED, alice.commit("a.bin", null, a, "changed-2").outcome(),
                "a raise while the commit is under way lets it through too");
        assertEquals(5000L, v.usage.usage(alice.owner).quota());
        assertEquals(800, logical(v, alice));
        UsageTest.assertRecountClean(v);
    }

    /**
     * A large commit is refused before anything is verified or pinned; when the room goes while it pins, its publish
     * is refused (at its own read, or by its transaction's condition) and its pins are rolled back.
     */
    @Test
    void aLargeCommitPastTheQuotaLeavesNothingBehind() {
        AfterUsageRead[] store = new AfterUsageRead[1];
        Settings settings = Settings.DEFAULTS.withParallelism(1).withSmallCommitChunks(2);
        TestVault v = interleaved(settings, store);
        FakeClient alice = new FakeClient(v, "alice");
        FakeClient phone = new FakeClient(v, "alice");
        v.usage.setQuota(alice.owner, 3000L);
        Content big = content(5, 500);
        alice.upload(big);
        Content tooBig = content(7, 500);
        alice.upload(tooBig);
        Map<String, List<Item>> before = v.items.snapshot();
        overQuota(() -> alice.commit("huge.bin", null, tooBig, "key-large-0"));
        assertEquals(before, v.items.snapshot(), "refused before anything was written");

        for (int read = 1; read <= 2; read++) {
            Content other = content(1, 1000);
            phone.upload(other);
            String key = "large-race-" + read;
            // read 1: the large commit's first check; read 2: its check at publish, just before the transaction.
            store[0].after(read, () -> phone.commit(key + ".bin", null, other, key));
            overQuota(() -> alice.commit("big.bin", null, big, key + "-big"));
            assertThrows(ServiceException.class, () -> v.reads.file(alice.owner, "big.bin", true));
            assertTrue(v.items.items(Tables.VERSIONS).stream().noneMatch(i -> "big.bin".equals(i.string(VersionRow.PATH))),
                    "the pending version was rolled back");
            UsageTest.assertRecountClean(v);
            phone.delete(key + ".bin", null, key + "-del");
        }
        assertEquals(CommitService.Outcome.CREATED, alice.commit("big.bin", null, big, "large-ok").outcome());
        assertEquals(2500, logical(v, alice));
        UsageTest.assertRecountClean(v);
    }

    @Test
    void aBatchRefusesOnlyTheCommitsPastTheQuota() {
        TestVault v = new TestVault();
        FakeClient alice = new FakeClient(v, "alice");
        v.usage.setQuota(alice.owner, 1000L);
        Content a = content(1, 600);
        Content b = content(1, 600);
        alice.upload(a);
        alice.upload(b);
        List<CommitService.BatchItem> out = v.commits.commitBatch(List.of(
                new CommitService.CommitRequest(alice.owner, "a.bin", null, new CommitService.Source.Full(a.manifest()),
                        a.size(), a.sha256(), 0, "batch-quota-a"),
                new CommitService.CommitRequest(alice.owner, "b.bin", null, new CommitService.Source.Full(b.manifest()),
                        b.size(), b.sha256(), 0, "batch-quota-b")));
        assertNotNull(out.get(0).result());
        assertEquals(CommitService.QUOTA_EXCEEDED, out.get(1).error().code());
        assertEquals(600, logical(v, alice));
    }
}
