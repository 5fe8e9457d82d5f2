package dev.chunkvault.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.core.hash.ChunkId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pushes through packs against the in-process fake API (packs enabled): the small files pushed together share packs,
 * nothing is sent alone and no grant is asked for, chunks the caller holds are left out of a pack, a pack whose URL
 * expired is declared again, a service whose declarations cannot name held chunks is asked for grants first, and a
 * service without packs still gets plain PUTs. Over the real local cloud: PacksIT.
 */
class PackerTest extends WithFakeVault {
    @TempDir
    Path dir;

    /** Pushes {@code n} small files from {@code threads} threads at once; their contents by path. */
    private Map<String, byte[]> pushMany(int n, int threads) throws Exception {
        Map<String, byte[]> contents = new java.util.TreeMap<>();
        for (int i = 0; i < n; i++) {
            contents.put("docs/f" + i + ".txt", TestFiles.random(100 + i, 500 + i * 37));
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (Map.Entry<String, byte[]> e : contents.entrySet()) {
                done.add(pool.submit(() -> {
                    Path f = TestFiles.write(dir.resolve(e.getKey().replace('/', '_')), e.getValue());
                    return new FilePusher(client, PushJournal.inMemory()).push(FilePusher.Request.of(f, e.getKey(), null));
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        return contents;
    }

    private void assertPulledBack(Map<String, byte[]> contents) throws Exception {
        for (Map.Entry<String, byte[]> e : contents.entrySet()) {
            Path out = dir.resolve("pulled-" + e.getKey().replace('/', '_'));
            new FilePuller(client).pull(FilePuller.Request.of(e.getKey(), out));
            assertArrayEquals(e.getValue(), Files.readAllBytes(out), e.getKey());
        }
    }

    /** Text files: words from a small vocabulary, as source code is. */
    private Map<String, byte[]> pushText(int n) throws Exception {
        Map<String, byte[]> contents = new java.util.TreeMap<>();
        java.util.Random r = new java.util.Random(18);
        String[] words = {"public", "final", "class", "return", "chunk", "pack", "{", "}", ";\n"};
        for (int i = 0; i < n; i++) {
            StringBuilder sb = new StringBuilder();
            while (sb.length() < 3_000 + i * 500) {
                sb.append(words[r.nextInt(words.length)]).append(' ');
            }
            byte[] text = sb.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            contents.put("src/f" + i + ".java", text);
            Path f = TestFiles.write(dir.resolve("f" + i + ".java"), text);
            new FilePusher(client, PushJournal.inMemory()).push(FilePusher.Request.of(f, "src/f" + i + ".java", null));
        }
        return contents;
    }

    @Test
    void textGoesCompressedIntoPacksAndComesBackPlain() throws Exception {
        vault.enablePacks();
        Map<String, byte[]> contents = pushText(6);
        assertEquals(6, vault.compressedChunks.get(), "every text chunk compressed");
        assertTrue(client.compressPacks());
        assertPulledBack(contents);
    }

    @Test
    void aServiceThatRefusesCompressedChunksGetsThemRawAndNoCompressedPackAgain() throws Exception {
        vault.enablePacks();
        vault.refuseCompression = true;
        Map<String, byte[]> contents = pushText(4);
        assertTrue(!client.compressPacks(), "compression off for this client once refused");
        assertEquals(0, vault.compressedChunks.get(), "nothing compressed was sealed");
        assertEquals(4, vault.packedChunks.size(), "the chunks went raw, still in packs");
        assertTrue(client.packsWithoutGrants(), "unlessHeld is not taken for the refused field");
        assertPulledBack(contents);
    }

    @Test
    void smallFilesPushedTogetherShareAFewPacksAndNothingGoesAlone() throws Exception {
        vault.enablePacks();
        Map<String, byte[]> contents = pushMany(40, 16);
        assertEquals(0, vault.puts.get(), "no chunk PUT of its own");
        assertEquals(40, vault.packedChunks.size(), "every chunk once, in a pack");
        assertTrue(vault.packsSealed.get() >= 1 && vault.packsSealed.get() < 40, "packs shared by files: " + vault.packsSealed);
        assertEquals(vault.packsSealed.get(), client.packer().packsSent());
        assertPulledBack(contents);
    }

    @Test
    void smallChunksGoStraightToPacksWithoutAGrantRequest() throws Exception {
        vault.enablePacks();
        assertTrue(!client.packsWithoutGrants(), "not before the service showed it offers packs");
        Path first = TestFiles.write(dir.resolve("first.txt"), TestFiles.random(40, 900));
        new FilePusher(client, PushJournal.inMemory()).push(FilePusher.Request.of(first, "first.txt", null));
        assertEquals(1, vault.calls.get("POST /v1/uploads").get(), "the first file's grant");
        Map<String, byte[]> contents = pushMany(30, 10);
        assertEquals(1, vault.calls.get("POST /v1/uploads").get(), "no grant asked for since");
        assertEquals(31, vault.packedChunks.size());
        assertEquals(0, vault.puts.get());
        assertTrue(client.packsWithoutGrants());
        assertPulledBack(contents);
    }

    @Test
    void chunksTheCallerHoldsAreLeftOutOfThePackAndNotSentAgain() throws Exception {
        vault.enablePacks();
        byte[] held = TestFiles.random(41, 3_000);
        byte[] fresh = TestFiles.random(42, 2_000);
        new FilePusher(client, PushJournal.inMemory()).push(FilePusher.Request.of(
                TestFiles.write(dir.resolve("held.txt"), held), "held.txt", null));
        assertEquals(1, vault.packedChunks.size());
        assertTrue(client.packsWithoutGrants());
        int declared = vault.packDeclarations.get();
        int grants = vault.calls.get("POST /v1/uploads").get();

        // The same bytes under another name, with a journal that does not know them (another device, or a lost state
        // database), and a new file: the declaration names the held chunk, the pack goes again without it.
        FilePusher other = new FilePusher(client, PushJournal.inMemory());
        FilePusher.Result copy = other.push(FilePusher.Request.of(TestFiles.write(dir.resolve("copy.txt"), held), "copy.txt", null));
        assertEquals(1, copy.stats().chunksSkipped());
        assertEquals(0, copy.stats().chunksUploaded());
        assertEquals(1, vault.packedChunks.size(), "the held chunk was not packed again");
        assertEquals(1, vault.heldAnswers.get());
        assertEquals(declared + 1, vault.packDeclarations.get(), "nothing left to declare after the held chunk");
        other.push(FilePusher.Request.of(TestFiles.write(dir.resolve("new.txt"), fresh), "new.txt", null));
        assertEquals(2, vault.packedChunks.size());
        assertEquals(grants, vault.calls.get("POST /v1/uploads").get(), "no grant asked for");
        assertPulledBack(Map.of("held.txt", held, "copy.txt", held, "new.txt", fresh));
    }

    @Test
    void aServiceWhoseDeclarationsCannotNameHeldChunksIsAskedForGrantsFirst() throws Exception {
        vault.enablePacks();
        vault.declarationsRefuseUnlessHeld = true;
        Map<String, byte[]> contents = pushMany(12, 4);
        assertTrue(!client.packsWithoutGrants(), "the client noticed once");
        assertTrue(vault.calls.get("POST /v1/uploads").get() >= 1, "grants asked for");
        assertEquals(12, vault.packedChunks.size(), "still in packs");
        assertEquals(0, vault.puts.get());
        assertPulledBack(contents);
    }

    @Test
    void aPackWhoseUrlExpiredIsDeclaredAndSentAgain() throws Exception {
        vault.enablePacks();
        vault.expirePackPuts.set(1);
        Map<String, byte[]> contents = pushMany(3, 1);
        assertEquals(3, vault.packedChunks.size());
        assertEquals(0, vault.expirePackPuts.get(), "the expired PUT was met");
        assertPulledBack(contents);
    }

    @Test
    void aServiceWithoutPacksGetsPlainPuts() throws Exception {
        Map<String, byte[]> contents = pushMany(5, 2);
        assertEquals(5, vault.puts.get());
        assertTrue(!client.packsWithoutGrants(), "its missing route was noticed");
        assertEquals(0, vault.packsSealed.get());
        assertPulledBack(contents);
    }

    @Test
    void aPackerStoresEachChunkOfARoundOnceAndAnswersEveryCaller() throws Exception {
        vault.enablePacks();
        byte[] shared = TestFiles.random(5, 2_000);
        String id = ChunkId.sha256(shared).hex();
        client.sealPacksAlone(); // the packer's own seal (else each chunk is answered UNSEALED: SealInCommitTest)
        Packer p = client.packer();
        Map<String, Packer.Outcome> a = p.store(List.of(new Packer.Item(id, shared)));
        Map<String, Packer.Outcome> b = p.store(List.of(new Packer.Item(id, shared)));
        assertEquals(Packer.Kind.STORED, a.get(id).kind());
        assertEquals(Packer.Kind.STORED, b.get(id).kind());
        byte[] changed = shared.clone();
        changed[0] ^= 1; // bytes that no longer hash to the id they were read under (the file changed)
        Map<String, Packer.Outcome> c = p.store(List.of(new Packer.Item(ChunkId.sha256(TestFiles.random(6, 10)).hex(), changed)));
        assertEquals(Packer.Kind.CHANGED, c.values().iterator().next().kind());
    }

    @Test
    void aPackOfVeryCompressibleChunksIsClosedAtThePlainBoundBeforeItsStoredTarget() {
        // 600 chunks of 1 MiB that compress to 100 bytes each: 60 KB stored, 600 MiB plain. The service refuses a
        // declaration of more than 256 MiB plain (413 PACK_PLAIN_TOO_LARGE): three packs, none over it.
        byte[] plain = new byte[dev.chunkvault.core.pack.PackFormat.MAX_CHUNK_BYTES]; // shared: only its length counts
        List<Packer.Item> items = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            items.add(new Packer.Item(String.format("%064x", i), plain, new dev.chunkvault.core.compress.ChunkCodec.Stored(
                    dev.chunkvault.core.compress.Encoding.ZSTD, new byte[100], plain.length)));
        }
        List<List<Packer.Item>> packs = Packer.split(items, dev.chunkvault.core.pack.PackFormat.TARGET_PACK_BYTES,
                dev.chunkvault.core.pack.PackFormat.MAX_PACK_PLAIN_BYTES);
        assertEquals(List.of(256, 256, 88), packs.stream().map(List::size).toList());
        for (List<Packer.Item> p : packs) {
            assertTrue(p.stream().mapToLong(i -> i.bytes().length).sum() <= dev.chunkvault.core.pack.PackFormat.MAX_PACK_PLAIN_BYTES);
        }
        assertEquals(items, packs.stream().flatMap(List::stream).toList(), "every chunk once, in order");

        // Text of an ordinary ratio (4 x) is still split by stored bytes, as before: 8 MiB stored, 32 MiB plain.
        List<Packer.Item> text = new ArrayList<>();
        byte[] chunk = new byte[256 * 1024];
        for (int i = 0; i < 200; i++) {
            text.add(new Packer.Item(String.format("%064x", 1000 + i), chunk, new dev.chunkvault.core.compress.ChunkCodec.Stored(
                    dev.chunkvault.core.compress.Encoding.ZSTD, new byte[64 * 1024], chunk.length)));
        }
        assertEquals(List.of(127, 73), Packer.split(text, dev.chunkvault.core.pack.PackFormat.TARGET_PACK_BYTES,
                dev.chunkvault.core.pack.PackFormat.MAX_PACK_PLAIN_BYTES).stream().map(List::size).toList());
    }
}
