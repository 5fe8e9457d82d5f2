package dev.chunkvault.service.vault;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.core.pack.PackFormat;
import dev.chunkvault.service.error.ErrorKind;
import dev.chunkvault.service.error.ServiceException;
import dev.chunkvault.service.sim.Backend;
import dev.chunkvault.service.sim.FakeClient;
import dev.chunkvault.service.sim.FakeClient.Content;
import dev.chunkvault.service.sim.TestVault;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Packs of small chunks (docs/design-packs.md) on the in-memory fakes: one PUT stores many chunks, every chunk is
 * hashed before anything may reference it, nobody else can use or learn about a pack's chunks, bad packs change
 * nothing, and GC deletes a pack only once nothing is located in it. The same flows over DynamoDB Local and s3proxy:
 * the storage model's PACK operation (StorageModelIT).
 */
class PackServiceTest {
    private final Random random = new Random(7);
    private final TestVault v = new TestVault();
    private final FakeClient alice = new FakeClient(v, "alice");
    private final FakeClient bob = new FakeClient(v, "bob");

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private Content content(int chunks) {
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < chunks; i++) {
            out.add(bytes(1_000 + random.nextInt(5_000)));
        }
        return new Content(out);
    }

    private String download(FakeClient who, String path) {
        return new StorageModel.Model(v, new Random(1), null).fetch(v.reads.download(who.owner, path, null, null));
    }

    /** Builds a pack of {@code chunks}, declares it for {@code who}, and PUTs {@code body} (the pack unless given). */
    private PackService.Declared declareAndPut(FakeClient who, List<byte[]> chunks, byte[] body) {
        PackFormat.Builder b = new PackFormat.Builder();
        chunks.forEach(c -> b.add(ChunkId.sha256(c), c));
        byte[] pack = b.finish();
        PackService.Declared d = v.packs.declare(who.owner, ChunkId.sha256(body == null ? pack : body), pack.length,
                b.entries());
        Backend.Sent sent = v.backend.send("PUT", d.upload().url(), d.upload().headers(), body == null ? pack : body);
        assertEquals(200, sent.status());
        return d;
    }

    @Test
    void aPackStoresEveryChunkWithOnePutAndItsFilesDownloadByteForByte() {
        Content a = content(12);
        Content b = content(5);
        int before = v.blobs.keys().size();
        PackService.Sealed sealed = alice.uploadPacked(new Content(concat(a, b)));
        assertEquals(17, sealed.placed());
        assertTrue(sealed.uploads().isEmpty() && sealed.retry().isEmpty());
        assertEquals(before + 1, v.blobs.keys().size(), "one object for seventeen chunks");
        alice.commit("a.bin", null, a, "pack-commit-a");
        alice.commit("b.bin", null, b, "pack-commit-b");
        assertEquals(a.sha256(), download(alice, "a.bin"));
        assertEquals(b.sha256(), download(alice, "b.bin"));
        ChunkRow r = v.chunkRow(ChunkId.sha256(a.chunks().get(3)));
        assertEquals(sealed.packId(), r.pack());
        assertEquals(ChunkRow.State.LIVE, r.state());
        PackRow p = v.packRow(sealed.packId());
        assertEquals(PackRow.State.SEALED, p.state());
        assertEquals(17, p.liveChunks());
        assertEquals(a.size() + b.size(), p.liveBytes());

        // Server-side readers find packed chunks too: signatures and the audit's content check.
        DeltaService deltas = new DeltaService(v.itemPort, v.blobPort, v.blobs, v.clock, v.settings, Parallel.inline(),
                Retry.immediate(2));
        ChunkId first = ChunkId.sha256(a.chunks().get(0));
        DeltaService.Signatures sig = deltas.signatures(alice.owner, "a.bin", null, null, List.of(first));
        assertEquals(a.chunks().get(0).length, sig.signatures().get(0).size());
        assertTrue(sig.signatures().get(0).get().ranged());
        AuditService.AuditReport report = v.audit.audit(new AuditService.Options(false, true, true, null, 0, true),
                () -> true);
        assertEquals(0, report.driftCount(), () -> "no drift: " + report.drifts());
        assertEquals(17, report.content().checked());
    }

    @Test
    void aSealIsIdempotentAndAGrantOfPackedChunksGivesNoUrl() {
        Content a = content(4);
        UploadService.Grant g = v.uploads.grant(alice.owner, a.chunks().stream()
                .map(c -> new UploadService.ChunkRequest(ChunkId.sha256(c), c.length)).toList(), true);
        assertEquals(4, g.pack().size());
        assertTrue(g.uploads().isEmpty());
        PackService.Declared d = declareAndPut(alice, a.chunks(), null);
        PackService.Sealed first = v.packs.seal(alice.owner, d.packId());
        PackService.Sealed again = v.packs.seal(alice.owner, d.packId());
        assertEquals(4, first.placed());
        assertEquals(4, again.placed());
        assertEquals(4, v.packRow(d.packId()).liveChunks(), "a retried seal counts nothing twice");
    }

    @Test
    void aPackWhoseChunkIsNotItsIdIsRejectedAndNothingBecomesVisible() {
        Content a = content(3);
        v.uploads.grant(alice.owner, a.chunks().stream()
                .map(c -> new UploadService.ChunkRequest(ChunkId.sha256(c), c.length)).toList(), true);
        List<byte[]> lies = new ArrayList<>(a.chunks());
        PackFormat.Builder b = new PackFormat.Builder();
        for (int i = 0; i < lies.size(); i++) {
            byte[] claimed = lies.get(i);
            byte[] sent = i == 1 ? bytes(claimed.length) : claimed; // same length, other bytes, under the claimed id
            b.add(ChunkId.sha256(claimed), sent);
        }
        byte[] pack = b.finish();
        PackService.Declared d = v.packs.declare(alice.owner, ChunkId.sha256(pack), pack.length, b.entries());
        assertEquals(200, v.backend.send("PUT", d.upload().url(), d.upload().headers(), pack).status());
        ServiceException e = assertThrows(ServiceException.class, () -> v.packs.seal(alice.owner, d.packId()));
        assertEquals(ErrorKind.UNPROCESSABLE, e.kind());
        assertEquals(PackService.DAMAGED_CODE, e.code());
        assertEquals(List.of(ChunkId.sha256(a.chunks().get(1)).hex()), e.details().get("damaged"));
        for (byte[] c : a.chunks()) {
            assertTrue(v.items.get(Tables.CHUNKS, ChunkRow.key(ChunkId.sha256(c))).isEmpty(),
                    "no row for a chunk of a rejected pack (a grant to pack writes none)");
        }
        assertEquals(PackRow.State.REJECTED, v.packRow(d.packId()).state());
        ServiceException commit = assertThrows(ServiceException.class, () -> alice.commit("a.bin", null, a, "rejected"));
        assertEquals("MISSING_CHUNKS", commit.code());
        assertEquals(PackService.DAMAGED_CODE, assertThrows(ServiceException.class,
                () -> v.packs.seal(alice.owner, d.packId())).code(), "a retried seal answers the same");
    }

    @Test
    void badDeclarationsAre400sAndWriteNothing() {
        byte[] c1 = bytes(100);
        byte[] c2 = bytes(200);
        ChunkId i1 = ChunkId.sha256(c1);
        ChunkId i2 = ChunkId.sha256(c2);
        ChunkId sha = ChunkId.sha256(bytes(1));
        long ok = PackFormat.packSize(List.of(new PackFormat.Entry(i1, 0, 100), new PackFormat.Entry(i2, 100, 200)));
        List<List<PackFormat.Entry>> bad = List.of(
                List.of(new PackFormat.Entry(i1, 0, 100), new PackFormat.Entry(i2, 150, 200)),  // a gap
                List.of(new PackFormat.Entry(i2, 100, 200), new PackFormat.Entry(i1, 0, 100)),  // out of order
                List.of(new PackFormat.Entry(i1, 0, 100), new PackFormat.Entry(i1, 100, 100)),  // twice
                List.of(new PackFormat.Entry(i1, 0, PackFormat.MAX_CHUNK_BYTES + 1)),           // too large a chunk
                List.of());
        int rows = v.items.items(Tables.CHUNKS).size();
        for (List<PackFormat.Entry> entries : bad) {
            ServiceException e = assertThrows(ServiceException.class, () -> v.packs.declare(alice.owner, sha, ok, entries));
            assertEquals(ErrorKind.BAD_REQUEST, e.kind());
            assertEquals("INVALID_PACK", e.code());
        }
        List<PackFormat.Entry> good = List.of(new PackFormat.Entry(i1, 0, 100), new PackFormat.Entry(i2, 100, 200));
        assertEquals("INVALID_PACK", assertThrows(ServiceException.class,
                () -> v.packs.declare(alice.owner, sha, ok + 1, good)).code(), "a size that is not the index's");
        assertEquals("INVALID_PACK", assertThrows(ServiceException.class,
                () -> v.packs.declare(alice.owner, sha, PackFormat.MAX_PACK_BYTES + 1L, good)).code(), "oversized");
        assertEquals(rows, v.items.items(Tables.CHUNKS).size(), "no row written");
    }

    @Test
    void aTruncatedOrReorderedUploadIsRefusedAndNothingIsPlaced() {
        Content a = content(3);
        PackFormat.Builder b = new PackFormat.Builder();
        a.chunks().forEach(c -> b.add(ChunkId.sha256(c), c));
        byte[] pack = b.finish();
        PackService.Declared d = v.packs.declare(alice.owner, ChunkId.sha256(pack), pack.length, b.entries());
        byte[] truncated = java.util.Arrays.copyOf(pack, pack.length - 10);
        assertEquals(400, v.backend.send("PUT", d.upload().url(), d.upload().headers(), truncated).status(),
                "the signed length refuses a short body");
        byte[] other = pack.clone();
        other[0] ^= 1;
        assertEquals(400, v.backend.send("PUT", d.upload().url(), d.upload().headers(), other).status(),
                "the signed checksum refuses other bytes");
        ServiceException e = assertThrows(ServiceException.class, () -> v.packs.seal(alice.owner, d.packId()));
        assertEquals("PACK_NOT_UPLOADED", e.code());
        assertEquals(ErrorKind.CONFLICT, e.kind());

        // A body whose own checksum was declared but whose index is not the declared one: rejected at the seal.
        PackFormat.Builder reordered = new PackFormat.Builder();
        for (int i = a.chunks().size() - 1; i >= 0; i--) {
            reordered.add(ChunkId.sha256(a.chunks().get(i)), a.chunks().get(i));
        }
        byte[] body = reordered.finish();
        PackService.Declared d2 = v.packs.declare(alice.owner, ChunkId.sha256(body), pack.length, b.entries());
        assertEquals(200, v.backend.send("PUT", d2.upload().url(), d2.upload().headers(), body).status());
        assertEquals(PackService.DAMAGED_CODE, assertThrows(ServiceException.class,
                () -> v.packs.seal(alice.owner, d2.packId())).code());
        for (byte[] c : a.chunks()) {
            assertTrue(v.items.get(Tables.CHUNKS, ChunkRow.key(ChunkId.sha256(c))).isEmpty(), "nothing placed");
        }
    }

    @Test
    void anotherTenantCanNeitherSealNorUseAPacksChunksAndMustProveItsOwnCopy() {
        Content a = content(3);
        PackService.Sealed sealed = alice.uploadPacked(a);
        alice.commit("a.bin", null, a, "alice-commit-a");

        assertEquals(ErrorKind.NOT_FOUND, assertThrows(ServiceException.class,
                () -> v.packs.seal(bob.owner, sealed.packId())).kind(), "another tenant's pack does not exist for bob");
        ServiceException e = assertThrows(ServiceException.class, () -> bob.commit("a.bin", null, a, "bob-claims"));
        assertEquals("MISSING_CHUNKS", e.code(), "knowing ids is not holding bytes");

        // Bob packs the same chunks: they are stored already (in alice's pack), so the seal asks him to send each alone,
        // the usual proof; then his commit goes through and both files read back.
        PackService.Sealed bobs = bob.uploadPacked(a);
        assertEquals(0, bobs.placed());
        assertEquals(3, bobs.uploads().size());
        bob.commit("a.bin", null, a, "bob-commit-a");
        assertEquals(a.sha256(), download(bob, "a.bin"));
        assertEquals(a.sha256(), download(alice, "a.bin"));
        assertEquals(sealed.packId(), v.chunkRow(ChunkId.sha256(a.chunks().get(0))).pack(), "one location at a time");
        assertEquals(0, v.packRow(bobs.packId()).liveChunks(), "bob's pack holds nothing live: GC deletes it");
    }

    @Test
    void aDeclarationUnlessHeldNamesTheCallersOwnChunksAndDeclaresNothing() {
        Content held = content(3);
        alice.upload(held);
        alice.commit("held.bin", null, held, "unless-held-commit");
        Content fresh = content(2);
        List<byte[]> mixed = concat(new Content(List.of(held.chunks().get(0), held.chunks().get(2))), fresh);
        PackFormat.Builder b = new PackFormat.Builder();
        mixed.forEach(c -> b.add(ChunkId.sha256(c), c));
        byte[] pack = b.finish();
        int rows = v.items.scan(Tables.CHUNKS, null, 10_000).items().size();

        PackService.Declared d = v.packs.declare(alice.owner, ChunkId.sha256(pack), pack.length, b.entries(), true);
        assertFalse(d.declared());
        assertEquals(List.of(ChunkId.sha256(held.chunks().get(0)), ChunkId.sha256(held.chunks().get(2))), d.have());
        assertEquals(rows, v.items.scan(Tables.CHUNKS, null, 10_000).items().size(), "nothing declared or written");

        // Bob holds none of them: his declaration goes through, and tells him nothing about alice's chunks.
        PackService.Declared bobs = v.packs.declare(bob.owner, ChunkId.sha256(pack), pack.length, b.entries(), true);
        assertTrue(bobs.declared());
        assertTrue(bobs.have().isEmpty());

        // Without the held chunks, alice's pack is declared, and stores and commits as any other.
        PackService.Sealed sealed = alice.uploadPacked(new Content(mixed), false);
        assertEquals(2, sealed.placed(), "only the chunks she did not hold were packed");
        alice.commit("mixed.bin", null, new Content(mixed), "unless-held-mixed");
        assertEquals(new Content(mixed).sha256(), download(alice, "mixed.bin"));

        // A held chunk found damaged is not "held": it goes in the pack, which heals it.
        ChunkId damaged = ChunkId.sha256(held.chunks().get(1));
        v.blobs.put(ChunkRow.objectKey(damaged), bytes(700), java.util.Map.of());
        new Quarantine(v.itemPort, v.clock, Retry.immediate(1)).markDamaged(damaged, null, 0);
        PackService.Sealed healed = alice.uploadPacked(held, false);
        assertEquals(1, healed.placed());
        assertFalse(v.chunkRow(damaged).damaged());
        assertEquals(held.sha256(), download(alice, "held.bin"));
    }

    @Test
    void anOwnersSecondPackOfTheSameChunksNeedsNoSecondUpload() {
        Content a = content(3);
        alice.uploadPacked(a);
        PackService.Sealed again = alice.uploadPacked(a);
        assertEquals(3, again.placed(), "proven by her own sealed pack");
        assertTrue(again.uploads().isEmpty());
        alice.commit("a.bin", null, a, "twice-commit");
        assertEquals(a.sha256(), download(alice, "a.bin"));
    }

    @Test
    void aDamagedChunkIsHealedByAPackThatHoldsItsBytes() {
        Content a = content(2);
        alice.upload(a);
        alice.commit("a.bin", null, a, "damaged-then-packed");
        ChunkId id = ChunkId.sha256(a.chunks().get(0));
        v.blobs.put(ChunkRow.objectKey(id), bytes(900), java.util.Map.of()); // junk over the chunk's object
        new Quarantine(v.itemPort, v.clock, Retry.immediate(1)).markDamaged(id, null, 0);
        assertTrue(v.chunkRow(id).damaged());

        PackService.Sealed sealed = alice.uploadPacked(a); // the grant asks its holder for it again: in a pack
        assertEquals(1, sealed.placed(), "only the damaged chunk was asked for");
        ChunkRow healed = v.chunkRow(id);
        assertFalse(healed.damaged(), "the mark goes with the move");
        assertEquals(sealed.packId(), healed.pack());
        assertEquals(1, v.packRow(sealed.packId()).liveChunks());
        assertEquals(1, healed.refs(), "a move changes no count");
        assertEquals(a.sha256(), download(alice, "a.bin"));
    }

    @Test
    void gcDeletesAPackOnlyOnceNothingIsLocatedInItAndKeepsWhatLiveFilesNeed() {
        Content keep = content(4);
        Content drop = content(4);
        PackService.Sealed sealed = alice.uploadPacked(new Content(concat(keep, drop)));
        alice.commit("keep.bin", null, keep, "keep-commit");
        var dropped = alice.commit("drop.bin", null, drop, "drop-commit");
        alice.delete("drop.bin", dropped.version().versionId(), "drop-delete");
        v.clock.advance(v.settings.retention().plus(v.settings.grace()).plus(v.settings.uploadUrlTtl()).plusHours(1));
        runGc(); // the deletion expires and its chunks lose their last reference
        v.clock.advance(v.settings.grace().plusHours(1));
        runGc(); // then, a grace period later, they are collected
        PackRow p = v.packRow(sealed.packId());
        assertEquals(4, p.liveChunks(), "the dropped file's chunks left the pack's count");
        assertTrue(v.blobs.keys().contains(PackRow.objectKey(sealed.packId())), "a pack with live chunks stays");
        assertEquals(keep.sha256(), download(alice, "keep.bin"));

        var kept = v.reads.file(alice.owner, "keep.bin", false);
        alice.delete("keep.bin", kept.version(), "keep-delete");
        v.clock.advance(v.settings.retention().plus(v.settings.grace()).plusHours(1));
        runGc();
        v.clock.advance(v.settings.grace().plusHours(1));
        runGc(); // the last chunks go; the pack, now empty, waits a grace period (download URLs handed out before)
        assertTrue(v.blobs.keys().contains(PackRow.objectKey(sealed.packId())), "not at once");
        v.clock.advance(v.settings.grace().plusHours(1));
        runGc();
        assertFalse(v.blobs.keys().contains(PackRow.objectKey(sealed.packId())), "an empty pack is deleted after the grace");
        assertTrue(v.items.get(Tables.CHUNKS, PackRow.key(sealed.packId())).isEmpty());
    }

    @Test
    void aDeclaredPackThatIsNeverSealedIsCollected() {
        Content a = content(2);
        PackService.Declared d = declareAndPut(alice, a.chunks(), null);
        runGc();
        assertTrue(v.blobs.keys().contains(PackRow.objectKey(d.packId())), "not while its upload could still be sealed");
        v.clock.advance(v.settings.grace().plus(v.settings.uploadUrlTtl()).plusMinutes(5));
        runGc();
        runGc();
        assertFalse(v.blobs.keys().contains(PackRow.objectKey(d.packId())));
        assertEquals(ErrorKind.NOT_FOUND, assertThrows(ServiceException.class,
                () -> v.packs.seal(alice.owner, d.packId())).kind(), "a late seal is refused");
    }

    @Test
    void theFormatRoundTripsAndRefusesWhatIsNotAPack() {
        byte[] c1 = bytes(10);
        byte[] c2 = bytes(20);
        PackFormat.Builder b = new PackFormat.Builder();
        assertTrue(b.add(ChunkId.sha256(c1), c1));
        assertFalse(b.add(ChunkId.sha256(c1), c1), "a chunk goes in once");
        assertTrue(b.add(ChunkId.sha256(c2), c2));
        byte[] pack = b.finish();
        assertEquals(PackFormat.packSize(b.entries()), pack.length);
        assertEquals(b.entries(), PackFormat.decodeIndex(PackFormat.trailingIndex(pack), pack.length));
        assertArrayEquals(c2, java.util.Arrays.copyOfRange(pack, 10, 30));
        byte[] notAPack = ByteBuffer.allocate(20).array();
        assertThrows(dev.chunkvault.core.pack.PackFormatException.class, () -> PackFormat.trailingIndex(notAPack));
    }

    private void runGc() {
        GcReport r = v.gc.run("evt-" + v.clock.millis() + "-" + random.nextInt(), () -> true);
        assertTrue(r.complete(), () -> "gc incomplete: " + r);
    }

    private static List<byte[]> concat(Content a, Content b) {
        List<byte[]> out = new ArrayList<>(a.chunks());
        out.addAll(b.chunks());
        return out;
    }
}
