package dev.chunkvault.client.sync;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.client.ApiException;
import dev.chunkvault.client.ChunkvaultClient;
import dev.chunkvault.client.Coalescer;
import dev.chunkvault.client.TestFiles;
import dev.chunkvault.client.WithFakeVault;
import dev.chunkvault.client.model.DownloadPlan;
import dev.chunkvault.client.sync.LocalScanner.LocalFile;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a sync keeps per file is small (issue 15), and keeping less changes nothing it does. */
class SyncMemoryTest extends WithFakeVault {
    @TempDir
    Path tmp;

    @Test
    void aScannedFileNamesItsFileOnDiskWithoutKeepingItsPath() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("root"));
        TestFiles.write(root.resolve("lower/case.txt"), "a".getBytes());
        TestFiles.write(root.resolve("Mixed/Case.TXT"), "b".getBytes());
        String nfd = "cafe\u0301.txt"; // a name on disk that is not NFC: its remote path is
        Path decomposed = root.resolve("lower").resolve(nfd);
        TestFiles.write(decomposed, "c".getBytes());

        LocalScanner.Scan scan = LocalScanner.scan(root, IgnoreRules.load(root, List.of()));

        LocalFile lower = scan.files().get("lower/case.txt");
        assertSame(lower.path(), lower.pathKey(), "one string where the path is its own fold key");
        assertEquals(root.resolve("lower").resolve("case.txt"), lower.file());
        LocalFile mixed = scan.files().values().stream().filter(f -> f.path().equals("Mixed/Case.TXT")).findFirst()
                .orElseThrow();
        assertEquals(root.resolve("Mixed").resolve("Case.TXT"), mixed.file());
        LocalFile cafe = scan.files().values().stream().filter(f -> f.path().equals("lower/caf\u00e9.txt")).findFirst()
                .orElseThrow();
        assertTrue(Files.isRegularFile(cafe.file(), LinkOption.NOFOLLOW_LINKS), "the file as it is spelled on disk");
        assertEquals(nfd, cafe.file().getFileName().toString());
        assertEquals(1, cafe.size());
    }

    @Test
    void recordsArePlannedWithoutTheirManifestsAndGetThemWhenAsked() {
        dev.chunkvault.core.manifest.Manifest m = dev.chunkvault.core.manifest.Manifest.of("fastcdc-v1-64k-256k-1m",
                List.of(new dev.chunkvault.core.manifest.ManifestEntry(dev.chunkvault.core.hash.ChunkId.ofDigest(new byte[32]), 7)));
        try (StateStore s = StateStore.open(tmp)) {
            s.put(new SyncRecord("docs/a.txt", "Docs/a.txt", "0000000001-00000000000000aa", 7, 42, "h", m));
            s.put(new SyncRecord("b.txt", "b.txt", "0000000001-00000000000000bb", 7, 42, "h", m));
            java.util.Map<String, SyncRecord> all = s.allWithoutManifests();
            assertEquals(List.of("b.txt", "docs/a.txt"), List.copyOf(all.keySet()));
            SyncRecord a = all.get("docs/a.txt");
            assertEquals(null, a.manifest());
            assertEquals("Docs/a.txt", a.path());
            assertEquals("0000000001-00000000000000aa", a.version());
            assertSame(all.get("b.txt").path(), all.get("b.txt").pathKey());
            String scanned = new String("Docs/a.txt".toCharArray());
            SyncRecord shared = s.allWithoutManifests(k -> k.equals("docs/a.txt") ? scanned : null).get("docs/a.txt");
            assertSame(scanned, shared.path(), "the scan's string, held once");
            assertEquals(m, s.withManifest(a).manifest());
            assertEquals("fastcdc-v1-64k-256k-1m", s.withManifest(a).profile());
            s.put(new SyncRecord("docs/a.txt", "Docs/a.txt", "0000000002-00000000000000aa", 7, 42, "h", m));
            assertSame(a, s.withManifest(a), "another version's manifest is not this record's");
        }
    }

    @Test
    void namesThatFoldAlikeAreCollisionsAndNotListed() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("root"));
        TestFiles.write(root.resolve("A.txt"), "1".getBytes());
        TestFiles.write(root.resolve("a.txt"), "2".getBytes());
        TestFiles.write(root.resolve("a.TXT"), "3".getBytes());
        TestFiles.write(root.resolve("b.txt"), "4".getBytes());
        TestFiles.write(root.resolve("D"), "5".getBytes());
        Files.createDirectories(root.resolve("d")); // an empty folder whose name is the file's
        Files.createDirectories(root.resolve("e"));

        LocalScanner.Scan scan = LocalScanner.scan(root, IgnoreRules.load(root, List.of()));

        assertEquals(List.of("b.txt"), List.copyOf(scan.files().keySet()));
        assertEquals(List.of("e"), List.copyOf(scan.folders().keySet()));
        assertEquals(List.of("a.txt", "d"), List.copyOf(scan.collisions().keySet()));
        assertEquals(java.util.Set.of("A.txt", "a.txt", "a.TXT"), java.util.Set.copyOf(scan.collisions().get("a.txt")));
        assertEquals(java.util.Set.of("D", "d"), java.util.Set.copyOf(scan.collisions().get("d")));
    }

    @Test
    void aNameNotInNfcOnDiskSyncsToAnotherDeviceAndBack() throws Exception {
        Path a = Files.createDirectories(tmp.resolve("a"));
        Path b = Files.createDirectories(tmp.resolve("b"));
        TestFiles.write(a.resolve("cafe\u0301.txt"), "first".getBytes());
        sync(a);
        sync(b);
        assertArrayEquals("first".getBytes(), Files.readAllBytes(b.resolve("caf\u00e9.txt")));
        TestFiles.write(b.resolve("caf\u00e9.txt"), "second".getBytes());
        Files.setLastModifiedTime(b.resolve("caf\u00e9.txt"),
                java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));
        sync(b);
        SyncReport ra = sync(a);
        assertEquals(List.of("caf\u00e9.txt"), ra.pulled);
        assertArrayEquals("second".getBytes(), Files.readAllBytes(a.resolve("cafe\u0301.txt")), "written where it is");
    }

    @Test
    void aServiceFailureDuringTransfersEndsTheSyncAndTheNextOneFinishes() throws Exception {
        Path a = Files.createDirectories(tmp.resolve("a"));
        Path b = Files.createDirectories(tmp.resolve("b"));
        for (int i = 0; i < 300; i++) {
            TestFiles.write(a.resolve("d" + (i % 5) + "/f" + i + ".txt"), TestFiles.random(i, 100 + i));
        }
        vault.fail("POST /v1/commit-batch", 500, 1_000);
        vault.fail("POST /v1/commits", 500, 1_000);
        ApiException down = assertThrows(ApiException.class, () -> sync(a));
        assertEquals(500, down.status());
        vault.clearFaults("POST /v1/commit-batch");
        vault.clearFaults("POST /v1/commits");
        SyncReport again = sync(a);
        assertTrue(again.errors.isEmpty(), again.errors.toString());
        assertEquals(300, again.pushed.size(), "nothing was committed by the sync that failed");
        sync(b);
        for (int i = 0; i < 300; i++) {
            assertArrayEquals(TestFiles.random(i, 100 + i), Files.readAllBytes(b.resolve("d" + (i % 5) + "/f" + i + ".txt")));
        }
    }

    @Test
    void plansAskedAheadAreFoundByVersionAndPathOnly() {
        List<List<ChunkvaultClient.PlanRequest>> asked = new ArrayList<>();
        List<String> other = new ArrayList<>();
        PlanPrefetcher p = new PlanPrefetcher(List.of(new ChunkvaultClient.PlanRequest("a.txt", "v1", null),
                new ChunkvaultClient.PlanRequest("b.txt", "v2", null)), files -> {
                    asked.add(files);
                    return files.stream().map(f -> Coalescer.Answer.<DownloadPlan>of(null)).toList();
                }, (path, version, chunks) -> {
                    other.add(path + "@" + version);
                    return null;
                });
        p.plan("a.txt", "v1", null);
        p.plan("b.txt", "v2", null);
        p.plan("c.txt", "v2", null); // another file's version: not the plan asked ahead for b.txt
        p.plan("a.txt", "v3", null);
        assertEquals(1, asked.size());
        assertEquals(List.of("c.txt@v2", "a.txt@v3"), other);
    }

    private SyncReport sync(Path root) throws Exception {
        try (StateStore st = StateStore.open(root)) {
            return new SyncEngine(client, st, SyncEngine.Options.defaults(root.getFileName().toString()), null).run();
        }
    }
}
