package dev.chunkvault.core.chunking;

import static dev.chunkvault.core.chunking.TestData.MIB;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.core.hash.ContentHash;
import dev.chunkvault.core.hash.Sha256;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The streaming chunker: same result from every kind of input, correct ids and hashes, edge sizes. */
class ChunkerTest {
    private static final ChunkingProfile P = ChunkingProfile.DEFAULT;
    private static final Chunker CHUNKER = Chunker.of(P);
    private static final int MIN = P.minSize();
    private static final int MAX = P.maxSize();

    @TempDir
    Path dir;

    /** Inputs of interesting sizes and contents; the random ones from a fixed seed. */
    private static List<byte[]> inputs(long seed) {
        Random r = new Random(seed);
        List<byte[]> inputs = new ArrayList<>();
        inputs.add(new byte[0]);
        inputs.add(TestData.random(r.nextLong(), 1));
        inputs.add(TestData.random(r.nextLong(), MIN - 1));
        inputs.add(TestData.random(r.nextLong(), MIN));
        inputs.add(TestData.random(r.nextLong(), MIN + 1));
        inputs.add(TestData.random(r.nextLong(), MAX));
        inputs.add(TestData.random(r.nextLong(), 2 * MAX + 1));
        inputs.add(new byte[2 * MAX + 7]);
        inputs.add(TestData.random(r.nextLong(), 9 * MIB + r.nextInt(MIB)));
        return inputs;
    }

    @Test
    void everyKindOfInputGivesTheSameChunksAndHashes() throws IOException {
        long seed = 0x5_7EA_0001L;
        System.out.println("everyKindOfInputGivesTheSameChunksAndHashes seed=" + seed);
        Random reads = new Random(seed);
        for (byte[] data : inputs(seed)) {
            String what = data.length + " bytes";
            ChunkedContent expected = CHUNKER.chunkAll(data);
            assertEquals(TestData.fastSizes(FastCdc.of(P), data),
                    expected.chunks().stream().map(Chunk::size).toList(), what);

            assertEquals(expected, CHUNKER.chunkAll(new ByteArrayInputStream(data)), what + " one stream");
            for (int maxRead : new int[] {1 + reads.nextInt(7), 1 + reads.nextInt(5000), 1 + reads.nextInt(MIB)}) {
                if (maxRead < 100 && data.length > 3 * MAX) {
                    continue; // byte-sized reads of megabytes are just slow, not more interesting
                }
                assertEquals(expected, CHUNKER.chunkAll(new TrickleStream(data, maxRead, reads.nextLong())),
                        what + " reads of 1.." + maxRead);
            }

            Path file = Files.write(dir.resolve("input"), data);
            assertEquals(expected, CHUNKER.chunkAll(file), what + " path");
            try (FileChannel ch = FileChannel.open(file)) {
                assertEquals(expected, CHUNKER.chunkAll(ch), what + " file channel");
            }
            try (var ch = Files.newByteChannel(file)) {
                assertEquals(expected, CHUNKER.chunkAll(ch), what + " byte channel");
            }
            try (InputStream in = Files.newInputStream(file)) {
                assertEquals(expected, CHUNKER.chunkAll(in), what + " file stream");
            }
        }
    }

