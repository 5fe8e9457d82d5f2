package dev.chunkvault.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.client.sync.StateStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI in a child JVM against the fake API: killed with SIGKILL in the middle of an upload and resumed, and a
 * large round trip under a small heap.
 */
class ChildProcessTest {
    @TempDir
    Path tmp;
    FakeVault vault;
    Map<String, String> env;

    @BeforeEach
    void start() throws Exception {
        vault = new FakeVault();
        env = new HashMap<>();
        env.put("CHUNKVAULT_CONFIG_DIR", tmp.resolve("config").toString());
        env.put("CHUNKVAULT_ENDPOINT", vault.endpoint().toString());
        env.put("CHUNKVAULT_TOKEN", "test-token");
    }

    @AfterEach
    void stop() {
        vault.close();
    }

    @Test
    void killedInTheMiddleOfAnUploadThenResumedSendsNoJournaledChunkAgain() throws Exception {
        byte[] data = TestFiles.random(31, 24 << 20);
        Path f = TestFiles.write(tmp.resolve("big.bin"), data);
        vault.putDelayMillis = 40;
        Process p = ChildJvm.start(List.of("-Xmx128m"), env, tmp, tmp.resolve("child.log"),
                "--parallel", "2", "push", "big.bin");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (vault.puts.get() < 20 && p.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(p.isAlive(), "still uploading when killed: " + Files.readString(tmp.resolve("child.log")));
        p.destroyForcibly(); // SIGKILL
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        Thread.sleep(500); // uploads whose bytes had fully arrived are still stored by the (slowed) server
        vault.putDelayMillis = 0;
        Set<String> journaled = new HashSet<>();
        try (StateStore j = StateStore.openFile(tmp, tmp.resolve("config/journal.db"))) {
            for (String id : new HashSet<>(vault.putLog)) {
                if (j.uploadedAt(id).isPresent()) {
                    journaled.add(id);
                }
            }
        }
        assertTrue(journaled.size() >= 15, "the first run journaled its uploads: " + journaled.size());
        int firstRun = vault.putLog.size();

        Process q = ChildJvm.start(List.of("-Xmx128m"), env, tmp, tmp.resolve("child2.log"), "push", "big.bin");
        assertTrue(q.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, q.exitValue(), Files.readString(tmp.resolve("child2.log")));
        List<String> secondRun = vault.putLog.subList(firstRun, vault.putLog.size());
        for (String id : secondRun) {
            assertTrue(!journaled.contains(id), "a journaled chunk was sent again");
        }
        assertEquals(secondRun.size(), new HashSet<>(secondRun).size(), "no chunk twice within the re-run");
        int duplicates = vault.putLog.size() - new HashSet<>(vault.putLog).size();
        assertTrue(duplicates <= 2, "only uploads in flight at the kill (parallel 2) may be repeated: " + duplicates);
        assertArrayEquals(data, vault.content("big.bin"));
    }

    @Test
    void aLargeFileRoundTripsUnderASmallHeap() throws Exception {
        int size = 160 << 20;
        Path f = tmp.resolve("large.bin");
        try (var out = Files.newOutputStream(f)) {
            java.util.Random r = new java.util.Random(32);
            System.out.println("test data seed 32");
            byte[] block = new byte[1 << 20];
            for (int i = 0; i < size / block.length; i++) {
                r.nextBytes(block);
                out.write(block);
            }
        }
        Process p = ChildJvm.start(List.of("-Xmx48m"), env, tmp, tmp.resolve("push.log"), "push", "large.bin");
        assertTrue(p.waitFor(300, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), Files.readString(tmp.resolve("push.log")));
        Path dest = Files.createDirectories(tmp.resolve("dest"));
        Process q = ChildJvm.start(List.of("-Xmx48m"), env, dest, tmp.resolve("pull.log"), "pull", "large.bin");
        assertTrue(q.waitFor(300, TimeUnit.SECONDS));
        assertEquals(0, q.exitValue(), Files.readString(tmp.resolve("pull.log")));
        assertEquals(FilePuller.sha256(f), FilePuller.sha256(dest.resolve("large.bin")));
    }
}
