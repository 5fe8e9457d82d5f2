package dev.chunkvault.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.chunkvault.client.ClientJson;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Getting tokens: minted by the local cloud ({@code POST /local/v1/token}), or from Cognito with OAuth 2.0
 * authorization code + PKCE (RFC 7636) through the hosted UI, with a loopback redirect
 * ({@code http://localhost:47816/callback}, RFC 8252 §7.3) — no client secret, nothing typed into the terminal.
 */
public final class Login {
    /**
     * The loopback port of the redirect, and the template's {@code CallbackUrl} default (a test keeps them equal): not
     * rclone's 53682, and below the ephemeral range (49152 and up) where the system picks outgoing connections' ports.
     */
    public static final int CALLBACK_PORT = 47816;
    public static final String CALLBACK_PATH = "/callback";
    public static final List<String> DEFAULT_SCOPES = List.of("openid", "chunkvault/read", "chunkvault/write");
    private static final ObjectMapper JSON = ClientJson.MAPPER;
    private static final SecureRandom RANDOM = new SecureRandom();

    private Login() {}

    /** Access token, its expiry, and a refresh token (may be null). */
    public record Tokens(String accessToken, Instant expiresAt, String refreshToken) {}

    static HttpClient http() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(15)).build();
    }

    /** Asks the local cloud to mint a token for {@code user}. */
    public static Tokens mintLocal(HttpClient http, String endpoint, String user) throws IOException {
        String base = endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint;
        HttpRequest req = HttpRequest.newBuilder(URI.create(base + "/local/v1/token")).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(Map.of("user", user)))).build();
        JsonNode n = send(http, req, "the local cloud's token endpoint");
        String token = n.path("token").asText(null);
        if (token == null || token.isBlank()) {
            throw new CliException(ExitCodes.UNAVAILABLE, "The local cloud answered without a token.");
        }
        Instant exp = null;
        try {
            exp = n.hasNonNull("expiresAt") ? Instant.parse(n.get("expiresAt").asText()) : null;
        } catch (RuntimeException unparsable) {
            exp = null;
        }
        return new Tokens(token, exp, null);
    }

    private static JsonNode send(HttpClient http, HttpRequest req, String what) throws IOException {
        HttpResponse<byte[]> r;
        try {
            r = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
        } catch (java.net.ConnectException e) {
            throw new CliException(ExitCodes.UNAVAILABLE, "Could not reach " + what + " at " + req.uri().getAuthority()
                    + " (connection refused).");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(ExitCodes.INTERRUPTED, "Interrupted.");
        }
        if (r.statusCode() == 404) {
            throw new CliException(ExitCodes.ERROR, what + " does not exist at " + req.uri() + " (is this the local cloud?)");
        }
        if (r.statusCode() / 100 != 2) {
            String detail = "";
            try {
                JsonNode e = JSON.readTree(r.body());
                detail = e.path("error_description").asText(e.path("message").asText(e.path("error").asText("")));
            } catch (IOException notJson) {
                detail = "";
            }
            throw new CliException(r.statusCode() == 400 || r.statusCode() == 401 ? ExitCodes.AUTH : ExitCodes.UNAVAILABLE,
                    what + " refused: HTTP " + r.statusCode() + (detail.isBlank() ? "" : " (" + detail + ")"));
        }
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new CliException(ExitCodes.UNAVAILABLE, what + " sent an answer that is not JSON.");
        }
    }

    // ---------------------------------------------------------------- PKCE

    /** A PKCE verifier (43..128 characters of [A-Za-z0-9-._~]) and its S256 challenge. */
    public record Pkce(String verifier, String challenge) {
        public static Pkce create() {
            byte[] b = new byte[48];
            RANDOM.nextBytes(b);
            String verifier = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
            return new Pkce(verifier, challengeOf(verifier));
        }

        public static String challengeOf(String verifier) {
            try {
                byte[] d = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
                return Base64.getUrlEncoder().withoutPadding().encodeToString(d);
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    static String redirectUri(int port) {
        return "http://localhost:" + port + CALLBACK_PATH;
    }

    static String authorizeUrl(String domain, String clientId, List<String> scopes, String redirect, String state,
                               Pkce pkce) {
        Map<String, String> q = new LinkedHashMap<>();
        q.put("response_type", "code");
        q.put("client_id", clientId);
        q.put("redirect_uri", redirect);
        q.put("scope", String.join(" ", scopes));
        q.put("state", state);
        q.put("code_challenge", pkce.challenge());
        q.put("code_challenge_method", "S256");
        return trim(domain) + "/oauth2/authorize?" + form(q);
    }

    private static String trim(String domain) {
        return domain.endsWith("/") ? domain.substring(0, domain.length() - 1) : domain;
    }

    static String form(Map<String, String> q) {
        return q.entrySet().stream().map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8)).collect(Collectors.joining("&"));
    }

    static Map<String, String> parseQuery(String raw) {
        Map<String, String> out = new HashMap<>();
        if (raw == null) {
            return out;
        }
        for (String kv : raw.split("&")) {
            int eq = kv.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8);
            out.put(k, v);
        }
        return out;
    }

    /**
     * The full authorization-code flow: listens on the loopback redirect, shows the authorize URL (the user's
     * browser does the sign-in), checks the returned state, exchanges the code with the PKCE verifier.
     */
    public static Tokens cognito(HttpClient http, String domain, String clientId, List<String> scopes, int port,
                                 Consumer<String> showUrl, Duration timeout) throws IOException {
        Pkce pkce = Pkce.create();
        byte[] s = new byte[16];
        RANDOM.nextBytes(s);
        String state = Base64.getUrlEncoder().withoutPadding().encodeToString(s);
        String redirect = redirectUri(port);
        CompletableFuture<Map<String, String>> callback = new CompletableFuture<>();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        server.createContext(CALLBACK_PATH, ex -> {
            Map<String, String> q = parseQuery(ex.getRequestURI().getRawQuery());
            boolean ok = q.containsKey("code") && state.equals(q.get("state"));
            byte[] page = ("<!doctype html><title>chunkvault</title><p>" + (ok ? "Signed in. You can close this window and"
                    + " return to the terminal." : "Sign-in failed. Return to the terminal.") + "</p>")
                    .getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
            ex.sendResponseHeaders(ok ? 200 : 400, page.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(page);
            }
            callback.complete(q);
        });
        server.start();
        try {
            showUrl.accept(authorizeUrl(domain, clientId, scopes, redirect, state, pkce));
            Map<String, String> q;
            try {
                q = callback.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                throw new CliException(ExitCodes.AUTH, "Sign-in timed out: no answer from the browser.");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CliException(ExitCodes.INTERRUPTED, "Interrupted.");
            } catch (ExecutionException e) {
                throw new CliException(ExitCodes.AUTH, "Sign-in failed.");
            }
            if (q.containsKey("error")) {
                throw new CliException(ExitCodes.AUTH, "Sign-in was refused: " + q.get("error"));
            }
            if (!state.equals(q.get("state"))) {
                throw new CliException(ExitCodes.AUTH, "Sign-in answer did not match this login (state mismatch); try again.");
            }
            String code = q.get("code");
            if (code == null || code.isBlank()) {
                throw new CliException(ExitCodes.AUTH, "Sign-in answer had no authorization code.");
            }
            Map<String, String> body = new LinkedHashMap<>();
            body.put("grant_type", "authorization_code");
            body.put("client_id", clientId);
            body.put("code", code);
            body.put("redirect_uri", redirect);
            body.put("code_verifier", pkce.verifier());
            return tokenRequest(http, domain, body, null);
        } finally {
            server.stop(0);
        }
    }

    /** Exchanges a refresh token for a new access token. */
    public static Tokens refresh(HttpClient http, String domain, String clientId, String refreshToken) throws IOException {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("grant_type", "refresh_token");
        body.put("client_id", clientId);
        body.put("refresh_token", refreshToken);
        return tokenRequest(http, domain, body, refreshToken);
    }

    private static Tokens tokenRequest(HttpClient http, String domain, Map<String, String> body, String oldRefresh)
            throws IOException {
        HttpRequest req = HttpRequest.newBuilder(URI.create(trim(domain) + "/oauth2/token")).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form(body))).build();
        JsonNode n = send(http, req, "the sign-in service");
        String access = n.path("access_token").asText(null);
        if (access == null) {
            throw new CliException(ExitCodes.AUTH, "The sign-in service answered without an access token.");
        }
        long expiresIn = n.path("expires_in").asLong(3600);
        String refresh = n.path("refresh_token").asText(oldRefresh);
        return new Tokens(access, Instant.now().plusSeconds(expiresIn), refresh);
    }

    /** The {@code sub}/{@code username} claim of a JWT, for display only (not verified). */
    static String subjectOf(String jwt) {
        try {
            String[] parts = jwt.split("\\.");
            JsonNode n = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
            String name = n.path("username").asText(n.path("cognito:username").asText(""));
            return name.isBlank() ? n.path("sub").asText("?") : name;
        } catch (RuntimeException | IOException e) {
            return "?";
        }
    }
}
