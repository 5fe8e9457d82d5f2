package dev.chunkvault.service.vault;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.core.chunking.Chunk;
import dev.chunkvault.core.chunking.ChunkedContent;
import dev.chunkvault.core.chunking.Chunker;
import dev.chunkvault.core.chunking.ChunkingProfile;
import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.core.manifest.Manifest;
import dev.chunkvault.core.manifest.ManifestDelta;
import dev.chunkvault.core.manifest.ManifestEntry;
import dev.chunkvault.core.merge.ConflictRegion;
import dev.chunkvault.service.error.ErrorKind;
import dev.chunkvault.service.error.ServiceException;
import dev.chunkvault.service.sim.FakeClient;
import dev.chunkvault.service.sim.FakeClient.Content;
import dev.chunkvault.service.sim.TestVault;
import dev.chunkvault.service.store.Item;
import dev.chunkvault.service.vault.ConflictService.Action;
import dev.chunkvault.service.vault.ConflictService.BaseStatus;
import dev.chunkvault.service.vault.ConflictService.Collision;
import dev.chunkvault.service.vault.ConflictService.CollisionKind;
import dev.chunkvault.service.vault.ConflictService.Direction;
import dev.chunkvault.service.vault.ConflictService.LocalState;
import dev.chunkvault.service.vault.ConflictService.Outcome;
import dev.chunkvault.service.vault.ConflictService.Unmergeable;
import dev.chunkvault.service.vault.ConflictService.Verdict;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Every conflict-check outcome on the in-memory fakes, with real commits, deletes, restores, expiry and GC. */
class ConflictServiceTest {
    private static final long SEED = 0xC0_4F11C7L;
    private static final LocalDateTime AT = LocalDateTime.of(2026, 3, 4, 5, 6, 7);
    private static final LocalState UNCHANGED = new LocalState.Unchanged();
    private static final LocalState DELETED = new LocalState.Deleted();
    private static final Chunker CHUNKER = Chunker.of(ChunkingProfile.DEFAULT);
    private static final int MIB = 1 << 20;

    private final Random random = new Random(SEED);
    private final TestVault v = new TestVault();
    private final FakeClient alice = new FakeClient(v, "alice");
    private int keys;

    ConflictServiceTest() {
        System.out.println("ConflictServiceTest seed=" + SEED);
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    /** Synthetic content: the test chooses the cut points (the service never re-chunks). */
    private Content content(int chunks) {
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < chunks; i++) {
            out.add(bytes(100 + random.nextInt(900)));
        }
        return new Content(out);
    }

    private static Content replaced(Content c, int index, byte[] chunk) {
        List<byte[]> out = new ArrayList<>(c.chunks());
        out.set(index, chunk);
        return new Content(out);
    }

    private String key() {
        return String.format("conflict-key-%04d", ++keys);
    }

    /** Uploads and commits; returns the new version id. */
    private String commit(FakeClient c, String path, String parent, Content content) {
        c.upload(content);
        return c.commit(path, parent, content, key()).version().versionId();
    }

    private String delete(String path, String parent) {
        return alice.delete(path, parent, key()).version().versionId();
    }

    private Verdict check(String path, String base, LocalState local) {
        return v.conflicts.check(alice.owner, path, base, local, null, "phone", AT);
    }

    private static LocalState modified(Content c) {
        return new LocalState.Modified(c.manifest());
    }

    private static void assertVerdict(Verdict verdict, Outcome outcome, Direction direction, Action action) {
        assertEquals(outcome, verdict.outcome(), verdict.toString());
        assertEquals(direction, verdict.direction(), verdict.toString());
        assertEquals(action, verdict.action(), verdict.toString());
    }

    private static ServiceException fails(ErrorKind kind, String code, Runnable r) {
        ServiceException e = assertThrows(ServiceException.class, r::run);
        assertEquals(kind, e.kind(), e.code() + ": " + e.getMessage());
        assertEquals(code, e.code(), e.getMessage());
        return e;
    }

