package dev.chunkvault.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.client.ChunkvaultClient;
import dev.chunkvault.client.sync.SyncReport;
import dev.chunkvault.core.paths.ConflictedCopies;
import dev.chunkvault.local.LocalCloud;
import dev.chunkvault.local.LocalCloudExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Two devices of one account syncing the same folder on the real local cloud. */
@ExtendWith(LocalCloudExtension.class)
class TwoDevicesSyncIT {
    @TempDir
    Path tmp;

    static void edit(Path f, byte[] content) throws IOException {
        Files.createDirectories(f.getParent());
        long before = Files.exists(f) ? Files.getLastModifiedTime(f).toMillis() : 0;
        Files.write(f, content);
        Files.setLastModifiedTime(f, FileTime.fromMillis(Math.max(before + 2000, System.currentTimeMillis())));
    }

    /** Every regular file under root (outside .chunkvault), by relative path. */
    static Map<String, byte[]> tree(Path root) throws IOException {
        Map<String, byte[]> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String rel = root.relativize(p).toString();
                if (Files.isRegularFile(p) && !rel.startsWith(".chunkvault")) {
                    out.put(rel, Files.readAllBytes(p));
                }
            }
        }
        return out;
    }

    /** The two folders hold the same files, byte for byte (outside .chunkvault). */
    static void assertTreesEqual(Path a, Path b) throws Exception {
        Map<String, byte[]> ta = tree(a);
        Map<String, byte[]> tb = tree(b);
        assertEquals(ta.keySet(), tb.keySet());
        Map<String, String> differ = new TreeMap<>();
        ta.forEach((k, v) -> {
            if (!java.util.Arrays.equals(v, tb.get(k))) {
                differ.put(k, v.length + " vs " + tb.get(k).length);
            }
        });
        assertEquals(Map.of(), differ, "every file arrives byte for byte");
    }

    static boolean contains(Map<String, byte[]> tree, byte[] content) {
        return tree.values().stream().anyMatch(v -> java.util.Arrays.equals(v, content));
    }

    @Test
    void disjointEditsOfALargeFileAreMergedByTheService(LocalCloud cloud) throws Exception {
        String user = CloudClients.newUser("merge");
        byte[] data = new byte[4_000_000];
        new Random(99).nextBytes(data);
        System.out.println("seed 99");
        Path a = Files.createDirectories(tmp.resolve("a"));
        Path b = Files.createDirectories(tmp.resolve("b"));
        try (ChunkvaultClient ca = CloudClients.client(cloud, user, null);
             ChunkvaultClient cb = CloudClients.client(cloud, user, null)) {
            edit(a.resolve("big.bin"), data);
            CloudClients.sync(ca, a, "a", false);
            CloudClients.sync(cb, b, "b", false);
            byte[] left = data.clone();
            left[200_000] ^= 1;
            byte[] right = data.clone();
            right[3_800_000] ^= 1;
            edit(a.resolve("big.bin"), left);
            edit(b.resolve("big.bin"), right);
            CloudClients.sync(ca, a, "a", false);
            SyncReport rb = CloudClients.sync(cb, b, "b", false);
            assertEquals(java.util.List.of("big.bin"), rb.merged, "merged, not copied: " + rb.conflicts + rb.errors);
            byte[] both = data.clone();
            both[200_000] ^= 1;
            both[3_800_000] ^= 1;
            assertArrayEquals(both, Files.readAllBytes(b.resolve("big.bin")));
            CloudClients.sync(ca, a, "a", false);
            assertArrayEquals(both, Files.readAllBytes(a.resolve("big.bin")));
            assertTrue(CloudClients.sync(ca, a, "a", false).inSync());
            assertTrue(CloudClients.sync(cb, b, "b", false).inSync());
        }
    }

    @Test
    void theChangeFeedBringsRemoteChangesWithoutAFullListing(LocalCloud cloud) throws Exception {
        String user = CloudClients.newUser("feed");
        Path a = Files.createDirectories(tmp.resolve("a"));
        Path b = Files.createDirectories(tmp.resolve("b"));
        try (ChunkvaultClient ca = CloudClients.client(cloud, user, null);
             ChunkvaultClient cb = CloudClients.client(cloud, user, null)) {
            edit(a.resolve("one.txt"), "1".getBytes());
            CloudClients.sync(ca, a, "a", false);
            CloudClients.sync(cb, b, "b", false);
            edit(a.resolve("one.txt"), "1, edited".getBytes());
            edit(a.resolve("two.txt"), "2".getBytes());
            CloudClients.sync(ca, a, "a", false);
            // the service's feed shows a commit once it has settled (10 s); then an incremental sync finds it
            Thread.sleep(11_000);
            SyncReport r = CloudClients.syncIncremental(cb, b, "b");
            assertFalse(r.fullListing);
            assertEquals(java.util.List.of("one.txt", "two.txt"), r.pulled.stream().sorted().toList());
            assertArrayEquals("1, edited".getBytes(), Files.readAllBytes(b.resolve("one.txt")));
        }
    }

    @Test
    void concurrentEditsOnTwoDevicesLoseNothing(LocalCloud cloud) throws Exception {
        String user = CloudClients.newUser("two-devices");
        long seed = 20260101L;
        System.out.println("seed " + seed);
        Random random = new Random(seed);
        byte[] big = new byte[3_000_000];
        random.nextBytes(big);
        Path a = Files.createDirectories(tmp.resolve("laptop"));
        Path b = Files.createDirectories(tmp.resolve("desktop"));
        try (ChunkvaultClient ca = CloudClients.client(cloud, user, null);
             ChunkvaultClient cb = CloudClients.client(cloud, user, null)) {
            edit(a.resolve("shared.txt"), "base\n".getBytes());
            edit(a.resolve("docs/big.bin"), big);
            edit(a.resolve("docs/gone.txt"), "to be deleted".getBytes());
            CloudClients.sync(ca, a, "laptop", false);
            SyncReport first = CloudClients.sync(cb, b, "desktop", false);
            assertEquals(3, first.pulled.size(), first.errors.toString());
            assertArrayEquals(big, Files.readAllBytes(b.resolve("docs/big.bin")));

            // both devices edit the same file, each edits or deletes another, and they sync AT THE SAME TIME
            byte[] laptopEdit = "laptop's version\n".getBytes();
            byte[] desktopEdit = "desktop's version\n".getBytes();
            edit(a.resolve("shared.txt"), laptopEdit);
            edit(b.resolve("shared.txt"), desktopEdit);
            byte[] big2 = big.clone();
            big2[1_000_000] ^= 0x5a;
            edit(a.resolve("docs/big.bin"), big2);
            Files.delete(b.resolve("docs/gone.txt"));
            edit(b.resolve("new-on-desktop.txt"), "hello".getBytes());
            ExecutorService pool = Executors.newFixedThreadPool(2);
            Future<SyncReport> fa = pool.submit(() -> CloudClients.sync(ca, a, "laptop", false));
            Future<SyncReport> fb = pool.submit(() -> CloudClients.sync(cb, b, "desktop", false));
            SyncReport ra = fa.get();
            SyncReport rb = fb.get();
            pool.shutdown();
            assertTrue(ra.errors.isEmpty() && rb.errors.isEmpty(), ra.errors + " " + rb.errors);

            // settle: sync both until neither has anything to do
            for (int round = 0; round < 4; round++) {
                CloudClients.sync(ca, a, "laptop", false);
                CloudClients.sync(cb, b, "desktop", false);
            }
            assertTrue(CloudClients.sync(ca, a, "laptop", false).inSync());
            assertTrue(CloudClients.sync(cb, b, "desktop", false).inSync());

            Map<String, byte[]> ta = tree(a);
            Map<String, byte[]> tb = tree(b);
            assertEquals(ta.keySet(), tb.keySet());
            for (String k : ta.keySet()) {
                assertArrayEquals(ta.get(k), tb.get(k), k);
            }
            assertTrue(contains(ta, laptopEdit), "the laptop's edit survives");
            assertTrue(contains(ta, desktopEdit), "the desktop's edit survives");
            assertTrue(ta.keySet().stream().anyMatch(ConflictedCopies::isConflictedCopy), ta.keySet().toString());
            assertArrayEquals(big2, ta.get("docs/big.bin"));
            assertFalse(ta.containsKey("docs/gone.txt"));
            assertArrayEquals("hello".getBytes(), ta.get("new-on-desktop.txt"));
        }
    }
    /**
     * Issue 15: each device's commits name its replica, kept by DynamoDB on the file rows; the feed a device reads
     * leaves its own out and has everyone else's.
     */
    @Test
    void eachDevicesFeedLeavesOutItsOwnCommitsAndHasTheOthers(LocalCloud cloud) throws Exception {
        String user = CloudClients.newUser("own-changes");
        Path a = Files.createDirectories(tmp.resolve("a"));
        Path b = Files.createDirectories(tmp.resolve("b"));
        try (ChunkvaultClient ca = CloudClients.client(cloud, user, null);
             ChunkvaultClient cb = CloudClients.client(cloud, user, null)) {
            String before = ca.listAll("", true, true).changeCursor();
            for (int i = 0; i < 12; i++) {
                edit(a.resolve("src/f" + i + ".txt"), ("file " + i).getBytes());
            }
            CloudClients.syncIncremental(ca, a, "a");
            java.util.List<String> runsOfA;
            try (dev.chunkvault.client.sync.StateStore st = dev.chunkvault.client.sync.StateStore.open(a)) {
                runsOfA = st.recentRuns();
            }
            assertEquals(12, ca.changes(before, 1000).changes().size(), "everyone else sees the twelve commits");
            var own = ca.writingAs(null, runsOfA).changes(before, 1000);
            assertEquals(0, own.changes().size(), "the device that made them is spared them: " + own.changes());

            SyncReport second = CloudClients.syncIncremental(cb, b, "b");
            assertEquals(12, second.pulled.size(), second.pulled.toString());
            edit(b.resolve("src/f4.txt"), "edited on b".getBytes());
            Files.delete(b.resolve("src/f5.txt"));
            CloudClients.syncIncremental(cb, b, "b");
            SyncReport back = CloudClients.syncIncremental(ca, a, "a");
            assertEquals(java.util.List.of("src/f4.txt"), back.pulled, back.pulled.toString());
            assertEquals(java.util.List.of("src/f5.txt"), back.deletedLocal, back.deletedLocal.toString());
            assertTreesEqual(a, b);
            assertTrue(CloudClients.syncIncremental(ca, a, "a").inSync() && CloudClients.syncIncremental(cb, b, "b").inSync());
        }
    }
}
