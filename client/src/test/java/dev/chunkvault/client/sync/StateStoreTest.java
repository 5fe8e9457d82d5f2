package dev.chunkvault.client.sync;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.core.manifest.Manifest;
import dev.chunkvault.core.manifest.ManifestEntry;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateStoreTest {
    @TempDir
    Path root;

    private static ChunkId id(int n) {
        return ChunkId.sha256(new byte[] {(byte) n});
    }

    /** The executable bit of a record survives reopening; a state from before the bit opens with every bit clear. */
    @Test
    void theExecutableBitIsKeptAndAnOlderStateGetsItsColumn() throws Exception {
        Manifest m = Manifest.of("fastcdc-v1-64k-256k-1m", List.of(new ManifestEntry(id(3), 10)));
        java.nio.file.Files.createDirectories(root.resolve(".chunkvault"));
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:"
                + root.resolve(".chunkvault").resolve("state.db").toAbsolutePath());
             java.sql.Statement st = c.createStatement()) {
            st.execute("CREATE TABLE files(path_key TEXT PRIMARY KEY, path TEXT NOT NULL, version TEXT NOT NULL,"
                    + " size INTEGER NOT NULL, mtime INTEGER NOT NULL, content_hash TEXT NOT NULL, manifest BLOB NOT NULL,"
                    + " synced_at INTEGER NOT NULL)");
            java.sql.PreparedStatement p = c.prepareStatement("INSERT INTO files VALUES('old', 'old', 'v', 10, 1, 'h', ?, 1)");
            p.setBytes(1, m.encode());
            p.executeUpdate();
            p.close();
        }
        try (StateStore s = StateStore.open(root)) {
            assertFalse(s.get("old").orElseThrow().executable());
            s.put(new SyncRecord("run.sh", "run.sh", "0000000001-00000000000000ab", 10, 1, "h", m, true));
        }
        try (StateStore s = StateStore.open(root)) {
            assertTrue(s.get("run.sh").orElseThrow().executable());
            assertTrue(s.all().get("run.sh").executable());
            s.put(new SyncRecord("run.sh", "run.sh", "0000000002-00000000000000ab", 10, 1, "h", m, false));
            assertFalse(s.get("run.sh").orElseThrow().executable());
        }
    }

    /** An empty folder's marker is recorded as one, and a file recorded at its path later replaces it. */
    @Test
    void anEmptyFoldersMarkerIsRecordedAsOne() {
        Manifest empty = Manifest.empty("fastcdc-v1-64k-256k-1m");
        Manifest m = Manifest.of("fastcdc-v1-64k-256k-1m", List.of(new ManifestEntry(id(5), 4)));
        try (StateStore s = StateStore.open(root)) {
            s.put(SyncRecord.folder("logs", "logs", "0000000001-00000000000000ab", empty,
                    dev.chunkvault.client.ChunkvaultClient.EMPTY_SHA256));
            s.put(new SyncRecord("a.txt", "a.txt", "0000000001-00000000000000cd", 4, 1, "h", m));
        }
        try (StateStore s = StateStore.open(root)) {
            assertTrue(s.get("logs").orElseThrow().folder());
            assertTrue(s.all().get("logs").folder());
            assertFalse(s.all().get("a.txt").folder());
            s.put(new SyncRecord("logs", "logs", "0000000002-00000000000000ab", 4, 1, "h", m));
            assertFalse(s.get("logs").orElseThrow().folder());
        }
    }

    @Test
    void aLinkIsRecordedAsOneWithoutIndexingItsChunksAndTheFolderKeepsItsLinksChoice() {
        Manifest m = Manifest.of("fastcdc-v1-64k-256k-1m", List.of(new ManifestEntry(id(7), 9)));
        try (StateStore s = StateStore.open(root)) {
            assertFalse(s.syncsLinks());
            s.put(new SyncRecord("l", "l", "0000000001-00000000000000ab", 9, 1, "h", m, false, true));
            s.setSyncsLinks(true);
        }
        try (StateStore s = StateStore.open(root)) {
            assertTrue(s.get("l").orElseThrow().link());
            assertTrue(s.all().get("l").link());
            assertTrue(s.find(id(7).hex()).isEmpty(), "reading a link's chunks from 'its' file would follow it");
            assertTrue(s.syncsLinks());
            s.reset(); // a rebind forgets the service, not the folder's choice
            assertTrue(s.syncsLinks());
            s.setSyncsLinks(false);
            assertFalse(s.syncsLinks());
        }
    }

    @Test
    void recordsSurviveReopeningAndIndexTheirChunks() {
        Manifest m = Manifest.of("fastcdc-v1-64k-256k-1m", List.of(new ManifestEntry(id(1), 100),
                new ManifestEntry(id(2), 50), new ManifestEntry(id(1), 100)));
        try (StateStore s = StateStore.open(root)) {
            s.put(new SyncRecord("docs/a.txt", "Docs/a.txt", "0000000001-00000000000000aa", 250, 42, "h", m));
            s.putMeta("cursor", "c.1");
        }
        try (StateStore s = StateStore.open(root)) {
            SyncRecord r = s.get("docs/a.txt").orElseThrow();
            assertEquals("Docs/a.txt", r.path());
            assertEquals(m, r.manifest());
            assertEquals("c.1", s.meta("cursor").orElseThrow());
            List<dev.chunkvault.client.ChunkIndex.Location> at = s.find(id(2).hex());
            assertEquals(1, at.size());
            assertEquals(root.resolve("Docs").resolve("a.txt"), at.get(0).file());
            assertEquals(100, at.get(0).offset());
            s.remove("docs/a.txt");
            assertTrue(s.find(id(2).hex()).isEmpty());
            assertTrue(s.get("docs/a.txt").isEmpty());
        }
    }

    @Test
    void theJournalRemembersUploadsAndCommitKeys() {
        try (StateStore s = StateStore.open(root)) {
            Instant t = Instant.ofEpochMilli(1_000_000);
            s.recordUploaded("c1", 10, t);
            assertEquals(t, s.uploadedAt("c1").orElseThrow());
            s.forgetUploaded("c1");
            assertTrue(s.uploadedAt("c1").isEmpty());
            s.recordUploaded("c2", 10, t);
            assertEquals(1, s.pruneUploaded(t.plusSeconds(1)));
            s.recordCommitKey("a", null, "mh", "key-1");
            assertEquals("key-1", s.commitKey("a", null, "mh").orElseThrow());
            assertTrue(s.commitKey("a", "0000000001-0000000000000000", "mh").isEmpty(), "another parent");
            assertTrue(s.commitKey("a", null, "other").isEmpty(), "another content");
            s.clearCommitKey("a");
            assertTrue(s.commitKey("a", null, "mh").isEmpty());
        }
    }

    /**
     * Block signatures are written in batches: one recorded is answered at once, before and after its batch is written,
     * and those not yet written are kept by closing the state; a second record of the same chunk keeps one row.
     */
    @Test
    void signaturesAreAnsweredBeforeTheirBatchIsWrittenAndKeptByClosing() throws Exception {
        int n = StateStore.SIGNATURE_BATCH + 10; // one batch written, ten waiting
        try (StateStore s = StateStore.open(root)) {
            for (int i = 0; i < n; i++) {
                s.recordSignature(sigId(i), new byte[] {(byte) i, 1});
            }
            s.recordSignature(sigId(0), new byte[] {0, 1});
            assertEquals(StateStore.SIGNATURE_BATCH, signatureRows(), "the first batch is written, the rest waits");
            assertArrayEquals(new byte[] {(byte) (n - 1), 1}, s.signature(sigId(n - 1)).orElseThrow());
            assertArrayEquals(new byte[] {5, 1}, s.signature(sigId(5)).orElseThrow());
            assertFalse(s.signature(sigId(n)).isPresent());
        }
        assertEquals(n, signatureRows(), "closing writes the rest; the chunk recorded twice has one row");
        try (StateStore s = StateStore.open(root)) {
            for (int i = 0; i < n; i++) {
                assertArrayEquals(new byte[] {(byte) i, 1}, s.signature(sigId(i)).orElseThrow());
            }
        }
    }

    /** Pruning keeps the most recently used signatures within the bound, counting those not yet written. */
    @Test
    void pruningKeepsTheRecentlyUsedSignaturesWithinTheBound() throws Exception {
        try (StateStore s = StateStore.open(root)) {
            for (int i = 0; i < 100; i++) {
                s.recordSignature(sigId(i), new byte[1000]);
            }
            assertTrue(s.pruneSignatures(10_000) > 0);
            assertTrue(signatureRows() <= 10, "at most 10,000 bytes left");
            assertTrue(s.signature(sigId(99)).isPresent(), "the last recorded is kept");
            assertFalse(s.signature(sigId(0)).isPresent(), "the oldest went");
        }
    }

    /** A chunk id per int (id() has one per byte). */
    /**
     * The sync's threads write records, commit keys and uploads side by side (committed in groups): every write is there
     * after reopening, a commit key recorded and cleared is gone, and one write that fails (an alias without its path)
     * fails its own caller alone.
     */
    @Test
    void writesOfManyThreadsAreAllKeptAndAFailingOneFailsAlone() throws Exception {
        Manifest m = Manifest.of("fastcdc-v1-64k-256k-1m", List.of(new ManifestEntry(id(7), 10)));
        int threads = 16;
        int each = 40;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
        try (StateStore s = StateStore.open(root)) {
            List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < each; i++) {
                        String key = "d" + thread + "/f" + i;
                        s.recordCommitKey(key, null, "m" + i, "k-" + key);
                        s.recordUploaded(sigId(thread * each + i), 10, Instant.ofEpochMilli(1000 + i));
                        s.clearCommitKey(key);
                        s.put(new SyncRecord(key, key, "0000000001-00000000000000ab", 10, i, "h", m));
                        if (thread == 3 && i == 20) {
                            assertTrue(org.junit.jupiter.api.Assertions.assertThrows(dev.chunkvault.client.ChunkvaultException.class,
                                    () -> s.putAlias(key, null)).getMessage().contains("state database"));
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (java.util.concurrent.Future<?> f : done) {
                f.get(60, java.util.concurrent.TimeUnit.SECONDS);
            }
            assertEquals(threads * each * 4L + 1, s.writeGroups()[1], "each write went through a group");
        } finally {
            pool.shutdownNow();
        }
        try (StateStore s = StateStore.open(root)) {
            assertEquals(threads * each, s.count());
            assertEquals(threads * each, s.uploadedCount());
            assertEquals(Long.valueOf(39), Long.valueOf(s.get("d15/f39").orElseThrow().mtimeMillis()));
            assertTrue(s.commitKey("d7/f9", null, "m9").isEmpty(), "cleared");
            assertTrue(s.aliases().isEmpty(), "the failed alias kept nothing");
        }
    }

    private static String sigId(int n) {
        return ChunkId.sha256(java.nio.ByteBuffer.allocate(4).putInt(n).array()).hex();
    }

    private int signatureRows() throws java.sql.SQLException {
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:"
                + root.resolve(".chunkvault").resolve("state.db").toAbsolutePath());
             java.sql.Statement st = c.createStatement();
             java.sql.ResultSet r = st.executeQuery("SELECT COUNT(*) FROM signatures")) {
            return r.getInt(1);
        }
    }
}
