package dev.chunkvault.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.aws.AwsClients;
import dev.chunkvault.client.ChunkvaultClient;
import dev.chunkvault.client.sync.SyncReport;
import dev.chunkvault.local.LocalCloud;
import dev.chunkvault.local.LocalCloudExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

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
        Map<String, String> env = cloud.ownerEnvironment("CommitFunction");
        S3Client s3 = new AwsClients(env, Duration.ofSeconds(30), List.of()).s3();
        Set<String> out = new TreeSet<>();
        s3.listObjectsV2Paginator(b -> b.bucket(env.get("CHUNK_BUCKET")).prefix(prefix)).contents()
                .forEach(o -> out.add(o.key()));
        return out;
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
}
