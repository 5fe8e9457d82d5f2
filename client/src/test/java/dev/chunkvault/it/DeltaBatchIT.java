package dev.chunkvault.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.client.ChunkvaultClient;
import dev.chunkvault.client.sync.SyncReport;
import dev.chunkvault.local.LocalCloud;
import dev.chunkvault.local.LocalCloudExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * An update of a tree of small edits over the real local cloud (DynamoDB Local, s3proxy, the template's functions, the
 * local HTTP API's routes from template.yaml): the edited chunks of many files go as deltas in a few shared
 * {@code POST /v1/delta-upload-batch} requests, not one request each, nothing is uploaded whole, and a second device
 * gets exactly the edited bytes.
 */
@ExtendWith(LocalCloudExtension.class)
class DeltaBatchIT {
    private static final int FILES = 60;

    @TempDir
    Path tmp;

    @Test
    void anEditedTreeGoesAsBatchedDeltasAndASecondDeviceGetsItsBytes(LocalCloud cloud) throws Exception {
        String user = CloudClients.newUser("deltabatch");
        Random random = new Random(61);
        Path a = Files.createDirectories(tmp.resolve("a"));
        Path b = Files.createDirectories(tmp.resolve("b"));
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < FILES; i++) {
            Path f = a.resolve("src" + (i % 6)).resolve("D" + i + ".java");
            TwoDevicesSyncIT.edit(f, CompressionIT.text(random, 10_000 + random.nextInt(30_000)));
            files.add(f);
        }
        try (TamperingProxy proxy = new TamperingProxy();
             ChunkvaultClient ca = CloudClients.client(cloud, user, null);
             ChunkvaultClient metered = CloudClients.client(cloud, user, proxy.selector());
             ChunkvaultClient cb = CloudClients.client(cloud, user, null)) {
            assertTrue(CloudClients.sync(ca, a, "a", false).errors.isEmpty());
            assertTrue(CloudClients.sync(cb, b, "b", false).errors.isEmpty());
            TwoDevicesSyncIT.assertTreesEqual(a, b);

            // A small edit in each file: a word changed in place, a line inserted.
            for (Path f : files) {
                byte[] old = Files.readAllBytes(f);
                int at = random.nextInt(old.length - 100);
                byte[] insert = ("    int edited" + random.nextInt(1000) + ";\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                byte[] edited = new byte[old.length + insert.length];
                System.arraycopy(old, 0, edited, 0, at);
                System.arraycopy(insert, 0, edited, at, insert.length);
                System.arraycopy(old, at, edited, at + insert.length, old.length - at);
                edited[edited.length - 50] = (byte) 'X';
                TwoDevicesSyncIT.edit(f, edited);
            }
            SyncReport update = CloudClients.sync(metered, a, "a", false);
            assertTrue(update.errors.isEmpty(), () -> "errors: " + update.errors);
            var batches = proxy.seen.stream().filter(x -> x.path().endsWith("/v1/delta-upload-batch")).toList();
            var singles = proxy.seen.stream().filter(x -> x.path().endsWith("/v1/delta-uploads")).toList();
            var chunkPuts = proxy.seen.stream().filter(x -> "PUT".equals(x.method()) && !x.path().startsWith("/v1/")).toList();
            System.out.println("delta batches: " + batches.size() + " (" + batches.stream().mapToInt(TamperingProxy.Seen::bodyBytes)
                    .sum() + " body bytes), single deltas: " + singles.size() + ", object PUTs: " + chunkPuts.size()
                    + ", all requests: " + proxy.seen.size());
            assertTrue(!batches.isEmpty(), "the deltas went in batches");
            assertTrue(batches.stream().allMatch(x -> x.status() == 200), () -> "batches taken: " + batches);
            assertEquals(List.of(), singles, "no delta went alone");
            assertTrue(batches.size() <= FILES / 4, "the deltas of many files share a request: " + batches.size() + " for " + FILES);
            assertEquals(List.of(), chunkPuts, "every edited chunk went as a delta, none whole");

            assertTrue(CloudClients.sync(cb, b, "b", false).errors.isEmpty());
            TwoDevicesSyncIT.assertTreesEqual(a, b);
        }
    }
}