    @Test
    void noChangeWhenNeitherSideMoved() {
        Content one = content(4);
        String v1 = commit(alice, "notes/a.txt", null, one);
        Verdict verdict = check("notes/a.txt", v1, UNCHANGED);
        assertVerdict(verdict, Outcome.NO_CHANGE, null, Action.NONE);
        assertEquals(BaseStatus.RETAINED, verdict.baseStatus());
        assertEquals(v1, verdict.ancestor().versionId());
        assertEquals(v1, verdict.head().versionId());
        assertNull(verdict.merge());
        assertNull(verdict.conflictedCopyPath());
        assertEquals(List.of(), verdict.collisions());
        // A local manifest equal to the base is no change either.
        assertVerdict(check("notes/a.txt", v1, modified(one)), Outcome.NO_CHANGE, null, Action.NONE);
        // Nor is a remote history that came back to the base's content (edit, then restore).
        String v2 = commit(alice, "notes/a.txt", v1, content(2));
        String v3 = alice.restore("notes/a.txt", v1, key()).version().versionId();
        Verdict restored = check("notes/a.txt", v1, UNCHANGED);
        assertVerdict(restored, Outcome.NO_CHANGE, null, Action.NONE);
        assertEquals(v3, restored.head().versionId());
        assertTrue(!v2.equals(v3));
    }

    @Test
    void fastForwardPushThenCommitWithTheHeadAsParent() {
        Content one = content(4);
        String v1 = commit(alice, "a.txt", null, one);
        Content edited = replaced(one, 1, bytes(500));
        Verdict verdict = check("a.txt", v1, modified(edited));
        assertVerdict(verdict, Outcome.FAST_FORWARD, Direction.PUSH, Action.PUSH);
        alice.upload(edited);
        assertEquals(CommitService.Outcome.CREATED,
                alice.commit("a.txt", verdict.head().versionId(), edited, key()).outcome());
        // A local deletion of an unchanged file is a push too.
        String v2 = v.reads.file(alice.owner, "a.txt", false).version();
        assertVerdict(check("a.txt", v2, DELETED), Outcome.FAST_FORWARD, Direction.PUSH, Action.PUSH);
    }

    @Test
    void fastForwardPullOfAnEditAndOfADeletion() {
        Content one = content(4);
        String v1 = commit(alice, "a.txt", null, one);
        String v2 = commit(alice, "a.txt", v1, replaced(one, 0, bytes(300)));
        Verdict pull = check("a.txt", v1, UNCHANGED);
        assertVerdict(pull, Outcome.FAST_FORWARD, Direction.PULL, Action.PULL);
        assertEquals(v1, pull.ancestor().versionId());
        assertEquals(v2, pull.head().versionId());
        assertFalse(pull.head().deleted());

        String v3 = delete("a.txt", v2);
        Verdict pullDeletion = check("a.txt", v2, UNCHANGED);
        assertVerdict(pullDeletion, Outcome.FAST_FORWARD, Direction.PULL, Action.PULL);
        assertEquals(v3, pullDeletion.head().versionId());
        assertTrue(pullDeletion.head().deleted(), "the head is a deletion: delete the local copy");
    }

    @Test
    void identicalContentOnBothSides() {
        Content one = content(4);
        String v1 = commit(alice, "a.txt", null, one);
        Content same = replaced(one, 2, bytes(700));
        String v2 = commit(alice, "a.txt", v1, same);
        Verdict verdict = check("a.txt", v1, modified(new Content(same.chunks())));
        assertVerdict(verdict, Outcome.IDENTICAL_CONTENT, null, Action.NONE);
        assertEquals(v2, verdict.head().versionId());
        assertNull(verdict.conflictedCopyPath());
    }

    /** An ancestor of real bytes, two byte-edited versions, all cut with the default FastCDC profile. */
    private record Scenario(byte[] ancestor, byte[] local, byte[] remote, byte[] both, Map<ChunkId, byte[]> store) {}

