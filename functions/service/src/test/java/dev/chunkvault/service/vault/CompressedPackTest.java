package dev.chunkvault.service.vault;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Compressed chunks in packs (docs/compression.md) on the in-memory fakes: the seal decodes each compressed entry,
 * bounded by its declared plain length, and hashes the plain bytes; rows record the encoding and both sizes; readers in
 * the service and download plans see plain bytes; a bomb, a truncated frame, other bytes or a wrong plain length reject
 * the pack and nothing becomes visible. (Every other pack test and the storage model run on packs of mixed encodings:
 * FakeClient compresses about three in four of its chunks.)
 */
class CompressedPackTest {
    private final Random random = new Random(18);
    private final TestVault v = new TestVault();
    private final FakeClient alice = new FakeClient(v, "alice");

    /** Declares a pack of {@code entries} (ids with their stored form), PUTs it and seals it. */
    private PackService.Sealed sealPack(Map<ChunkId, ChunkCodec.Stored> entries) {
        PackFormat.Builder b = new PackFormat.Builder();
        entries.forEach(b::add);
        byte[] pack = b.finish();
        PackService.Declared d = v.packs.declare(alice.owner, ChunkId.sha256(pack), pack.length, b.entries());
        assertEquals(200, v.backend.send("PUT", d.upload().url(), d.upload().headers(), pack).status());
        lastPack = d.packId();
        return v.packs.seal(alice.owner, d.packId());
    }

    private String lastPack;

    @Test
    void compressedChunksAreVerifiedPlacedWithTheirEncodingAndReadAsPlainBytes() {
        List<byte[]> chunks = List.of(Content.text(random, 70_000), Content.text(random, 5_000), new byte[30_000], Content.text(random, 1_000_000));
        Content content = new Content(chunks);
        Map<ChunkId, ChunkCodec.Stored> entries = new java.util.LinkedHashMap<>();
        chunks.forEach(c -> entries.put(ChunkId.sha256(c), ChunkCodec.encode(c)));
        assertTrue(entries.values().stream().allMatch(ChunkCodec.Stored::compressed));
        PackService.Sealed sealed = sealPack(entries);
        assertEquals(4, sealed.placed());
        long storedBytes = 0;
        for (byte[] c : chunks) {
            ChunkRow r = v.chunkRow(ChunkId.sha256(c));
            assertEquals(Encoding.ZSTD, r.encoding());
            assertEquals(c.length, r.size(), "the row's size is the plain size, which commits check");
            assertEquals(entries.get(r.id()).bytes().length, r.storedLength());
            assertTrue(r.storedLength() < c.length);
            storedBytes += r.storedLength();
        }
        assertEquals(content.size(), v.packRow(sealed.packId()).liveBytes(), "live bytes count plain bytes, as rows do");
        assertTrue(v.blobs.head(PackRow.objectKey(sealed.packId())).orElseThrow().size() < content.size() / 3,
                "stored: " + storedBytes + " of " + content.size());

        alice.commit("a.txt", null, content, "compressed-1");
        ReadService.DownloadPlan plan = v.reads.download(alice.owner, "a.txt", null, null);
        for (ReadService.ChunkUrl u : plan.chunks()) {
            assertTrue(u.ranged() && u.compressed());
            assertEquals(v.chunkRow(u.id()).storedLength(), u.length());
            assertEquals(v.chunkRow(u.id()).size(), u.plainLength());
        }
        assertEquals(content.sha256(), new StorageModel.Model(v, new Random(1), null).fetch(plan));

        ChunkReader reader = new ChunkReader(v.itemPort, v.blobPort, Retry.immediate(2));
        assertArrayEquals(chunks.get(0), reader.readChecked(ChunkId.sha256(chunks.get(0))).bytes().orElseThrow());
        AuditService.AuditReport report = v.audit.audit(new AuditService.Options(false, true, true, null, 0, true), () -> true);
        assertEquals(0, report.driftCount(), () -> "no drift: " + report.drifts());
        assertEquals(4, report.content().checked());
        new Oracle(v).referencedChunksIntact();

        // The audit with fix measures alice's stored bytes both ways: plain sizes, and as stored (compressed).
        v.audit.audit(true, false, () -> true);
        UsageService.UsageView u = v.usage.usage(alice.owner);
        assertEquals(content.size(), u.storedBytes(), "plain sizes of the distinct chunks");
        assertEquals(storedBytes, u.storedCompressedBytes(), "their compressed lengths");
    }

