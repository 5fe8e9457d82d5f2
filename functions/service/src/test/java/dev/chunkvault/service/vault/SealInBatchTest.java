package dev.chunkvault.service.vault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.core.pack.PackFormat;
import dev.chunkvault.service.error.ErrorKind;
import dev.chunkvault.service.error.ServiceException;
import dev.chunkvault.service.sim.FakeClient;
import dev.chunkvault.service.sim.FakeClient.Content;
import dev.chunkvault.service.sim.TestVault;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Packs sealed by the commit batch that uses them ({@link CommitBatches}, docs/storage-model.md "Packs"), on the fakes:
 * the seal is the seal route's own (same verification, same answers), it runs before any commit of the batch looks at
 * a chunk, a bad pack refuses only the commits that need it, a retried batch answers the same and counts nothing twice,
 * and the work per request is bounded.
 */
class SealInBatchTest {
    private final Random random = new Random(11);
    private final TestVault v = new TestVault();
    private final FakeClient alice = new FakeClient(v, "alice");
    private final FakeClient bob = new FakeClient(v, "bob");
    private final CommitBatches batches = new CommitBatches(v.packs, v.commits);

    private Content content(int chunks, int size) {
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < chunks; i++) {
            byte[] b = new byte[size + random.nextInt(1_000)];
            random.nextBytes(b);
            out.add(b);
        }
        return new Content(out);
    }

    private Content content(int chunks) {
        return content(chunks, 1_000);
    }

    /** Declares a pack of {@code chunks} for {@code who} and PUTs it, with chunk {@code lie} (if >= 0) replaced. */
    private String declareAndPut(FakeClient who, List<byte[]> chunks, int lie) {
        PackFormat.Builder b = new PackFormat.Builder();
        for (int i = 0; i < chunks.size(); i++) {
            byte[] sent = chunks.get(i);
            if (i == lie) {
                sent = sent.clone();
                sent[0] ^= 1; // same length, other bytes, under the claimed id
            }
            b.add(ChunkId.sha256(chunks.get(i)), sent);
        }
        byte[] pack = b.finish();
        PackService.Declared d = v.packs.declare(who.owner, ChunkId.sha256(pack), pack.length, b.entries());
        assertEquals(200, v.backend.send("PUT", d.upload().url(), d.upload().headers(), pack).status());
        return d.packId();
    }

    private PackRow pack(String id) {
        return PackRow.from(v.items.get(Tables.CHUNKS, PackRow.key(id)).orElseThrow());
    }

    private static List<byte[]> concat(Content... cs) {
        List<byte[]> out = new ArrayList<>();
        for (Content c : cs) {
            out.addAll(c.chunks());
        }
        return out;
    }

    @Test
    void aBatchSealsThePackItsCommitsUseAndARetriedBatchAnswersTheSame() {
        Content a = content(4);
        Content b = content(3);
        String packId = declareAndPut(alice, concat(a, b), -1);
        List<CommitService.CommitRequest> commits = List.of(alice.request("a.bin", null, a, "seal-batch-a"),
                alice.request("b.bin", null, b, "seal-batch-b"));

        CommitBatches.Answer first = batches.commit(alice.owner, List.of(packId), commits);
        assertEquals(1, first.seals().size());
        PackService.SealItem s = first.seals().get(0);
        assertEquals(packId, s.packId());
        assertNull(s.error());
        assertEquals(7, s.sealed().placed());
        assertTrue(s.sealed().uploads().isEmpty() && s.sealed().retry().isEmpty());
        first.commits().forEach(i -> assertNull(i.error(), () -> "committed: " + i.error()));
        assertEquals(PackRow.State.SEALED, pack(packId).state());
        assertEquals(7, pack(packId).liveChunks());

        // The client lost the answer and sends the batch again: the seal and the commits answer as before.
        CommitBatches.Answer again = batches.commit(alice.owner, List.of(packId), commits);
        assertEquals(7, again.seals().get(0).sealed().placed());
        for (int i = 0; i < 2; i++) {
            assertNull(again.commits().get(i).error());
            assertEquals(first.commits().get(i).result().version().versionId(),
                    again.commits().get(i).result().version().versionId());
        }
        assertEquals(7, pack(packId).liveChunks(), "a retried batch counts nothing twice");
        assertEquals(a.size() + b.size(), pack(packId).liveBytes());
    }

    @Test
    void aDamagedPackRefusesOnlyTheCommitsThatNeedItWithTheSealRoutesAnswer() {
        Content a = content(3);
        Content plain = content(2);
        alice.upload(plain);
        String packId = declareAndPut(alice, a.chunks(), 1);

        CommitBatches.Answer answer = batches.commit(alice.owner, List.of(packId), List.of(
                alice.request("a.bin", null, a, "damaged-a"), alice.request("plain.bin", null, plain, "damaged-plain")));
        ServiceException sealError = answer.seals().get(0).error();
        assertNotNull(sealError);
        assertEquals(ErrorKind.UNPROCESSABLE, sealError.kind());
        assertEquals(PackService.DAMAGED_CODE, sealError.code());
        assertEquals(List.of(ChunkId.sha256(a.chunks().get(1)).hex()), sealError.details().get("damaged"));
        assertEquals("MISSING_CHUNKS", answer.commits().get(0).error().code(), "the commit that needs the pack");
        assertNull(answer.commits().get(1).error(), "the other commit goes on");
        assertEquals(PackRow.State.REJECTED, pack(packId).state());
        for (byte[] c : a.chunks()) {
            assertTrue(v.items.get(Tables.CHUNKS, ChunkRow.key(ChunkId.sha256(c))).isEmpty(), "nothing placed");
        }
        // The seal route answers the same for it.
        assertEquals(PackService.DAMAGED_CODE,
                assertThrows(ServiceException.class, () -> v.packs.seal(alice.owner, packId)).code());
    }

    @Test
    void aPackNeverUploadedOrAnotherTenantsIsRefusedAsTheSealRouteRefusesIt() {
        Content a = content(2);
        PackFormat.Builder b = new PackFormat.Builder();
        a.chunks().forEach(c -> b.add(ChunkId.sha256(c), c));
        byte[] pack = b.finish();
        String notUploaded = v.packs.declare(alice.owner, ChunkId.sha256(pack), pack.length, b.entries()).packId();
        String alices = declareAndPut(alice, content(2).chunks(), -1);

        CommitBatches.Answer answer = batches.commit(bob.owner, List.of(alices), List.of(bob.request("x.bin", null, a, "bob-x-commit")));
        assertEquals(ErrorKind.NOT_FOUND, answer.seals().get(0).error().kind());
        assertEquals(PackRow.State.PENDING, pack(alices).state(), "bob cannot seal alice's pack");
        assertEquals("MISSING_CHUNKS", answer.commits().get(0).error().code());

        CommitBatches.Answer mine = batches.commit(alice.owner, List.of(notUploaded), List.of(alice.request("a.bin", null, a,
                "not-uploaded")));
        assertEquals("PACK_NOT_UPLOADED", mine.seals().get(0).error().code());
        assertEquals("MISSING_CHUNKS", mine.commits().get(0).error().code());
    }

    @Test
    void aBadBatchOrTooManyPacksChangesNothing() {
        Content a = content(2);
        String packId = declareAndPut(alice, a.chunks(), -1);
        CommitService.CommitRequest one = alice.request("a.bin", null, a, "bad-batch-1");
        CommitService.CommitRequest twice = alice.request("A.bin", null, a, "bad-batch-2");
        assertEquals("DUPLICATE_PATH", assertThrows(ServiceException.class,
                () -> batches.commit(alice.owner, List.of(packId), List.of(one, twice))).code());
        assertEquals(PackRow.State.PENDING, pack(packId).state(), "a bad batch seals nothing");

        List<String> five = new ArrayList<>();
        for (int i = 0; i < PackService.MAX_SEALS_PER_REQUEST + 1; i++) {
            five.add(declareAndPut(alice, content(1).chunks(), -1));
        }
        ServiceException tooMany = assertThrows(ServiceException.class, () -> batches.commit(alice.owner, five, List.of(one)));
        assertEquals(ErrorKind.TOO_LARGE, tooMany.kind());
        five.forEach(p -> assertEquals(PackRow.State.PENDING, pack(p).state()));
        assertEquals("DUPLICATE_PACK", assertThrows(ServiceException.class,
                () -> batches.commit(alice.owner, List.of(packId, packId), List.of(one))).code());

        // Three packs of 12 MiB are more bytes than one request reads: refused before any is read.
        List<String> big = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            big.add(declareAndPut(alice, content(12, PackFormat.MAX_CHUNK_BYTES - 1_000).chunks(), -1));
        }
        ServiceException tooBig = assertThrows(ServiceException.class, () -> batches.commit(alice.owner, big, List.of(one)));
        assertEquals("TOO_MANY_SEAL_BYTES", tooBig.code());
        big.forEach(p -> assertEquals(PackRow.State.PENDING, pack(p).state()));
        // Two go (one already sealed counts for nothing: it is not read again).
        assertNull(batches.commit(alice.owner, big.subList(0, 2), List.of(one)).seals().get(1).error());
        assertNull(batches.commit(alice.owner, big, List.of(one)).seals().get(2).error());
    }

    @Test
    void aChunkStoredByAnotherOwnerIsProvenByThePackSealedInTheSameBatchAndNeedsNoSecondUpload() {
        Content a = content(3);
        alice.upload(a);
        alice.commit("a.bin", null, a, "alice-a-commit");
        int objects = v.blobs.keys().size();
        String bobs = declareAndPut(bob, a.chunks(), -1);
        CommitBatches.Answer answer = batches.commit(bob.owner, List.of(bobs), List.of(bob.request("a.bin", null, a, "bob-a-commit")));
        PackService.Sealed sealed = answer.seals().get(0).sealed();
        assertEquals(0, sealed.placed());
        assertEquals(3, sealed.uploads().size(), "the seal route's answer, for commits outside this batch");
        assertNull(answer.commits().get(0).error(), "proven by the pack just hashed: no PUT alone");
        assertEquals(objects + 1, v.blobs.keys().size(), "bob's pack only: no chunk object of his");
        assertEquals(a.sha256(), download(bob, "a.bin"));
        for (byte[] c : a.chunks()) {
            ChunkRow r = ChunkRow.from(v.items.get(Tables.CHUNKS, ChunkRow.key(ChunkId.sha256(c))).orElseThrow());
            assertEquals(2, r.refs(), "alice's and bob's references");
        }

        // The proof lasts its request: a pack sealed in one batch proves nothing to a later one.
        Content b = content(2);
        alice.upload(b);
        alice.commit("b.bin", null, b, "alice-b-commit");
        String bobs2 = declareAndPut(bob, b.chunks(), -1);
        Content other = content(1);
        bob.upload(other);
        assertNull(batches.commit(bob.owner, List.of(bobs2), List.of(bob.request("other.bin", null, other, "bob-other")))
                .commits().get(0).error());
        assertEquals("MISSING_CHUNKS", batches.commit(bob.owner, List.of(), List.of(bob.request("b.bin", null, b, "bob-b-commit")))
                .commits().get(0).error().code());

        // Alice's file goes, and is collected: bob's references keep the bytes, and the audit finds no drift.
        var aliceHead = v.reads.file(alice.owner, "a.bin", false);
        alice.delete("a.bin", aliceHead.version(), "alice-a-delete");
        v.clock.advance(v.settings.retention().plus(v.settings.grace()).plus(v.settings.uploadUrlTtl()).plusHours(1));
        runGc();
        v.clock.advance(v.settings.grace().plusHours(1));
        runGc();
        assertEquals(a.sha256(), download(bob, "a.bin"));
        AuditService.AuditReport report = v.audit.audit(new AuditService.Options(false, true, true, null, 0, true), () -> true);
        assertEquals(0, report.driftCount(), () -> "no drift: " + report.drifts());
    }

    private String download(FakeClient who, String path) {
        return new StorageModel.Model(v, new Random(1), null).fetch(v.reads.download(who.owner, path, null, null));
    }

    private void runGc() {
        GcReport r = v.gc.run("evt-" + v.clock.millis() + "-" + random.nextInt(), () -> true);
        assertTrue(r.complete(), () -> "gc incomplete: " + r);
    }
}
