package dev.chunkvault.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.client.ChildJvm;
import dev.chunkvault.client.FilePuller;
import dev.chunkvault.client.sync.StateStore;
import dev.chunkvault.local.LocalCloud;
import dev.chunkvault.local.LocalCloudExtension;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The CLI in child JVMs on the real local cloud: SIGKILL mid-upload and resume; 1 GiB under a 256 MiB heap. */
@ExtendWith(LocalCloudExtension.class)
class ChildProcessIT {
    @TempDir
    Path tmp;

    static void randomFile(Path f, long size, long seed) throws IOException {
        System.out.println("test data seed " + seed);
        SplittableRandom r = new SplittableRandom(seed);
        ByteBuffer buf = ByteBuffer.allocate(1 << 20);
        try (OutputStream out = Files.newOutputStream(f)) {
            for (long done = 0; done < size; done += buf.capacity()) {
                buf.clear();
                while (buf.hasRemaining()) {
                    buf.putLong(r.nextLong());
                }
                out.write(buf.array(), 0, (int) Math.min(buf.capacity(), size - done));
            }
        }
    }

    Map<String, String> env(LocalCloud cloud, String user) {
        Map<String, String> env = new HashMap<>();
        env.put("CHUNKVAULT_CONFIG_DIR", tmp.resolve("config").toString());
        env.put("CHUNKVAULT_ENDPOINT", cloud.apiEndpoint().toString());
        env.put("CHUNKVAULT_TOKEN", cloud.mintToken(user));
        return env;
    }

    @Test
    void killNineInTheMiddleOfALargeUploadThenResume(LocalCloud cloud) throws Exception {
        killNineThenResume(cloud, "kill", 96L << 20, 100, 50); // the default profile: about 384 chunks of 256 KiB, in packs
    }

    /**
     * A file over the large-file threshold: cut with the 4 MiB-average profile, its chunks PUT streamed from the
     * file, and killed and resumed all the same.
     */
    @Test
    void killNineInTheMiddleOfALargeProfileUploadThenResume(LocalCloud cloud) throws Exception {
        killNineThenResume(cloud, "kill-large", 160L << 20, 16, 10); // about 40 chunks of 4 MiB
    }

