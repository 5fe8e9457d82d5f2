package dev.chunkvault.service.vault;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.luben.zstd.ZstdCompressCtx;
import dev.chunkvault.core.compress.ChunkCodec;
import dev.chunkvault.core.compress.Encoding;
import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.core.pack.PackFormat;
import dev.chunkvault.service.error.ErrorKind;
import dev.chunkvault.service.error.ServiceException;
import dev.chunkvault.service.sim.FakeClient;
import dev.chunkvault.service.sim.FakeClient.Content;
import dev.chunkvault.service.sim.TestVault;
import dev.chunkvault.service.store.Item;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Large chunks (the large-file profile's, over 1 MiB and at most 8 MiB) stored compressed as one-entry packs
 * (docs/compression.md, "Chunks over 1 MiB"): the seal decodes an 8 MiB entry into exactly its declared plain length and
 * hashes it; a 9 MiB entry, a raw large entry or one beside other chunks is a 400 at the declaration; a lying plain length
 * or a bomb is a 422 at the seal, and nothing becomes visible. GC, repack and the audit treat the pack by its entry's
 * stored size like any other pack: it is never repacked (all live or all dead) and is collected with its chunk.
 */
class LargeCompressedChunkTest {
    private static final Settings SETTINGS = StorageModel.settings();
    private static final int LARGE = PackFormat.MAX_LARGE_CHUNK_BYTES;

    private final Random random = new Random(8);
    private final TestVault v = new TestVault(SETTINGS);
    private final FakeClient alice = new FakeClient(v, "alice");

    private List<Item> chunkTable() {
        List<Item> all = new ArrayList<>();
        dev.chunkvault.service.store.Cursor after = null;
        do {
            var page = v.items.scan(Tables.CHUNKS, after, 1000);
            all.addAll(page.items());
            after = page.next();
        } while (after != null);
        return all;
    }

    /** Commits {@code content} as a large file's version: its manifest names the large-file profile (chunks up to 8 MiB). */
    private CommitService.CommitResult commitLarge(String path, String parent, Content content, String key) {
        dev.chunkvault.core.manifest.Manifest m = dev.chunkvault.core.manifest.Manifest.of(
                dev.chunkvault.core.chunking.ChunkingProfile.LARGE.name(), content.manifest().entries());
        return v.commits.commit(new CommitService.CommitRequest(alice.owner, path, parent, new CommitService.Source.Full(m),
                content.size(), content.sha256(), 0, key));
    }

    /** Declares a one-entry pack, PUTs it; the pack's id. */
    private String declareAndPut(ChunkId id, ChunkCodec.Stored stored) {
        List<PackFormat.Entry> entries = List.of(new PackFormat.Entry(id, 0, stored.bytes().length, stored.encoding(),
                stored.plainLength()));
        byte[] pack = onePack(stored, entries);
        PackService.Declared d = v.packs.declare(alice.owner, ChunkId.sha256(pack), pack.length, entries, true);
        assertTrue(d.declared());
        assertEquals(200, v.backend.send("PUT", d.upload().url(), d.upload().headers(), pack).status());
        return d.packId();
    }

    /** A pack object of one entry, written byte for byte as the format says (the builder refuses forged entries). */
    private static byte[] onePack(ChunkCodec.Stored stored, List<PackFormat.Entry> entries) {
        byte[] index = PackFormat.encodeIndex(entries);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(stored.bytes().length + index.length + PackFormat.TRAILER_BYTES);
        b.put(stored.bytes()).put(index).putInt(index.length).put(PackFormat.MAGIC_V2);
        return b.array();
    }

    @Test
    void anEightMiBChunkIsSealedAsAOneEntryPackCommittedReadAndCountedByItsStoredSize() {
        byte[] plain = Content.text(random, LARGE);
        ChunkId id = ChunkId.sha256(plain);
        ChunkCodec.Stored z = ChunkCodec.encode(plain);
        assertTrue(z.compressed());
        String packId = declareAndPut(id, z);
        PackService.Sealed sealed = v.packs.seal(alice.owner, packId);
        assertEquals(1, sealed.placed());
        assertTrue(sealed.verifyNanos() > 0);
        ChunkRow r = v.chunkRow(id);
        assertEquals(Encoding.ZSTD, r.encoding());
        assertEquals(LARGE, r.size());
        assertEquals(z.bytes().length, r.storedLength());
        assertEquals(packId, r.pack());
        assertEquals(1, v.packRow(packId).liveChunks());

        Content content = new Content(List.of(plain, Content.text(random, 300_000)));
        alice.upload(new Content(List.of(content.chunks().get(1)))); // the small rest alone
        assertEquals(CommitService.Outcome.CREATED, commitLarge("big.txt", null, content, "big-key-1").outcome());
        ReadService.DownloadPlan plan = v.reads.download(alice.owner, "big.txt", null, null);
        ReadService.ChunkUrl u = plan.chunks().stream().filter(c -> c.id().equals(id)).findFirst().orElseThrow();
        assertTrue(u.ranged() && u.compressed());
        assertEquals(z.bytes().length, u.length());
        assertEquals(LARGE, u.plainLength());
        assertEquals(content.sha256(), new StorageModel.Model(v, new Random(1), null).fetch(plan));
        ChunkReader reader = new ChunkReader(v.itemPort, v.blobPort, Retry.immediate(2));
        assertArrayEquals(plain, reader.readChecked(id).bytes().orElseThrow());

        AuditService.AuditReport report = v.audit.audit(new AuditService.Options(false, true, true, null, 0, true), () -> true);
        assertEquals(0, report.driftCount(), () -> "no drift: " + report.drifts());
        v.audit.audit(true, false, () -> true);
        UsageService.UsageView usage = v.usage.usage(alice.owner);
        assertEquals(content.size(), usage.storedBytes());
        assertEquals(z.bytes().length + 300_000L, usage.storedCompressedBytes(), "the large chunk by its stored size");
        Oracle oracle = new Oracle(v);
        oracle.referencedChunksIntact();
        oracle.countsMatchRecount();
        oracle.packCountsMatch();
    }

    @Test
    void aNineMiBEntryARawLargeEntryOrALargeEntryBesideAnotherIsRefusedAtTheDeclarationAndNothingIsWritten() {
        byte[] nine = Content.text(random, LARGE + (1 << 20));
        ChunkCodec.Stored z = ChunkCodec.encode(nine);
        ChunkId id = ChunkId.sha256(nine);
        byte[] small = Content.text(random, 10_000);
        ChunkCodec.Stored zs = ChunkCodec.encode(small);
        List<List<PackFormat.Entry>> bad = List.of(
                List.of(new PackFormat.Entry(id, 0, z.bytes().length, Encoding.ZSTD, nine.length)),
                List.of(new PackFormat.Entry(id, 0, 2 << 20, Encoding.RAW, 2 << 20)),
                List.of(new PackFormat.Entry(id, 0, 2 << 20, Encoding.ZSTD, 2 << 20)),
                List.of(new PackFormat.Entry(ChunkId.sha256(small), 0, zs.bytes().length, Encoding.ZSTD, small.length),
                        new PackFormat.Entry(id, zs.bytes().length, 200_000, Encoding.ZSTD, 2 << 20)));
        List<Item> before = chunkTable();
        for (List<PackFormat.Entry> entries : bad) {
            ServiceException e = assertThrows(ServiceException.class,
                    () -> v.packs.declare(alice.owner, id, PackFormat.packSize(entries), entries, true));
            assertEquals(ErrorKind.BAD_REQUEST, e.kind());
            assertEquals("INVALID_PACK", e.code());
        }
        assertEquals(before, chunkTable(), "nothing written");
        assertTrue(v.blobs.keys().isEmpty());
    }

    @Test
    void aLyingPlainLengthOrABombIsRefusedAtTheSealAndNothingBecomesVisible() throws Exception {
        byte[] plain = Content.text(random, 4 << 20);
        ChunkId id = ChunkId.sha256(plain);
        byte[] frame = ChunkCodec.compress(plain, 0, plain.length);
        byte[] bomb;
        try (ZstdCompressCtx ctx = new ZstdCompressCtx()) {
            byte[] big = new byte[256 << 20];
            System.arraycopy(plain, 0, big, 0, plain.length);
            bomb = ctx.setLevel(3).setContentSize(false).compress(big); // 256 MiB behind a few MiB, no size in its header
        }
        assertTrue(bomb.length < LARGE);
        byte[] head = Arrays.copyOf(plain, LARGE); // the chunk's bytes, then zeros: not its id
        List<ChunkCodec.Stored> forgeries = List.of(
                new ChunkCodec.Stored(Encoding.ZSTD, frame, plain.length + 1),          // says one byte more
                new ChunkCodec.Stored(Encoding.ZSTD, frame, LARGE),                     // says 8 MiB
                new ChunkCodec.Stored(Encoding.ZSTD, frame, plain.length - 1),          // says one byte less
                new ChunkCodec.Stored(Encoding.ZSTD, bomb, plain.length),               // a bomb, declared at its first bytes
                new ChunkCodec.Stored(Encoding.ZSTD, bomb, LARGE),                      // a bomb, declared at the maximum
                new ChunkCodec.Stored(Encoding.ZSTD, ChunkCodec.compress(head, 0, head.length), LARGE)); // other bytes
        for (ChunkCodec.Stored forged : forgeries) {
            String packId = declareAndPut(id, forged);
            List<Item> before = chunkTable().stream().filter(i -> !i.string(ChunkRow.ID).equals(PackRow.KEY_PREFIX + packId)).toList();
            ServiceException e = assertThrows(ServiceException.class, () -> v.packs.seal(alice.owner, packId));
            assertEquals(ErrorKind.UNPROCESSABLE, e.kind());
            assertEquals(PackService.DAMAGED_CODE, e.code());
            assertEquals(PackRow.State.REJECTED, v.packRow(packId).state());
            assertEquals(0, v.packRow(packId).liveChunks());
            assertTrue(v.items.get(Tables.CHUNKS, ChunkRow.key(id)).isEmpty(), "no row for the chunk");
            assertEquals(before, chunkTable().stream().filter(i -> !i.string(ChunkRow.ID).equals(PackRow.KEY_PREFIX + packId)).toList(),
                    "nothing but the pack's own row changed");
        }
        ServiceException commit = assertThrows(ServiceException.class,
                () -> commitLarge("a.txt", null, new Content(List.of(plain)), "forged-key-1"));
        assertEquals("MISSING_CHUNKS", commit.code());
    }

    @Test
    void gcNeverRepacksAOneEntryPackAndCollectsItWithItsChunkWhileWritesGoOn() {
        byte[] plain = Content.text(random, 3 << 20);
        ChunkId id = ChunkId.sha256(plain);
        ChunkCodec.Stored z = ChunkCodec.encode(plain);
        String packId = declareAndPut(id, z);
        v.packs.seal(alice.owner, packId);
        Content big = new Content(List.of(plain));
        String version = commitLarge("big.txt", null, big, "big-key-1").version().versionId();
        Oracle oracle = new Oracle(v);

        // Live: all of its bytes are live, so it is never a repack candidate, and a GC run leaves it.
        PackRow live = v.packRow(packId);
        assertEquals(1, live.liveChunks());
        assertEquals(plain.length, live.liveBytes());
        assertFalse(Repacker.wanted(live));
        v.clock.advance(SETTINGS.retention().plus(SETTINGS.grace()).plusHours(1));
        GcReport quiet = v.gc.run("quiet", () -> true);
        assertEquals(0, quiet.packsRepacked());
        assertEquals(0, quiet.packsDeleted());
        assertTrue(v.blobs.head(PackRow.objectKey(packId)).isPresent());

        // Deleted, while another large chunk is written and committed between the GC's runs.
        alice.delete("big.txt", version, "big-key-2");
        byte[] other = Content.text(random, 2 << 20);
        v.clock.advance(SETTINGS.retention().plusHours(1));
        String otherPack = declareAndPut(ChunkId.sha256(other), ChunkCodec.encode(other)); // uploaded, not yet sealed
        assertTrue(v.gc.run("expire", () -> true).complete());
        v.packs.seal(alice.owner, otherPack);
        commitLarge("other.txt", null, new Content(List.of(other)), "other-key-1");
        v.clock.advance(SETTINGS.grace().plus(SETTINGS.uploadUrlTtl()).plusHours(1));
        GcReport swept = v.gc.run("sweep", () -> true);
        assertTrue(swept.chunksSwept() >= 1, "the large chunk's row: " + swept);
        assertEquals(0, swept.packsRepacked());
        assertTrue(v.items.get(Tables.CHUNKS, ChunkRow.key(id)).isEmpty());
        assertEquals(0, v.packRow(packId).liveChunks());
        v.clock.advance(SETTINGS.grace().plusHours(1));
        GcReport later = v.gc.run("delete-pack", () -> true);
        assertEquals(1, later.packsDeleted());
        assertEquals(0, later.packsRepacked());
        assertFalse(v.blobs.head(PackRow.objectKey(packId)).isPresent(), "the one-entry pack goes with its chunk");
        assertTrue(v.blobs.head(PackRow.objectKey(otherPack)).isPresent(), "the one written meanwhile stays");
        assertEquals(new Content(List.of(other)).sha256(),
                new StorageModel.Model(v, new Random(1), null).fetch(v.reads.download(alice.owner, "other.txt", null, null)));
        oracle.referencedChunksIntact();
        oracle.countsMatchRecount();
        oracle.packCountsMatch();
        oracle.noMostlyDeadPacks();
        AuditService.AuditReport report = v.audit.audit(new AuditService.Options(false, true, true, null, 0, true), () -> true);
        assertEquals(0, report.driftCount(), () -> "no drift: " + report.drifts());
    }
}
