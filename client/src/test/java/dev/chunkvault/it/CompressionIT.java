package dev.chunkvault.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.luben.zstd.ZstdCompressCtx;
import dev.chunkvault.client.ApiException;
import dev.chunkvault.client.ChunkvaultClient;
import dev.chunkvault.client.model.PackDeclared;
import dev.chunkvault.client.sync.SyncReport;
import dev.chunkvault.core.compress.ChunkCodec;
import dev.chunkvault.core.compress.Encoding;
import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.core.pack.PackFormat;
import dev.chunkvault.local.LocalCloud;
import dev.chunkvault.local.LocalCloudExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compressed chunks over the real local cloud (DynamoDB Local, s3proxy, the template's functions; docs/compression.md):
 * a text tree is stored and sent at a fraction of its size and arrives byte for byte on a second device; incompressible
 * files stay raw; a pack whose compressed entry is a bomb or other bytes is refused with a 422 and stores nothing.
 */
@ExtendWith(LocalCloudExtension.class)
class CompressionIT {
    @TempDir
    Path tmp;

    /** Source-like text: lines of words from a vocabulary, with numbers. */
    static byte[] text(Random r, int length) {
        String[] words = {"public", "private", "static", "final", "class", "return", "if", "else", "for", "int", "long",
            "String", "List", "Map", "new", "this", "null", "true", "chunk", "pack", "store", "read", "write", "id"};
        StringBuilder sb = new StringBuilder(length + 100);
        while (sb.length() < length) {
            int n = 3 + r.nextInt(9);
            sb.append("    ".repeat(r.nextInt(4)));
            for (int i = 0; i < n; i++) {
                sb.append(words[r.nextInt(words.length)]).append(r.nextInt(10) == 0 ? Integer.toString(r.nextInt(1000)) : "")
                        .append(' ');
            }
            sb.append(";\n");
        }
        return sb.substring(0, length).getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void aTextTreeIsStoredAndSentCompressedAndArrivesWholeOnASecondDevice(LocalCloud cloud) throws Exception {
        String user = CloudClients.newUser("compress");
        Random random = new Random(18);
        Path a = Files.createDirectories(tmp.resolve("a"));
        Path b = Files.createDirectories(tmp.resolve("b"));
        long textBytes = 0;
        for (int i = 0; i < 200; i++) {
            byte[] content = text(random, 500 + random.nextInt(40_000));
            textBytes += content.length;
            TwoDevicesSyncIT.edit(a.resolve("src" + (i % 7)).resolve("F" + i + ".java"), content);
        }
        byte[] big = text(random, 3 << 20); // several default-profile chunks, each compressed in a pack
        textBytes += big.length;
        TwoDevicesSyncIT.edit(a.resolve("big.txt"), big);
        byte[] noise = new byte[700_000]; // incompressible: stays raw
        random.nextBytes(noise);
        TwoDevicesSyncIT.edit(a.resolve("noise.bin"), noise);

        Map<String, Long> packsBefore = CloudClients.objects(cloud, "packs/");
        Map<String, Long> chunksBefore = CloudClients.objects(cloud, "chunks/");
        try (ChunkvaultClient ca = CloudClients.client(cloud, user, null);
             ChunkvaultClient cb = CloudClients.client(cloud, user, null)) {
            SyncReport ra = CloudClients.sync(ca, a, "a", false);
            assertTrue(ra.errors.isEmpty(), () -> "errors: " + ra.errors);
            long stored = CloudClients.newBytes(CloudClients.objects(cloud, "packs/"), packsBefore)
                    + CloudClients.newBytes(CloudClients.objects(cloud, "chunks/"), chunksBefore);
            long raw = textBytes + noise.length;
            System.out.println("compression: " + raw + " plain bytes stored in " + stored + " bytes ("
                    + String.format("%.2f", (double) raw / stored) + " x)");
            assertTrue(stored < textBytes / 3 + noise.length + 100_000,
                    "text stored at under a third of its size, noise raw: " + stored + " of " + raw);
            assertTrue(stored >= noise.length, "the noise is stored raw");

            SyncReport rb = CloudClients.sync(cb, b, "b", false);
            assertTrue(rb.errors.isEmpty(), () -> "errors: " + rb.errors);
            TwoDevicesSyncIT.assertTreesEqual(a, b);

            // An edit of the large file: its changed chunk goes compressed again, and comes down plain.
            byte[] edited = big.clone();
            System.arraycopy(text(random, 10_000), 0, edited, 1_500_000, 10_000);
            TwoDevicesSyncIT.edit(a.resolve("big.txt"), edited);
            assertTrue(CloudClients.sync(ca, a, "a", false).errors.isEmpty());
            assertTrue(CloudClients.sync(cb, b, "b", false).errors.isEmpty());
            TwoDevicesSyncIT.assertTreesEqual(a, b);
        }
    }

    /**
     * The sync's large JSON bodies (commit batches with their manifests, pack declarations, upload grants) go
     * gzip-compressed with a binary media type, through the local HTTP API's payload-v2 events (base64, as API Gateway
     * hands a binary body to Lambda), and are taken; a second device gets the tree whole.
     */
    @Test
    void largeJsonRequestBodiesGoCompressedAndAreTaken(LocalCloud cloud) throws Exception {
        String user = CloudClients.newUser("gzipjson");
        Random random = new Random(24);
        Path a = Files.createDirectories(tmp.resolve("ga"));
        Path b = Files.createDirectories(tmp.resolve("gb"));
        for (int i = 0; i < 150; i++) {
            TwoDevicesSyncIT.edit(a.resolve("src" + (i % 5)).resolve("G" + i + ".java"), text(random, 300 + random.nextInt(6_000)));
        }
        try (TamperingProxy proxy = new TamperingProxy();
             ChunkvaultClient ca = CloudClients.client(cloud, user, proxy.selector());
             ChunkvaultClient cb = CloudClients.client(cloud, user, null)) {
            SyncReport ra = CloudClients.sync(ca, a, "a", false);
            assertTrue(ra.errors.isEmpty(), () -> "errors: " + ra.errors);
            var api = proxy.seen.stream().filter(x -> x.path().endsWith("/v1/commit-batch") || x.path().endsWith("/v1/packs")
                    || x.path().endsWith("/v1/uploads")).toList();
            var gzipped = api.stream().filter(x -> "gzip".equals(x.encoding())).toList();
            System.out.println("compressed request bodies: " + gzipped.size() + " of " + api.size() + ", "
                    + gzipped.stream().mapToInt(TamperingProxy.Seen::bodyBytes).sum() + " bytes");
            assertTrue(gzipped.stream().anyMatch(x -> x.path().endsWith("/v1/commit-batch")), "a commit batch went compressed");
            assertTrue(gzipped.stream().anyMatch(x -> x.path().endsWith("/v1/packs")), "a pack declaration went compressed");
            assertTrue(api.stream().allMatch(x -> x.status() / 100 == 2), () -> "all taken: " + api);
            SyncReport rb = CloudClients.sync(cb, b, "b", false);
            assertTrue(rb.errors.isEmpty(), () -> "errors: " + rb.errors);
            TwoDevicesSyncIT.assertTreesEqual(a, b);
        }
    }

    @Test
    void aChunkRebuiltFromADeltaIsStoredCompressedAndReadsBackOnAnotherDevice(LocalCloud cloud) throws Exception {
        String user = CloudClients.newUser("delta");
        Random random = new Random(20);
        Path a = Files.createDirectories(tmp.resolve("da"));
        Path b = Files.createDirectories(tmp.resolve("db"));
        byte[] base = text(random, 50_000); // one chunk (under the profile's minimum)
        TwoDevicesSyncIT.edit(a.resolve("notes.txt"), base);
        try (ChunkvaultClient ca = CloudClients.client(cloud, user, null);
             ChunkvaultClient cb = CloudClients.client(cloud, user, null)) {
            assertTrue(CloudClients.sync(ca, a, "a", false).errors.isEmpty());
            byte[] edited = base.clone();
            edited[25_000] ^= 0x20;
            String target = ChunkId.sha256(edited).hex();
            Map<String, Long> packsBefore = CloudClients.objects(cloud, "packs/");
            var delta = dev.chunkvault.core.delta.DeltaEncoder.encode(
                    dev.chunkvault.core.delta.BlockSignature.compute(base), edited);
            assertTrue(ca.deltaUpload(ChunkId.sha256(base).hex(), target, delta.encode()).stored());
            assertTrue(!CloudClients.objects(cloud, "chunks/").containsKey("chunks/" + target), "not stored raw");
            Map<String, Long> packsNow = CloudClients.objects(cloud, "packs/");
            long written = CloudClients.newBytes(packsNow, packsBefore);
            assertTrue(written > 0 && written < edited.length / 2, "a one-chunk pack of the compressed chunk: " + written);

            TwoDevicesSyncIT.edit(a.resolve("notes.txt"), edited);
            assertTrue(CloudClients.sync(ca, a, "a", false).errors.isEmpty());
            assertTrue(CloudClients.sync(cb, b, "b", false).errors.isEmpty());
            TwoDevicesSyncIT.assertTreesEqual(a, b);
        }
    }

    @Test
    void aPackWithABombOrForgedCompressedEntryIsRefusedWithA422AndStoresNothing(LocalCloud cloud) throws Exception {
        String user = CloudClients.newUser("bomb");
        Random random = new Random(19);
        byte[] plain = text(random, 20_000);
        ChunkId id = ChunkId.sha256(plain);
        byte[] bomb;
        try (ZstdCompressCtx ctx = new ZstdCompressCtx()) {
            byte[] huge = new byte[256 << 20];
            System.arraycopy(plain, 0, huge, 0, plain.length);
            bomb = ctx.setLevel(3).setContentSize(false).compress(huge);
        }
        byte[] other = text(random, 20_000);
        List<ChunkCodec.Stored> forged = List.of(new ChunkCodec.Stored(Encoding.ZSTD, bomb, plain.length),
                new ChunkCodec.Stored(Encoding.ZSTD, ChunkCodec.compress(other, 0, other.length), plain.length));
        try (ChunkvaultClient c = CloudClients.client(cloud, user, null)) {
            for (ChunkCodec.Stored s : forged) {
                PackFormat.Builder builder = new PackFormat.Builder();
                builder.add(id, s);
                byte[] pack = builder.finish();
                PackDeclared d = c.declarePack(ChunkId.sha256(pack).hex(), pack.length, builder.entries());
                c.putObject(d.upload().url(), d.upload().headers(), pack);
                ApiException e = assertThrows(ApiException.class, () -> c.sealPack(d.packId()));
                assertEquals(422, e.status());
                assertEquals("PACK_DAMAGED", e.code());
                assertEquals(id.hex(), e.details().path("damaged").path(0).asText());
            }
            // Nothing of the forgeries stands for the chunk: an honest push of its bytes stores it and it reads back.
            Path x = Files.createDirectories(tmp.resolve("x"));
            Path y = Files.createDirectories(tmp.resolve("y"));
            TwoDevicesSyncIT.edit(x.resolve("x.txt"), plain);
            SyncReport r = CloudClients.sync(c, x, "x", false);
            assertTrue(r.errors.isEmpty(), () -> "errors: " + r.errors);
            assertTrue(CloudClients.sync(c, y, "y", false).errors.isEmpty());
            TwoDevicesSyncIT.assertTreesEqual(x, y);
        }
    }
}
