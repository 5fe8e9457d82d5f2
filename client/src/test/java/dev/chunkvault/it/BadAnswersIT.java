package dev.chunkvault.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.client.ApiException;
import dev.chunkvault.client.BadResponseException;
import dev.chunkvault.client.ChunkvaultClient;
import dev.chunkvault.client.FilePuller;
import dev.chunkvault.client.FilePusher;
import dev.chunkvault.client.IntegrityException;
import dev.chunkvault.client.PushJournal;
import dev.chunkvault.client.sync.SyncReport;
import dev.chunkvault.local.LocalCloud;
import dev.chunkvault.local.LocalCloudExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Bad answers injected between the client and the real local cloud by a forwarding proxy. */
@ExtendWith(LocalCloudExtension.class)
class BadAnswersIT {
    @TempDir
    Path tmp;

    @Test
    void truncatedJsonIsRefusedAndChangesNothing(LocalCloud cloud) throws Exception {
        try (TamperingProxy proxy = new TamperingProxy();
             ChunkvaultClient c = CloudClients.client(cloud, CloudClients.newUser("bad-json"), proxy.selector())) {
            Path dir = Files.createDirectories(tmp.resolve("d"));
            Files.writeString(dir.resolve("a.txt"), "a");
            proxy.tamper = (method, path, status, body) -> path.equals("/v1/files")
                    ? new TamperingProxy.Answer(200, Arrays.copyOf(body, body.length / 2)) : null;
            assertThrows(BadResponseException.class, () -> CloudClients.sync(c, dir, "it", false));
            assertTrue(c.file("a.txt", true).isEmpty(), "nothing was pushed on a listing it could not read");
            proxy.tamper = null;
            SyncReport r = CloudClients.sync(c, dir, "it", false);
            assertEquals(java.util.List.of("a.txt"), r.pushed);
        }
    }

    @Test
    void a500OnCommitIsReportedAndTheNextSyncCompletes(LocalCloud cloud) throws Exception {
        try (TamperingProxy proxy = new TamperingProxy();
             ChunkvaultClient c = CloudClients.client(cloud, CloudClients.newUser("bad-500"), proxy.selector())) {
            Path dir = Files.createDirectories(tmp.resolve("d"));
            Files.writeString(dir.resolve("b.txt"), "b");
            byte[] err = "{\"error\":\"INTERNAL\",\"message\":\"Internal error.\",\"requestId\":\"x\"}"
                    .getBytes(StandardCharsets.UTF_8);
            // a single commit goes alone, or as a batch of one when it carries its pack's seal (issue 15)
            proxy.tamper = (method, path, status, body) -> path.equals("/v1/commits") || path.equals("/v1/commit-batch")
                    ? new TamperingProxy.Answer(500, err) : null;
            ApiException e = assertThrows(ApiException.class, () -> CloudClients.sync(c, dir, "it", false));
            assertEquals(500, e.status());
            proxy.tamper = null;
            // the real commit may or may not have happened behind the 500: the next sync resolves it either way
            SyncReport r = CloudClients.sync(c, dir, "it", false);
            assertTrue(r.errors.isEmpty(), r.errors.toString());
            assertEquals("b".length(), c.file("b.txt", false).orElseThrow().size());
            assertTrue(CloudClients.sync(c, dir, "it", false).inSync());
        }
    }

    @Test
    void wrongChunkBytesOnDownloadAreVerifiedAndRefused(LocalCloud cloud) throws Exception {
        try (TamperingProxy proxy = new TamperingProxy();
             ChunkvaultClient c = CloudClients.client(cloud, CloudClients.newUser("bad-bytes"), proxy.selector())) {
            byte[] data = new byte[1_500_000];
            new java.util.Random(9).nextBytes(data);
            Path f = Files.write(tmp.resolve("src.bin"), data);
            new FilePusher(c, PushJournal.inMemory()).push(FilePusher.Request.of(f, "src.bin", null));
            Path target = Files.writeString(tmp.resolve("target.bin"), "previous content");
            proxy.tamper = (method, path, status, body) -> {
                if (method.equals("GET") && (path.contains("/chunks/") || path.contains("/packs/")) && body.length > 0) {
                    byte[] bad = body.clone();
                    bad[bad.length / 2] ^= 1;
                    return new TamperingProxy.Answer(status, bad);
                }
                return null;
            };
            assertThrows(IntegrityException.class, () -> new FilePuller(c).pull(FilePuller.Request.of("src.bin", target)));
            assertEquals("previous content", Files.readString(target));
            proxy.tamper = null;
            new FilePuller(c).pull(FilePuller.Request.of("src.bin", target));
            assertArrayEquals(data, Files.readAllBytes(target));
        }
    }
}
