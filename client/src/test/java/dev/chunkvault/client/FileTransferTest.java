package dev.chunkvault.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.core.chunking.Chunk;
import dev.chunkvault.core.chunking.ChunkingPolicy;
import dev.chunkvault.core.chunking.ChunkingProfile;
import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.core.manifest.Manifest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Push and pull of files against the in-process fake API: dedup, deltas, resumption, verification. */
class FileTransferTest extends WithFakeVault {
    @TempDir
    Path dir;

    @Test
    void pushThenPullIsByteIdenticalAndUploadsEachChunkOnce() throws Exception {
        byte[] data = TestFiles.random(1, 3_000_000);
        Path f = TestFiles.write(dir.resolve("a.bin"), data);
        FilePusher pusher = new FilePusher(client, PushJournal.inMemory());
        FilePusher.Result r = pusher.push(FilePusher.Request.of(f, "docs/a.bin", null));
        assertEquals("created", r.commit().outcome());
        assertEquals(r.manifest().distinctIds().size(), vault.puts.get());
        assertArrayEquals(data, vault.content("docs/a.bin"));

        Path out = dir.resolve("out/a.bin");
        FilePuller.Result p = new FilePuller(client).pull(FilePuller.Request.of("docs/a.bin", out));
        assertArrayEquals(data, Files.readAllBytes(out));
        assertEquals(r.commit().version().versionId(), p.version().versionId());
        assertEquals(r.manifest().chunkCount(), p.stats().chunksDownloaded());
    }

    /**
     * A pulled file gets the mode any new file gets here (not the temp file's owner-only one); a replaced file keeps its
     * own, but for the executable bit, which is the version's (x wherever r is, or no x at all).
     */
    @Test
    void pulledFilesGetTheDefaultModeAndReplacedFilesKeepTheirs() throws Exception {
        Path f = TestFiles.write(dir.resolve("p.bin"), TestFiles.random(9, 200_000));
        new FilePusher(client, PushJournal.inMemory()).push(FilePusher.Request.of(f, "docs/p.bin", null));
        Path probe = Files.createFile(dir.resolve("probe"));
        Path fresh = dir.resolve("fresh.bin");
        new FilePuller(client).pull(FilePuller.Request.of("docs/p.bin", fresh));
        assertEquals(Files.getPosixFilePermissions(probe), Files.getPosixFilePermissions(fresh));

        Path script = TestFiles.write(dir.resolve("run.sh"), new byte[] {1});
        Files.setPosixFilePermissions(script, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-x---"));
        new FilePuller(client).pull(FilePuller.Request.of("docs/p.bin", script));
        assertEquals("rw-r-----", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(script)));

        Files.setPosixFilePermissions(f, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        new FilePusher(client, PushJournal.inMemory()).push(FilePusher.Request.of(f, "docs/x.bin", null));
        assertTrue(vault.head("docs/x.bin").executable());
        new FilePuller(client).pull(FilePuller.Request.of("docs/x.bin", script));
        assertEquals("rwxr-x---", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(script)));
    }

    /** Issue 14: a target below a link in its folder is refused before anything is downloaded. */
    @Test
    void aTargetUnderALinkInItsFolderIsRefusedBeforeTheDownload() throws Exception {
        Path f = TestFiles.write(dir.resolve("src.bin"), TestFiles.random(31, 100_000));
        new FilePusher(client, PushJournal.inMemory()).push(FilePusher.Request.of(f, "docs/s.bin", null));
        Path root = Files.createDirectories(dir.resolve("root"));
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Files.createSymbolicLink(root.resolve("link"), outside);
        int gets = vault.gets.get();
        UnsafePathException e = assertThrows(UnsafePathException.class, () -> new FilePuller(client).pull(
                FilePuller.Request.of("docs/s.bin", root.resolve("link/sub/s.bin")).withRoot(root)));
        assertEquals(UnsafePathException.Reason.LINK, e.reason());
        assertEquals(gets, vault.gets.get(), "nothing downloaded");
        try (Stream<Path> s = Files.list(outside)) {
            assertEquals(List.of(), s.toList());
        }
        assertThrows(UnsafePathException.class, () -> new FilePuller(client).pull(
                FilePuller.Request.of("docs/s.bin", root.resolve("link"))), "nor is a link at the target replaced");
        assertTrue(Files.isSymbolicLink(root.resolve("link")));
    }

