package dev.chunkvault.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.core.chunking.ChunkingPolicy;
import dev.chunkvault.core.chunking.ChunkingProfile;
import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.core.hash.Sha256;
import dev.chunkvault.core.manifest.Manifest;
import dev.chunkvault.core.pack.PackFormat;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client's choice for a large file's chunks (over 1 MiB, the large-file profile's; docs/compression.md): one whose
 * 8 KiB probe compresses goes compressed as a one-entry pack (no PUT of its own); an incompressible one (random) goes
 * alone and raw, by a grant, as before; a service that refuses such packs (older than this client) gets them alone and
 * raw from then on. Against the in-process fake API with packs; over the real local cloud: LargeFileCompressionIT.
 */
class LargeChunkPackingTest extends WithFakeVault {
    @TempDir
    Path dir;

    @Override
    protected FakeVault newVault() throws java.io.IOException {
        return new FakeVault().enablePacks();
    }

    /** {@code size} bytes of text (words of a small vocabulary drawn by a seeded random), written to {@code file}; its SHA-256. */
    static String writeText(Path file, long size, long seed) throws IOException {
        String[] words = {"public", "final", "class", "return", "chunk", "pack", "large", "file", "{", "}", ";\n", "if",
            "else", "while", "for", "int", "long", "byte[]", "String", "=", "+", "(", ")", "//", "the", "of"};
        byte[][] encoded = new byte[words.length][];
        for (int i = 0; i < words.length; i++) {
            encoded[i] = (words[i] + " ").getBytes(StandardCharsets.US_ASCII);
        }
        Random r = new Random(seed);
        MessageDigest sha = Sha256.newDigest();
        byte[] buf = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long written = 0; written < size; ) {
                int n = 0;
                while (n < buf.length - 16) {
                    byte[] w = encoded[r.nextInt(encoded.length)];
                    System.arraycopy(w, 0, buf, n, w.length);
                    n += w.length;
                }
                int take = (int) Math.min(n, size - written);
                out.write(buf, 0, take);
                sha.update(buf, 0, take);
                written += take;
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    private static Set<ChunkId> largeChunks(Manifest m) {
        Set<ChunkId> out = new HashSet<>();
        for (int i = 0; i < m.chunkCount(); i++) {
            if (m.size(i) > PackFormat.MAX_CHUNK_BYTES) {
                out.add(m.id(i));
            }
        }
        return out;
    }

    private void assertPulledBack(String path, String sha256) throws Exception {
        Path out = dir.resolve("out/" + path);
        new FilePuller(client).pull(FilePuller.Request.of(path, out));
        assertEquals(sha256, FilePuller.sha256(out));
    }

    @Test
    void aCompressibleLargeChunkGoesCompressedAsAOneEntryPackWithNoPutOfItsOwn() throws Exception {
        Path f = dir.resolve("dump.sql");
        String sha = writeText(f, ChunkingPolicy.LARGE_FILE_BYTES, 18);
        FilePusher.Result r = new FilePusher(client, PushJournal.inMemory()).push(FilePusher.Request.of(f, "dump.sql", null));
        assertEquals(ChunkingProfile.LARGE.name(), r.manifest().profile());
        Set<ChunkId> large = largeChunks(r.manifest());
        assertTrue(large.size() >= 16, large.size() + " large chunks");
        assertEquals(large.size(), vault.largeCompressedChunks.get(), "every large chunk in a one-entry pack of its own");
        assertEquals(0, vault.puts.get(), "no chunk PUT alone");
        assertTrue(client.compressLargeChunks());
        assertPulledBack("dump.sql", sha);
    }

    @Test
    void anIncompressibleLargeChunkGoesAloneAndRawAsBefore() throws Exception {
        byte[] data = TestFiles.random(19, (int) ChunkingPolicy.LARGE_FILE_BYTES);
        Path f = TestFiles.write(dir.resolve("video.mp4"), data);
        String sha = ChunkId.sha256(data).hex();
        data = null;
        FilePusher.Result r = new FilePusher(client, PushJournal.inMemory()).push(FilePusher.Request.of(f, "video.mp4", null));
        Set<ChunkId> large = largeChunks(r.manifest());
        assertTrue(large.size() >= 16, large.size() + " large chunks");
        assertEquals(0, vault.largeCompressedChunks.get(), "no large chunk in a pack");
        assertEquals(large.size(), vault.puts.get(), "each large chunk PUT alone, raw");
        assertPulledBack("video.mp4", sha);
    }

    @Test
    void aServiceThatRefusesLargeEntriesGetsThemAloneAndRawFromThenOn() throws Exception {
        vault.largeEntriesRefused = true;
        Path f = dir.resolve("log.txt");
        String sha = writeText(f, ChunkingPolicy.LARGE_FILE_BYTES, 20);
        FilePusher.Result r = new FilePusher(client, PushJournal.inMemory()).push(FilePusher.Request.of(f, "log.txt", null));
        Set<ChunkId> large = largeChunks(r.manifest());
        assertFalse(client.compressLargeChunks(), "off for this client once refused");
        assertTrue(client.compressPacks(), "small chunks are still compressed");
        assertEquals(0, vault.largeCompressedChunks.get());
        assertEquals(large.size(), vault.puts.get(), "each large chunk PUT alone, raw");
        assertPulledBack("log.txt", sha);
    }
}