    /** Local overwrites {@code [localAt, +n)}, remote inserts at {@code remoteAt}, in a 10 MiB file. */
    private Scenario scenario(int localAt, int localLength, int remoteAt, int remoteLength) {
        byte[] a = bytes(10 * MIB);
        byte[] overwrite = bytes(localLength);
        byte[] insert = bytes(remoteLength);
        byte[] l = a.clone();
        System.arraycopy(overwrite, 0, l, localAt, localLength);
        byte[] r = concat(Arrays.copyOfRange(a, 0, remoteAt), insert, Arrays.copyOfRange(a, remoteAt, a.length));
        byte[] both = null;
        if (localAt + localLength <= remoteAt) {
            both = r.clone();
            System.arraycopy(overwrite, 0, both, localAt, localLength);
        }
        return new Scenario(a, l, r, both, new HashMap<>());
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static Content cut(byte[] data, Map<ChunkId, byte[]> store) {
        ChunkedContent c = CHUNKER.chunkAll(data);
        List<byte[]> chunks = new ArrayList<>();
        for (Chunk ch : c.chunks()) {
            byte[] b = Arrays.copyOfRange(data, (int) ch.offset(), (int) ch.end());
            store.putIfAbsent(ch.id(), b);
            chunks.add(b);
        }
        return new Content(chunks);
    }

    private static byte[] bytesOf(Manifest m, Map<ChunkId, byte[]> store) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (ManifestEntry e : m.entries()) {
            out.writeBytes(store.get(e.id()));
        }
        return out.toByteArray();
    }

    private static String sha256(byte[] b) {
        return HexFormat.of().formatHex(dev.chunkvault.core.hash.Sha256.newDigest().digest(b));
    }

    @Test
    void twoWritersRaceAndTheLoserCommitsTheMergeOfDisjointEdits() {
        Scenario s = scenario(MIB, 100, 9 * MIB, 5000);
        Content ancestor = cut(s.ancestor(), s.store());
        Content laptop = cut(s.remote(), s.store());
        Content phone = cut(s.local(), s.store());
        String v1 = commit(alice, "docs/big.bin", null, ancestor);

        // Both devices commit on v1: the laptop wins, the phone's commit is refused as stale.
        alice.upload(laptop);
        alice.upload(phone);
        String v2 = alice.commit("docs/big.bin", v1, laptop, key()).version().versionId();
        fails(ErrorKind.CONFLICT, "STALE_PARENT", () -> alice.commit("docs/big.bin", v1, phone, key()));

        Verdict verdict = check("docs/big.bin", v1, modified(phone));
        assertVerdict(verdict, Outcome.MODIFY_MODIFY, null, Action.COMMIT_MERGED);
        assertEquals(v1, verdict.ancestor().versionId());
        assertEquals(v2, verdict.head().versionId());
        assertNull(verdict.unmergeable());
        assertNull(verdict.conflictedCopyPath());
        ConflictService.Merge merge = verdict.merge();
        assertTrue(merge.clean());
        assertEquals(List.of(), merge.regions());
        byte[] mergedBytes = bytesOf(merge.merged(), s.store());
        assertArrayEquals(s.both(), mergedBytes, "the merge is the ancestor with both edits");
        assertEquals(s.both().length, merge.mergedSize());
        assertEquals(merge.merged().chunkCount(), merge.mergedChunkCount());
        // The deltas the client uses: from its local manifest (to write the file), from the head (to commit).
        assertEquals(merge.merged(), merge.mergedFromLocal().apply(phone.manifest()));
        assertEquals(merge.merged(), merge.mergedFromHead().apply(laptop.manifest()));
        assertTrue(merge.mergedFromHead().ops().size() <= 5, "a small delta: " + merge.mergedFromHead().ops().size());

        // One step: commit the merge with the head as parent, as a delta.
        CommitService.CommitResult committed = v.commits.commit(new CommitService.CommitRequest(alice.owner,
                "docs/big.bin", v2, new CommitService.Source.Delta(merge.mergedFromHead()), merge.mergedSize(),
                sha256(mergedBytes), 0, key()));
        assertEquals(CommitService.Outcome.CREATED, committed.outcome());
        ReadService.DownloadPlan plan = v.reads.download(alice.owner, "docs/big.bin", null, null);
        assertEquals(merge.merged(), plan.manifest());
        for (ChunkId id : plan.manifest().distinctIds()) {
            assertArrayEquals(s.store().get(id), v.blobs.get(ChunkRow.objectKey(id)).orElseThrow());
        }
        // Afterwards the phone is simply behind by a fast-forward.
        assertVerdict(check("docs/big.bin", committed.version().versionId(), UNCHANGED), Outcome.NO_CHANGE, null,
                Action.NONE);
        new Oracle(v).referencedChunksIntact();
        new Oracle(v).countsMatchRecount();
    }

