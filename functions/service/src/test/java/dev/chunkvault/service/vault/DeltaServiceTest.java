package dev.chunkvault.service.vault;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.core.delta.BlockSignature;
import dev.chunkvault.core.delta.Delta;
import dev.chunkvault.core.delta.DeltaEncoder;
import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.service.error.ErrorKind;
import dev.chunkvault.service.error.ServiceException;
import dev.chunkvault.service.sim.FakeClient;
import dev.chunkvault.service.sim.FakeClient.Content;
import dev.chunkvault.service.sim.TestVault;
import dev.chunkvault.service.store.Item;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DeltaServiceTest {
    private final Random random = new Random(31);
    private final TestVault v = new TestVault();
    private final DeltaService deltas = new DeltaService(v.itemPort, v.blobPort, v.blobs, v.clock, v.settings,
            Parallel.inline(), Retry.immediate(2));
    private final FakeClient alice = new FakeClient(v, "alice");

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    /** Commits a file of two chunks and returns them. */
    private byte[][] committed() {
        byte[][] chunks = {bytes(200_000), bytes(100_000)};
        Content c = new Content(List.of(chunks));
        alice.upload(c);
        alice.commit("doc.bin", null, c, "delta-base-0001");
        return chunks;
    }

    private static byte[] edit(byte[] base, int at) {
        byte[] out = new byte[base.length + 1];
        System.arraycopy(base, 0, out, 0, at);
        out[at] = 42;
        System.arraycopy(base, at, out, at + 1, base.length - at);
        return out;
    }

    @Test
    void deltaUploadRebuildsTheChunkWhichCanThenBeCommitted() {
        byte[][] chunks = committed();
        byte[] edited = edit(chunks[0], 123_456);
        Delta d = DeltaEncoder.encode(BlockSignature.compute(chunks[0]), edited);
        byte[] wire = d.encode();
        assertTrue(wire.length < 4_000, "a 1-byte insert travels as " + wire.length + " bytes");
        DeltaService.DeltaResult r = deltas.deltaUpload(alice.owner, ChunkId.sha256(chunks[0]), ChunkId.sha256(edited), wire);
        assertTrue(r.stored());
        assertArrayEquals(edited, v.blobs.get(ChunkRow.objectKey(ChunkId.sha256(edited))).orElseThrow());
        // No PUT of the edited chunk: the commit verifies the service-written object like an upload of Alice's.
        Content next = new Content(List.of(edited, chunks[1]));
        String head = v.reads.file(alice.owner, "doc.bin", false).version();
        assertEquals(CommitService.Outcome.CREATED, alice.commit("doc.bin", head, next, "delta-edit-0001").outcome());
        new Oracle(v).referencedChunksIntact();
        new Oracle(v).countsMatchRecount();
        // Sent again: already held, nothing to do.
        assertFalse(deltas.deltaUpload(alice.owner, ChunkId.sha256(chunks[0]), ChunkId.sha256(edited), wire).stored());
    }

    @Test
    void aRebuiltChunkThatCompressesIsStoredCompressedInASealedPackOfTheCallers() {
        StringBuilder sb = new StringBuilder();
        while (sb.length() < 300_000) {
            sb.append("line ").append(random.nextInt(1000)).append(" of a text file that compresses well\n");
        }
        byte[] base = sb.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        Content c = new Content(List.of(base));
        alice.upload(c);
        alice.commit("notes.txt", null, c, "delta-text-0001");
        byte[] edited = edit(base, 150_000);
        ChunkId target = ChunkId.sha256(edited);
        PackRow pack = rebuiltCompressed(base, edited);
        assertEquals(alice.owner.tag(), pack.ns());
        String head = v.reads.file(alice.owner, "notes.txt", false).version();
        Content next = new Content(List.of(edited));
        assertEquals(CommitService.Outcome.CREATED, alice.commit("notes.txt", head, next, "delta-text-0002").outcome());
        assertEquals(next.sha256(), new StorageModel.Model(v, new Random(1), null).fetch(v.reads.download(alice.owner,
                "notes.txt", null, null)));
        // The compressed chunk serves as a base in its turn (read and decoded by the service).
        assertEquals(edited.length, deltas.signatures(alice.owner, "notes.txt", null, null, List.of(target)).signatures()
                .get(0).size());
        new Oracle(v).referencedChunksIntact();
        new Oracle(v).countsMatchRecount();
    }

    @Test
    void aRebuiltLargeChunkThatCompressesIsStoredAsAOneEntryPack() {
        StringBuilder sb = new StringBuilder();
        while (sb.length() < (3 << 20)) {
            sb.append("line ").append(random.nextInt(1000)).append(" of a large log file that compresses well\n");
        }
        byte[] base = sb.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        Content c = new Content(List.of(base));
        alice.upload(c); // alone, raw: a chunk of the large-file profile
        assertEquals(CommitService.Outcome.CREATED, commitLarge("big.log", null, c, "delta-large-0001").outcome());
        byte[] edited = edit(base, 2_000_000);
        PackRow pack = rebuiltCompressed(base, edited);
        assertEquals(1, pack.entries().size(), "a one-entry pack");
        String head = v.reads.file(alice.owner, "big.log", false).version();
        Content next = new Content(List.of(edited));
        assertEquals(CommitService.Outcome.CREATED, commitLarge("big.log", head, next, "delta-large-0002").outcome());
        assertEquals(next.sha256(), new StorageModel.Model(v, new Random(1), null).fetch(v.reads.download(alice.owner,
                "big.log", null, null)));
        new Oracle(v).referencedChunksIntact();
        new Oracle(v).countsMatchRecount();
    }

    /**
     * Sends {@code edited} as a delta against {@code base} and checks that the service stored the rebuilt chunk
     * compressed (to under a third) in a sealed pack, and no raw object of it: that pack.
     */
    private PackRow rebuiltCompressed(byte[] base, byte[] edited) {
        ChunkId target = ChunkId.sha256(edited);
        Delta d = DeltaEncoder.encode(BlockSignature.compute(base), edited);
        assertTrue(deltas.deltaUpload(alice.owner, ChunkId.sha256(base), target, d.encode()).stored());
        ChunkRow row = v.chunkRow(target);
        assertEquals(dev.chunkvault.core.compress.Encoding.ZSTD, row.encoding());
        assertEquals(edited.length, row.size());
        assertTrue(row.storedLength() < edited.length / 3, "stored " + row.storedLength() + " of " + edited.length);
        PackRow pack = v.packRow(row.pack());
        assertEquals(PackRow.State.SEALED, pack.state());
        assertTrue(v.blobs.get(ChunkRow.objectKey(target)).isEmpty(), "no raw object");
        return pack;
    }

    private CommitService.CommitResult commitLarge(String path, String parent, Content content, String key) {
        dev.chunkvault.core.manifest.Manifest m = dev.chunkvault.core.manifest.Manifest.of(
                dev.chunkvault.core.chunking.ChunkingProfile.LARGE.name(), content.manifest().entries());
        return v.commits.commit(new CommitService.CommitRequest(alice.owner, path, parent, new CommitService.Source.Full(m),
                content.size(), content.sha256(), 0, key));
    }

    @Test
    void badDeltasStoreNothing() {
        byte[][] chunks = committed();
        byte[] edited = edit(chunks[0], 10);
        ChunkId base = ChunkId.sha256(chunks[0]);
        ChunkId target = ChunkId.sha256(edited);
        Delta good = DeltaEncoder.encode(BlockSignature.compute(chunks[0]), edited);
        Map<String, List<Item>> before = v.items.snapshot();
        List<String> objectsBefore = v.blobs.keys();

        // A delta that claims a target it does not produce.
        ChunkId liar = ChunkId.sha256(bytes(10));
        Delta lying = new Delta(good.baseLength(), good.baseId(), good.targetLength(), liar, good.ops());
        assertEquals(ErrorKind.UNPROCESSABLE, assertThrows(ServiceException.class,
                () -> deltas.deltaUpload(alice.owner, base, liar, lying.encode())).kind());
        // Fields that do not match the delta.
        assertEquals(ErrorKind.UNPROCESSABLE, assertThrows(ServiceException.class,
                () -> deltas.deltaUpload(alice.owner, base, liar, good.encode())).kind());
        // A base the caller does not hold: 404, as for a chunk that does not exist.
        FakeClient bob = new FakeClient(v, "bob");
        assertEquals(ErrorKind.NOT_FOUND, assertThrows(ServiceException.class,
                () -> deltas.deltaUpload(bob.owner, base, target, good.encode())).kind());
        // Malformed, truncated, oversize.
        byte[] enc = good.encode();
        assertEquals(ErrorKind.BAD_REQUEST, assertThrows(ServiceException.class,
                () -> deltas.deltaUpload(alice.owner, base, target, Arrays.copyOf(enc, enc.length - 3))).kind());
        assertEquals(ErrorKind.BAD_REQUEST, assertThrows(ServiceException.class,
                () -> deltas.deltaUpload(alice.owner, base, target, new byte[] {9, 9, 9})).kind());
        assertEquals(ErrorKind.TOO_LARGE, assertThrows(ServiceException.class,
                () -> deltas.deltaUpload(alice.owner, base, target, new byte[DeltaService.MAX_DELTA_BYTES + 1])).kind());
        byte[] huge = new byte[Limits.MAX_CHUNK_SIZE + 1];
        Delta tooBig = DeltaEncoder.encode(BlockSignature.compute(chunks[0]), huge);
        assertEquals(ErrorKind.TOO_LARGE, assertThrows(ServiceException.class,
                () -> deltas.deltaUpload(alice.owner, base, tooBig.targetId(), tooBig.encode())).kind());

        assertEquals(before, v.items.snapshot(), "no row written");
        assertEquals(objectsBefore, v.blobs.keys(), "no object written");
    }

    @Test
    void signaturesOfAVersionsChunksAndAManifestDelta() {
        byte[][] chunks = committed();
        String v1 = v.reads.file(alice.owner, "doc.bin", false).version();
        byte[] third = bytes(5000);
        Content next = new Content(List.of(chunks[0], chunks[1], third));
        alice.upload(next);
        String v2 = alice.commit("doc.bin", v1, next, "delta-sig-0002").version().versionId();

        DeltaService.Signatures s = deltas.signatures(alice.owner, "doc.bin", null, v1, List.of(ChunkId.sha256(third),
                ChunkId.sha256(chunks[0])));
        assertEquals(v2, s.version().versionId());
        assertNull(s.manifest());
        assertNotNull(s.manifestDelta());
        assertEquals(next.manifest(), s.manifestDelta().apply(new Content(List.of(chunks)).manifest()));
        assertEquals(2, s.signatures().size());
        BlockSignature sig = BlockSignature.decode(s.signatures().get(1).signature());
        assertEquals(ChunkId.sha256(chunks[0]), sig.baseId());
        assertEquals(chunks[0].length, sig.baseLength());
        assertTrue(s.signatures().get(1).signature().length <= chunks[0].length / 50, "signature within 2% of the chunk");

        assertNotNull(deltas.signatures(alice.owner, "doc.bin", v1, null, List.of()).manifest());
        assertEquals(ErrorKind.BAD_REQUEST, assertThrows(ServiceException.class, () -> deltas.signatures(alice.owner,
                "doc.bin", v1, null, List.of(ChunkId.sha256(third)))).kind(), "a chunk of another version");
        assertEquals(ErrorKind.NOT_FOUND, assertThrows(ServiceException.class, () -> deltas.signatures(
                new Owner("bob"), "doc.bin", null, null, List.of())).kind());
    }

    @Test
    void aBatchStoresEachGoodDeltaAndRefusesEachBadOneAlone() {
        byte[][] chunks = committed();
        byte[] edited0 = edit(chunks[0], 10);
        byte[] edited1 = edit(chunks[1], 99_000);
        Delta good0 = DeltaEncoder.encode(BlockSignature.compute(chunks[0]), edited0);
        Delta good1 = DeltaEncoder.encode(BlockSignature.compute(chunks[1]), edited1);
        // A delta that claims a target it does not produce (its SHA-256 check fails).
        ChunkId liar = ChunkId.sha256(bytes(10));
        Delta lying = new Delta(good0.baseLength(), good0.baseId(), good0.targetLength(), liar, good0.ops());
        // A delta against a base Alice does not hold (another tenant's, say).
        byte[] foreign = bytes(50_000);
        byte[] foreignEdited = edit(foreign, 5);
        Delta badBase = DeltaEncoder.encode(BlockSignature.compute(foreign), foreignEdited);

        List<DeltaService.BatchItem> r = deltas.deltaUploadBatch(alice.owner, List.of(good0.encode(), lying.encode(),
                badBase.encode(), new byte[] {9, 9, 9}, good1.encode()));
        assertEquals(5, r.size());
        assertTrue(r.get(0).result().stored());
        assertEquals(ChunkId.sha256(edited0), r.get(0).result().id());
        assertEquals("DELTA_TARGET_MISMATCH", ((ServiceException) r.get(1).error()).code());
        assertEquals(ErrorKind.NOT_FOUND, ((ServiceException) r.get(2).error()).kind());
        assertEquals("MALFORMED_DELTA", ((ServiceException) r.get(3).error()).code());
        assertTrue(r.get(4).result().stored());
        assertArrayEquals(edited0, v.blobs.get(ChunkRow.objectKey(ChunkId.sha256(edited0))).orElseThrow());
        assertArrayEquals(edited1, v.blobs.get(ChunkRow.objectKey(ChunkId.sha256(edited1))).orElseThrow());
        assertTrue(v.items.get(Tables.CHUNKS, ChunkRow.key(liar)).isEmpty(), "the lying delta's target is not stored");
        assertTrue(v.items.get(Tables.CHUNKS, ChunkRow.key(ChunkId.sha256(foreignEdited))).isEmpty(), "nor the foreign one");
        assertTrue(v.blobs.get(ChunkRow.objectKey(liar)).isEmpty());

        // The stored ones commit like uploads; the refused one cannot be referenced.
        String head = v.reads.file(alice.owner, "doc.bin", false).version();
        Content next = new Content(List.of(edited0, edited1));
        assertEquals(CommitService.Outcome.CREATED, alice.commit("doc.bin", head, next, "delta-batch-0001").outcome());
        new Oracle(v).referencedChunksIntact();
        new Oracle(v).countsMatchRecount();
        // Sent again: held already, nothing stored twice.
        List<DeltaService.BatchItem> again = deltas.deltaUploadBatch(alice.owner, List.of(good0.encode(), good1.encode()));
        assertFalse(again.get(0).result().stored());
        assertFalse(again.get(1).result().stored());
    }

    private byte[] text(int n) {
        StringBuilder sb = new StringBuilder();
        while (sb.length() < n) {
            sb.append("line ").append(random.nextInt(100_000)).append(" of a source file that compresses well\n");
        }
        return sb.substring(0, n).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    /** How many packs the chunks table holds. */
    private long packs() {
        return v.items.snapshot().get(Tables.CHUNKS).stream().filter(i -> i.string(ChunkRow.ID).startsWith("pack#")).count();
    }

    /**
     * A batch's rebuilt chunks that compress share one pack (one declaration, write and seal, not one each); a chunk that
     * does not compress is stored raw; a refused delta stays out of the pack; a target sent twice is stored once.
     */
    /**
     * A batch reads its bases' rows together (one GetItem per delta was a tenth of an update's store calls); a base whose
     * row pointed elsewhere when the batch read it (a repack moving it meanwhile) is followed by reading its row again.
     */
    @Test
    void aBatchReadsItsBasesRowsInOneCallAndFollowsOneThatMoved() {
        byte[][] texts = {text(40_000), text(50_000), text(60_000), text(45_000)};
        Content c = new Content(List.of(texts));
        alice.upload(c);
        alice.commit("lib.c", null, c, "delta-rows-0001");
        ChunkId moved = ChunkId.sha256(texts[2]);
        List<String> gets = new java.util.ArrayList<>();
        List<Integer> batchedChunkRows = new java.util.ArrayList<>();
        DeltaService counted = new DeltaService(new GcOrphansTest.Delegating(v.itemPort) {
            @Override
            public java.util.Optional<Item> get(String table, dev.chunkvault.service.store.Key key) {
                if (table.equals(Tables.CHUNKS) && !String.valueOf(key.partition()).startsWith("pack#")) {
                    gets.add(String.valueOf(key.partition())); // a chunk's row (a pack's row lives in the same table)
                }
                return super.get(table, key);
            }

            @Override
            public List<Item> batchGet(String table, List<dev.chunkvault.service.store.Key> keys) {
                List<Item> out = super.batchGet(table, keys);
                if (!table.equals(Tables.CHUNKS)) {
                    return out;
                }
                batchedChunkRows.add(keys.size());
                // The row of one base as it was before a move: a pack that no longer holds it.
                return out.stream().map(i -> ChunkRow.from(i).id().equals(moved)
                        ? i.toBuilder().set(ChunkRow.PACK, "p-gone-since").set(ChunkRow.PACK_OFFSET, 0L).build() : i).toList();
            }
        }, v.blobPort, v.blobs, v.clock, v.settings, Parallel.inline(), Retry.immediate(2));
        List<byte[]> encoded = new java.util.ArrayList<>();
        byte[][] edited = new byte[4][];
        for (int k = 0; k < 4; k++) {
            edited[k] = edit(texts[k], 1000 * (k + 1));
            encoded.add(DeltaEncoder.encode(BlockSignature.compute(texts[k]), edited[k]).encode());
        }

        List<DeltaService.BatchItem> r = counted.deltaUploadBatch(alice.owner, encoded);
        for (int k = 0; k < 4; k++) {
            assertNull(r.get(k).error(), k + ": " + r.get(k).error());
            assertTrue(r.get(k).result().stored());
        }
        assertTrue(batchedChunkRows.contains(4), "the four bases' rows in one call: " + batchedChunkRows);
        assertEquals(List.of(moved.hex()), gets, "one chunk row read alone: the base that had moved, followed");
        String head = v.reads.file(alice.owner, "lib.c", false).version();
        Content next = new Content(List.of(edited));
        assertEquals(CommitService.Outcome.CREATED, alice.commit("lib.c", head, next, "delta-rows-0002").outcome());
        assertEquals(next.sha256(), new StorageModel.Model(v, new Random(1), null).fetch(v.reads.download(alice.owner,
                "lib.c", null, null)));
    }

    @Test
    void aBatchsCompressibleChunksShareOnePackAndTheRestAreStoredAsBefore() {
        byte[][] texts = {text(40_000), text(50_000), text(60_000)};
        byte[] noise = bytes(30_000);
        Content c = new Content(List.of(texts[0], texts[1], texts[2], noise));
        alice.upload(c);
        alice.commit("src.c", null, c, "delta-share-0001");
        byte[][] edited = {edit(texts[0], 100), edit(texts[1], 20_000), edit(texts[2], 59_000), edit(noise, 7)};
        Delta[] d = new Delta[4];
        for (int k = 0; k < 4; k++) {
            byte[] base = k < 3 ? texts[k] : noise;
            d[k] = DeltaEncoder.encode(BlockSignature.compute(base), edited[k]);
        }
        Delta lying = new Delta(d[1].baseLength(), d[1].baseId(), d[1].targetLength(), ChunkId.sha256(text(100)), d[1].ops());
        long packsBefore = packs();

        List<DeltaService.BatchItem> r = deltas.deltaUploadBatch(alice.owner, List.of(d[0].encode(), d[1].encode(),
                lying.encode(), d[2].encode(), d[3].encode(), d[0].encode()));
        assertEquals("DELTA_TARGET_MISMATCH", ((ServiceException) r.get(2).error()).code());
        for (int k : new int[] {0, 1, 3, 4, 5}) {
            assertNull(r.get(k).error(), k + ": " + r.get(k).error());
            assertTrue(r.get(k).result().stored(), "item " + k);
        }
        assertEquals(packsBefore + 1, packs(), "one pack for the three compressible chunks");
        String pack = v.chunkRow(ChunkId.sha256(edited[0])).pack();
        assertEquals(PackRow.State.SEALED, v.packRow(pack).state());
        assertEquals(3, v.packRow(pack).entries().size(), "the target sent twice is in once, the refused one not at all");
        for (int k = 0; k < 3; k++) {
            ChunkRow row = v.chunkRow(ChunkId.sha256(edited[k]));
            assertEquals(pack, row.pack(), "chunk " + k);
            assertEquals(dev.chunkvault.core.compress.Encoding.ZSTD, row.encoding());
            assertTrue(v.blobs.get(ChunkRow.objectKey(ChunkId.sha256(edited[k]))).isEmpty(), "no raw object of " + k);
        }
        assertArrayEquals(edited[3], v.blobs.get(ChunkRow.objectKey(ChunkId.sha256(edited[3]))).orElseThrow(),
                "the chunk that does not compress is an object of its own, as before");
        assertTrue(v.items.get(Tables.CHUNKS, ChunkRow.key(lying.targetId())).isEmpty(), "the lying target is nowhere");

        String head = v.reads.file(alice.owner, "src.c", false).version();
        Content next = new Content(List.of(edited[0], edited[1], edited[2], edited[3]));
        assertEquals(CommitService.Outcome.CREATED, alice.commit("src.c", head, next, "delta-share-0002").outcome());
        assertEquals(next.sha256(), new StorageModel.Model(v, new Random(1), null).fetch(v.reads.download(alice.owner,
                "src.c", null, null)));
        new Oracle(v).referencedChunksIntact();
        new Oracle(v).countsMatchRecount();
    }

    /**
     * The shared pack cannot be written: each of its deltas answers the failure (to be sent again), nothing of them is
     * visible, and the other deltas of the batch are stored; sent again, they are stored.
     */
    @Test
    void aSharedPackThatCannotBeWrittenFailsItsDeltasAloneAndTheySucceedWhenSentAgain() {
        byte[] text = text(50_000);
        byte[] noise = bytes(30_000);
        Content c = new Content(List.of(text, noise));
        alice.upload(c);
        alice.commit("a.c", null, c, "delta-fail-0001");
        byte[] editedText = edit(text, 10);
        byte[] editedNoise = edit(noise, 10);
        byte[] dt = DeltaEncoder.encode(BlockSignature.compute(text), editedText).encode();
        byte[] dn = DeltaEncoder.encode(BlockSignature.compute(noise), editedNoise).encode();
        java.util.concurrent.atomic.AtomicBoolean down = new java.util.concurrent.atomic.AtomicBoolean(true);
        dev.chunkvault.service.blob.BlobStore packsDown = new StorageGuaranteesTest.CountingBlobStore(v.blobPort) {
            @Override
            public void put(String key, byte[] bytes, Map<String, String> metadata) {
                if (down.get() && key.startsWith(PackRow.objectKey(""))) {
                    throw ServiceException.unavailable("STORAGE_UNAVAILABLE", "storage down", java.time.Duration.ofSeconds(1),
                            null);
                }
                super.put(key, bytes, metadata);
            }
        };
        DeltaService failing = new DeltaService(v.itemPort, packsDown, v.blobs, v.clock, v.settings, Parallel.inline(),
                Retry.immediate(2));
        List<DeltaService.BatchItem> r = failing.deltaUploadBatch(alice.owner, List.of(dt, dn));
        assertEquals(ErrorKind.UNAVAILABLE, ((ServiceException) r.get(0).error()).kind());
        assertTrue(r.get(1).result().stored(), "the raw one is stored");
        assertTrue(v.items.get(Tables.CHUNKS, ChunkRow.key(ChunkId.sha256(editedText))).isEmpty(), "not visible");
        String head = v.reads.file(alice.owner, "a.c", false).version();
        Content next = new Content(List.of(editedText, editedNoise));
        assertThrows(ServiceException.class, () -> alice.commit("a.c", head, next, "delta-fail-0002"),
                "a commit cannot reference the chunk that was not stored");

        down.set(false);
        List<DeltaService.BatchItem> again = failing.deltaUploadBatch(alice.owner, List.of(dt, dn));
        assertTrue(again.get(0).result().stored());
        assertNull(again.get(1).error(), "the raw one again: stored again, as a delta of a chunk not yet committed is");
        assertEquals(CommitService.Outcome.CREATED, alice.commit("a.c", head, next, "delta-fail-0003").outcome());
        new Oracle(v).referencedChunksIntact();
        new Oracle(v).countsMatchRecount();
    }

    @Test
    void anOversizeBatchIsRefusedWholeBeforeAnythingIsStored() {
        byte[][] chunks = committed();
        DeltaService small = new DeltaService(v.itemPort, v.blobPort, v.blobs, v.clock, v.settings, Parallel.inline(),
                Retry.immediate(2), new DeltaService.BatchLimits(2, Limits.MAX_CHUNK_SIZE));
        byte[] edited = edit(chunks[0], 10);
        byte[] good = DeltaEncoder.encode(BlockSignature.compute(chunks[0]), edited).encode();
        Map<String, List<Item>> before = v.items.snapshot();
        List<String> objectsBefore = v.blobs.keys();
        ServiceException many = assertThrows(ServiceException.class,
                () -> small.deltaUploadBatch(alice.owner, List.of(good, good, good)));
        assertEquals(ErrorKind.TOO_LARGE, many.kind());
        assertEquals("TOO_MANY_DELTAS", many.code());
        // Two deltas whose headers declare more rebuilt bytes than the bound, in all: refused whole.
        byte[] big = new byte[Limits.MAX_CHUNK_SIZE - 10];
        Delta bigDelta = DeltaEncoder.encode(BlockSignature.compute(chunks[0]), big);
        ServiceException heavy = assertThrows(ServiceException.class,
                () -> small.deltaUploadBatch(alice.owner, List.of(good, bigDelta.encode())));
        assertEquals("DELTA_BATCH_TOO_LARGE", heavy.code());
        assertEquals(before, v.items.snapshot(), "no row written");
        assertEquals(objectsBefore, v.blobs.keys(), "no object written");
    }
}
