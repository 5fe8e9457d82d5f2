package dev.chunkvault.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chunkvault.cli.Cli;
import dev.chunkvault.cli.ExitCodes;
import dev.chunkvault.local.LocalCloud;
import dev.chunkvault.local.LocalCloudExtension;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 20 item 4 over the real local cloud: {@code chunkvault login --cognito-domain} against the local cloud's
 * Cognito-like {@code /oauth2/} endpoints (authorization code + PKCE, the browser step done here with
 * {@code login_hint}), a sync with the stored token, then a "headless machine" (another config folder) signed in with
 * the printed refresh token, whose sync receives the file.
 */
@ExtendWith(LocalCloudExtension.class)
class CognitoLoginIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern AUTHORIZE_URL = Pattern.compile("(http://\\S+/oauth2/authorize\\?\\S+)");

    static {
        // login tries to open a browser (java.awt.Desktop): never on the machine running the tests
        System.setProperty("java.awt.headless", "true");
    }

    @TempDir
    Path tmp;

    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(10)).build();

    /** What one command printed. */
    record Run(int code, String out, String err) {}

    static Run run(Map<String, String> env, Path cwd, ByteArrayOutputStream err, String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        int code = new Cli(env, new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(err, true,
                StandardCharsets.UTF_8), false).withCwd(cwd).run(args);
        return new Run(code, o.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static Run run(Map<String, String> env, Path cwd, String... args) {
        return run(env, cwd, new SyncedBuffer(), args);
    }

    /** A buffer the test reads while the CLI writes to it from another thread. */
    static final class SyncedBuffer extends ByteArrayOutputStream {
        @Override
        public synchronized String toString(java.nio.charset.Charset cs) {
            return super.toString(cs);
        }
    }

    Map<String, String> device(String name) {
        Map<String, String> env = new HashMap<>();
        env.put("CHUNKVAULT_CONFIG_DIR", tmp.resolve("config-" + name).toString());
        env.put("CHUNKVAULT_DEVICE", name);
        return env;
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** The browser's part: open the authorize address (signing in as {@code user}) and follow the redirect. */
    String browser(String authorizeUrl, String user) throws Exception {
        HttpResponse<String> signIn = http.send(HttpRequest.newBuilder(URI.create(authorizeUrl + "&login_hint="
                + URLEncoder.encode(user, StandardCharsets.UTF_8))).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(302, signIn.statusCode(), signIn.body());
        String location = signIn.headers().firstValue("location").orElseThrow();
        assertTrue(location.startsWith("http://localhost:"), location);
        HttpResponse<String> back = http.send(HttpRequest.newBuilder(URI.create(location)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, back.statusCode(), back.body());
        return location;
    }

    @Test
    void signInLikeOnCognitoThenSignInAHeadlessMachineWithTheRefreshToken(LocalCloud cloud) throws Exception {
        String api = cloud.apiEndpoint().toString();
        String user = CloudClients.newUser("oauth");
        Map<String, String> laptop = device("laptop");
        Path a = Files.createDirectories(tmp.resolve("a"));
        Files.writeString(a.resolve("notes.txt"), "signed in with a code and PKCE");

        // the laptop: login --cognito-domain <local cloud>, the browser step done by the test
        SyncedBuffer err = new SyncedBuffer();
        String port = Integer.toString(freePort());
        CompletableFuture<Run> login = CompletableFuture.supplyAsync(() -> run(laptop, tmp, err, "login", "--endpoint", api,
                "--cognito-domain", api, "--client-id", "chunkvault-local", "--port", port, "--print-refresh-token"));
        String url = null;
        for (long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60); url == null && System.nanoTime() < deadline; ) {
            Matcher m = AUTHORIZE_URL.matcher(err.toString(StandardCharsets.UTF_8));
            if (m.find()) {
                url = m.group(1);
            } else if (login.isDone()) {
                break;
            } else {
                Thread.sleep(20);
            }
        }
        assertNotNull(url, "the CLI showed no sign-in address: " + err.toString(StandardCharsets.UTF_8));
        assertTrue(url.startsWith(api + "/oauth2/authorize?"), url);
        assertTrue(url.contains("code_challenge_method=S256"), url);
        String callback = browser(url, user);
        Run signedIn = login.get(60, TimeUnit.SECONDS);
        assertEquals(ExitCodes.OK, signedIn.code(), signedIn.out() + signedIn.err());
        assertTrue(signedIn.out().contains("as " + user), signedIn.out());
        List<String> lines = signedIn.out().lines().toList();
        int at = lines.indexOf(lines.stream().filter(l -> l.startsWith("Refresh token")).findFirst().orElseThrow());
        String refresh = lines.get(at + 1).strip();
        assertFalse(refresh.isEmpty());

        Run sync = run(laptop, a, "sync", "--full");
        assertEquals(ExitCodes.OK, sync.code(), sync.out() + sync.err());

        // the code the CLI used is spent: the same exchange again is refused (and never a stack trace)
        String code = URI.create(callback).getRawQuery().replaceAll(".*(?:^|&)code=([^&]*).*", "$1");
        HttpResponse<String> replay = http.send(HttpRequest.newBuilder(URI.create(api + "/oauth2/token"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("grant_type=authorization_code&client_id=chunkvault-local&code=" + code
                        + "&redirect_uri=" + URLEncoder.encode("http://localhost:" + port + "/callback", StandardCharsets.UTF_8)
                        + "&code_verifier=" + "a".repeat(43))).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(400, replay.statusCode(), replay.body());
        JsonNode e = JSON.readTree(replay.body());
        assertEquals("invalid_grant", e.path("error").asText(), replay.body());
        assertFalse(replay.body().contains("Exception"), replay.body());

        // the headless machine: another config folder, no browser, the printed refresh token
        Map<String, String> server = device("server");
        Run wrong = run(server, tmp, "login", "--endpoint", api, "--cognito-domain", api, "--client-id", "chunkvault-local",
                "--refresh-token", refresh + "x");
        assertEquals(ExitCodes.AUTH, wrong.code(), wrong.out() + wrong.err());
        assertTrue(wrong.err().contains("invalid_grant") || wrong.err().contains("refused"), wrong.err());
        Run headless = run(server, tmp, "login", "--endpoint", api, "--cognito-domain", api, "--client-id", "chunkvault-local",
                "--refresh-token", refresh);
        assertEquals(ExitCodes.OK, headless.code(), headless.out() + headless.err());
        assertTrue(headless.out().contains("as " + user), headless.out());
        Path b = Files.createDirectories(tmp.resolve("b"));
        Run pulled = run(server, b, "sync", "--full");
        assertEquals(ExitCodes.OK, pulled.code(), pulled.out() + pulled.err());
        assertEquals("signed in with a code and PKCE", Files.readString(b.resolve("notes.txt")));
    }

    @Test
    void theDiscoveryDocumentNamesTheSignInEndpoints(LocalCloud cloud) throws Exception {
        String api = cloud.apiEndpoint().toString();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(api + "/local/.well-known/openid-configuration"))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        JsonNode d = JSON.readTree(r.body());
        assertEquals(api + "/oauth2/authorize", d.path("authorization_endpoint").asText());
        assertEquals(api + "/oauth2/token", d.path("token_endpoint").asText());
        assertEquals("S256", d.path("code_challenge_methods_supported").path(0).asText());
    }
}