    @Test
    void overlappingEditsKeepBothWithAConflictedCopy() {
        Scenario s = scenario(5 * MIB, 4000, 5 * MIB + 1000, 100);
        Content ancestor = cut(s.ancestor(), s.store());
        String v1 = commit(alice, "docs/big.bin", null, ancestor);
        String v2 = commit(alice, "docs/big.bin", v1, cut(s.remote(), s.store()));
        Content phone = cut(s.local(), s.store());

        Verdict verdict = check("docs/big.bin", v1, modified(phone));
        assertVerdict(verdict, Outcome.MODIFY_MODIFY, null, Action.KEEP_BOTH);
        assertEquals(Unmergeable.CONFLICTING_EDITS, verdict.unmergeable());
        assertFalse(verdict.merge().clean());
        assertNull(verdict.merge().merged());
        List<ConflictRegion> regions = verdict.merge().regions();
        assertEquals(1, regions.size());
        ConflictRegion region = regions.get(0);
        assertTrue(region.ancestor().startByte() <= 5 * MIB + 1000 && 5 * MIB + 1000 <= region.ancestor().endByte(),
                region.toString());
        assertEquals("docs/big (conflicted copy phone 2026-03-04 050607).bin", verdict.conflictedCopyPath());
        assertEquals(v2, verdict.head().versionId());

        // Keep both: the local copy as a new file, then a second conflict in the same second gets number 2.
        alice.upload(phone);
        alice.commit(verdict.conflictedCopyPath(), null, phone, key());
        Verdict again = check("docs/big.bin", v1, modified(phone));
        assertEquals("docs/big (conflicted copy phone 2026-03-04 050607 2).bin", again.conflictedCopyPath());
    }

    @Test
    void modifyDeleteRecreatesAndDeleteModifyPulls() {
        Content one = content(4);
        String v1 = commit(alice, "a.txt", null, one);
        String v2 = delete("a.txt", v1);
        Content edited = replaced(one, 3, bytes(100));
        Verdict md = check("a.txt", v1, modified(edited));
        assertVerdict(md, Outcome.MODIFY_DELETE, null, Action.PUSH);
        assertTrue(md.head().deleted());
        assertEquals(v2, md.head().versionId());
        assertEquals("a (conflicted copy phone 2026-03-04 050607).txt", md.conflictedCopyPath(),
                "for clients that keep the deletion");
        alice.upload(edited);
        assertEquals(CommitService.Outcome.CREATED, alice.commit("a.txt", v2, edited, key()).outcome(),
                "the edit re-creates the file on top of the deletion");

        String v3 = v.reads.file(alice.owner, "a.txt", false).version();
        String v4 = commit(alice, "a.txt", v3, content(3));
        Verdict dm = check("a.txt", v3, DELETED);
        assertVerdict(dm, Outcome.DELETE_MODIFY, null, Action.PULL);
        assertEquals(v4, dm.head().versionId());
        assertNull(dm.conflictedCopyPath(), "nothing local to keep");
    }

