package dev.chunkvault.service.vault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.core.manifest.Manifest;
import dev.chunkvault.core.manifest.ManifestDelta;
import dev.chunkvault.service.error.ErrorKind;
import dev.chunkvault.service.error.ServiceException;
import dev.chunkvault.service.sim.FakeClient;
import dev.chunkvault.service.sim.FakeClient.Content;
import dev.chunkvault.service.sim.TestVault;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CommitServiceTest {
    private final Random random = new Random(1234);

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private Content content(int chunks) {
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < chunks; i++) {
            out.add(bytes(100 + random.nextInt(900)));
        }
        return new Content(out);
    }

    private static ServiceException fails(ErrorKind kind, Runnable r) {
        ServiceException e = assertThrows(ServiceException.class, r::run);
        assertEquals(kind, e.kind(), e.code() + ": " + e.getMessage());
        return e;
    }

    /**
     * A grant writes its rows in transactions of {@link UploadService#GRANTS_PER_TRANSACTION}; when a chunk of a group
     * is being collected the transaction is cancelled, and the group is granted chunk by chunk: that chunk is asked
     * for later, every other one gets its URL and a PENDING row, and nothing else changes.
     */
    @Test
    void aGrantWithAChunkBeingCollectedGrantsTheOthersAndDefersThatOne() {
        TestVault v = new TestVault();
        FakeClient c = new FakeClient(v, "alice");
        List<UploadService.ChunkRequest> asks = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            asks.add(new UploadService.ChunkRequest(ChunkId.sha256(bytes(64)), 64));
        }
        ChunkId collected = asks.get(120).id();
        v.items.put(Tables.CHUNKS, dev.chunkvault.service.store.Item.builder()
                .set(ChunkRow.ID, collected.hex()).set(ChunkRow.STATE, ChunkRow.State.DELETING.name())
                .set(ChunkRow.REFS, 0L).set(ChunkRow.INCARNATION, "old").build(),
                dev.chunkvault.service.store.Condition.ALWAYS);

        UploadService.Grant g = v.uploads.grant(c.owner, asks);
        assertEquals(List.of(collected), g.retry().stream().map(UploadService.Later::id).toList());
        assertEquals(149, g.uploads().size());
        assertTrue(g.have().isEmpty());
        for (UploadService.ChunkRequest a : asks) {
            ChunkRow row = ChunkRow.from(v.items.get(Tables.CHUNKS, ChunkRow.key(a.id())).orElseThrow());
            assertEquals(a.id().equals(collected) ? ChunkRow.State.DELETING : ChunkRow.State.PENDING, row.state());
        }
    }

    /**
     * Both chunking profiles are accepted, each with its own size limit: a large-file manifest with chunks of up to
     * 8 MiB commits (and its chunks are granted), a default-profile manifest with a 2 MiB chunk is refused, and no
     * grant goes beyond the largest profile's maximum. The refusals change nothing.
     */
    @Test
    void eachChunkingProfileIsCheckedAgainstItsOwnMaximum() {
        TestVault v = new TestVault();
        FakeClient c = new FakeClient(v, "alice");
        byte[] big = bytes(dev.chunkvault.core.chunking.ChunkingProfile.LARGE.maxSize());
        byte[] mid = bytes(2 << 20);
        Content large = new Content(List.of(big, mid));
        assertEquals(2, c.upload(large));
        Manifest asLarge = Manifest.of(dev.chunkvault.core.chunking.ChunkingProfile.LARGE.name(),
                large.manifest().entries());
        CommitService.CommitResult r = v.commits.commit(new CommitService.CommitRequest(c.owner, "disk.img", null,
                new CommitService.Source.Full(asLarge), large.size(), large.sha256(), 0, "key-large-1"));
        assertEquals(CommitService.Outcome.CREATED, r.outcome());
        assertEquals(2, r.addedChunks());

        ServiceException tooLarge = fails(ErrorKind.BAD_REQUEST, () -> v.commits.commit(new CommitService.CommitRequest(
                c.owner, "small.bin", null, new CommitService.Source.Full(new Content(List.of(mid)).manifest()),
                mid.length, new Content(List.of(mid)).sha256(), 0, "key-default-1")));
        assertEquals("CHUNK_TOO_LARGE", tooLarge.code());
        assertEquals(ErrorKind.NOT_FOUND, fails(ErrorKind.NOT_FOUND, () -> v.reads.file(c.owner, "small.bin", true)).kind());

        ServiceException grant = fails(ErrorKind.BAD_REQUEST, () -> v.uploads.grant(c.owner, List.of(
                new UploadService.ChunkRequest(ChunkId.sha256(bytes(16)), Limits.MAX_CHUNK_SIZE + 1))));
        assertEquals("BAD_CHUNK_SIZE", grant.code());
        assertEquals(Limits.MAX_CHUNK_SIZE, dev.chunkvault.core.chunking.ChunkingProfile.known().stream()
                .mapToInt(dev.chunkvault.core.chunking.ChunkingProfile::maxSize).max().orElseThrow());
    }

    @Test
    void newFileThenEditThenHistory() {
        TestVault v = new TestVault();
        FakeClient c = new FakeClient(v, "alice");
        Content one = content(5);
        c.upload(one);
        CommitService.CommitResult r1 = c.commit("docs/Report.txt", null, one, "key-00000001");
        assertEquals(CommitService.Outcome.CREATED, r1.outcome());
        assertEquals("docs/Report.txt", r1.version().path());
        assertEquals(1, r1.version().seq());
        assertEquals(5, r1.addedChunks());

        List<byte[]> edited = new ArrayList<>(one.chunks());
        edited.set(2, bytes(300));
        Content two = new Content(edited);
        c.upload(two);
        CommitService.CommitResult r2 = c.commit("docs/Report.txt", r1.version().versionId(), two, "key-00000002");
        assertEquals(CommitService.Outcome.CREATED, r2.outcome());
        assertEquals(1, r2.addedChunks(), "only the changed chunk is referenced anew");
        assertEquals(r1.version().versionId(), r2.version().parent());

        ReadService.History h = v.reads.history(c.owner, "docs/report.TXT", null, 10);
        assertEquals(List.of(r2.version().versionId(), r1.version().versionId()),
                h.versions().stream().map(VersionView::versionId).toList());
        new Oracle(v).referencedChunksIntact();
        new Oracle(v).countsMatchRecount();
    }

    @Test
    void retriedCommitReturnsTheSameVersionAndWritesNothingTwice() {
        TestVault v = new TestVault();
        FakeClient c = new FakeClient(v, "alice");
        Content one = content(3);
        c.upload(one);
        CommitService.CommitResult r1 = c.commit("a.txt", null, one, "key-retry-1");
        Map<String, List<dev.chunkvault.service.store.Item>> before = v.items.snapshot();
        CommitService.CommitResult again = c.commit("a.txt", null, one, "key-retry-1");
        assertEquals(CommitService.Outcome.REPLAYED, again.outcome());
        assertEquals(r1.version().versionId(), again.version().versionId());
        assertEquals(before, v.items.snapshot());
        // Same key, different content: refused, nothing written.
        Content other = content(2);
        c.upload(other);
        Map<String, List<dev.chunkvault.service.store.Item>> beforeReuse = v.items.snapshot();
        fails(ErrorKind.UNPROCESSABLE, () -> c.commit("a.txt", null, other, "key-retry-1"));
        assertEquals(beforeReuse.get(Tables.VERSIONS), v.items.snapshot().get(Tables.VERSIONS));
    }

    private static CommitService.CommitRequest full(FakeClient c, String path, String parent, Content content, String key) {
        return new CommitService.CommitRequest(c.owner, path, parent, new CommitService.Source.Full(content.manifest()),
                content.size(), content.sha256(), 0, key);
    }

    /** A batch: each commit on its own (one stale, one missing chunks, one unchanged, two created), replayable whole. */
    @Test
    void aBatchCommitsEachFileOnItsOwnAndReplaysWhole() {
        TestVault v = new TestVault();
        FakeClient c = new FakeClient(v, "alice");
        Content a1 = content(2);
        Content b1 = content(2);
        c.upload(a1);
        c.upload(b1);
        String va1 = c.commit("a.txt", null, a1, "key-batch-a1").version().versionId();
        String vb1 = c.commit("b.txt", null, b1, "key-batch-b1").version().versionId();
        Content a2 = content(3);
        Content b2 = content(2);
        Content fresh = content(4);
        Content notUploaded = content(2);
        c.upload(a2);
        c.upload(b2);
        c.upload(fresh);
        String vb2 = c.commit("b.txt", vb1, b2, "key-batch-b2").version().versionId(); // b moves on meanwhile

        List<CommitService.CommitRequest> batch = List.of(
                full(c, "a.txt", va1, a2, "key-batch-a2"),
                full(c, "b.txt", vb1, content(1), "key-batch-b3"),       // stale: b is at vb2 now
                full(c, "new/c.txt", null, fresh, "key-batch-c1"),
                full(c, "d.txt", null, notUploaded, "key-batch-d1"),    // its chunks were never uploaded
                full(c, "e.txt", null, a1, "key-batch-e1"));
        List<CommitService.BatchItem> r = v.commits.commitBatch(batch);
        assertEquals(5, r.size());
        assertEquals(CommitService.Outcome.CREATED, r.get(0).result().outcome());
        assertEquals("STALE_PARENT", r.get(1).error().code());
        assertEquals(vb2, ((VersionView) r.get(1).error().details().get("head")).versionId());
        assertEquals(CommitService.Outcome.CREATED, r.get(2).result().outcome());
        assertEquals(ErrorKind.UNPROCESSABLE, r.get(3).error().kind());
        assertEquals("MISSING_CHUNKS", r.get(3).error().code());
        assertEquals(CommitService.Outcome.CREATED, r.get(4).result().outcome(), "e.txt reuses a1's chunks");
        for (CommitService.BatchItem i : r) {
            assertTrue((i.result() == null) != (i.error() == null));
        }

        // The same batch again (a retry after a lost answer): the done commits replay, nothing is written twice.
        Map<String, List<dev.chunkvault.service.store.Item>> before = v.items.snapshot();
        List<CommitService.BatchItem> again = v.commits.commitBatch(batch);
        assertEquals(CommitService.Outcome.REPLAYED, again.get(0).result().outcome());
        assertEquals(r.get(0).result().version().versionId(), again.get(0).result().version().versionId());
        assertEquals(CommitService.Outcome.REPLAYED, again.get(2).result().outcome());
        assertEquals("STALE_PARENT", again.get(1).error().code());
        assertEquals(before, v.items.snapshot());
        new Oracle(v).referencedChunksIntact();
        new Oracle(v).countsMatchRecount();
    }

    /** A bad batch is refused whole: nothing of it is committed. */
    @Test
    void aBadBatchChangesNothing() {
        TestVault v = new TestVault();
        FakeClient c = new FakeClient(v, "alice");
        Content one = content(2);
        c.upload(one);
        Map<String, List<dev.chunkvault.service.store.Item>> before = v.items.snapshot();
        CommitService.CommitRequest good = full(c, "ok.txt", null, one, "key-bad-batch-1");
        assertEquals("DUPLICATE_PATH", fails(ErrorKind.BAD_REQUEST, () -> v.commits.commitBatch(List.of(good,
                full(c, "OK.TXT", null, one, "key-bad-batch-2")))).code());
        assertEquals("INVALID_PATH", fails(ErrorKind.BAD_REQUEST, () -> v.commits.commitBatch(List.of(good,
                full(c, "a/../b.txt", null, one, "key-bad-batch-3")))).code());
        assertEquals("INVALID_IDEMPOTENCY_KEY", fails(ErrorKind.BAD_REQUEST, () -> v.commits.commitBatch(List.of(good,
                full(c, "k.txt", null, one, "short")))).code());
        assertEquals("EMPTY_BATCH", fails(ErrorKind.BAD_REQUEST, () -> v.commits.commitBatch(List.of())).code());
        List<CommitService.CommitRequest> many = new ArrayList<>();
        for (int i = 0; i <= CommitService.MAX_BATCH_COMMITS; i++) {
            many.add(full(c, "f" + i + ".txt", null, one, "key-many-" + i + "-000"));
        }
        assertEquals("TOO_MANY_COMMITS", fails(ErrorKind.TOO_LARGE, () -> v.commits.commitBatch(many)).code());
        Content big = content(CommitService.MAX_BATCH_ENTRIES / 2 + 1);
        assertEquals("TOO_MANY_CHUNKS", fails(ErrorKind.TOO_LARGE, () -> v.commits.commitBatch(List.of(
                full(c, "big1.bin", null, big, "key-big-00001"), full(c, "big2.bin", null, big, "key-big-00002")))).code());
        assertEquals(before, v.items.snapshot());
    }

    @Test
    void staleParentGets409WithTheHead() {
        TestVault v = new TestVault();
        FakeClient c = new FakeClient(v, "alice");
        Content one = content(2);
        c.upload(one);
        String v1 = c.commit("a.txt", null, one, "key-stale-1").version().versionId();
        Content two = content(2);
        c.upload(two);
        String v2 = c.commit("a.txt", v1, two, "key-stale-2").version().versionId();
        Content three = content(2);
        c.upload(three);
        ServiceException e = fails(ErrorKind.CONFLICT, () -> c.commit("a.txt", v1, three, "key-stale-3"));
        assertEquals("STALE_PARENT", e.code());
        assertEquals(v2, ((VersionView) e.details().get("head")).versionId());
        // A "new file" commit on an existing file is stale too.
        fails(ErrorKind.CONFLICT, () -> c.commit("A.TXT", null, three, "key-stale-4"));
    }

    @Test
    void unchangedContentReturnsTheHead() {
        TestVault v = new TestVault();
        FakeClient c = new FakeClient(v, "alice");
        Content one = content(4);
        c.upload(one);
        String v1 = c.commit("a.txt", null, one, "key-same-1").version().versionId();
        Map<String, List<dev.chunkvault.service.store.Item>> before = v.items.snapshot();
        CommitService.CommitResult r = c.commit("a.txt", v1, one, "key-same-2");
        assertEquals(CommitService.Outcome.UNCHANGED, r.outcome());
        assertEquals(v1, r.version().versionId());
        assertEquals(before, v.items.snapshot());
    }

    @Test
    void missingOrForeignChunksGet422AndNothingChanges() {
        TestVault v = new TestVault();
        FakeClient alice = new FakeClient(v, "alice");
        FakeClient mallory = new FakeClient(v, "mallory");
        Content secret = content(3);
        alice.upload(secret);
        alice.commit("secret.txt", null, secret, "key-secret-1");
        // Mallory knows the ids but never uploaded the bytes: refused, and the grant did not say "have".
        assertTrue(v.uploads.grant(mallory.owner, secret.chunks().stream()
                .map(b -> new UploadService.ChunkRequest(ChunkId.sha256(b), b.length)).toList()).have().isEmpty());
        Map<String, List<dev.chunkvault.service.store.Item>> before = v.items.snapshot();
        ServiceException e = fails(ErrorKind.UNPROCESSABLE, () -> mallory.commit("stolen.txt", null, secret, "key-steal-1"));
        assertEquals("MISSING_CHUNKS", e.code());
        assertEquals(3, ((List<?>) e.details().get("missing")).size());
        assertEquals(before.get(Tables.FILES), v.items.snapshot().get(Tables.FILES));
        assertEquals(before.get(Tables.REFS), v.items.snapshot().get(Tables.REFS));
        // Never uploaded at all.
        fails(ErrorKind.UNPROCESSABLE, () -> alice.commit("b.txt", null, content(1), "key-missing-1"));
        // Once Mallory really uploads the bytes, she may.
        mallory.upload(secret);
        assertEquals(CommitService.Outcome.CREATED, mallory.commit("mine.txt", null, secret, "key-own-1").outcome());
        new Oracle(v).countsMatchRecount();
    }

    @Test
    void manifestDeltaCommit() {
        TestVault v = new TestVault();
        FakeClient c = new FakeClient(v, "alice");
        Content one = content(50);
        c.upload(one);
        CommitService.CommitResult r1 = c.commit("big.bin", null, one, "key-delta-1");
        List<byte[]> edited = new ArrayList<>(one.chunks());
        edited.add(25, bytes(500));
        Content two = new Content(edited);
        c.upload(two);
        ManifestDelta delta = ManifestDelta.compute(one.manifest(), two.manifest());
        CommitService.CommitResult r2 = v.commits.commit(new CommitService.CommitRequest(c.owner, "big.bin",
                r1.version().versionId(), new CommitService.Source.Delta(delta), two.size(), two.sha256(), 0, "key-delta-2"));
        assertEquals(CommitService.Outcome.CREATED, r2.outcome());
        assertEquals(51, r2.chunks());
        ReadService.DownloadPlan plan = v.reads.download(c.owner, "big.bin", null, null);
        assertEquals(two.manifest(), plan.manifest());
        // A delta against no parent, or reaching outside it, is a 400.
        fails(ErrorKind.BAD_REQUEST, () -> v.commits.commit(new CommitService.CommitRequest(c.owner, "new.bin", null,
                new CommitService.Source.Delta(delta), two.size(), two.sha256(), 0, "key-delta-3")));
        ManifestDelta outside = ManifestDelta.of(List.of(new ManifestDelta.Copy(0, 99)));
        fails(ErrorKind.BAD_REQUEST, () -> v.commits.commit(new CommitService.CommitRequest(c.owner, "big.bin",
                r2.version().versionId(), new CommitService.Source.Delta(outside), 1, two.sha256(), 0, "key-delta-4")));
    }

    @Test
    void largeCommitsArePublishedOnlyWhenComplete() {
        TestVault v = new TestVault(Settings.DEFAULTS.withParallelism(1).withSmallCommitChunks(4).withInlineManifestBytes(200));
        FakeClient c = new FakeClient(v, "alice");
        Content big = content(60);
        c.upload(big);
        CommitService.CommitResult r = c.commit("big.bin", null, big, "key-large-1");
        assertTrue(r.large());
        assertEquals(CommitService.Outcome.CREATED, r.outcome());
        assertEquals(big.manifest(), v.reads.download(c.owner, "big.bin", null, null).manifestUrl() == null ? null
                : big.manifest());
        assertNotNull(v.reads.download(c.owner, "big.bin", null, null).manifestUrl(), "a large manifest is in the blob store");
        new Oracle(v).referencedChunksIntact();
        new Oracle(v).countsMatchRecount();
        // Replayed: same version.
        assertEquals(CommitService.Outcome.REPLAYED, c.commit("big.bin", null, big, "key-large-1").outcome());
    }

    /**
     * A large commit that runs out of its time budget answers COMMIT_IN_PROGRESS (503) with its version still PENDING
     * and invisible; the same request sent again goes on where the last one stopped — one pin transaction per call
     * here, nothing pinned twice or replayed — and publishes once every chunk is pinned.
     */
    @Test
    void aLargeCommitOutOfTimeGoesOnWhereItStoppedWhenSentAgain() {
        inMemoryScenarios().aSlicedCommitGoesOnWhereItStopped();
    }

    @Test
    void aChunkMissingFromALaterSliceOfALargeCommitIsListedAndTheCommitGoesOnOnceUploaded() {
        inMemoryScenarios().aChunkMissingFromALaterSliceIsListedAndTheCommitGoesOnOnceUploaded();
    }

    @Test
    void aChunkMissingFromTheFirstSliceOfALargeCommitWritesNothing() {
        inMemoryScenarios().aChunkMissingFromTheFirstSliceWritesNothing();
    }

    private static LargeCommitScenarios inMemoryScenarios() {
        dev.chunkvault.service.TestClock clock = new dev.chunkvault.service.TestClock();
        return new LargeCommitScenarios(dev.chunkvault.service.sim.Backend.inMemory(clock, true), clock);
    }

    @Test
    void deleteAndRestore() {
        TestVault v = new TestVault();
        FakeClient c = new FakeClient(v, "alice");
        Content one = content(3);
        c.upload(one);
        String v1 = c.commit("a.txt", null, one, "key-dr-1").version().versionId();
        CommitService.CommitResult del = c.delete("a.txt", v1, "key-dr-2");
        assertTrue(del.version().deleted());
        fails(ErrorKind.NOT_FOUND, () -> v.reads.file(c.owner, "a.txt", false));
        assertTrue(v.reads.file(c.owner, "a.txt", true).deleted());
        assertEquals(CommitService.Outcome.UNCHANGED, c.delete("a.txt", null, "key-dr-3").outcome());
        CommitService.CommitResult restored = c.restore("a.txt", v1, "key-dr-4");
        assertEquals(CommitService.Outcome.CREATED, restored.outcome());
        assertFalse(restored.version().deleted());
        assertEquals(one.sha256(), v.reads.file(c.owner, "a.txt", false).contentHash());
        // Restoring the deletion itself is refused; an unknown version is 404.
        fails(ErrorKind.BAD_REQUEST, () -> c.restore("a.txt", del.version().versionId(), "key-dr-5"));
        fails(ErrorKind.NOT_FOUND, () -> c.restore("a.txt", "0000000009-0123456789abcdef", "key-dr-6"));
        fails(ErrorKind.NOT_FOUND, () -> c.delete("never.txt", null, "key-dr-7"));
        new Oracle(v).countsMatchRecount();
    }

    @Test
    void recreateOverADeletedFileContinuesItsHistory() {
        TestVault v = new TestVault();
        FakeClient c = new FakeClient(v, "alice");
        Content one = content(2);
        c.upload(one);
        String v1 = c.commit("a.txt", null, one, "key-re-1").version().versionId();
        c.delete("a.txt", v1, "key-re-2");
        Content two = content(2);
        c.upload(two);
        CommitService.CommitResult r = c.commit("a.txt", null, two, "key-re-3");
        assertEquals(3, r.version().seq());
        assertEquals(CommitService.Outcome.REPLAYED, c.commit("a.txt", null, two, "key-re-3").outcome());
    }

    @Test
    void otherTenantsSeeNothing() {
        TestVault v = new TestVault();
        FakeClient alice = new FakeClient(v, "alice");
        FakeClient bob = new FakeClient(v, "bob");
        Content one = content(2);
        alice.upload(one);
        String v1 = alice.commit("a.txt", null, one, "key-ten-1").version().versionId();
        fails(ErrorKind.NOT_FOUND, () -> v.reads.file(bob.owner, "a.txt", true));
        fails(ErrorKind.NOT_FOUND, () -> v.reads.history(bob.owner, "a.txt", null, 10));
        fails(ErrorKind.NOT_FOUND, () -> v.reads.download(bob.owner, "a.txt", v1, null));
        fails(ErrorKind.NOT_FOUND, () -> bob.restore("a.txt", v1, "key-ten-2"));
        fails(ErrorKind.NOT_FOUND, () -> bob.delete("a.txt", null, "key-ten-3"));
        assertTrue(v.reads.list(bob.owner, "", true, true, null, 100).files().isEmpty());
    }

    @Test
    void badRequestsAreRefusedBeforeAnyWrite() {
        TestVault v = new TestVault();
        FakeClient c = new FakeClient(v, "alice");
        Content one = content(1);
        c.upload(one);
        Map<String, List<dev.chunkvault.service.store.Item>> before = v.items.snapshot();
        for (String path : List.of("", "a/../b", "a//b", "x\u0000y", "\u202Eevil.exe", "/")) {
            fails(ErrorKind.BAD_REQUEST, () -> c.commit(path, null, one, "key-bad-path"));
        }
        fails(ErrorKind.BAD_REQUEST, () -> c.commit("a.txt", null, one, "short"));
        fails(ErrorKind.BAD_REQUEST, () -> c.commit("a.txt", "not-a-version", one, "key-bad-parent"));
        fails(ErrorKind.BAD_REQUEST, () -> v.commits.commit(new CommitService.CommitRequest(c.owner, "a.txt", null,
                new CommitService.Source.Full(one.manifest()), one.size() + 1, one.sha256(), 0, "key-bad-size")));
        fails(ErrorKind.BAD_REQUEST, () -> v.commits.commit(new CommitService.CommitRequest(c.owner, "a.txt", null,
                new CommitService.Source.Full(Manifest.of("unknown-profile", one.manifest().entries())), one.size(),
                one.sha256(), 0, "key-bad-profile")));
        fails(ErrorKind.BAD_REQUEST, () -> v.commits.commit(new CommitService.CommitRequest(c.owner, "a.txt", null,
                new CommitService.Source.Full(one.manifest()), one.size(), "ABC", 0, "key-bad-hash")));
        assertEquals(before, v.items.snapshot());
    }

    @Test
    void emptyFile() {
        TestVault v = new TestVault();
        FakeClient c = new FakeClient(v, "alice");
        Content empty = new Content(List.of());
        CommitService.CommitResult r = c.commit("empty.txt", null, empty, "key-empty-1");
        assertEquals(0, r.version().size());
        assertEquals(0, v.reads.download(c.owner, "empty.txt", null, null).chunks().size());
        assertNull(v.reads.download(c.owner, "empty.txt", null, null).manifestUrl());
        assertNotEquals(null, v.reads.download(c.owner, "empty.txt", null, null).manifest());
    }
}
