package dev.chunkvault.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chunkvault.client.ChildJvm;
import dev.chunkvault.client.ChunkvaultClient;
import dev.chunkvault.client.ClientOptions;
import dev.chunkvault.client.RetryPolicy;
import dev.chunkvault.client.Sleeper;
import dev.chunkvault.client.TokenProvider;
import dev.chunkvault.client.sync.SyncReport;
import dev.chunkvault.emulators.FreePorts;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of the local cloud during a repack (issue 15, item 4). The whole local cloud (DynamoDB Local, s3proxy, the
 * functions) runs in a child JVM with its data in a directory and the functions' clock moved forward at each
 * restart ({@code --env CHUNKVAULT_CLOCK_OFFSET_SECONDS}; retention 1 day, grace 1 hour): a tree of small files goes
 * up in packs, three quarters of it is deleted, retention
 * and grace pass, and the GC run that repacks the mostly dead packs is killed (SIGKILL) as soon as it has sealed its
 * first new pack, while it moves chunks into it. After a restart: the audit finds no drift (objects and content read),
 * a second device gets every kept file byte for byte, and later runs finish the repack and delete the old packs.
 */
class RepackKillIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path tmp;

    private final int api = FreePorts.pick();
    private final int s3 = FreePorts.pick();
    private final int dynamo = FreePorts.pick();
    private final int ws = FreePorts.pick(); // picked too: its default (the API's port + 3) may be taken
    private Process cloud;
    private Path log;

    /** Starts the local cloud on its data directory with its clock {@code offset} ahead, and waits until it answers. */
    private void start(Duration offset) throws Exception {
        // Kept under target/ for a look after a failure.
        log = Files.createDirectories(Path.of("target", "repack-kill-it")).resolve("cloud-" + offset.toMinutes() + ".log");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx768m", "-cp", ChildJvm.classpath(), "dev.chunkvault.local.LocalCloudMain", "start",
                "--data", tmp.resolve("cloud").toString(), "--port", Integer.toString(api), "--s3-port", Integer.toString(s3),
                "--dynamodb-port", Integer.toString(dynamo), "--ws-port", Integer.toString(ws),
                "--param", "RetentionDays=1", "--param", "GcGraceHours=1",
                "--env", "CHUNKVAULT_CLOCK_OFFSET_SECONDS=" + offset.toSeconds(), "--no-schedules"));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(repoRoot().toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        cloud = pb.start();
        Process started = cloud;
        Runtime.getRuntime().addShutdownHook(new Thread(started::destroyForcibly)); // even if this JVM is stopped
        long until = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (System.nanoTime() < until) {
            assertTrue(cloud.isAlive(), () -> "the local cloud exited: " + tail());
            try {
                if (send("GET", "/local/v1/status", null, null).statusCode() == 200) {
                    assertOneSqlite();
                    return;
                }
            } catch (IOException notYet) {
                // still starting
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the local cloud did not start: " + tail());
    }

    /**
     * One copy of SQLite in the local cloud's process: a second one (loaded through sqlite4java's path to prepare
     * DynamoDB Local's database before DynamoDB Local loaded its own; each copy with its own globals, handles crossing
     * between them) crashed DynamoDB Local once.
     */
    private void assertOneSqlite() throws IOException {
        Path maps = Path.of("/proc", Long.toString(cloud.pid()), "maps");
        if (Files.isReadable(maps)) {
            List<String> copies = Files.readAllLines(maps).stream().filter(l -> l.contains("sqlite4java"))
                    .map(l -> l.substring(l.lastIndexOf(' ') + 1)).distinct().toList();
            assertTrue(copies.size() == 1, "one copy of sqlite4java's library in the local cloud: " + copies);
        }
    }

    @org.junit.jupiter.api.AfterEach
    void stopTheCloud() throws InterruptedException {
        if (cloud != null && cloud.isAlive()) {
            kill(); // never left running after a failure
        }
    }

    private void kill() throws InterruptedException {
        cloud.destroyForcibly();
        assertTrue(cloud.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
    }

    private String tail() {
        try {
            String s = Files.readString(log);
            return s.substring(Math.max(0, s.length() - 3000));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    private static Path repoRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("template.yaml"))) {
            p = p.getParent();
        }
        return p;
    }

    private HttpResponse<String> send(String method, String path, String token, String body) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api + path))
                .timeout(Duration.ofMinutes(5)).header("content-type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            r.header("authorization", "Bearer " + token);
        }
        return HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    private String token(String user, String scopes) throws Exception {
        String body = "{\"user\":\"" + user + "\"" + (scopes == null ? "" : ",\"scopes\":[" + scopes + "]") + "}";
        HttpResponse<String> r = send("POST", "/local/v1/token", null, body);
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body()).path("token").asText();
    }

    /** Runs the GC schedule to its end; its report. */
    private JsonNode gc() throws Exception {
        HttpResponse<String> r = send("POST", "/local/v1/schedules/GcFunction/run", null, null);
        assertEquals(200, r.statusCode(), r.body());
        JsonNode report = JSON.readTree(r.body()).findValue("gc");
        assertTrue(report != null && report.path("complete").asBoolean(), r.body());
        return report;
    }

    private JsonNode audit() throws Exception {
        String admin = token("operator", "\"chunkvault/admin\"");
        HttpResponse<String> r = send("POST", "/v1/admin/audit?checkObjects=true&checkContent=true", admin, null);
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body()).path("audit");
    }

    private ChunkvaultClient client(String user) throws Exception {
        ClientOptions o = ClientOptions.of(URI.create("http://127.0.0.1:" + api), TokenProvider.of(token(user, null)))
                .withRetry(new RetryPolicy(6, Duration.ofMillis(50), Duration.ofMillis(500), Duration.ofSeconds(5),
                        () -> 0.5), Sleeper.SYSTEM).withPacks(true);
        return new ChunkvaultClient(o);
    }

    private static long count(JsonNode report, String field) {
        return report.path(field).asLong();
    }

    private void assertNoDrift(JsonNode audit) {
        assertEquals(0, audit.path("driftCount").asLong(), () -> "drift after the kill: " + audit);
        assertTrue(audit.path("complete").asBoolean(true), audit::toString);
    }

    @Test
    void killNineOfTheLocalCloudDuringARepackLosesNothing() throws Exception {
        String user = "repack-kill";
        Path a = Files.createDirectories(tmp.resolve("a"));
        Random random = new Random(42);
        int files = 320;
        for (int i = 0; i < files; i++) {
            byte[] content = new byte[20_000 + random.nextInt(40_000)];
            random.nextBytes(content);
            TwoDevicesSyncIT.edit(a.resolve("d" + (i % 7)).resolve("f" + i + ".bin"), content);
        }

        start(Duration.ZERO);
        try (ChunkvaultClient ca = client(user)) {
            SyncReport up = CloudClients.sync(ca, a, "a", false);
            assertTrue(up.errors.isEmpty(), () -> "errors: " + up.errors);
            for (int i = 0; i < files; i++) {
                if (i % 4 != 0) {
                    Files.delete(a.resolve("d" + (i % 7)).resolve("f" + i + ".bin")); // every folder, so every pack, loses 3 in 4
                }
            }
            SyncReport rm = CloudClients.sync(ca, a, "a", true);
            assertTrue(rm.errors.isEmpty(), () -> "errors: " + rm.errors);
        }
        long packsAtFirst = packObjects();
        assertTrue(packsAtFirst >= 2, "a few packs: " + packsAtFirst);
        kill();

        // Retention passes: the deleted files' versions expire. Then the grace: their chunks are swept, and each pack,
        // now about a quarter live, is back in the gc index. Then the grace again: the next run repacks.
        Duration retentionPassed = Duration.ofDays(1).plusHours(2);
        start(retentionPassed);
        gc();
        kill();
        Duration swept = retentionPassed.plusHours(2).plusMinutes(15);
        start(swept);
        assertTrue(count(gc(), "chunksSwept") >= files / 2, "the deleted files' chunks go");
        kill();

        Duration repack = swept.plusHours(2);
        start(repack);
        Thread run = new Thread(() -> {
            try {
                send("POST", "/local/v1/schedules/GcFunction/run", null, null);
            } catch (Exception killed) {
                // the cloud dies under it
            }
        });
        run.start();
        boolean killedMidway = false;
        long until = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (System.nanoTime() < until && run.isAlive()) {
            if (Files.readString(log).contains("repack: pack ")) {
                kill(); // SIGKILL as soon as a new pack is sealed: its chunks are being moved into it
                killedMidway = true;
                break;
            }
            Thread.sleep(2);
        }
        run.join(60_000);
        assertTrue(killedMidway, () -> "the run repacked nothing: " + tail());

        start(repack.plusMinutes(5));
        assertNoDrift(audit());
        receivesTheSameTree(user, a, "b");
        kill();

        // Later runs finish the repack and delete the packs nothing is located in any more.
        Duration later = repack.plusHours(2).plusMinutes(15);
        start(later);
        long repacked = count(gc(), "packsRepacked");
        kill();
        start(later.plusHours(2).plusMinutes(15));
        JsonNode last = gc();
        repacked += count(last, "packsRepacked");
        long deleted = count(last, "packsDeleted");
        assertNoDrift(audit());
        receivesTheSameTree(user, a, "c");
        long packsAtEnd = packObjects();
        System.out.println("repack after kill -9: " + packsAtFirst + " pack objects before, " + packsAtEnd + " after; "
                + repacked + " written by later runs, " + deleted + " deleted by the last");
        assertTrue(packsAtEnd < packsAtFirst, "the mostly dead packs are gone: " + packsAtFirst + " → " + packsAtEnd);
        kill();
    }

    /** A new device of {@code user} syncs into a folder of its own and gets every file of {@code tree}, byte for byte. */
    private void receivesTheSameTree(String user, Path tree, String device) throws Exception {
        Path folder = Files.createDirectories(tmp.resolve(device));
        try (ChunkvaultClient client = client(user)) {
            SyncReport down = CloudClients.sync(client, folder, device, false);
            assertTrue(down.errors.isEmpty(), () -> "errors: " + down.errors);
        }
        TwoDevicesSyncIT.assertTreesEqual(tree, folder);
    }

    /** Pack objects in the local S3's data directory (s3proxy's filesystem store keeps one file per object). */
    private long packObjects() throws IOException {
        try (Stream<Path> all = Files.walk(tmp.resolve("cloud").resolve("s3"))) {
            return all.filter(p -> p.getParent() != null && p.getParent().getFileName().toString().equals("packs")
                    && Files.isRegularFile(p)).count();
        }
    }
}