    @Test
    void chunksTileTheInputAndIdsAndHashesAreSha256() throws IOException {
        for (byte[] data : inputs(0x5_7EA_0002L)) {
            String what = data.length + " bytes";
            List<Chunk> chunks = new ArrayList<>();
            ContentHash hash = CHUNKER.chunk(data, 0, data.length, (chunk, bytes) -> {
                assertTrue(bytes.isReadOnly());
                assertEquals(0, bytes.position());
                assertEquals(chunk.size(), bytes.remaining());
                byte[] copy = new byte[bytes.remaining()];
                bytes.get(copy);
                assertEquals(ChunkId.sha256(copy), chunk.id());
                chunks.add(chunk);
            });
            long offset = 0;
            for (int i = 0; i < chunks.size(); i++) {
                Chunk c = chunks.get(i);
                assertEquals(offset, c.offset(), what);
                assertEquals(ChunkId.sha256(data, (int) c.offset(), c.size()), c.id(), what);
                if (i < chunks.size() - 1) {
                    assertTrue(c.size() > MIN && c.size() <= MAX, what + " chunk " + i + " size " + c.size());
                }
                offset = c.end();
            }
            assertEquals(data.length, offset, what);
            assertEquals(data.length, hash.length());
            assertArrayEquals(Sha256.newDigest().digest(data), hash.sha256(), what);
            assertTrue(hash.dropboxContentHashHex().isEmpty());
        }
    }