    private void killNineThenResume(LocalCloud cloud, String user, long size, int killAfterPuts, int minJournaled)
            throws Exception {
        Path f = tmp.resolve("big.bin");
        randomFile(f, size, 41);
        try (TamperingProxy proxy = new TamperingProxy()) {
            Map<String, String> env = env(cloud, CloudClients.newUser(user));
            env.put("CHUNKVAULT_PROXY", proxy.address());
            proxy.putDelayMillis = 30;
            Process p = ChildJvm.start(List.of("-Xmx128m"), env, tmp, tmp.resolve("run1.log"),
                    "--parallel", "2", "push", "big.bin");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (proxy.putCount.get() < killAfterPuts && p.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(p.isAlive(), "still uploading when killed: " + Files.readString(tmp.resolve("run1.log")));
            p.destroyForcibly(); // SIGKILL
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            Thread.sleep(500); // let uploads the proxy was still forwarding finish
            proxy.putDelayMillis = 0;
            List<String> firstRun = List.copyOf(proxy.objectPuts);
            int firstRunTransfers = proxy.transfers.size();
            Set<String> journaled = new HashSet<>();
            try (StateStore j = StateStore.openFile(tmp, tmp.resolve("config/journal.db"))) {
                for (String id : firstRun) {
                    if (j.uploadedAt(id).isPresent()) {
                        journaled.add(id);
                    }
                }
            }
            assertTrue(journaled.size() >= minJournaled, "journaled " + journaled.size() + " of " + firstRun.size());

            Process q = ChildJvm.start(List.of("-Xmx128m"), env, tmp, tmp.resolve("run2.log"), "push", "big.bin");
            assertTrue(q.waitFor(300, TimeUnit.SECONDS));
            assertEquals(0, q.exitValue(), Files.readString(tmp.resolve("run2.log")));
            List<String> secondRun = proxy.objectPuts.subList(firstRun.size(), proxy.objectPuts.size());
            for (String id : secondRun) {
                assertTrue(!journaled.contains(id), "journaled chunk " + id + " was sent again");
            }
            assertEquals(secondRun.size(), new HashSet<>(secondRun).size());
            Set<String> all = new HashSet<>(proxy.objectPuts);
            int repeated = proxy.objectPuts.size() - all.size();
            // Only what was in flight at the kill may be sent again: at most two transfers (--parallel 2) of run 1, each
            // a chunk or a pack whose seal had not been answered.
            Set<String> again = new HashSet<>(secondRun);
            long inFlight = proxy.transfers.subList(0, firstRunTransfers).stream()
                    .filter(t -> t.stream().anyMatch(again::contains)).count();
            assertTrue(inFlight <= 2, "only the transfers in flight at the kill (2) may repeat: " + inFlight + " (" + repeated
                    + " chunks)");
            System.out.printf("kill/resume (%d MiB): run 1 sent %d chunks (%d journaled), run 2 sent %d, %d repeated%n",
                    size >> 20, firstRun.size(), journaled.size(), secondRun.size(), repeated);

            Path dest = Files.createDirectories(tmp.resolve("dest"));
            env.remove("CHUNKVAULT_PROXY");
            Process r = ChildJvm.start(List.of("-Xmx128m"), env, dest, tmp.resolve("pull.log"), "pull", "big.bin");
            assertTrue(r.waitFor(300, TimeUnit.SECONDS));
            assertEquals(0, r.exitValue(), Files.readString(tmp.resolve("pull.log")));
            assertEquals(FilePuller.sha256(f), FilePuller.sha256(dest.resolve("big.bin")));
        }
    }

    @Test
    void aOneGigabyteFileRoundTripsByteIdenticalUnderA256MHeap(LocalCloud cloud) throws Exception {
        Path f = tmp.resolve("1g.bin");
        randomFile(f, 1L << 30, 42);
        Map<String, String> env = env(cloud, CloudClients.newUser("gig"));
        Process p = ChildJvm.start(List.of("-Xmx256m"), env, tmp, tmp.resolve("push.log"), "push", "1g.bin");
        assertTrue(p.waitFor(900, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), Files.readString(tmp.resolve("push.log")));
        Path dest = Files.createDirectories(tmp.resolve("dest"));
        Process q = ChildJvm.start(List.of("-Xmx256m"), env, dest, tmp.resolve("pull.log"), "pull", "1g.bin");
        assertTrue(q.waitFor(900, TimeUnit.SECONDS));
        assertEquals(0, q.exitValue(), Files.readString(tmp.resolve("pull.log")));
        assertEquals(FilePuller.sha256(f), FilePuller.sha256(dest.resolve("1g.bin")));
        System.out.println(Files.readString(tmp.resolve("push.log")).lines().reduce((a, b) -> b).orElse(""));
        System.out.println(Files.readString(tmp.resolve("pull.log")).lines().reduce((a, b) -> b).orElse(""));
    }

    /** Ctrl-C (SIGINT) in the middle of a sync: it says what it did and that the next run resumes; the next run finishes. */
    @Test
    void anInterruptedSyncSaysWhatItDidAndTheNextOneFinishes(LocalCloud cloud) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("many"));
        for (int i = 0; i < 200; i++) {
            Files.writeString(dir.resolve("f" + i + ".txt"), "file " + i + " ".repeat(i));
        }
        try (TamperingProxy proxy = new TamperingProxy()) {
            String user = CloudClients.newUser("interrupt");
            Map<String, String> env = env(cloud, user);
            env.put("CHUNKVAULT_PROXY", proxy.address());
            proxy.putDelayMillis = 400;
            // Commits slowed too, well past the signal's way (a process started under load): 200 small files fit in a pack
            // or two, sealed by their commit batches (issue 15), so the whole sync may otherwise be over between the
            // first PUT and the signal (CI, at a 400 ms delay).
            proxy.tamper = (method, path, status, body) -> {
                if (path.equals("/v1/commit-batch") || path.equals("/v1/commits")) {
                    try {
                        Thread.sleep(5_000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return null;
            };
            Process p = ChildJvm.start(List.of("-Xmx128m"), env, tmp, tmp.resolve("sync1.log"), "--parallel", "2", "sync", "many");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (proxy.putCount.get() < 2 && p.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(p.isAlive(), "still syncing when interrupted: " + Files.readString(tmp.resolve("sync1.log")));
            new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            String log = Files.readString(tmp.resolve("sync1.log"));
            assertEquals(130, p.exitValue(), log);
            assertTrue(log.contains("Interrupted: ") && log.contains("the next sync of") && log.contains("resumes from here"), log);
            proxy.putDelayMillis = 0;
            proxy.tamper = null;
            Process q = ChildJvm.start(List.of("-Xmx128m"), env, tmp, tmp.resolve("sync2.log"), "sync", "many");
            assertTrue(q.waitFor(300, TimeUnit.SECONDS));
            assertEquals(0, q.exitValue(), Files.readString(tmp.resolve("sync2.log")));
            try (var client = CloudClients.client(cloud, user, null)) {
                assertEquals(200, client.listAll("", true, false).files().size(), "every file is on the server");
            }
        }
    }
}
