package dev.chunkvault.service.vault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.core.manifest.Manifest;
import dev.chunkvault.core.manifest.ManifestDelta;
import dev.chunkvault.service.error.ErrorKind;
import dev.chunkvault.service.error.ServiceException;
import dev.chunkvault.service.sim.FakeClient;
import dev.chunkvault.service.sim.FakeClient.Content;
import dev.chunkvault.service.sim.TestVault;
import dev.chunkvault.service.store.Item;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The limits on one file (issue 14, item 7) on the in-memory fakes: manifest entries per version, counted expanded
 * for a manifest delta and refused before anything is written; new versions per file per clock hour, counted on the
 * files row by the head CAS (429 TOO_MANY_VERSIONS with the time until the hour ends; deletes and restores are not
 * limited); and the small commit's transaction, which holds the usage item now too.
 */
class CommitLimitsTest {
    private final Random random = new Random(31337);

    private Content content(int chunks, int size) {
        return Content.random(random, chunks, size);
    }

    private static ServiceException fails(ErrorKind kind, String code, Runnable r) {
        ServiceException e = assertThrows(ServiceException.class, r::run);
        assertEquals(kind, e.kind(), e.code() + ": " + e.getMessage());
        assertEquals(code, e.code());
        return e;
    }

    private static CommitService.CommitResult commitDelta(TestVault v, FakeClient c, String path, String parent,
                                                          ManifestDelta delta, long size, String key) {
        return v.commits.commit(new CommitService.CommitRequest(c.owner, path, parent, new CommitService.Source.Delta(delta),
                size, "0".repeat(64), 0, key));
    }

    /**
     * The reported amplification: a delta of a few hundred bytes repeating one chunk made a 6.6 MB manifest. A delta is
     * counted expanded, before it is applied; within the limit the same kind of delta commits.
     */
    @Test
    void aManifestDeltaIsCountedExpandedAndRefusedPastTheLimit() {
        TestVault v = new TestVault();
        FakeClient alice = new FakeClient(v, "alice");
        Content one = content(1, 100);
        alice.upload(one);
        String v1 = alice.commit("a.bin", null, one, "delta-limit-1").version().versionId();
        int limit = v.settings.maxManifestChunks();
        assertEquals(50_000, limit);
        Map<String, List<Item>> before = v.items.snapshot();

        ManifestDelta repeat = ManifestDelta.of(Collections.nCopies(limit + 1, new ManifestDelta.Copy(0, 1)));
        assertTrue(repeat.encode().length < 4 * (limit + 1), "a few bytes per entry on the wire");
        fails(ErrorKind.TOO_LARGE, "TOO_MANY_CHUNKS", () -> commitDelta(v, alice, "a.bin", v1, repeat,
                100L * (limit + 1), "delta-limit-2"));
        ManifestDelta oneCopyTooLong = ManifestDelta.of(List.of(new ManifestDelta.Copy(0, 1),
                new ManifestDelta.Add(Collections.nCopies(limit, one.manifest().entry(0)))));
        fails(ErrorKind.TOO_LARGE, "TOO_MANY_CHUNKS", () -> commitDelta(v, alice, "a.bin", v1, oneCopyTooLong,
                100L * (limit + 1), "delta-limit-3"));
        assertEquals(before, v.items.snapshot(), "nothing was written");

        // The same shape within the limit commits (and its content is what it says).
        ManifestDelta fine = ManifestDelta.of(Collections.nCopies(1000, new ManifestDelta.Copy(0, 1)));
        Manifest expanded = fine.apply(one.manifest());
        Content same = new Content(Collections.nCopies(1000, one.chunks().get(0)));
        CommitService.CommitResult r = v.commits.commit(new CommitService.CommitRequest(alice.owner, "a.bin", v1,
                new CommitService.Source.Delta(fine), same.size(), same.sha256(), 0, "delta-limit-4"));
        assertEquals(1000, r.chunks());
        assertEquals(expanded.hash(), same.manifest().hash());
    }

    @Test
    void aFullManifestPastTheLimitIsRefusedAndOneAtTheLimitCommits() {
        TestVault v = new TestVault(Settings.DEFAULTS.withParallelism(1).withMaxManifestChunks(300));
        FakeClient alice = new FakeClient(v, "alice");
        Content one = content(1, 64);
        alice.upload(one);
        Content over = new Content(Collections.nCopies(301, one.chunks().get(0)));
        fails(ErrorKind.TOO_LARGE, "TOO_MANY_CHUNKS", () -> alice.commit("a.bin", null, over, "full-limit-1"));
        Content at = new Content(Collections.nCopies(300, one.chunks().get(0)));
        assertEquals(300, alice.commit("a.bin", null, at, "full-limit-2").chunks());
    }