    @Test
    void edgeSizes() {
        assertEquals(List.of(), CHUNKER.chunkAll(new byte[0]).chunks());
        assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                CHUNKER.chunkAll(new byte[0]).hash().sha256Hex());
        assertEquals(List.of(MIN - 1), sizes(TestData.random(1, MIN - 1)));
        assertEquals(List.of(MIN), sizes(TestData.random(2, MIN)));
        assertEquals(List.of(MAX), sizes(new byte[MAX]));
        assertEquals(List.of(MAX, 1), sizes(new byte[MAX + 1]));
        assertEquals(List.of(MAX, MAX, MAX, MAX, 5), sizes(new byte[4 * MAX + 5]));
        List<Integer> maxRandom = sizes(TestData.random(3, MAX));
        assertEquals(MAX, maxRandom.stream().mapToInt(Integer::intValue).sum());
    }

    private static List<Integer> sizes(byte[] data) {
        return CHUNKER.chunkAll(data).chunks().stream().map(Chunk::size).toList();
    }

    @Test
    void insertingOneByteChangesAtMostThreeChunks() {
        for (long seed : new long[] {0x1B_0001L, 0x1B_0002L, 0x1B_0003L, 0x1B_0004L}) {
            Random r = new Random(seed);
            byte[] base = TestData.random(r.nextLong(), 64 * MIB);
            int at = r.nextInt(base.length + 1);
            byte[] edited = new byte[base.length + 1];
            System.arraycopy(base, 0, edited, 0, at);
            edited[at] = (byte) r.nextInt();
            System.arraycopy(base, at, edited, at + 1, base.length - at);

            Set<ChunkId> before = ids(CHUNKER.chunkAll(base));
            Set<ChunkId> after = ids(CHUNKER.chunkAll(edited));
            int added = 0;
            for (ChunkId id : after) {
                added += before.contains(id) ? 0 : 1;
            }
            int removed = 0;
            for (ChunkId id : before) {
                removed += after.contains(id) ? 0 : 1;
            }
            System.out.printf("seed %x: insert at %d of %d chunks: %d new, %d gone%n",
                    seed, at, before.size(), added, removed);
            assertTrue(added >= 1 && added <= 3, "seed " + seed + ": " + added + " new chunks");
            assertTrue(removed >= 1 && removed <= 3, "seed " + seed + ": " + removed + " chunks gone");
        }
    }

    private static Set<ChunkId> ids(ChunkedContent content) {
        Set<ChunkId> ids = new HashSet<>();
        content.chunks().forEach(c -> ids.add(c.id()));
        return ids;
    }

    @Test
    void dropboxContentHashIsShaOfBlockShas() throws IOException {
        Chunker dropbox = CHUNKER.withDropboxContentHash(true);
        assertTrue(dropbox.computesDropboxContentHash());
        assertFalse(CHUNKER.computesDropboxContentHash());
        byte[] data = TestData.random(0xD0B0L, 9 * MIB + 17);
        ChunkedContent plain = CHUNKER.chunkAll(data);
        ChunkedContent withDropbox = dropbox.chunkAll(new TrickleStream(data, 300_000, 1));
        assertEquals(plain.chunks(), withDropbox.chunks());
        assertEquals(plain.hash().sha256Hex(), withDropbox.hash().sha256Hex());
        assertEquals(expectedDropboxHash(data), withDropbox.hash().dropboxContentHashHex().orElseThrow());
    }

    /** Dropbox's content_hash by its definition: SHA-256 of the concatenated SHA-256s of 4 MiB blocks. */
    static String expectedDropboxHash(byte[] data) {
        var outer = Sha256.newDigest();
        for (int off = 0; off < data.length; off += 4 * MIB) {
            var block = Sha256.newDigest();
            block.update(data, off, Math.min(4 * MIB, data.length - off));
            outer.update(block.digest());
        }
        return HexFormat.of().formatHex(outer.digest());
    }

    @Test
    void channelIsReadFromItsPositionAndSlicesAreViews() throws IOException {
        byte[] data = TestData.random(0xC4A1L, 3 * MIB);
        Path file = Files.write(dir.resolve("positioned"), data);
        byte[] tail = java.util.Arrays.copyOfRange(data, 1000, data.length);
        try (FileChannel ch = FileChannel.open(file)) {
            ch.position(1000);
            assertEquals(CHUNKER.chunkAll(tail), CHUNKER.chunkAll(ch));
        }
        // In-place chunking of an array region: offsets are relative to the region.
        List<Chunk> chunks = new ArrayList<>();
        CHUNKER.chunk(data, 1000, data.length - 1000, (c, b) -> chunks.add(c));
        assertEquals(CHUNKER.chunkAll(tail).chunks(), chunks);
    }

    @Test
    void visitorFailureStopsChunking() {
        IOException failure = new IOException("upload failed");
        List<Chunk> seen = new ArrayList<>();
        IOException thrown = assertThrows(IOException.class, () -> CHUNKER.chunk(
                new ByteArrayInputStream(TestData.random(5, 4 * MIB)), (c, b) -> {
                    seen.add(c);
                    throw failure;
                }));
        assertSame(failure, thrown);
        assertEquals(1, seen.size());
    }

    @Test
    void manifestEntriesRoundTrip() {
        ChunkedContent content = CHUNKER.chunkAll(TestData.random(0x3A7L, 5 * MIB));
        var entries = content.manifestEntries();
        assertEquals(content.chunks().size(), entries.size());
        for (int i = 0; i < entries.size(); i++) {
            assertEquals(content.chunks().get(i).id(), entries.get(i).id());
            assertEquals(content.chunks().get(i).size(), entries.get(i).size());
        }
        assertEquals(content.chunks(), Chunk.fromManifestEntries(entries));
    }

    @Test
    void rejectsProfilesTooLargeToBuffer() {
        ChunkingProfile huge = new ChunkingProfile("huge", 1 << 20, 1 << 26, 1 << 30, 2, 1);
        assertThrows(IllegalArgumentException.class, () -> Chunker.of(huge));
    }

    /** Returns 1..maxRead bytes per read (random lengths, fixed seed), like a slow socket. */
    static final class TrickleStream extends InputStream {
        private final byte[] data;
        private final int maxRead;
        private final Random random;
        private int pos;

        TrickleStream(byte[] data, int maxRead, long seed) {
            this.data = data;
            this.maxRead = maxRead;
            this.random = new Random(seed);
        }

        @Override
        public int read() {
            return pos < data.length ? data[pos++] & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (len == 0) {
                return 0;
            }
            if (pos == data.length) {
                return -1;
            }
            int n = Math.min(Math.min(len, 1 + random.nextInt(maxRead)), data.length - pos);
            System.arraycopy(data, pos, b, off, n);
            pos += n;
            return n;
        }
    }

    @Test
    void trickleStreamReallyTrickles() {
        TrickleStream s = new TrickleStream(new byte[100], 3, 9);
        int n = s.read(new byte[100], 0, 100);
        assertTrue(n >= 1 && n <= 3, "read " + n);
    }
}