    @Test
    void deleteDeleteAndTombstoneBases() {
        Content one = content(4);
        String v1 = commit(alice, "a.txt", null, one);
        String v2 = delete("a.txt", v1);
        assertVerdict(check("a.txt", v1, DELETED), Outcome.DELETE_DELETE, null, Action.NONE);
        // The client knows the deletion: still deleted is no change; re-created is a push.
        Verdict known = check("a.txt", v2, DELETED);
        assertVerdict(known, Outcome.NO_CHANGE, null, Action.NONE);
        assertTrue(known.ancestor().deleted());
        assertVerdict(check("a.txt", v2, UNCHANGED), Outcome.NO_CHANGE, null, Action.NONE);
        Content mine = content(3);
        assertVerdict(check("a.txt", v2, modified(mine)), Outcome.FAST_FORWARD, Direction.PUSH, Action.PUSH);
        // Both re-created the deleted file differently: no common content to merge on.
        String v3 = commit(alice, "a.txt", v2, content(2));
        Verdict both = check("a.txt", v2, modified(mine));
        assertVerdict(both, Outcome.MODIFY_MODIFY, null, Action.KEEP_BOTH);
        assertEquals(Unmergeable.NO_ANCESTOR, both.unmergeable());
        assertNull(both.merge());
        assertEquals(v3, both.head().versionId());
        assertNotNull(both.conflictedCopyPath());
        // A remote re-creation the client did not make: pull.
        assertVerdict(check("a.txt", v2, DELETED), Outcome.FAST_FORWARD, Direction.PULL, Action.PULL);
    }

    @Test
    void withoutABase() {
        Content mine = content(3);
        Verdict fresh = check("new.txt", null, modified(mine));
        assertVerdict(fresh, Outcome.FAST_FORWARD, Direction.PUSH, Action.PUSH);
        assertEquals(BaseStatus.NONE, fresh.baseStatus());
        assertNull(fresh.head());
        assertNull(fresh.ancestor());
        assertVerdict(check("new.txt", null, DELETED), Outcome.NO_CHANGE, null, Action.NONE);

        // Both created the file.
        String v1 = commit(alice, "new.txt", null, mine);
        assertVerdict(check("new.txt", null, modified(new Content(mine.chunks()))), Outcome.IDENTICAL_CONTENT, null,
                Action.NONE);
        Verdict both = check("new.txt", null, modified(content(2)));
        assertVerdict(both, Outcome.MODIFY_MODIFY, null, Action.KEEP_BOTH);
        assertEquals(Unmergeable.NO_ANCESTOR, both.unmergeable());
        assertEquals("new (conflicted copy phone 2026-03-04 050607).txt", both.conflictedCopyPath());
        assertVerdict(check("new.txt", null, DELETED), Outcome.FAST_FORWARD, Direction.PULL, Action.PULL);

        // Over a deleted file a new local file is a plain push (the commit re-creates it without a parent).
        delete("new.txt", v1);
        assertVerdict(check("new.txt", null, modified(content(2))), Outcome.FAST_FORWARD, Direction.PUSH, Action.PUSH);
        assertVerdict(check("new.txt", null, DELETED), Outcome.NO_CHANGE, null, Action.NONE);
    }

    @Test
    void anExpiredBaseHasNoAncestor() {
        TestVault shortLived = new TestVault(Settings.DEFAULTS.withParallelism(1).withRetention(Duration.ofDays(1)));
        FakeClient c = new FakeClient(shortLived, "alice");
        Content one = content(4);
        c.upload(one);
        String v1 = c.commit("a.txt", null, one, key()).version().versionId();
        Content two = replaced(one, 0, bytes(400));
        c.upload(two);
        String v2 = c.commit("a.txt", v1, two, key()).version().versionId();
        ConflictService.Verdict before = shortLived.conflicts.check(c.owner, "a.txt", v1, UNCHANGED, null, "phone", AT);
        assertEquals(BaseStatus.RETAINED, before.baseStatus());
        shortLived.clock.advance(Duration.ofDays(2));

        Verdict unchanged = shortLived.conflicts.check(c.owner, "a.txt", v1, UNCHANGED, null, "phone", AT);
        assertVerdict(unchanged, Outcome.FAST_FORWARD, Direction.PULL, Action.PULL);
        assertEquals(BaseStatus.NOT_RETAINED, unchanged.baseStatus());
        assertNull(unchanged.ancestor());
        assertEquals(v2, unchanged.head().versionId());

        Verdict edited = shortLived.conflicts.check(c.owner, "a.txt", v1, modified(replaced(one, 1, bytes(10))), null,
                "phone", AT);
        assertVerdict(edited, Outcome.MODIFY_MODIFY, null, Action.KEEP_BOTH);
        assertEquals(Unmergeable.NO_ANCESTOR, edited.unmergeable());
        assertEquals("a (conflicted copy phone 2026-03-04 050607).txt", edited.conflictedCopyPath());
        assertVerdict(shortLived.conflicts.check(c.owner, "a.txt", v1, DELETED, null, "phone", AT),
                Outcome.DELETE_MODIFY, null, Action.PULL);
        assertVerdict(shortLived.conflicts.check(c.owner, "a.txt", v1, modified(two), null, "phone", AT),
                Outcome.IDENTICAL_CONTENT, null, Action.NONE);
        fails(ErrorKind.UNPROCESSABLE, "BASE_NOT_RETAINED", () -> shortLived.conflicts.check(c.owner, "a.txt", v1,
                new LocalState.ModifiedDelta(ManifestDelta.compute(one.manifest(), two.manifest())), null, "phone", AT));
    }