    @Test
    void aBombATruncatedFrameOtherBytesOrAWrongPlainLengthRejectThePackAndNothingBecomesVisible() {
        byte[] plain = Content.text(random, 20_000);
        ChunkId id = ChunkId.sha256(plain);
        byte[] frame = ChunkCodec.compress(plain, 0, plain.length);
        byte[] bomb;
        try (ZstdCompressCtx ctx = new ZstdCompressCtx()) {
            byte[] big = new byte[64 << 20];
            System.arraycopy(plain, 0, big, 0, plain.length);
            bomb = ctx.setLevel(3).setContentSize(false).compress(big); // 64 MiB behind a few KiB, no size in its header
        }
        byte[] other = Content.text(random, 20_000);
        List<ChunkCodec.Stored> forgeries = List.of(
                new ChunkCodec.Stored(Encoding.ZSTD, bomb, plain.length),
                new ChunkCodec.Stored(Encoding.ZSTD, Arrays.copyOf(frame, frame.length / 2), plain.length),
                new ChunkCodec.Stored(Encoding.ZSTD, ChunkCodec.compress(other, 0, other.length), plain.length),
                new ChunkCodec.Stored(Encoding.ZSTD, frame, plain.length + 1),
                new ChunkCodec.Stored(Encoding.ZSTD, frame, plain.length - 1),
                new ChunkCodec.Stored(Encoding.ZSTD, Arrays.copyOf(plain, 3_000), plain.length));
        byte[] honest = Content.text(random, 9_000);
        for (ChunkCodec.Stored forged : forgeries) {
            Map<ChunkId, ChunkCodec.Stored> entries = new java.util.LinkedHashMap<>();
            entries.put(ChunkId.sha256(honest), ChunkCodec.encode(honest));
            entries.put(id, forged);
            ServiceException e = assertThrows(ServiceException.class, () -> sealPack(entries));
            assertEquals(ErrorKind.UNPROCESSABLE, e.kind());
            assertEquals(PackService.DAMAGED_CODE, e.code());
            assertEquals(List.of(id.hex()), e.details().get("damaged"));
            assertEquals(PackRow.State.REJECTED, v.packRow(lastPack).state());
            assertTrue(v.items.get(Tables.CHUNKS, ChunkRow.key(id)).isEmpty(), "no row for a chunk of a rejected pack");
            assertTrue(v.items.get(Tables.CHUNKS, ChunkRow.key(ChunkId.sha256(honest))).isEmpty(), "nor for its neighbours");
        }
        ServiceException commit = assertThrows(ServiceException.class,
                () -> alice.commit("a.txt", null, new Content(List.of(plain)), "forged-1"));
        assertEquals("MISSING_CHUNKS", commit.code());
    }

    @Test
    void declarationsOfCompressedChunksAreChecked() {
        ChunkId id = ChunkId.sha256(new byte[] {1});
        List<List<PackFormat.Entry>> bad = new ArrayList<>();
        bad.add(List.of(new PackFormat.Entry(id, 0, 100, Encoding.ZSTD, PackFormat.MAX_LARGE_CHUNK_BYTES + 1)));
        bad.add(List.of(new PackFormat.Entry(id, 0, 100, Encoding.ZSTD, PackFormat.MAX_CHUNK_BYTES + 1),
                new PackFormat.Entry(ChunkId.sha256(new byte[] {2}), 100, 100, Encoding.ZSTD, 1000)));
        for (List<PackFormat.Entry> entries : bad) {
            ServiceException e = assertThrows(ServiceException.class,
                    () -> v.packs.declare(alice.owner, id, PackFormat.packSize(entries), entries));
            assertEquals(ErrorKind.BAD_REQUEST, e.kind());
            assertEquals("INVALID_PACK", e.code());
        }
    }
}
