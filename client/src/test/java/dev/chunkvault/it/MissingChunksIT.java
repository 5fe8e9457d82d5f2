package dev.chunkvault.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.client.ChunkvaultClient;
import dev.chunkvault.client.FilePuller;
import dev.chunkvault.client.FilePusher;
import dev.chunkvault.client.PushJournal;
import dev.chunkvault.client.TransferListener;
import dev.chunkvault.client.TestFiles;
import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.core.manifest.Manifest;
import dev.chunkvault.local.LocalCloud;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A large commit whose chunks went missing after their upload (issue 13, item 3), over HTTP on the local cloud: with a
 * commit budget of 0, each commit request verifies one slice of 132 chunks and lists the missing ones it found there,
 * so a file with lost chunks in every slice takes a missing-chunks round per slice. The push goes on while each round
 * makes progress (it gave up after 4 rounds, however much progress they made) and the file arrives whole.
 */
class MissingChunksIT {
    @TempDir
    Path tmp;

    @Test
    void aLargeCommitWithLostChunksInEverySliceGoesOnRoundAfterRound() throws Exception {
        try (LocalCloud cloud = LocalCloud.start(LocalCloud.Options.inMemory()
                .withParameters(Map.of("CommitBudgetSeconds", "0")));
             TamperingProxy proxy = new TamperingProxy()) {
            // Under 128 MiB, so the default profile (256 KiB on average): four slices or more.
            byte[] data = TestFiles.random(1313, 120 << 20);
            Path f = TestFiles.write(tmp.resolve("big.bin"), data);
            // Chunks sent one by one (a pack's chunks are verified when it is sealed, before any commit can miss them).
            ChunkvaultClient client = CloudClients.client(cloud, CloudClients.newUser("rounds"), proxy.selector(), false);
            Manifest m = new FilePusher(client, PushJournal.inMemory()).scan(f, TransferListener.NONE).manifest();
            List<ChunkId> ids = List.copyOf(m.distinctIds());
            assertTrue(ids.size() > 3 * 132, "at least four slices: " + ids.size() + " chunks");
            // One chunk in each slice is lost after its upload.
            for (int i = 0; i < ids.size(); i += 132) {
                proxy.loseNextPut.add(ids.get(i + 7).hex());
            }
            int lost = proxy.loseNextPut.size();

            FilePusher.Result r = new FilePusher(client, PushJournal.inMemory())
                    .push(FilePusher.Request.of(f, "big.bin", null));
            assertNotNull(r.commit().version());
            assertTrue(proxy.loseNextPut.isEmpty(), "every lost chunk was sent again");
            long missingRounds = proxy.seen.stream()
                    .filter(s -> s.method().equals("POST") && s.path().equals("/v1/commits") && s.status() == 422).count();
            assertEquals(lost, missingRounds, "one missing-chunks round per slice with a lost chunk");

            Path back = tmp.resolve("back.bin");
            new FilePuller(client).pull(FilePuller.Request.of("big.bin", back));
            assertArrayEquals(data, Files.readAllBytes(back));
        }
    }
}