    @Test
    void aPurgedAndRecreatedPathIsAnotherFile() {
        TestVault shortLived = new TestVault(Settings.DEFAULTS.withParallelism(1).withRetention(Duration.ofDays(1)));
        FakeClient c = new FakeClient(shortLived, "alice");
        Content one = content(4);
        c.upload(one);
        String v1 = c.commit("a.txt", null, one, key()).version().versionId();
        c.delete("a.txt", v1, key());
        shortLived.clock.advance(Duration.ofDays(3));
        assertTrue(shortLived.gc.run("purge", () -> true).complete());
        assertThrows(ServiceException.class, () -> shortLived.reads.file(c.owner, "a.txt", true), "purged");

        // Purged, with a base: the remote deleted it.
        assertVerdict(shortLived.conflicts.check(c.owner, "a.txt", v1, modified(one), null, "phone", AT),
                Outcome.MODIFY_DELETE, null, Action.PUSH);
        assertVerdict(shortLived.conflicts.check(c.owner, "a.txt", v1, UNCHANGED, null, "phone", AT),
                Outcome.FAST_FORWARD, Direction.PULL, Action.PULL);
        assertVerdict(shortLived.conflicts.check(c.owner, "a.txt", v1, DELETED, null, "phone", AT),
                Outcome.DELETE_DELETE, null, Action.NONE);

        // Re-created by someone else: a new file id, so v1 is no ancestor of its head, even if the ids look alike.
        Content other = content(3);
        c.upload(other);
        String w1 = c.commit("a.txt", null, other, key()).version().versionId();
        Verdict verdict = shortLived.conflicts.check(c.owner, "a.txt", v1, modified(replaced(one, 0, bytes(5))), null,
                "phone", AT);
        assertVerdict(verdict, Outcome.MODIFY_MODIFY, null, Action.KEEP_BOTH);
        assertEquals(BaseStatus.NOT_RETAINED, verdict.baseStatus());
        assertEquals(w1, verdict.head().versionId());
    }

