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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pushes through packs against the in-process fake API (packs enabled): the small files pushed together share packs,
 * nothing is sent alone, a pack whose URL expired is declared again, and a service without packs still gets plain
 * PUTs. Over the real local cloud: PacksIT.
 */
class PackerTest {
    @TempDir
    Path dir;
    FakeVault vault;
    ChunkvaultClient client;

    @BeforeEach
    void start() throws Exception {
        vault = new FakeVault();
        client = TestFiles.client(vault.endpoint(), new TestFiles.RecordingSleeper());
    }

    @AfterEach
    void stop() {
        client.close();
        vault.close();
    }

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
        assertEquals(0, vault.packsSealed.get());
        assertPulledBack(contents);
    }

    @Test
    void aPackerStoresEachChunkOfARoundOnceAndAnswersEveryCaller() throws Exception {
        vault.enablePacks();
        byte[] shared = TestFiles.random(5, 2_000);
        String id = ChunkId.sha256(shared).hex();
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
}