    /** Conflict-check takes a local manifest delta too: counted expanded the same way. */
    @Test
    void aConflictCheckDeltaIsCountedExpanded() {
        TestVault v = new TestVault();
        FakeClient alice = new FakeClient(v, "alice");
        Content one = content(1, 100);
        alice.upload(one);
        String v1 = alice.commit("a.bin", null, one, "conflict-limit-1").version().versionId();
        ManifestDelta repeat = ManifestDelta.of(Collections.nCopies(v.settings.maxManifestChunks() + 1,
                new ManifestDelta.Copy(0, 1)));
        ServiceException e = assertThrows(ServiceException.class, () -> v.conflicts.check(alice.owner, "a.bin", v1,
                new ConflictService.LocalState.ModifiedDelta(repeat), null, "laptop", null));
        assertEquals("TOO_MANY_CHUNKS", e.code());
    }

    @Test
    void aFileGetsAtMostTheLimitOfNewVersionsPerHour() {
        TestVault v = new TestVault(Settings.DEFAULTS.withParallelism(1).withMaxVersionsPerFilePerHour(3));
        // Start half way through an hour.
        long intoHour = v.clock.millis() % FileRow.HOUR_MILLIS;
        v.clock.advance(Duration.ofMillis(FileRow.HOUR_MILLIS - intoHour + 30 * 60_000L));
        FakeClient alice = new FakeClient(v, "alice");
        String head = null;
        List<String> versions = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Content c = content(1, 200 + i);
            alice.upload(c);
            head = alice.commit("a.bin", head, c, "key-rate-" + i).version().versionId();
            versions.add(head);
        }
        Content fourth = content(1, 300);
        alice.upload(fourth);
        String parent = head;
        Map<String, List<Item>> before = v.items.snapshot();
        ServiceException e = fails(ErrorKind.THROTTLED, CommitService.TOO_MANY_VERSIONS,
                () -> alice.commit("a.bin", parent, fourth, "key-rate-3"));
        assertEquals(Duration.ofMinutes(30), e.retryAfter(), "until the hour ends");
        assertEquals(3, e.details().get("limit"));
        assertEquals(before, v.items.snapshot(), "nothing was written");

        // Other files are not limited by this one; deletes and restores are not limited at all.
        Content other = content(1, 100);
        alice.upload(other);
        assertNotNull(alice.commit("b.bin", null, other, "rate-other").version());
        String restored = alice.restore("a.bin", versions.get(0), "rate-restore").version().versionId();
        alice.delete("a.bin", restored, "rate-delete");
        String again = alice.restore("a.bin", versions.get(1), "rate-restore-2").version().versionId();
        fails(ErrorKind.THROTTLED, CommitService.TOO_MANY_VERSIONS, () -> alice.commit("a.bin", again, fourth, "key-rate-4"));

        v.clock.advance(Duration.ofMinutes(30));
        assertNotNull(alice.commit("a.bin", again, fourth, "key-rate-4").version(), "a new hour, a new window");
        UsageTest.assertRecountClean(v);
    }

    /** A batch that meets the limit on one file refuses that file's commit only. */
    @Test
    void aBatchRefusesOnlyTheBusyFile() {
        TestVault v = new TestVault(Settings.DEFAULTS.withParallelism(1).withMaxVersionsPerFilePerHour(1));
        FakeClient alice = new FakeClient(v, "alice");
        Content a1 = content(1, 100);
        Content a2 = content(1, 120);
        Content b1 = content(1, 140);
        alice.upload(a1);
        alice.upload(a2);
        alice.upload(b1);
        String head = alice.commit("a.bin", null, a1, "batch-rate-1").version().versionId();
        List<CommitService.BatchItem> out = v.commits.commitBatch(List.of(
                new CommitService.CommitRequest(alice.owner, "a.bin", head, new CommitService.Source.Full(a2.manifest()),
                        a2.size(), a2.sha256(), 0, "batch-rate-2"),
                new CommitService.CommitRequest(alice.owner, "b.bin", null, new CommitService.Source.Full(b1.manifest()),
                        b1.size(), b1.sha256(), 0, "batch-rate-3")));
        assertEquals(CommitService.TOO_MANY_VERSIONS, out.get(0).error().code());
        assertNotNull(out.get(1).result());
    }

    /**
     * A small commit is one transaction: version put, head CAS, previous head's expiry, the usage item, and three writes
     * per added chunk; 32 chunks make exactly 100 actions, DynamoDB's limit, and a 33rd would not fit.
     */
    @Test
    void aSmallCommitStillFitsOneTransaction() {
        assertEquals(32, Settings.DEFAULTS.smallCommitChunks());
        assertThrows(IllegalArgumentException.class, () -> Settings.DEFAULTS.withSmallCommitChunks(33));
        TestVault v = new TestVault();
        FakeClient alice = new FakeClient(v, "alice");
        Content first = content(1, 100);
        alice.upload(first);
        String v1 = alice.commit("a.bin", null, first, "key-fits-1").version().versionId();
        Content full = content(32, 100);
        alice.upload(full);
        CommitService.CommitResult r = alice.commit("a.bin", v1, full, "key-fits-2");
        assertEquals(32, r.addedChunks());
        assertTrue(!r.large(), "32 added chunks and the parent's expiry: one transaction of 100 actions");
        UsageTest.assertRecountClean(v);
    }
}