    @Test
    void caseNormalisationAndInvisibleCollisions() {
        String v1 = commit(alice, "Docs/Report.txt", null, content(2));
        Verdict cased = check("docs/report.txt", v1, UNCHANGED);
        assertVerdict(cased, Outcome.NO_CHANGE, null, Action.NONE);
        assertEquals(List.of(new Collision(CollisionKind.CASE, "Docs", "docs"),
                new Collision(CollisionKind.CASE, "Docs/Report.txt", "docs/report.txt")), cased.collisions());
        assertEquals(List.of(), check("Docs/Report.txt", v1, UNCHANGED).collisions());

        String nfc = "Caf\u00e9.txt";
        String nfd = "Cafe\u0301.txt";
        String c1 = commit(alice, nfc, null, content(2));
        assertEquals(List.of(new Collision(CollisionKind.NORMALIZATION, nfc, nfd)),
                v.conflicts.check(alice.owner, nfc, c1, UNCHANGED, nfd, "phone", AT).collisions());
        assertEquals(List.of(new Collision(CollisionKind.NORMALIZATION, nfc, nfd)),
                check(nfd, c1, UNCHANGED).collisions(), "the path itself as spelled on disk");
        // Case and normalisation at once: case is what the user sees.
        assertEquals(CollisionKind.CASE, check("cafe\u0301.txt", c1, UNCHANGED).collisions().get(0).kind());

        String n1 = commit(alice, "notes.txt", null, content(2));
        String zwsp = "no\u200Btes.txt";
        assertEquals(List.of(new Collision(CollisionKind.INVISIBLE, "notes.txt", zwsp)),
                check(zwsp, n1, UNCHANGED).collisions());

        // A new file in an existing folder spelled differently: the folder collides.
        Verdict folder = check("docs/new.txt", null, modified(content(1)));
        assertVerdict(folder, Outcome.FAST_FORWARD, Direction.PUSH, Action.PUSH);
        assertEquals(List.of(new Collision(CollisionKind.CASE, "Docs", "docs")), folder.collisions());
        assertEquals(List.of(), check("Docs/new.txt", null, modified(content(1))).collisions());
    }

    @Test
    void anotherTenantsFileAnswersLikeAMissingOne() {
        Content secret = content(4);
        String v1 = commit(alice, "Secret/plan.txt", null, secret);
        FakeClient bob = new FakeClient(v, "bob");
        for (LocalState local : List.of(modified(secret), UNCHANGED, DELETED)) {
            Verdict theirs = v.conflicts.check(bob.owner, "secret/PLAN.txt", v1, local, null, "phone", AT);
            Verdict missing = v.conflicts.check(bob.owner, "nothing/PLAN.txt", v1, local, null, "phone", AT);
            assertEquals(missing.outcome(), theirs.outcome());
            assertEquals(missing.action(), theirs.action());
            assertEquals(BaseStatus.NOT_RETAINED, theirs.baseStatus());
            assertNull(theirs.head());
            assertNull(theirs.ancestor());
            assertEquals(List.of(), theirs.collisions(), "no hint of Alice's spelling");
            if (theirs.conflictedCopyPath() != null) {
                assertEquals("secret/PLAN (conflicted copy phone 2026-03-04 050607).txt", theirs.conflictedCopyPath());
            }
        }
        Verdict noBase = v.conflicts.check(bob.owner, "secret/plan.txt", null, modified(secret), null, "phone", AT);
        assertVerdict(noBase, Outcome.FAST_FORWARD, Direction.PUSH, Action.PUSH);
        assertEquals(List.of(), noBase.collisions());
        fails(ErrorKind.UNPROCESSABLE, "BASE_NOT_RETAINED", () -> v.conflicts.check(bob.owner, "Secret/plan.txt", v1,
                new LocalState.ModifiedDelta(ManifestDelta.compute(secret.manifest(), content(1).manifest())), null,
                "phone", AT));
    }

    @Test
    void largeManifestsStoredInTheBlobStoreMerge() {
        TestVault large = new TestVault(Settings.DEFAULTS.withParallelism(1).withInlineManifestBytes(512));
        FakeClient c = new FakeClient(large, "alice");
        Content base = content(60);
        c.upload(base);
        String v1 = c.commit("big.bin", null, base, key()).version().versionId();
        Content remote = replaced(base, 5, bytes(321));
        c.upload(remote);
        String v2 = c.commit("big.bin", v1, remote, key()).version().versionId();
        assertTrue(large.blobs.keys().stream().filter(k -> k.startsWith("manifests/")).count() >= 2,
                "the manifests live in the blob store: " + large.blobs.keys());
        Content local = replaced(base, 50, bytes(123));
        Verdict verdict = large.conflicts.check(c.owner, "big.bin", v1,
                new LocalState.ModifiedDelta(ManifestDelta.compute(base.manifest(), local.manifest())), null, "phone", AT);
        assertVerdict(verdict, Outcome.MODIFY_MODIFY, null, Action.COMMIT_MERGED);
        assertEquals(v2, verdict.head().versionId());
        assertEquals(replaced(remote, 50, local.chunks().get(50)).manifest(), verdict.merge().merged());
    }

