package dev.chunkvault.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The PKCE flow against a fake authorization server; the "browser" is a request to the loopback redirect. */
class LoginTest {
    @Test
    void s256ChallengeMatchesRfc7636AppendixB() {
        assertEquals("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
                Login.Pkce.challengeOf("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"));
    }

    @Test
    void authorizationCodeFlowWithPkce() throws Exception {
        AtomicReference<String> tokenForm = new AtomicReference<>();
        HttpServer idp = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        idp.createContext("/oauth2/token", ex -> {
            tokenForm.set(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            byte[] b = "{\"access_token\":\"AT\",\"refresh_token\":\"RT\",\"expires_in\":3600}".getBytes();
            ex.sendResponseHeaders(200, b.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(b);
            }
        });
        idp.start();
        String domain = "http://127.0.0.1:" + idp.getAddress().getPort();
        HttpClient http = HttpClient.newHttpClient();
        int port = freePort();
        try {
            Login.Tokens t = Login.cognito(http, domain, "client-1", Login.DEFAULT_SCOPES, port, url -> {
                Map<String, String> q = Login.parseQuery(URI.create(url).getRawQuery());
                assertEquals("S256", q.get("code_challenge_method"));
                assertEquals("http://localhost:" + port + "/callback", q.get("redirect_uri"));
                // the browser, after sign-in, is redirected to the loopback address
                new Thread(() -> {
                    try {
                        http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/callback?code=C0DE&state="
                                + q.get("state"))).build(), HttpResponse.BodyHandlers.discarding());
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                }).start();
            }, Duration.ofSeconds(20));
            assertEquals("AT", t.accessToken());
            assertEquals("RT", t.refreshToken());
            Map<String, String> form = Login.parseQuery(tokenForm.get());
            assertEquals("authorization_code", form.get("grant_type"));
            assertEquals("C0DE", form.get("code"));
            assertTrue(form.get("code_verifier").length() >= 43);
        } finally {
            idp.stop(0);
        }
    }

    @Test
    void aForgedStateIsRefused() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        int port = freePort();
        CliException e = assertThrows(CliException.class, () -> Login.cognito(http, "http://127.0.0.1:1", "c",
                Login.DEFAULT_SCOPES, port, url -> new Thread(() -> {
                    try {
                        http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                                + "/callback?code=X&state=forged")).build(), HttpResponse.BodyHandlers.discarding());
                    } catch (Exception ex) {
                        throw new RuntimeException(ex);
                    }
                }).start(), Duration.ofSeconds(20)));
        assertEquals(ExitCodes.AUTH, e.exitCode());
    }

    private static int freePort() throws Exception {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void theTemplatesCallbackUrlIsTheClisLoginPortAndNotRclones() {
        var params = (java.util.Map<String, Object>) dev.chunkvault.local.template.SamTemplate.load(
                java.nio.file.Path.of("../template.yaml"), "cv", java.util.Map.of()).raw().get("Parameters");
        String url = String.valueOf(((java.util.Map<String, Object>) params.get("CallbackUrl")).get("Default"));
        org.junit.jupiter.api.Assertions.assertEquals("http://localhost:" + Login.CALLBACK_PORT + Login.CALLBACK_PATH, url);
        org.junit.jupiter.api.Assertions.assertNotEquals(53682, Login.CALLBACK_PORT, "rclone's port");
        org.junit.jupiter.api.Assertions.assertTrue(Login.CALLBACK_PORT < 49152, "below the ephemeral range");
    }
}
