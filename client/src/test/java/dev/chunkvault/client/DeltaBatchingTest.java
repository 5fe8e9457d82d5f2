package dev.chunkvault.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.core.hash.ChunkId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The delta stage's batches: the edited chunks of many files pushed at about the same time go to the service in shared
 * {@code POST /v1/delta-upload-batch} requests; a service without the route gets one delta per request; a delta the
 * service refuses is sent whole, and every file's content arrives.
 */
class DeltaBatchingTest extends WithFakeVault {
    @TempDir
    Path dir;

    private record Pushed(Path file, FilePusher.Result v1) {}

    /** {@code n} files of {@code size} random bytes pushed once, then each edited in one byte. */
    private List<Pushed> pushedAndEdited(FilePusher pusher, int n, int size) throws Exception {
        List<Pushed> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] data = TestFiles.random(100 + i, size);
            Path f = TestFiles.write(dir.resolve("f" + i + ".bin"), data);
            out.add(new Pushed(f, pusher.push(FilePusher.Request.of(f, "d/f" + i + ".bin", null))));
            data[size / 2] ^= 0x5a;
            Files.write(f, data);
        }
        return out;
    }

    private static FilePusher.Request update(Pushed p, String remote) {
        return FilePusher.Request.of(p.file(), remote, p.v1().commit().version().versionId()).withParentManifest(p.v1().manifest());
    }

    /** A pusher whose deltas go through {@code deltas}; commits and grants one request each. */
    private FilePusher pusher(SharedDeltas deltas) {
        return new FilePusher(client, PushJournal.inMemory(), client::commit, client::requestUploads, deltas);
    }

    /** The update of each of {@link #pushedAndEdited}'s files, at its own remote path ({@code d/f<i>.bin}). */
    private static List<FilePusher.Request> updates(List<Pushed> files) {
        List<FilePusher.Request> out = new ArrayList<>(files.size());
        for (int i = 0; i < files.size(); i++) {
            out.add(update(files.get(i), "d/f" + i + ".bin"));
        }
        return out;
    }

    @Test
    void theDeltasOfFilesPushedTogetherShareBatchRequests() throws Exception {
        SharedDeltas shared = new SharedDeltas(client, Duration.ofMillis(400));
        FilePusher pusher = pusher(shared);
        int n = 12;
        List<Pushed> files = pushedAndEdited(pusher, n, 40_000);
        pushedTogether(pusher, updates(files));
        assertEquals(n, vault.deltasInBatches.get(), "every delta in a batch");
        assertTrue(vault.deltaBatches.get() <= n / 3, "the files' deltas shared requests: " + vault.deltaBatches.get());
        assertEquals(0, calls("POST /v1/delta-uploads"), "none went alone");
        for (int i = 0; i < n; i++) {
            assertArrayEquals(Files.readAllBytes(files.get(i).file()), vault.content("d/f" + i + ".bin"));
        }
    }

    @Test
    void aServiceWithoutTheBatchRouteGetsOneDeltaPerRequestFromThenOn() throws Exception {
        vault.missingRoutes.add("POST /v1/delta-upload-batch");
        SharedDeltas shared = new SharedDeltas(client, Duration.ZERO);
        FilePusher pusher = pusher(shared);
        List<Pushed> files = pushedAndEdited(pusher, 3, 40_000);
        for (int i = 0; i < files.size(); i++) {
            FilePusher.Result v2 = pusher.push(update(files.get(i), "d/f" + i + ".bin"));
            assertEquals("created", v2.commit().outcome());
            assertEquals(1, v2.stats().chunksDelta(), "sent as a delta all the same");
            assertArrayEquals(Files.readAllBytes(files.get(i).file()), vault.content("d/f" + i + ".bin"));
        }
        assertEquals(1, vault.calls.get("POST /v1/delta-upload-batch").get(), "the missing route is asked once");
        assertEquals(3, vault.calls.get("POST /v1/delta-uploads").get(), "then one delta per request");
        assertEquals(1, shared.stats()[0]);
        assertEquals(3, shared.stats()[1]);
    }

    @Test
    void aDeltaTheServiceRefusesInABatchIsUploadedWholeAndTheOthersStandAsDeltas() throws Exception {
        SharedDeltas shared = new SharedDeltas(client, Duration.ZERO);
        FilePusher pusher = pusher(shared);
        // one file of several chunks, two of them edited: both deltas go in one batch, one is refused
        byte[] data = TestFiles.random(7, 3_000_000);
        Path f = TestFiles.write(dir.resolve("big.bin"), data);
        FilePusher.Result v1 = pusher.push(FilePusher.Request.of(f, "big.bin", null));
        assertTrue(v1.manifest().chunkCount() >= 3, "chunks: " + v1.manifest().chunkCount());
        data[100_000] ^= 1;
        data[2_900_000] ^= 1;
        Files.write(f, data);
        Set<ChunkId> old = v1.manifest().distinctIds();
        List<String> edited = pusher.scan(f, v1.manifest().profile(), TransferListener.NONE).manifest().distinctIds().stream()
                .filter(id -> !old.contains(id)).map(ChunkId::hex).sorted().collect(Collectors.toList());
        assertEquals(2, edited.size(), "two chunks edited: " + edited);
        vault.refuseDeltaTargets.add(edited.get(0));
        FilePusher.Result v2 = pusher.push(FilePusher.Request.of(f, "big.bin", v1.commit().version().versionId())
                .withParentManifest(v1.manifest()));
        assertEquals("created", v2.commit().outcome());
        assertEquals(1, vault.deltaBatches.get(), "the file's two deltas in one request");
        assertEquals(2, vault.deltasInBatches.get());
        assertEquals(1, v2.stats().chunksDelta(), "the other one stands as a delta");
        assertEquals(1, v2.stats().chunksUploaded(), "the refused one went whole");
        assertArrayEquals(data, vault.content("big.bin"));
    }

    /** One file edited in one byte, pushed again after {@code inject}: its push's result. */
    private FilePusher.Result editedAfter(String name, java.util.function.Consumer<FakeVault> inject) throws Exception {
        FilePusher pusher = new FilePusher(client, PushJournal.inMemory(), client::commit, client::requestUploads,
                new SharedDeltas(client, Duration.ZERO));
        List<Pushed> files = pushedAndEdited(pusher, 1, 40_000);
        inject.accept(vault);
        FilePusher.Result v2 = pusher.push(update(files.get(0), "d/f0.bin"));
        assertEquals("created", v2.commit().outcome(), name);
        assertArrayEquals(Files.readAllBytes(files.get(0).file()), vault.content("d/f0.bin"), name);
        return v2;
    }

    /**
     * A batch request that fails on the way (503, 429, the connection lost) is sent again with the client's retry policy
     * (the transport's backoff: a delta batch is idempotent, its deltas content-addressed), and its deltas stand.
     */
    @Test
    void aBatchRequestThatFailsOnTheWayIsRetriedWithBackoffAndItsDeltasStand() throws Exception {
        String route = "POST /v1/delta-upload-batch";
        java.util.Map<String, java.util.function.Consumer<FakeVault>> faults = new java.util.LinkedHashMap<>();
        faults.put("503", v -> v.fail(route, 503, 2));
        faults.put("429", v -> v.fail(route, 429, 2));
        faults.put("connection lost", v -> v.dropConnection(route, 2));
        for (var fault : faults.entrySet()) {
            stopVault();
            startVault();
            FilePusher.Result v2 = editedAfter(fault.getKey(), fault.getValue());
            assertEquals(1, v2.stats().chunksDelta(), fault.getKey() + ": sent as a delta after the retries");
            assertEquals(0, v2.stats().chunksUploaded(), fault.getKey() + ": nothing uploaded whole");
            assertEquals(3, vault.calls.get(route).get(), fault.getKey() + ": two failures, then the batch went");
            assertEquals(2, sleeper.delays.size(), fault.getKey() + ": a backoff before each retry: " + sleeper.delays);
        }
    }

    /** Failing past the retries (or refused for good: a 4xx, not retried) the batch's chunks go whole; the push stands. */
    @Test
    void aBatchRequestRefusedForGoodHasItsChunksSentWhole() throws Exception {
        String route = "POST /v1/delta-upload-batch";
        FilePusher.Result v2 = editedAfter("502 past the retries", v -> v.fail(route, 502, 10));
        assertEquals(0, v2.stats().chunksDelta());
        assertEquals(1, v2.stats().chunksUploaded(), "the chunk went whole");
        assertEquals(4, vault.calls.get(route).get(), "the test client's four attempts");
        stopVault();
        startVault();
        v2 = editedAfter("400", v -> v.fail(route, 400, 1));
        assertEquals(1, v2.stats().chunksUploaded(), "the chunk went whole");
        assertEquals(1, vault.calls.get(route).get(), "a 4xx is not retried");
        assertEquals(0, sleeper.delays.size());
    }

    /** Pushes every file's update at once (one thread each) through {@code pusher}; their results, in order. */
    private static List<FilePusher.Result> pushedTogether(FilePusher pusher, List<FilePusher.Request> requests) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(requests.size());
        try {
            List<Future<FilePusher.Result>> futures = new ArrayList<>();
            for (FilePusher.Request r : requests) {
                futures.add(pool.submit(() -> pusher.push(r)));
            }
            List<FilePusher.Result> out = new ArrayList<>();
            for (Future<FilePusher.Result> f : futures) {
                FilePusher.Result r = f.get();
                assertEquals("created", r.commit().outcome());
                assertEquals(1, r.stats().chunksDelta(), "the edited chunk went as a delta");
                assertEquals(0, r.stats().chunksUploaded(), "nothing uploaded whole");
                out.add(r);
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    private int calls(String route) {
        return vault.calls.getOrDefault(route, new java.util.concurrent.atomic.AtomicInteger()).get();
    }

    /**
     * A batch the service finds too large (413) lowers the bounds to half of it for the rest of the run, and goes again
     * in smaller batches: neither it nor the later batches fall back to one delta per request.
     */
    @Test
    void aBatchTooLargeLowersTheBoundsForTheRestOfTheRun() throws Exception {
        vault.maxDeltasPerBatch = 3;
        SharedDeltas shared = new SharedDeltas(client, Duration.ofMillis(400));
        FilePusher pusher = pusher(shared);
        int n = 12;
        List<Pushed> files = pushedAndEdited(pusher, n, 40_000);
        List<FilePusher.Result> v2 = pushedTogether(pusher, updates(files));
        assertEquals(0, calls("POST /v1/delta-uploads"), "none went alone");
        assertEquals(n, vault.deltasInBatches.get(), "every delta in a batch");
        assertTrue(calls("POST /v1/delta-upload-batch") > vault.deltaBatches.get(), "some batches were found too large");
        assertEquals(3, shared.bounds()[0], "halved down to what the service takes");
        assertEquals(ChunkvaultClient.MAX_BATCH_DELTA_BYTES, shared.bounds()[1], "the count was too many, not the bytes");

        // The rest of the run: batches within the lowered bound, none refused, none alone.
        int batchCalls = calls("POST /v1/delta-upload-batch");
        int batches = vault.deltaBatches.get();
        List<FilePusher.Request> second = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Path f = files.get(i).file();
            byte[] data = Files.readAllBytes(f);
            data[data.length / 4] ^= 0x33;
            Files.write(f, data);
            second.add(FilePusher.Request.of(f, "d/f" + i + ".bin", v2.get(i).commit().version().versionId())
                    .withParentManifest(v2.get(i).manifest()));
        }
        pushedTogether(pusher, second);
        int sent = vault.deltaBatches.get() - batches;
        assertEquals(sent, calls("POST /v1/delta-upload-batch") - batchCalls, "no batch found too large any more");
        assertTrue(sent >= n / 3, "at most three deltas a request: " + sent);
        assertEquals(0, calls("POST /v1/delta-uploads"), "none went alone");
        assertEquals(2 * n, vault.deltasInBatches.get());
        for (int i = 0; i < n; i++) {
            assertArrayEquals(Files.readAllBytes(files.get(i).file()), vault.content("d/f" + i + ".bin"));
        }
    }

    /** A 413 that does not say the count was too many lowers the byte bounds too; one delta alone goes by the single route. */
    @Test
    void aBatchTooLargeForItsBytesLowersTheByteBoundsAndADeltaAloneGoesByTheSingleRoute() throws Exception {
        SharedDeltas shared = new SharedDeltas(client, Duration.ofMillis(400));
        FilePusher pusher = pusher(shared);
        int n = 4;
        List<Pushed> files = pushedAndEdited(pusher, n, 40_000);
        vault.fail("POST /v1/delta-upload-batch", 413, 1); // as a gateway's payload limit: no error code
        pushedTogether(pusher, updates(files));
        long[] bounds = shared.bounds();
        assertTrue(bounds[0] <= n / 2 && bounds[0] >= 1, "count halved: " + bounds[0]);
        assertTrue(bounds[1] < ChunkvaultClient.MAX_BATCH_DELTA_BYTES, "bytes lowered: " + bounds[1]);
        assertEquals(0, calls("POST /v1/delta-uploads"), "none went alone");

        // A service that takes one delta a batch: the count goes down to one, never below, and no delta goes alone.
        stopVault();
        startVault();
        vault.maxDeltasPerBatch = 1;
        SharedDeltas ones = new SharedDeltas(client, Duration.ofMillis(400));
        FilePusher byOnes = pusher(ones);
        pushedTogether(byOnes, updates(pushedAndEdited(byOnes, n, 40_000)));
        assertEquals(1, ones.bounds()[0], "down to one delta a batch");
        assertEquals(0, calls("POST /v1/delta-uploads"), "none went alone");
        assertEquals(n, vault.deltasInBatches.get());

        // A single delta the service finds too large: the single route.
        stopVault();
        startVault();
        vault.maxDeltasPerBatch = 0;
        SharedDeltas one = new SharedDeltas(client, Duration.ZERO);
        FilePusher alone = pusher(one);
        Pushed p = pushedAndEdited(alone, 1, 40_000).get(0);
        FilePusher.Result v2 = alone.push(update(p, "d/f0.bin"));
        assertEquals(1, v2.stats().chunksDelta());
        assertEquals(1, calls("POST /v1/delta-uploads"), "by the single route");
        assertTrue(one.bounds()[0] >= 1, "never below one delta");
    }
}