    @Test
    void aDeltaLocalStateMeansTheSameAsTheWholeManifest() {
        Content base = content(20);
        String v1 = commit(alice, "a.bin", null, base);
        commit(alice, "a.bin", v1, replaced(base, 2, bytes(222)));
        for (Content local : List.of(replaced(base, 15, bytes(150)), replaced(base, 2, bytes(333)), base)) {
            Verdict whole = check("a.bin", v1, modified(local));
            Verdict delta = check("a.bin", v1,
                    new LocalState.ModifiedDelta(ManifestDelta.compute(base.manifest(), local.manifest())));
            assertEquals(whole.outcome(), delta.outcome());
            assertEquals(whole.action(), delta.action());
            assertEquals(whole.merge() == null ? null : whole.merge().merged(),
                    delta.merge() == null ? null : delta.merge().merged());
            assertEquals(whole.conflictedCopyPath(), delta.conflictedCopyPath());
        }
    }

    @Test
    void badInputIsRefusedAndNothingIsEverWritten() {
        Content base = content(3);
        String v1 = commit(alice, "a.txt", null, base);
        Map<String, List<Item>> before = v.items.snapshot();
        List<String> objects = v.blobs.keys();

        fails(ErrorKind.BAD_REQUEST, "INVALID_PATH", () -> check("a/../b.txt", v1, UNCHANGED));
        fails(ErrorKind.BAD_REQUEST, "INVALID_VERSION", () -> check("a.txt", "v1", UNCHANGED));
        fails(ErrorKind.BAD_REQUEST, "BASE_REQUIRED", () -> check("a.txt", null, UNCHANGED));
        fails(ErrorKind.BAD_REQUEST, "DELTA_WITHOUT_BASE", () -> check("a.txt", null,
                new LocalState.ModifiedDelta(ManifestDelta.compute(base.manifest(), base.manifest()))));
        fails(ErrorKind.BAD_REQUEST, "INVALID_MANIFEST_DELTA", () -> check("a.txt", v1,
                new LocalState.ModifiedDelta(ManifestDelta.of(List.of(new ManifestDelta.Copy(2, 5))))));
        fails(ErrorKind.BAD_REQUEST, "LOCAL_NAME_MISMATCH",
                () -> v.conflicts.check(alice.owner, "a.txt", v1, UNCHANGED, "b.txt", "phone", AT));
        fails(ErrorKind.BAD_REQUEST, "INVALID_LOCAL_NAME",
                () -> v.conflicts.check(alice.owner, "a.txt", v1, UNCHANGED, "x/a.txt", "phone", AT));
        fails(ErrorKind.BAD_REQUEST, "UNKNOWN_PROFILE", () -> check("a.txt", v1,
                new LocalState.Modified(Manifest.of("made-up-profile", base.manifest().entries()))));

        // And the successful checks of the other tests write nothing either.
        check("a.txt", v1, modified(content(2)));
        check("a.txt", null, modified(content(2)));
        check("a.txt", v1, DELETED);
        assertEquals(before, v.items.snapshot(), "conflict-check never writes");
        assertEquals(objects, v.blobs.keys());
    }

    @Test
    void conflictedCopyNamesAreNeverNestedAndUseTheServiceClockWithoutADeviceTime() {
        String marked = "report (conflicted copy laptop 2026-01-01 000000).txt";
        String v1 = commit(alice, marked, null, content(2));
        commit(alice, marked, v1, content(2));
        Verdict verdict = check(marked, v1, modified(content(2)));
        assertEquals("report (conflicted copy phone 2026-03-04 050607).txt", verdict.conflictedCopyPath());

        Verdict defaults = v.conflicts.check(alice.owner, marked, v1, modified(content(2)), null, null, null);
        assertEquals("report (conflicted copy unknown device 2026-01-01 000000).txt", defaults.conflictedCopyPath(),
                "the test clock's UTC time");
    }
}
