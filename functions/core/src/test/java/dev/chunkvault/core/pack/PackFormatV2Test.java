package dev.chunkvault.core.pack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.chunkvault.core.compress.ChunkCodec;
import dev.chunkvault.core.compress.Encoding;
import dev.chunkvault.core.hash.ChunkId;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Packs holding compressed chunks (format 2), and that packs of raw chunks are written exactly as before. */
class PackFormatV2Test {
    private static byte[] text(int n) {
        return "the quick brown fox jumps over the lazy dog. ".repeat(n / 45 + 1).substring(0, n).getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    @Test
    void aPackWithACompressedChunkIsFormat2AndItsIndexDecodes() {
        byte[] t = text(100_000);
        byte[] r = random(50_000);
        PackFormat.Builder b = new PackFormat.Builder();
        b.add(ChunkId.sha256(t), ChunkCodec.encode(t));
        b.add(ChunkId.sha256(r), ChunkCodec.encode(r));
        byte[] pack = b.finish();
        assertEquals(2, b.format());
        assertEquals(2, PackFormat.formatOfObject(pack));
        assertEquals(PackFormat.packSize(b.entries()), pack.length);
        List<PackFormat.Entry> entries = PackFormat.decodeIndex(PackFormat.trailingIndex(pack), pack.length, 2);
        assertEquals(b.entries(), entries);
        PackFormat.Entry e = entries.get(0);
        assertEquals(Encoding.ZSTD, e.encoding());
        assertEquals(100_000, e.plainLength());
        assertArrayEquals(t, ChunkCodec.decode(e.encoding(), pack, e.offset(), e.length(), e.plainLength()));
        assertEquals(Encoding.RAW, entries.get(1).encoding());
        assertThrows(PackFormatException.class, () -> PackFormat.decodeIndex(PackFormat.trailingIndex(pack), pack.length, 1));
    }

    @Test
    void aPackOfRawChunksIsFormat1AsBefore() {
        byte[] r = random(1000);
        PackFormat.Builder b = new PackFormat.Builder();
        b.add(ChunkId.sha256(r), r);
        byte[] pack = b.finish();
        assertEquals(1, b.format());
        assertEquals(1, PackFormat.formatOfObject(pack));
        assertEquals(r.length + PackFormat.ENTRY_BYTES + PackFormat.TRAILER_BYTES, pack.length);
        assertEquals(b.entries(), PackFormat.decodeIndex(PackFormat.trailingIndex(pack), pack.length));
        // An index of format 2 with no compressed chunk is not one a writer makes.
        assertThrows(PackFormatException.class, () -> PackFormat.decodeIndex(PackFormat.trailingIndex(pack), pack.length, 2));
    }

    @Test
    void entriesAreChecked() {
        ChunkId id = ChunkId.sha256(new byte[] {1});
        assertThrows(PackFormatException.class, () -> new PackFormat.Entry(id, 0, 10, Encoding.RAW, 20));
        assertThrows(PackFormatException.class, () -> new PackFormat.Entry(id, 0, 10, Encoding.ZSTD, 0));
        assertThrows(PackFormatException.class, () -> new PackFormat.Entry(id, 0, 10, null, 10));
        // Over the large-file profile's maximum even alone; over 1 MiB beside another chunk.
        List<PackFormat.Entry> tooLarge = List.of(new PackFormat.Entry(id, 0, 10, Encoding.ZSTD, PackFormat.MAX_LARGE_CHUNK_BYTES + 1));
        assertThrows(PackFormatException.class, () -> PackFormat.check(tooLarge, PackFormat.packSize(tooLarge)));
        List<PackFormat.Entry> largeWithAnother = List.of(new PackFormat.Entry(id, 0, 10, Encoding.ZSTD, PackFormat.MAX_CHUNK_BYTES + 1),
                new PackFormat.Entry(ChunkId.sha256(new byte[] {2}), 10, 10, Encoding.ZSTD, 100));
        assertThrows(PackFormatException.class, () -> PackFormat.check(largeWithAnother, PackFormat.packSize(largeWithAnother)));
    }

    @Test
    void aLargeCompressedChunkIsAOneEntryPackOfFormat2() {
        byte[] t = text(PackFormat.MAX_LARGE_CHUNK_BYTES);
        PackFormat.Builder b = new PackFormat.Builder();
        b.add(ChunkId.sha256(t), ChunkCodec.encode(t));
        byte[] pack = b.finish();
        assertEquals(2, b.format());
        List<PackFormat.Entry> entries = PackFormat.decodeIndex(PackFormat.trailingIndex(pack), pack.length, 2);
        assertEquals(1, entries.size());
        assertEquals(PackFormat.MAX_LARGE_CHUNK_BYTES, entries.get(0).plainLength());
        PackFormat.Entry e = entries.get(0);
        assertArrayEquals(t, ChunkCodec.decode(e.encoding(), pack, e.offset(), e.length(), e.plainLength()));
        // Nothing else goes in with it.
        byte[] small = text(1000);
        assertThrows(PackFormatException.class, () -> b.add(ChunkId.sha256(small), ChunkCodec.encode(small)));
    }

    @Test
    void aLargeChunkIsRefusedRawWithOthersOrOverTheLargeProfilesMaximum() {
        byte[] small = text(1000);
        byte[] large = text(2 << 20);
        ChunkCodec.Stored z = ChunkCodec.encode(large);
        // Raw, over 1 MiB: never in a pack (it goes alone, as an object of its own).
        assertThrows(PackFormatException.class, () -> new PackFormat.Builder().add(ChunkId.sha256(large), large));
        // After another chunk.
        PackFormat.Builder b = new PackFormat.Builder();
        b.add(ChunkId.sha256(small), ChunkCodec.encode(small));
        assertThrows(PackFormatException.class, () -> b.add(ChunkId.sha256(large), z));
        // An index that lists it with another chunk, or with a plain length over 8 MiB, or stored in as many bytes as
        // its plain ones, is refused (a declaration is checked by the same rules).
        ChunkId id = ChunkId.sha256(large);
        List<PackFormat.Entry> two = List.of(new PackFormat.Entry(id, 0, z.bytes().length, Encoding.ZSTD, large.length),
                new PackFormat.Entry(ChunkId.sha256(small), z.bytes().length, 100, Encoding.ZSTD, 1000));
        assertThrows(PackFormatException.class, () -> PackFormat.check(two, PackFormat.packSize(two)));
        List<PackFormat.Entry> over = List.of(new PackFormat.Entry(id, 0, 1000, Encoding.ZSTD, PackFormat.MAX_LARGE_CHUNK_BYTES + 1));
        assertThrows(PackFormatException.class, () -> PackFormat.check(over, PackFormat.packSize(over)));
        List<PackFormat.Entry> notSmaller = List.of(new PackFormat.Entry(id, 0, 2 << 20, Encoding.ZSTD, 2 << 20));
        assertThrows(PackFormatException.class, () -> PackFormat.check(notSmaller, PackFormat.packSize(notSmaller)));
        List<PackFormat.Entry> one = List.of(new PackFormat.Entry(id, 0, z.bytes().length, Encoding.ZSTD, large.length));
        PackFormat.check(one, PackFormat.packSize(one));
    }
}
