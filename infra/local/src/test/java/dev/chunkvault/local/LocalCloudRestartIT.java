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
        // Its own WebSocket port too: the default (the API's + 3) is in the ephemeral range, where any outgoing
        // connection on the machine may hold it (CI met that once).
        LocalCloud.Options options = LocalCloud.Options.persistent(dir).withPorts(api, s3, ddb)
                .withWebSocketPort(FreePorts.pick()).withSchedules(false);
        String token;
        String refresh;
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
            refresh = signIn(cloud, "restart-alice");
        }
        assertTrue(Files.isDirectory(dir.resolve("dynamodb")) && Files.isDirectory(dir.resolve("s3")));
        try (LocalCloud again = LocalCloud.start(options)) {
            assertEquals(first, again.credentials(), "and keeps them");
            Http.Response list = Http.get(again.apiEndpoint(), "/v1/files?folder=kept", token);
            assertEquals(200, list.status(), "the token of the first run still verifies: " + list.text());
            assertEquals("kept/empty.txt", list.json().path("files").get(0).path("path").asText());
            Http.Response refreshed = tokenRequest(again, "grant_type=refresh_token&client_id=chunkvault-local&refresh_token="
                    + refresh);
            assertEquals(200, refreshed.status(), "a refresh token of the first run still works: " + refreshed.text());
            String access = refreshed.json().path("access_token").asText();
            assertEquals(200, Http.get(again.apiEndpoint(), "/v1/files?folder=kept", access).status());
        }
    }

    /** The Cognito-like sign-in over HTTP (login_hint in place of the page): the refresh token. */
    private static String signIn(LocalCloud cloud, String user) {
        String verifier = "v".repeat(43);
        String challenge = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(sha256(verifier));
        String redirect = java.net.URLEncoder.encode("http://127.0.0.1:1/cb", StandardCharsets.UTF_8);
        Http.Response authorize = Http.get(cloud.apiEndpoint(), "/oauth2/authorize?response_type=code&client_id=chunkvault-local"
                + "&redirect_uri=" + redirect + "&code_challenge_method=S256&code_challenge=" + challenge + "&login_hint=" + user, null);
        assertEquals(302, authorize.status(), authorize.text());
        String code = authorize.header("location").replaceAll(".*[?&]code=([^&]*).*", "$1");
        Http.Response t = tokenRequest(cloud, "grant_type=authorization_code&client_id=chunkvault-local&code=" + code
                + "&redirect_uri=" + redirect + "&code_verifier=" + verifier);
        assertEquals(200, t.status(), t.text());
        return t.json().path("refresh_token").asText();
    }

    private static Http.Response tokenRequest(LocalCloud cloud, String form) {
        return Http.send("POST", cloud.apiEndpoint().resolve("/oauth2/token"), null, "application/x-www-form-urlencoded",
                form.getBytes(StandardCharsets.UTF_8), java.util.Map.of());
    }

    private static byte[] sha256(String s) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.US_ASCII));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
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
            assertTrue(status.out.contains("oauthClientId") && status.out.contains("/oauth2/authorize"), status.out);
            Run gc = run("gc", "--port", port);
            assertEquals(LocalCloudMain.OK, gc.code, gc.err);
            assertTrue(gc.out.contains("\"runId\""), gc.out);
            assertTrue(LocalCloudMain.banner(cloud).contains("TOKEN=$(infra/local-cloud token alice)"));
            assertTrue(LocalCloudMain.banner(cloud).contains("--client-id chunkvault-local"), LocalCloudMain.banner(cloud));
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
