package dev.chunkvault.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.client.ApiException;
import dev.chunkvault.client.ChunkvaultClient;
import dev.chunkvault.client.model.PackDeclared;
import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.core.manifest.Manifest;
import dev.chunkvault.core.manifest.ManifestEntry;
import dev.chunkvault.core.pack.PackFormat;
import dev.chunkvault.client.sync.SyncReport;
import dev.chunkvault.local.LocalCloud;
import dev.chunkvault.local.LocalCloudExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tree of small files over the real local cloud (DynamoDB Local, s3proxy, the template's functions): its chunks go
 * up in a few packs instead of one object each, and a second device gets the same tree back through ranged GETs.
 */
@ExtendWith(LocalCloudExtension.class)
class PacksIT {
    @TempDir
    Path tmp;

    /** The keys under {@code prefix} in the local cloud's bucket. */
    private static Set<String> keys(LocalCloud cloud, String prefix) {
        return new TreeSet<>(CloudClients.objects(cloud, prefix).keySet());
    }

    @Test
    void aTreeOfSmallFilesGoesUpInAFewPacksAndArrivesWholeOnASecondDevice(LocalCloud cloud) throws Exception {
        String user = CloudClients.newUser("packs");
        Random random = new Random(15);
        Path a = Files.createDirectories(tmp.resolve("a"));
        Path b = Files.createDirectories(tmp.resolve("b"));
        byte[] shared = new byte[3_000];
        random.nextBytes(shared);
        int files = 400;
        for (int i = 0; i < files; i++) {
            byte[] content;
            if (i % 20 == 0) {
                content = shared; // the same bytes in twenty files: stored once
            } else {
                content = new byte[200 + random.nextInt(20_000)];
                random.nextBytes(content);
            }
            TwoDevicesSyncIT.edit(a.resolve("d" + (i % 9)).resolve("f" + i + ".txt"), content);
        }
        Set<String> packsBefore = keys(cloud, "packs/");
        Set<String> chunksBefore = keys(cloud, "chunks/");
        try (ChunkvaultClient ca = CloudClients.client(cloud, user, null);
             ChunkvaultClient cb = CloudClients.client(cloud, user, null)) {
            SyncReport ra = CloudClients.sync(ca, a, "a", false);
            assertTrue(ra.errors.isEmpty(), () -> "errors: " + ra.errors);
            Set<String> packs = keys(cloud, "packs/");
            packs.removeAll(packsBefore);
            Set<String> chunks = keys(cloud, "chunks/");
            chunks.removeAll(chunksBefore);
            System.out.println(files + " files: " + packs.size() + " pack object(s), " + chunks.size() + " chunk object(s)");
            assertTrue(packs.size() >= 1 && packs.size() <= files / 10, "a few packs, not one object per file: " + packs.size());
            assertEquals(Set.of(), chunks, "no small chunk is stored alone");

            SyncReport rb = CloudClients.sync(cb, b, "b", false);
            assertTrue(rb.errors.isEmpty(), () -> "errors: " + rb.errors);
            TwoDevicesSyncIT.assertTreesEqual(a, b);
            int gets = cb.ranges().gets();
            System.out.println("second device: " + gets + " ranged GET(s) for " + files + " files");
            assertTrue(gets >= packs.size() / 2 && gets <= files / 4, "neighbouring ranges come in one GET: " + gets);

            // Edits go up in a pack of their own and come down again.
            for (int i = 1; i < 40; i += 8) {
                byte[] edited = new byte[500 + random.nextInt(5_000)];
                random.nextBytes(edited);
                TwoDevicesSyncIT.edit(a.resolve("d" + (i % 9)).resolve("f" + i + ".txt"), edited);
            }
            CloudClients.sync(ca, a, "a", false);
            CloudClients.sync(cb, b, "b", false);
            TwoDevicesSyncIT.assertTreesEqual(a, b);

            // Copies made on the second device hold only chunks the owner holds already: small chunks go to pack
            // declarations without grants, which name them as held, so nothing is uploaded again.
            Set<String> packsNow = keys(cloud, "packs/");
            Set<String> chunksNow = keys(cloud, "chunks/");
            for (int i = 2; i < 12; i++) {
                TwoDevicesSyncIT.edit(b.resolve("copies").resolve("c" + i + ".txt"),
                        Files.readAllBytes(b.resolve("d" + (i % 9)).resolve("f" + i + ".txt")));
            }
            SyncReport rc = CloudClients.sync(cb, b, "b", false);
            assertTrue(rc.errors.isEmpty(), () -> "errors: " + rc.errors);
            assertEquals(packsNow, keys(cloud, "packs/"), "copies upload no pack");
            assertEquals(chunksNow, keys(cloud, "chunks/"), "copies upload no chunk");
            CloudClients.sync(ca, a, "a", false);
            TwoDevicesSyncIT.assertTreesEqual(a, b);
        }
    }

    /** A commit of {@code chunks} (one file of those bytes) to {@code path}. */
    private static ChunkvaultClient.Commit commitOf(String path, List<byte[]> chunks) {
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        List<ManifestEntry> entries = new java.util.ArrayList<>();
        for (byte[] c : chunks) {
            all.writeBytes(c);
            entries.add(new ManifestEntry(ChunkId.sha256(c), c.length));
        }
        byte[] bytes = all.toByteArray();
        return new ChunkvaultClient.Commit(path, null, Manifest.of("fastcdc-v1-64k-256k-1m", entries), null, bytes.length,
                ChunkId.sha256(bytes).hex(), 0L, ChunkvaultClient.newIdempotencyKey());
    }

    /** Declares and PUTs a pack of {@code chunks}, the one at {@code lie} (if >= 0) sent with other bytes. */
    private static String uploadPack(ChunkvaultClient c, List<byte[]> chunks, int lie) {
        PackFormat.Builder b = new PackFormat.Builder();
        for (int i = 0; i < chunks.size(); i++) {
            byte[] sent = chunks.get(i);
            if (i == lie) {
                sent = sent.clone();
                sent[7] ^= 1;
            }
            b.add(ChunkId.sha256(chunks.get(i)), sent);
        }
        byte[] pack = b.finish();
        PackDeclared d = c.declarePack(ChunkId.sha256(pack).hex(), pack.length, b.entries());
        c.putObject(d.upload().url(), d.upload().headers(), pack);
        return d.packId();
    }

    @Test
    void aSyncsPacksAreSealedByItsCommitBatchesAndABadPackRefusesOnlyTheCommitsThatNeedIt(LocalCloud cloud) throws Exception {
        String user = CloudClients.newUser("sealfold");
        Random random = new Random(16);
        Path a = Files.createDirectories(tmp.resolve("a"));
        Path b = Files.createDirectories(tmp.resolve("b"));
        int files = 300;
        for (int i = 0; i < files; i++) {
            byte[] content = new byte[200 + random.nextInt(8_000)];
            random.nextBytes(content);
            TwoDevicesSyncIT.edit(a.resolve("d" + (i % 7)).resolve("f" + i + ".txt"), content);
        }
        try (TamperingProxy proxy = new TamperingProxy();
             ChunkvaultClient ca = CloudClients.client(cloud, user, proxy.selector());
             ChunkvaultClient cb = CloudClients.client(cloud, user, null)) {
            SyncReport ra = CloudClients.sync(ca, a, "a", false);
            assertTrue(ra.errors.isEmpty(), () -> "errors: " + ra.errors);
            assertTrue(ca.sealsInCommits(), "the service took 'seal' in its commit batches");
            long packPuts = proxy.seen.stream().filter(x -> x.method().equals("PUT") && x.path().contains("/packs/")).count();
            long sealRequests = proxy.seen.stream().filter(x -> x.path().endsWith("/v1/packs/seal")).count();
            long batches = proxy.seen.stream().filter(x -> x.path().endsWith("/v1/commit-batch")).count();
            System.out.println(files + " files: " + packPuts + " pack(s), " + sealRequests + " seal request(s), " + batches
                    + " commit batch(es)");
            assertTrue(packPuts >= 1);
            // Only a pack whose first commit went alone (a batch of one, at the end of the run) is sealed on its own.
            assertTrue(sealRequests * 2 < packPuts, "packs sealed by commit batches: " + sealRequests + " of " + packPuts);
            SyncReport rb = CloudClients.sync(cb, b, "b", false);
            assertTrue(rb.errors.isEmpty(), () -> "errors: " + rb.errors);
            TwoDevicesSyncIT.assertTreesEqual(a, b);

            // Another account syncs the same files: every chunk is stored already (the first account's), and its seal in
            // the commit batch proves the second account's copy, so no chunk is sent a second time alone.
            Path c = Files.createDirectories(tmp.resolve("c"));
            try (var walk = Files.walk(a)) {
                for (Path f : walk.filter(Files::isRegularFile).filter(f -> !a.relativize(f).startsWith(".chunkvault")).toList()) {
                    TwoDevicesSyncIT.edit(c.resolve(a.relativize(f).toString()), Files.readAllBytes(f));
                }
            }
            proxy.seen.clear();
            try (ChunkvaultClient other = CloudClients.client(cloud, CloudClients.newUser("sealfold2"), proxy.selector())) {
                SyncReport ro = CloudClients.sync(other, c, "other", false);
                assertTrue(ro.errors.isEmpty(), () -> "errors: " + ro.errors);
            }
            TwoDevicesSyncIT.assertTreesEqual(a, c);
            long chunkPuts = proxy.seen.stream().filter(x -> x.method().equals("PUT") && x.path().contains("/chunks/")).count();
            long otherPacks = proxy.seen.stream().filter(x -> x.method().equals("PUT") && x.path().contains("/packs/")).count();
            System.out.println("second account: " + otherPacks + " pack(s), " + chunkPuts + " chunk PUT(s) alone");
            assertTrue(otherPacks >= 1);
            assertTrue(chunkPuts * 10 < files, "chunks stored by another account are not sent again alone: " + chunkPuts);

            // By hand: a pack with one chunk that is not its id, sealed by the batch that commits a file of it and a file
            // of a good pack. The bad pack is refused as its seal route refuses it; only the commit that needs it is.
            List<byte[]> bad = List.of(bytes(random, 3_000), bytes(random, 4_000));
            List<byte[]> good = List.of(bytes(random, 5_000));
            String badPack = uploadPack(cb, bad, 1);
            String goodPack = uploadPack(cb, good, -1);
            List<ChunkvaultClient.Commit> commits = List.of(commitOf("hand/bad.bin", bad), commitOf("hand/good.bin", good));
            ChunkvaultClient.BatchAnswer answer = cb.commitBatch(commits, List.of(badPack, goodPack));
            assertEquals(422, answer.seals().get(0).error().status());
            assertEquals("PACK_DAMAGED", answer.seals().get(0).error().code());
            assertEquals(1, answer.seals().get(1).sealed().placed());
            ApiException refused = (ApiException) answer.commits().get(0).error();
            assertTrue(refused.isMissingChunks(), () -> "refused: " + refused);
            assertEquals(null, answer.commits().get(1).error());
            String version = answer.commits().get(1).result().version().versionId();

            // The same batch again (its answer lost): the same answers, nothing counted twice.
            ChunkvaultClient.BatchAnswer again = cb.commitBatch(commits, List.of(badPack, goodPack));
            assertEquals("PACK_DAMAGED", again.seals().get(0).error().code());
            assertEquals(1, again.seals().get(1).sealed().placed());
            assertTrue(((ApiException) again.commits().get(0).error()).isMissingChunks());
            assertEquals(version, again.commits().get(1).result().version().versionId());
            // The seal route answers the same for both.
            assertEquals("PACK_DAMAGED", org.junit.jupiter.api.Assertions.assertThrows(ApiException.class,
                    () -> cb.sealPack(badPack)).code());
            assertEquals(1, cb.sealPack(goodPack).placed());
        }
    }

    private static byte[] bytes(Random random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }
}
