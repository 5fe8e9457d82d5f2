package dev.chunkvault.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chunkvault.emulators.FreePorts;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The run mode: data and the signing key kept in a directory survive a restart (the same file is listed, the same
 * token still works), and the command line's token/status/gc commands talk to a running cloud — or say it is not
 * running.
 */
class LocalCloudRestartIT {
    @Test
    void dataAndTokensSurviveARestart(@TempDir Path dir) {
        int api = FreePorts.pick();
        int s3 = FreePorts.pick();
        int ddb = FreePorts.pick();
        LocalCloud.Options options = LocalCloud.Options.persistent(dir).withPorts(api, s3, ddb).withSchedules(false);
        String token;
        dev.chunkvault.emulators.Credentials first;
        try (LocalCloud cloud = LocalCloud.start(options)) {
            first = cloud.credentials();
            assertTrue(!first.equals(LocalCloud.CREDENTIALS), "a persistent cloud makes its own emulator credentials");
            token = cloud.mintToken("restart-alice");
            ObjectNode commit = Http.JSON.createObjectNode();
            commit.put("path", "kept/empty.txt");
            commit.putObject("manifest").put("profile", "fastcdc-v1-64k-256k-1m").putArray("chunks");
            commit.put("size", 0);
            commit.put("contentHash", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
            commit.put("idempotencyKey", "restart-1");
            assertEquals(201, Http.postJson(cloud.apiEndpoint(), "/v1/commits", token, commit).status());
        }
        assertTrue(Files.isDirectory(dir.resolve("dynamodb")) && Files.isDirectory(dir.resolve("s3")));
        try (LocalCloud again = LocalCloud.start(options)) {
            assertEquals(first, again.credentials(), "and keeps them");
            Http.Response list = Http.get(again.apiEndpoint(), "/v1/files?folder=kept", token);
            assertEquals(200, list.status(), "the token of the first run still verifies: " + list.text());
            assertEquals("kept/empty.txt", list.json().path("files").get(0).path("path").asText());
        }
    }

    @Test
    void theCommandLineTalksToTheRunningCloud() {
        try (LocalCloud cloud = LocalCloud.start(LocalCloud.Options.inMemory())) {
            String port = Integer.toString(cloud.apiEndpoint().getPort());
            Run token = run("token", "cli-alice", "--port", port);
            assertEquals(LocalCloudMain.OK, token.code, token.err);
            assertEquals(200, Http.get(cloud.apiEndpoint(), "/v1/files", token.out.trim()).status());

            Run json = run("token", "cli-alice", "--scopes", "chunkvault/read", "--json", "--port", port);
            assertTrue(json.out.contains("\"expiresAt\""), json.out);
            Run status = run("status", "--port", port);
            assertEquals(LocalCloudMain.OK, status.code, status.err);
            assertTrue(status.out.contains(cloud.apiEndpoint().toString()), status.out);
            Run gc = run("gc", "--port", port);
            assertEquals(LocalCloudMain.OK, gc.code, gc.err);
            assertTrue(gc.out.contains("\"runId\""), gc.out);
            assertTrue(LocalCloudMain.banner(cloud).contains("TOKEN=$(infra/local-cloud token alice)"));
        }
        int dead = FreePorts.pick();
        Run down = run("status", "--port", Integer.toString(dead));
        assertEquals(LocalCloudMain.NOT_RUNNING, down.code);
        assertTrue(down.err.contains("not running"), down.err);
        assertEquals(LocalCloudMain.USAGE, run("token").code);
        assertEquals(LocalCloudMain.USAGE, run("start", "--port", "http").code);
        assertEquals(LocalCloudMain.USAGE, run("frobnicate").code);
    }

    @Test
    void startRefusesABusyPortWithAClearMessage() throws Exception {
        try (java.net.ServerSocket busy = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Run r = run("start", "--port", Integer.toString(busy.getLocalPort()), "--data", Files.createTempDirectory("cv").toString());
            assertEquals(LocalCloudMain.PORT_IN_USE, r.code, r.err);
            assertTrue(r.err.contains("already in use"), r.err);
        }
    }

    private record Run(int code, String out, String err) {}

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = LocalCloudMain.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