    /**
     * Issue 14: a folder on the way swapped for a link after the first check (here while the guard looks at the old
     * file) is refused when the file is put in place; nothing is written through it, no temporary file is left.
     */
    @Test
    void aFolderSwappedForALinkBeforeTheRenameIsNotWrittenThrough() throws Exception {
        Path f = TestFiles.write(dir.resolve("src.bin"), TestFiles.random(32, 100_000));
        new FilePusher(client, PushJournal.inMemory()).push(FilePusher.Request.of(f, "docs/s.bin", null));
        Path root = Files.createDirectories(dir.resolve("root"));
        Path target = TestFiles.write(root.resolve("sub/s.bin"), "old".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        Path elsewhere = dir.resolve("elsewhere");
        FilePuller.ReplaceGuard swap = t -> {
            Files.move(root.resolve("sub"), elsewhere);
            Files.createSymbolicLink(root.resolve("sub"), elsewhere);
            return true;
        };
        UnsafePathException e = assertThrows(UnsafePathException.class, () -> new FilePuller(client).pull(
                FilePuller.Request.of("docs/s.bin", target).withRoot(root).withGuard(swap)));
        assertEquals(UnsafePathException.Reason.LINK, e.reason());
        assertEquals("old", Files.readString(elsewhere.resolve("s.bin")));
        try (Stream<Path> s = Files.list(elsewhere)) {
            assertEquals(List.of(elsewhere.resolve("s.bin")), s.toList(), "no temporary file left behind the link");
        }
    }

    @Test
    void aSmallEditSendsADeltaOrOneChunkAndCommitsAManifestDelta() throws Exception {
        byte[] data = TestFiles.random(2, 4_000_000);
        Path f = TestFiles.write(dir.resolve("big.bin"), data);
        FilePusher pusher = new FilePusher(client, PushJournal.inMemory());
        FilePusher.Result v1 = pusher.push(FilePusher.Request.of(f, "big.bin", null));
        int putsAfterV1 = vault.puts.get();
        data[2_000_000] ^= 0x55;
        Files.write(f, data);
        FilePusher.Result v2 = pusher.push(FilePusher.Request.of(f, "big.bin", v1.commit().version().versionId())
                .withParentManifest(v1.manifest()));
        assertEquals("created", v2.commit().outcome());
        int sentWhole = vault.puts.get() - putsAfterV1;
        assertTrue(sentWhole + v2.stats().chunksDelta() <= 2, "one edited chunk (maybe split in two)");
        assertTrue(v2.stats().chunksDelta() >= 1, "the edited chunk went as a binary delta");
        assertTrue(v2.stats().bytesSent() < 100_000, "sent " + v2.stats().bytesSent());
        assertArrayEquals(data, vault.content("big.bin"));
    }

    /**
     * A new file of {@link ChunkingPolicy#LARGE_FILE_BYTES} is cut with the large-file profile, and an edit pushed by
     * another client (no journal, no parent manifest given) is cut the same way, so it dedups against its parent and
     * sends the edited chunk as a delta.
     */
    @Test
    void aLargeFileIsCutWithTheLargeProfileAndItsEditsKeepIt() throws Exception {
        int size = (int) ChunkingPolicy.LARGE_FILE_BYTES;
        byte[] data = TestFiles.random(21, size);
        Path f = TestFiles.write(dir.resolve("disk.img"), data);
        FilePusher.Result v1 = new FilePusher(client, PushJournal.inMemory()).push(FilePusher.Request.of(f, "disk.img", null));
        assertEquals(ChunkingProfile.LARGE.name(), v1.manifest().profile());
        for (int i = 0; i < v1.manifest().chunkCount(); i++) {
            assertTrue(v1.manifest().size(i) <= ChunkingProfile.LARGE.maxSize());
        }
        assertTrue(v1.manifest().chunkCount() <= size / ChunkingProfile.LARGE.minSize(), v1.manifest().chunkCount() + " chunks");
        assertEquals(v1.manifest().distinctIds().size(), vault.puts.get());
        int putsAfterV1 = vault.puts.get();

        data[size / 2] ^= 0x55;
        Files.write(f, data);
        FilePusher.Result v2 = new FilePusher(client, PushJournal.inMemory())
                .push(FilePusher.Request.of(f, "disk.img", v1.commit().version().versionId()));
        assertEquals(ChunkingProfile.LARGE.name(), v2.manifest().profile());
        assertTrue(vault.puts.get() - putsAfterV1 + v2.stats().chunksDelta() <= 2, "one edited chunk (maybe split in two)");
        assertTrue(v2.stats().chunksDelta() >= 1, "the edited chunk went as a binary delta");
        assertTrue(v2.stats().bytesSent() < 100_000, "sent " + v2.stats().bytesSent());
        // Compared by hash: whole copies of 128 MiB next to the fake's objects would crowd the tests' bounded heap.
        String expected = sha256(data);
        assertEquals(expected, sha256(vault.content("disk.img")));

        Path out = dir.resolve("out/disk.img");
        new FilePuller(client).pull(FilePuller.Request.of("disk.img", out));
        assertEquals(expected, FilePuller.sha256(out));
    }

    /**
     * A large commit the service answers "in progress" (503 COMMIT_IN_PROGRESS) more often than the transport retries
     * is sent again with the same idempotency key until it is done.
     */
    @Test
    void aCommitInProgressIsSentAgainUntilItIsDone() throws Exception {
        byte[] data = TestFiles.random(23, 1_500_000);
        Path f = TestFiles.write(dir.resolve("slow.bin"), data);
        vault.failWith("POST /v1/commits", 503, "COMMIT_IN_PROGRESS", 12);
        FilePusher.Result r = new FilePusher(client, PushJournal.inMemory()).push(FilePusher.Request.of(f, "slow.bin", null));
        assertEquals("created", r.commit().outcome());
        assertEquals(13, vault.calls.get("POST /v1/commits").get(), "12 answers in progress, then the commit");
        assertArrayEquals(data, vault.content("slow.bin"));
    }

    /** Grant requests close at 128 chunks or 128 MiB (the first at 16 MiB), whichever comes first, in order. */
    @Test
    void grantBatchesAreBoundedByCountAndBytes() {
        List<Chunk> small = new java.util.ArrayList<>();
        List<Chunk> large = new java.util.ArrayList<>();
        for (int i = 0; i < 300; i++) {
            small.add(new Chunk(i * 1000L, 1000, ChunkId.sha256(new byte[] {(byte) i, 1})));
        }
        for (int i = 0; i < 70; i++) {
            large.add(new Chunk(i * (5L << 20), 5 << 20, ChunkId.sha256(new byte[] {(byte) i, 2})));
        }
        assertEquals(List.of(128, 128, 44), GrantBatcher.cut(small).stream().map(List::size).toList());
        List<List<Chunk>> byBytes = GrantBatcher.cut(large);
        assertEquals(List.of(4, 26, 26, 14), byBytes.stream().map(List::size).toList());
        assertEquals(large, byBytes.stream().flatMap(List::stream).toList());
        assertTrue(GrantBatcher.cut(List.of()).isEmpty());
    }

    @Test
    void aChunkThatMovedOverACutPointIsSentAsADeltaOfThePartItMostlyCameFrom() throws Exception {
        // The parent is cut A = [0, 100000), B = [100000, 300000). One byte goes in at 50000 and the cut moves
        // back: A' = [0, 90001) is most of A, B' = [90001, 300001) is A's last 9999 bytes and then all of B.
        // Against A (the parent chunk under B's first byte) B' is two-thirds literal and would go whole;
        // against B it is one small delta.
        byte[] parent = TestFiles.random(11, 300_000);
        Path f = TestFiles.write(dir.resolve("moved.bin"), parent);
        FilePusher pusher = new FilePusher(client, PushJournal.inMemory());
        FilePusher.Result v1 = pusher.push(FilePusher.Request.of(f, "moved.bin", null)
                .withCut(cut(parent, 100_000)));
        int putsAfterV1 = vault.puts.get();
        byte[] edited = new byte[parent.length + 1];
        System.arraycopy(parent, 0, edited, 0, 50_000);
        edited[50_000] = 42;
        System.arraycopy(parent, 50_000, edited, 50_001, parent.length - 50_000);
        Files.write(f, edited);
        FilePusher.Result v2 = pusher.push(FilePusher.Request.of(f, "moved.bin", v1.commit().version().versionId())
                .withParentManifest(v1.manifest()).withCut(cut(edited, 90_001)));
        assertEquals(2, v2.stats().chunksDelta(), "both new chunks went as deltas");
        assertEquals(putsAfterV1, vault.puts.get(), "no chunk was uploaded whole");
        assertTrue(v2.stats().bytesSent() < 20_000, "sent " + v2.stats().bytesSent());
        assertArrayEquals(edited, vault.content("moved.bin"));
    }

    /**
     * A client that pushed (or pulled) a file keeps its chunks' block signatures: its next edit goes as a delta with no
     * signature round trip. A client without them asks the service, and the result is the same file.
     */
    @Test
    void anEditOfAChunkThisClientHadInHandNeedsNoSignatureRequest() throws Exception {
        byte[] data = TestFiles.random(21, 600_000);
        Path f = TestFiles.write(dir.resolve("sig.bin"), data);
        PushJournal journal = PushJournal.inMemory();
        FilePusher pusher = new FilePusher(client, journal);
        FilePusher.Result v1 = pusher.push(FilePusher.Request.of(f, "sig.bin", null));
        for (int i = 0; i < v1.manifest().chunkCount(); i++) {
            assertTrue(journal.signature(v1.manifest().id(i).hex()).isPresent(), "signature of chunk " + i + " kept");
        }
        data[300_000] ^= 0x11;
        Files.write(f, data);
        FilePusher.Result v2 = pusher.push(FilePusher.Request.of(f, "sig.bin", v1.commit().version().versionId())
                .withParentManifest(v1.manifest()));
        assertEquals(0, vault.signatureCalls.get(), "no signature asked of the service");
        assertTrue(v2.stats().chunksDelta() >= 1, "the edit went as a delta");
        assertArrayEquals(data, vault.content("sig.bin"));

        // Another device, which never had these chunks, pulls the file (keeping the signatures of what it downloads)...
        Path other = dir.resolve("other/sig.bin");
        PushJournal otherJournal = PushJournal.inMemory();
        FilePuller.Result pulled = new FilePuller(client, otherJournal).pull(FilePuller.Request.of("sig.bin", other));
        for (int i = 0; i < pulled.manifest().chunkCount(); i++) {
            assertTrue(otherJournal.signature(pulled.manifest().id(i).hex()).isPresent(), "pulled chunk " + i);
        }
        // ...while a third with an empty journal must ask the service for the signature of the chunk it edits.
        data[100_000] ^= 0x22;
        Path third = TestFiles.write(dir.resolve("third.bin"), data);
        FilePusher.Result v3 = new FilePusher(client, PushJournal.inMemory()).push(FilePusher.Request.of(third, "sig.bin",
                v2.commit().version().versionId()).withParentManifest(v2.manifest()));
        assertEquals(1, vault.signatureCalls.get(), "a client without the signature asks for it");
        assertTrue(v3.stats().chunksDelta() >= 1);
        assertArrayEquals(data, vault.content("sig.bin"));
    }

    /** A cached signature that is wrong (here: of other bytes under the same id) costs a refused delta, not a bad file. */
    @Test
    void aWrongCachedSignatureOnlyCostsAWholeUpload() throws Exception {
        byte[] data = TestFiles.random(22, 300_000);
        Path f = TestFiles.write(dir.resolve("w.bin"), data);
        PushJournal journal = PushJournal.inMemory();
        FilePusher pusher = new FilePusher(client, journal);
        FilePusher.Result v1 = pusher.push(FilePusher.Request.of(f, "w.bin", null));
        String id = v1.manifest().id(0).hex();
        journal.recordSignature(id, new byte[] {1, 2, 3}); // garbage: ignored, the service is asked
        data[10] ^= 1;
        Files.write(f, data);
        FilePusher.Result v2 = pusher.push(FilePusher.Request.of(f, "w.bin", v1.commit().version().versionId())
                .withParentManifest(v1.manifest()));
        assertEquals("created", v2.commit().outcome());
        assertArrayEquals(data, vault.content("w.bin"));
    }

    /** Delta uploads go as binary bodies (a batch of the file's deltas), gzip-compressed when that is smaller (text edits compress well). */
    @Test
    void deltaUploadsOfTextAreCompressed() throws Exception {
        StringBuilder text = new StringBuilder();
        java.util.Random rnd = new java.util.Random(23);
        while (text.length() < 200_000) {
            text.append("    public static int field").append(rnd.nextInt(1000)).append(" = compute(").append(rnd.nextInt())
                    .append(");\n");
        }
        byte[] data = text.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Path f = TestFiles.write(dir.resolve("T.java"), data);
        FilePusher pusher = new FilePusher(client, PushJournal.inMemory());
        FilePusher.Result v1 = pusher.push(FilePusher.Request.of(f, "T.java", null));
        byte[] edited = new byte[data.length + 3000];
        System.arraycopy(data, 0, edited, 0, 100_000);
        byte[] insert = text.substring(0, 3000).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        System.arraycopy(insert, 0, edited, 100_000, 3000);
        System.arraycopy(data, 100_000, edited, 103_000, data.length - 100_000);
        Files.write(f, edited);
        int gz = gzipped("POST /v1/delta-upload-batch");
        FilePusher.Result v2 = pusher.push(FilePusher.Request.of(f, "T.java", v1.commit().version().versionId())
                .withParentManifest(v1.manifest()));
        assertTrue(v2.stats().chunksDelta() >= 1, "sent as a delta");
        assertTrue(gzipped("POST /v1/delta-upload-batch") > gz, "the delta went compressed");
        assertArrayEquals(edited, vault.content("T.java"));
    }

    /** Large JSON bodies (upload grants, commits: lists of chunk ids) go gzip-compressed; small ones plain. */
    @Test
    void largeJsonBodiesGoCompressed() throws Exception {
        byte[] data = TestFiles.random(5, 6_000_000);
        Path f = TestFiles.write(dir.resolve("big.bin"), data);
        FilePusher.Result r = new FilePusher(client, PushJournal.inMemory()).push(FilePusher.Request.of(f, "big.bin", null));
        assertEquals("created", r.commit().outcome());
        assertTrue(r.manifest().chunkCount() >= 10, "chunks: " + r.manifest().chunkCount());
        assertTrue(gzipped("POST /v1/uploads") >= 1, "the grant request went compressed: " + vault.gzippedByRoute);
        assertTrue(gzipped("POST /v1/commits") >= 1, "the commit went compressed: " + vault.gzippedByRoute);
        assertArrayEquals(data, vault.content("big.bin"));
        Path small = TestFiles.write(dir.resolve("s.txt"), new byte[] {1, 2, 3});
        int before = vault.gzippedRequests.get();
        new FilePusher(client, PushJournal.inMemory()).push(FilePusher.Request.of(small, "s.txt", null));
        assertEquals(before, vault.gzippedRequests.get(), "a one-chunk file's small requests go plain");
    }

    /**
     * A service that cannot read a compressed JSON body (it answers 400 MALFORMED_JSON, or 415) gets the same body
     * plain, and every later one plain: the push succeeds and only the first large request is sent twice.
     */
    @Test
    void aServiceThatRefusesCompressedBodiesGetsThemPlain() throws Exception {
        vault.refuseGzipBodies = true;
        byte[] data = TestFiles.random(6, 6_000_000);
        Path f = TestFiles.write(dir.resolve("big.bin"), data);
        FilePusher.Result r = new FilePusher(client, PushJournal.inMemory()).push(FilePusher.Request.of(f, "big.bin", null));
        assertEquals("created", r.commit().outcome());
        assertArrayEquals(data, vault.content("big.bin"));
        assertEquals(1, vault.gzipRefused.get(), "refused once, then sent plain");
        byte[] more = TestFiles.random(7, 6_000_000);
        Path g = TestFiles.write(dir.resolve("big2.bin"), more);
        new FilePusher(client, PushJournal.inMemory()).push(FilePusher.Request.of(g, "big2.bin", null));
        assertArrayEquals(more, vault.content("big2.bin"));
        assertEquals(1, vault.gzipRefused.get(), "no compressed body after the refusal");
        assertEquals(0, vault.gzippedRequests.get());
    }

    private int gzipped(String route) {
        var n = vault.gzippedByRoute.get(route);
        return n == null ? 0 : n.get();
    }

    /** {@code data} cut in two at {@code at}, in the default profile. */
    private static Manifest cut(byte[] data, int at) {
        return Manifest.of(dev.chunkvault.core.chunking.ChunkingProfile.DEFAULT.name(), java.util.List.of(
                new dev.chunkvault.core.manifest.ManifestEntry(dev.chunkvault.core.hash.ChunkId.sha256(data, 0, at), at),
                new dev.chunkvault.core.manifest.ManifestEntry(
                        dev.chunkvault.core.hash.ChunkId.sha256(data, at, data.length - at), data.length - at)));
    }

    @Test
    void pullReusesLocalChunksAndDownloadsOnlyTheRest() throws Exception {
        byte[] data = TestFiles.random(3, 3_000_000);
        Path f = TestFiles.write(dir.resolve("x.bin"), data);
        FilePusher.Result v1 = new FilePusher(client, PushJournal.inMemory()).push(FilePusher.Request.of(f, "x.bin", null));
        byte[] edited = data.clone();
        edited[10] ^= 1;
        Path g = TestFiles.write(dir.resolve("y.bin"), edited);
        new FilePusher(client, PushJournal.inMemory()).push(FilePusher.Request.of(g, "x.bin",
                v1.commit().version().versionId()));
        ChunkIndex index = dev.chunkvault.client.sync.SyncIndexHelper.of(f, v1.manifest());
        int getsBefore = vault.gets.get();
        FilePuller.Result p = new FilePuller(client).pull(FilePuller.Request.of("x.bin", f).withIndex(index));
        assertArrayEquals(edited, Files.readAllBytes(f));
        assertEquals(1, vault.gets.get() - getsBefore);
        assertEquals(p.stats().chunks() - 1, p.stats().chunksReused());
    }

    @Test
    void aRerunAfterAFailedCommitSendsNoChunkTwice() throws Exception {
        byte[] data = TestFiles.random(4, 2_500_000);
        Path f = TestFiles.write(dir.resolve("r.bin"), data);
        PushJournal journal = PushJournal.inMemory();
        vault.fail("POST /v1/commits", 503, 4); // every attempt of the first run
        assertThrows(ApiException.class, () -> new FilePusher(client, journal).push(FilePusher.Request.of(f, "r.bin", null)));
        int puts = vault.puts.get();
        assertTrue(puts > 0);
        FilePusher.Result r = new FilePusher(client, journal).push(FilePusher.Request.of(f, "r.bin", null));
        assertEquals(puts, vault.puts.get(), "no chunk sent twice");
        assertEquals(r.manifest().distinctIds().size(), r.stats().chunksSkipped());
        assertArrayEquals(data, vault.content("r.bin"));
        assertEquals(3, sleeper.delays.size(), "three retries of the first run's commit, then it gave up");
    }

    /**
     * A new file's push chunks and uploads in one streaming pass; when it fails part way (here from the third upload
     * grant on), what was uploaded is journaled, and a re-run sends none of it again: only the uploads that were
     * in flight when it failed may be sent twice.
     */
    @Test
    void aStreamingPushThatFailsPartWayResumesWithoutSendingJournaledChunks() throws Exception {
        byte[] data = TestFiles.random(11, 80_000_000); // about 300 chunks: three grant batches
        Path f = TestFiles.write(dir.resolve("s.bin"), data);
        PushJournal journal = PushJournal.inMemory();
        java.util.concurrent.atomic.AtomicInteger grants = new java.util.concurrent.atomic.AtomicInteger();
        vault.hook = (route, body, query) -> {
            if (route.equals("POST /v1/uploads") && grants.incrementAndGet() == 2) {
                vault.fail("POST /v1/uploads", 500, 100); // every grant after the second
            }
        };
        assertThrows(ApiException.class, () -> new FilePusher(client, journal).push(FilePusher.Request.of(f, "s.bin", null)));
        vault.hook = null;
        clearFaults("POST /v1/uploads");
        int firstRun = vault.puts.get();

        // Every upload the first run finished is journaled and skipped now, but for those still in flight when it
        // failed (a PUT the storage took whose thread was stopped before it journaled it). How many the first run
        // finished depends on the machine's speed, so the bound is on the ones sent twice, not on the count.
        FilePusher.Result r = new FilePusher(client, journal).push(FilePusher.Request.of(f, "s.bin", null));
        assertTrue(r.stats().chunksSkipped() >= firstRun - client.options().parallelism(),
                "journaled: " + r.stats().chunksSkipped() + " of " + firstRun);
        int distinct = new java.util.HashSet<>(vault.putLog).size();
        assertEquals(r.manifest().distinctIds().size(), distinct);
        assertTrue(vault.putLog.size() - distinct <= client.options().parallelism(),
                "only uploads in flight at the failure are sent twice: " + (vault.putLog.size() - distinct));
        assertEquals(r.manifest().distinctIds().size(), r.stats().chunksSkipped() + r.stats().chunksUploaded());
        assertArrayEquals(data, vault.content("s.bin"));
    }

    private void clearFaults(String route) {
        vault.clearFaults(route);
    }

    @Test
    void chunksTheCommitReportsMissingAreUploadedAgainExactly() throws Exception {
        byte[] data = TestFiles.random(5, 2_000_000);
        Path f = TestFiles.write(dir.resolve("m.bin"), data);
        PushJournal journal = PushJournal.inMemory();
        vault.fail("POST /v1/commits", 503, 4);
        assertThrows(ApiException.class, () -> new FilePusher(client, journal).push(FilePusher.Request.of(f, "m.bin", null)));
        Manifest m = new FilePusher(client, journal).scan(f, TransferListener.NONE).manifest();
        String collected = m.id(1).hex();
        vault.dropObject(collected); // e.g. garbage-collected before the re-run
        int puts = vault.puts.get();
        FilePusher.Result r = new FilePusher(client, journal).push(FilePusher.Request.of(f, "m.bin", null));
        assertEquals(puts + 1, vault.puts.get(), "exactly the missing chunk re-sent");
        assertArrayEquals(data, vault.content("m.bin"));
        assertEquals(collected, ChunkIdHex.of(vault.object(collected)));
        assertNotNull(r.commit().version());
    }

    /**
     * A large commit lists the missing chunks a slice at a time (issue 13, item 3): a version with collected chunks in
     * many slices takes a round per slice, and the push goes on while every round makes progress (it gave up after 4).
     */
    @Test
    void aCommitMissingChunksSliceBySliceGoesOnWhileEachRoundMakesProgress() throws Exception {
        byte[] data = TestFiles.random(13, 3_000_000);
        Path f = TestFiles.write(dir.resolve("slices.bin"), data);
        Manifest m = new FilePusher(client, PushJournal.inMemory()).scan(f, TransferListener.NONE).manifest();
        List<String> ids = m.distinctIds().stream().map(dev.chunkvault.core.hash.ChunkId::hex).toList();
        assertTrue(ids.size() >= 8, "enough chunks for several rounds: " + ids.size());
        ids.stream().limit(7).forEach(vault.loseFirstPut::add); // lost after their upload, before the commit
        vault.missingListedPerCommit = 1;

        FilePusher.Result r = new FilePusher(client, PushJournal.inMemory()).push(FilePusher.Request.of(f, "slices.bin", null));
        assertNotNull(r.commit().version());
        assertArrayEquals(data, vault.content("slices.bin"));
        assertTrue(vault.loseFirstPut.isEmpty(), "every lost chunk was sent again");
        assertEquals(ids.size() + 7, vault.puts.get(), "each lost chunk sent twice, every other once");
    }

    /** A chunk the service keeps reporting missing after it was sent again stops the push, a few rounds on. */
    @Test
    void aCommitThatKeepsMissingTheSameChunkStops() throws Exception {
        byte[] data = TestFiles.random(14, 1_000_000);
        Path f = TestFiles.write(dir.resolve("stuck.bin"), data);
        Manifest m = new FilePusher(client, PushJournal.inMemory()).scan(f, TransferListener.NONE).manifest();
        String stuck = m.id(0).hex();
        vault.hook = (route, body, query) -> vault.dropObject(stuck); // gone again before every call
        ApiException e = assertThrows(ApiException.class,
                () -> new FilePusher(client, PushJournal.inMemory()).push(FilePusher.Request.of(f, "stuck.bin", null)));
        assertTrue(e.isMissingChunks());
        long sent = vault.putLog.stream().filter(stuck::equals).count();
        assertEquals(1 + VersionCommitter.MAX_STALLED_COMMIT_ROUNDS, sent, "sent, then again each round until it stalls");
    }

    /** Hex SHA-256 of bytes. */
    static final class ChunkIdHex {
        static String of(byte[] b) {
            return dev.chunkvault.core.hash.ChunkId.sha256(b).hex();
        }
    }

    @Test
    void aCorruptDownloadIsRefusedAndTheTargetIsUntouched() throws Exception {
        byte[] data = TestFiles.random(6, 500_000);
        Path f = TestFiles.write(dir.resolve("c.bin"), data);
        new FilePusher(client, PushJournal.inMemory()).push(FilePusher.Request.of(f, "c.bin", null));
        aCorruptPullIsRefusedAndTheTargetIsUntouched("c.bin");
    }

    /**
     * Chunks of a file over 64 MiB are downloaded straight into their place in the file: a chunk that occurs twice
     * is copied from where it was written, a body that breaks off is fetched again, and a corrupt one is refused with
     * the target untouched.
     */
    @Test
    void aLargeFileIsDownloadedStreamedIntoPlaceAndBadBodiesAreRetriedOrRefused() throws Exception {
        byte[] half = TestFiles.random(31, 33 << 20);
        byte[] data = new byte[2 * half.length];
        System.arraycopy(half, 0, data, 0, half.length);
        System.arraycopy(half, 0, data, half.length, half.length);
        Path f = TestFiles.write(dir.resolve("twice.bin"), data);
        FilePusher.Result r = new FilePusher(client, PushJournal.inMemory()).push(FilePusher.Request.of(f, "twice.bin", null));
        assertTrue(data.length > SignatureCache.MAX_FILE_BYTES);
        assertTrue(r.manifest().distinctIds().size() < r.manifest().chunkCount() - 100, "chunks that occur twice");

        vault.truncateDownloads.set(3);
        int before = vault.gets.get();
        Path out = dir.resolve("out/twice.bin");
        new FilePuller(client).pull(FilePuller.Request.of("twice.bin", out));
        assertEquals(sha256(data), FilePuller.sha256(out));
        assertEquals(r.manifest().distinctIds().size() + 3, vault.gets.get() - before, "each distinct chunk once, "
                + "and the three broken bodies again");

        aCorruptPullIsRefusedAndTheTargetIsUntouched("twice.bin");
    }

    /** With every download corrupted, a pull of {@code remote} fails and leaves its target and no temp file. */
    private void aCorruptPullIsRefusedAndTheTargetIsUntouched(String remote) throws Exception {
        Path target = TestFiles.write(dir.resolve("target.bin"), "old".getBytes());
        vault.corruptDownloads = true;
        assertThrows(IntegrityException.class, () -> new FilePuller(client).pull(FilePuller.Request.of(remote, target)));
        assertArrayEquals("old".getBytes(), Files.readAllBytes(target));
        try (var s = Files.list(dir)) {
            assertFalse(s.anyMatch(p -> p.getFileName().toString().endsWith(".part")), "temp file removed");
        }
    }

    private static String sha256(byte[] bytes) {
        return dev.chunkvault.core.hash.ChunkId.sha256(bytes).hex();
    }

    @Test
    void aStaleParentIsReportedWithTheHead() throws Exception {
        Path f = TestFiles.write(dir.resolve("s.txt"), "one".getBytes());
        FilePusher pusher = new FilePusher(client, PushJournal.inMemory());
        FilePusher.Result v1 = pusher.push(FilePusher.Request.of(f, "s.txt", null));
        Files.writeString(f, "two");
        FilePusher.Result v2 = pusher.push(FilePusher.Request.of(f, "s.txt", v1.commit().version().versionId()));
        Files.writeString(f, "three");
        StaleParentException e = assertThrows(StaleParentException.class,
                () -> pusher.push(FilePusher.Request.of(f, "s.txt", v1.commit().version().versionId())));
        assertEquals(v2.commit().version().versionId(), e.head().orElseThrow().versionId());
    }

    @Test
    void anExpiredUploadUrlIsGrantedAgainAndAChunkBeingCollectedIsAskedForLater() throws Exception {
        byte[] data = TestFiles.random(7, 1_200_000);
        Path f = TestFiles.write(dir.resolve("e.bin"), data);
        vault.deferGrants.set(1);
        vault.fail("PUT /objects", 403, 1);
        FilePusher.Result r = new FilePusher(client, PushJournal.inMemory()).push(FilePusher.Request.of(f, "e.bin", null));
        assertEquals("created", r.commit().outcome());
        assertArrayEquals(data, vault.content("e.bin"));
        assertTrue(sleeper.delays.contains(java.time.Duration.ofSeconds(7)), "waited as the grant asked: " + sleeper.delays);
        assertEquals(r.manifest().distinctIds().size(), vault.puts.get(), "the refused PUT stored nothing");
    }

    /**
     * An edit pushed on a parent whose manifest the service cannot give because it has no such route is refused, not
     * committed as a whole new manifest as if the parent were a deletion (which a 404 NOT_FOUND means).
     */
    @Test
    void aParentManifestAnsweredByAMissingRouteIsAnErrorNotADeletedParent() throws Exception {
        Path f = TestFiles.write(dir.resolve("p.txt"), "one".getBytes());
        FilePusher pusher = new FilePusher(client, PushJournal.inMemory());
        FilePusher.Result v1 = pusher.push(FilePusher.Request.of(f, "p.txt", null));
        Files.writeString(f, "two");
        vault.missingRoutes.add("POST /v1/downloads");
        ApiException e = assertThrows(ApiException.class,
                () -> pusher.push(FilePusher.Request.of(f, "p.txt", v1.commit().version().versionId())));
        assertTrue(e.isNoSuchRoute(), e.toString());
        assertEquals(java.util.Optional.of("POST /v1/downloads"), e.route());
        assertEquals(1, vault.calls.get("POST /v1/commits").get(), "nothing committed on the parent");
    }

    /** The head of a file is empty only when the service says there is none; a route it lacks is an error. */
    @Test
    void aFileLookUpTellsNoSuchFileFromNoSuchRoute() {
        assertTrue(client.file("nowhere.txt", false).isEmpty());
        vault.missingRoutes.add("GET /v1/file");
        ApiException e = assertThrows(ApiException.class, () -> client.file("nowhere.txt", false));
        assertTrue(e.isNoSuchRoute() && !e.isNoSuchFile(), e.toString());
    }

    @Test
    void anEmptyFileRoundTrips() throws Exception {
        Path f = TestFiles.write(dir.resolve("empty"), new byte[0]);
        new FilePusher(client, PushJournal.inMemory()).push(FilePusher.Request.of(f, "empty", null));
        Path out = dir.resolve("empty.out");
        new FilePuller(client).pull(FilePuller.Request.of("empty", out));
        assertEquals(0, Files.size(out));
    }
}
