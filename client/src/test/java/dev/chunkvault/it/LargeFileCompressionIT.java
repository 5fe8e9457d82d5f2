package dev.chunkvault.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.client.ChunkvaultClient;
import dev.chunkvault.client.FilePuller;
import dev.chunkvault.client.model.Usage;
import dev.chunkvault.client.sync.SyncReport;
import dev.chunkvault.core.chunking.ChunkingPolicy;
import dev.chunkvault.core.hash.Sha256;
import dev.chunkvault.local.LocalCloud;
import dev.chunkvault.local.LocalCloudExtension;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A large text file (at least 128 MiB: cut with the large-file profile into 1–8 MiB chunks) over the real local cloud
 * (DynamoDB Local, s3proxy, the template's functions; docs/compression.md, "Chunks over 1 MiB"): its chunks go
 * compressed, each a one-entry pack sealed by the service (decoded and hashed), none as an object of its own; it arrives
 * byte for byte on a second device, and the usage measured by the audit counts it by its compressed size.
 */
@ExtendWith(LocalCloudExtension.class)
class LargeFileCompressionIT {
    @TempDir
    Path tmp;

    /**
     * {@code size} bytes of log-like text, deterministic (a seeded random picks words and numbers), written to {@code
     * file} without holding it in memory; its SHA-256.
     */
    static String writeText(Path file, long size, long seed) throws IOException {
        String[] words = {"INFO", "WARN", "request", "served", "chunk", "pack", "sealed", "user", "path", "ms", "bytes",
            "GET", "PUT", "POST", "/v1/commits", "/v1/packs", "ok", "retry", "version", "id"};
        Random r = new Random(seed);
        MessageDigest sha = Sha256.newDigest();
        StringBuilder line = new StringBuilder(256);
        byte[] buf = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(file)) {
            long written = 0;
            int n = 0;
            while (written < size) {
                line.setLength(0);
                line.append("2026-12-07T").append(r.nextInt(24)).append(':').append(r.nextInt(60)).append(':')
                        .append(r.nextInt(60)).append(' ');
                for (int i = 3 + r.nextInt(8); i > 0; i--) {
                    line.append(words[r.nextInt(words.length)]).append(i % 3 == 0 ? "=" + r.nextInt(100_000) : "").append(' ');
                }
                line.append('\n');
                byte[] l = line.toString().getBytes(StandardCharsets.US_ASCII);
                int take = (int) Math.min(l.length, size - written);
                if (n + take > buf.length) {
                    out.write(buf, 0, n);
                    sha.update(buf, 0, n);
                    n = 0;
                }
                System.arraycopy(l, 0, buf, n, take);
                n += take;
                written += take;
            }
            out.write(buf, 0, n);
            sha.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    @Test
    void aLargeTextFileGoesCompressedInOneEntryPacksAndArrivesWholeOnASecondDevice(LocalCloud cloud) throws Exception {
        String user = CloudClients.newUser("large-compress");
        Path a = Files.createDirectories(tmp.resolve("a"));
        Path b = Files.createDirectories(tmp.resolve("b"));
        long size = ChunkingPolicy.LARGE_FILE_BYTES + 1_234_567; // the large-file profile, and a tail
        String sha = writeText(a.resolve("server.log"), size, 18);

        Map<String, Long> packsBefore = CloudClients.objects(cloud, "packs/");
        Map<String, Long> chunksBefore = CloudClients.objects(cloud, "chunks/");
        try (ChunkvaultClient ca = CloudClients.client(cloud, user, null);
             ChunkvaultClient cb = CloudClients.client(cloud, user, null)) {
            SyncReport ra = CloudClients.sync(ca, a, "a", false);
            assertTrue(ra.errors.isEmpty(), () -> "errors: " + ra.errors);
            long packed = CloudClients.newBytes(CloudClients.objects(cloud, "packs/"), packsBefore);
            long alone = CloudClients.newBytes(CloudClients.objects(cloud, "chunks/"), chunksBefore);
            System.out.println("large-file compression: " + size + " plain bytes stored in " + packed + " bytes of packs and "
                    + alone + " bytes of chunks alone (" + String.format("%.2f", (double) size / (packed + alone)) + " x)");
            assertEquals(0, alone, "no chunk of it stored alone, raw");
            assertTrue(packed < size / 3, "stored at under a third of its size: " + packed + " of " + size);
            assertTrue(ca.compressLargeChunks(), "still on");

            SyncReport rb = CloudClients.sync(cb, b, "b", false);
            assertTrue(rb.errors.isEmpty(), () -> "errors: " + rb.errors);
            assertEquals(size, Files.size(b.resolve("server.log")));
            assertEquals(sha, FilePuller.sha256(b.resolve("server.log")), "byte for byte on the second device");

            // The audit with fix measures the owner's distinct chunks both ways: plain, and as stored.
            assertTrue(ca.audit(true, false).complete());
            Usage u = ca.usage();
            assertNotNull(u.storedBytes(), u.toString());
            assertNotNull(u.storedCompressedBytes(), u.toString());
            assertEquals(size, u.storedBytes(), u.toString());
            assertTrue(u.storedCompressedBytes() < u.storedBytes() / 3, u.toString());
            assertTrue(u.storedCompressedBytes() <= packed, "the entries' stored sizes, without the packs' indexes: " + u);
        }
    }
}
