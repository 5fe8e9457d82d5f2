package dev.chunkvault.local.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.Headers;
import dev.chunkvault.api.auth.JwtVerifier;
import dev.chunkvault.local.auth.LocalIssuer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Cognito-like authorization server of the local cloud: authorize, code + PKCE, refresh, and every refusal. */
class OAuthEndpointsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String REDIRECT = "http://localhost:47816/callback";
    private static final String VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

    @TempDir
    Path tmp;

    final MutableClock clock = new MutableClock(Instant.parse("2026-12-06T12:00:00Z"));
    final LocalIssuer issuer = LocalIssuer.ephemeral("http://127.0.0.1:4750/local", clock);
    OAuthEndpoints oauth = new OAuthEndpoints(() -> issuer, null, clock);

    static final class MutableClock extends Clock {
        Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    static Map<String, String> authorizeParams() {
        Map<String, String> q = new LinkedHashMap<>();
        q.put("response_type", "code");
        q.put("client_id", "chunkvault-local");
        q.put("redirect_uri", REDIRECT);
        q.put("scope", "openid chunkvault/read chunkvault/write");
        q.put("state", "st<a>te");
        q.put("code_challenge", OAuthEndpoints.s256(VERIFIER));
        q.put("code_challenge_method", "S256");
        return q;
    }

    static Headers headers(String contentType) {
        Headers h = new Headers();
        h.add("Host", "127.0.0.1:4750");
        if (contentType != null) {
            h.add("Content-Type", contentType);
        }
        return h;
    }

    LocalHttpApi.Reply get(Map<String, String> q) {
        return oauth.handle("GET", "/oauth2/authorize", OAuthEndpoints.form(q), headers(null), new byte[0]);
    }

    LocalHttpApi.Reply post(String path, Map<String, String> form, Headers h) {
        return oauth.handle("POST", path, null, h, OAuthEndpoints.form(form).getBytes(StandardCharsets.UTF_8));
    }

    LocalHttpApi.Reply token(Map<String, String> form) {
        return post("/oauth2/token", form, headers("application/x-www-form-urlencoded"));
    }

    static Map<String, String> location(LocalHttpApi.Reply r) {
        assertEquals(302, r.status(), body(r));
        URI u = URI.create(r.headers.get("location").get(0));
        assertEquals("localhost", u.getHost());
        assertEquals("/callback", u.getPath());
        Map<String, String> q = new LinkedHashMap<>();
        OAuthEndpoints.parse(u.getRawQuery()).values.forEach(q::put);
        return q;
    }

    static String body(LocalHttpApi.Reply r) {
        return new String(r.body, StandardCharsets.UTF_8);
    }

    static JsonNode json(LocalHttpApi.Reply r) throws Exception {
        return JSON.readTree(r.body);
    }

    String codeFor(String user) {
        Map<String, String> q = authorizeParams();
        q.put("login_hint", user);
        Map<String, String> back = location(get(q));
        assertEquals("st<a>te", back.get("state"));
        return back.get("code");
    }

    Map<String, String> exchange(String code) {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("grant_type", "authorization_code");
        f.put("client_id", "chunkvault-local");
        f.put("code", code);
        f.put("redirect_uri", REDIRECT);
        f.put("code_verifier", VERIFIER);
        return f;
    }

    @Test
    void theSignInPageCarriesTheRequestEscapedAndItsFormIssuesACode() throws Exception {
        LocalHttpApi.Reply page = get(authorizeParams());
        assertEquals(200, page.status());
        String html = body(page);
        assertTrue(html.contains("no password"), html);
        assertTrue(html.contains("value=\"st&lt;a&gt;te\""), html);
        assertFalse(html.contains("st<a>te"), html);
        assertTrue(page.headers.get("content-security-policy").get(0).contains("frame-ancestors 'none'"));
        // the form's POST must carry the page's origin (with no-referrer, browsers send "Origin: null")
        assertEquals("same-origin", page.headers.get("referrer-policy").get(0));

        Map<String, String> form = authorizeParams();
        form.put("username", "alice");
        Map<String, String> back = location(post("/oauth2/authorize", form, headers("application/x-www-form-urlencoded")));
        assertEquals("st<a>te", back.get("state"));
        String code = back.get("code");
        assertTrue(code.length() >= 43, code); // 256 bits

        LocalHttpApi.Reply r = token(exchange(code));
        assertEquals(200, r.status(), body(r));
        assertEquals("no-store", r.headers.get("cache-control").get(0));
        JsonNode t = json(r);
        assertEquals("Bearer", t.path("token_type").asText());
        assertEquals(3600, t.path("expires_in").asLong());
        assertNotNull(t.path("id_token").asText(null));
        assertNotNull(t.path("refresh_token").asText(null));
        JwtVerifier v = new JwtVerifier(issuer.issuer(), Set.of(LocalIssuer.AUDIENCE), issuer.jwks(), clock);
        JwtVerifier.Verified access = v.verify("Bearer " + t.path("access_token").asText());
        assertEquals(LocalIssuer.subjectOf("alice"), access.claims().get("sub"));
        assertEquals(Set.of("openid", "chunkvault/read", "chunkvault/write"), Set.copyOf(access.scopes()));
    }

    @Test
    void aCodeIsUsedOnceAndOnlyWithItsVerifierClientAndRedirect() throws Exception {
        String code = codeFor("bob");
        assertEquals(200, token(exchange(code)).status());
        LocalHttpApi.Reply again = token(exchange(code));
        assertEquals(400, again.status());
        assertEquals("invalid_grant", json(again).path("error").asText());

        Map<String, String> badVerifier = exchange(codeFor("bob"));
        badVerifier.put("code_verifier", VERIFIER.replace('d', 'e'));
        assertEquals("invalid_grant", json(token(badVerifier)).path("error").asText());
        badVerifier.put("code_verifier", VERIFIER);
        assertEquals("invalid_grant", json(token(badVerifier)).path("error").asText(), "a refused code is spent");

        Map<String, String> otherRedirect = exchange(codeFor("bob"));
        otherRedirect.put("redirect_uri", "http://localhost:9999/callback");
        assertEquals("invalid_grant", json(token(otherRedirect)).path("error").asText());

        Map<String, String> otherClient = exchange(codeFor("bob"));
        otherClient.put("client_id", "someone-else");
        assertEquals("invalid_client", json(token(otherClient)).path("error").asText());

        String late = codeFor("bob");
        clock.now = clock.now.plus(OAuthEndpoints.CODE_TTL).plusSeconds(1);
        assertEquals("invalid_grant", json(token(exchange(late))).path("error").asText());

        assertEquals("invalid_grant", json(token(exchange("made-up"))).path("error").asText());
    }

    @Test
    void aRefreshTokenGivesNewAccessTokensAndIsKept() throws Exception {
        String refresh = json(token(exchange(codeFor("carol")))).path("refresh_token").asText();
        Map<String, String> f = new LinkedHashMap<>();
        f.put("grant_type", "refresh_token");
        f.put("client_id", "chunkvault-local");
        f.put("refresh_token", refresh);
        for (int i = 0; i < 2; i++) {
            LocalHttpApi.Reply r = token(f);
            assertEquals(200, r.status(), body(r));
            assertTrue(json(r).path("access_token").isTextual());
            assertTrue(json(r).path("refresh_token").isMissingNode(), "kept, as Cognito does");
        }
        f.put("refresh_token", refresh + "x");
        assertEquals("invalid_grant", json(token(f)).path("error").asText());
        f.put("refresh_token", refresh);
        clock.now = clock.now.plus(OAuthEndpoints.REFRESH_TTL).plusSeconds(1);
        assertEquals("invalid_grant", json(token(f)).path("error").asText());
    }

    @Test
    void refreshTokensSurviveARestartAsHashesOnly() throws Exception {
        Path file = tmp.resolve("keys/refresh-tokens.json");
        oauth = new OAuthEndpoints(() -> issuer, file, clock);
        String refresh = json(token(exchange(codeFor("dave")))).path("refresh_token").asText();
        assertFalse(Files.readString(file).contains(refresh));
        oauth = new OAuthEndpoints(() -> issuer, file, clock);
        Map<String, String> f = new LinkedHashMap<>();
        f.put("grant_type", "refresh_token");
        f.put("client_id", "chunkvault-local");
        f.put("refresh_token", refresh);
        LocalHttpApi.Reply r = token(f);
        assertEquals(200, r.status(), body(r));
    }

    @Test
    void tokenRequestsThatAreNotRightAreRefusedWithOAuthErrors() throws Exception {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("client_id", "chunkvault-local");
        assertEquals("invalid_request", json(token(f)).path("error").asText());
        f.put("grant_type", "password");
        assertEquals("unsupported_grant_type", json(token(f)).path("error").asText());
        f.put("grant_type", "authorization_code");
        assertEquals("invalid_request", json(token(f)).path("error").asText());
        LocalHttpApi.Reply asJson = post("/oauth2/token", exchange("x"), headers("application/json"));
        assertEquals(400, asJson.status());
        assertEquals("invalid_request", json(asJson).path("error").asText());
        LocalHttpApi.Reply twice = oauth.handle("POST", "/oauth2/token", null, headers("application/x-www-form-urlencoded"),
                "grant_type=refresh_token&grant_type=authorization_code&client_id=chunkvault-local".getBytes(StandardCharsets.UTF_8));
        assertEquals("invalid_request", json(twice).path("error").asText());
        assertEquals(400, oauth.handle("GET", "/oauth2/token", null, headers(null), new byte[0]).status());
    }

    @Test
    void authorizeRefusesAnUntrustedRedirectWithAPageAndTheRestByRedirect() {
        Map<String, String> q = authorizeParams();
        q.put("redirect_uri", "https://evil.example/cb");
        LocalHttpApi.Reply r = get(q);
        assertEquals(400, r.status());
        assertNull(r.headers.get("location"));
        for (String bad : new String[] {"http://localhost.evil.example/cb", "http://user@localhost/cb", "http://localhost/cb#x",
                "file:///etc/passwd", "javascript:alert(1)"}) {
            assertFalse(OAuthEndpoints.loopbackRedirect(bad), bad);
        }
        for (String good : new String[] {"http://127.0.0.1:1234/cb", "http://[::1]:5/x", "http://localhost/callback?a=b"}) {
            assertTrue(OAuthEndpoints.loopbackRedirect(good), good);
        }

        q = authorizeParams();
        q.put("client_id", "<script>");
        r = get(q);
        assertEquals(400, r.status());
        assertFalse(body(r).contains("<script>"), body(r));

        q = authorizeParams();
        q.put("response_type", "token");
        assertEquals("unsupported_response_type", location(get(q)).get("error"));
        q = authorizeParams();
        q.remove("code_challenge");
        assertEquals("invalid_request", location(get(q)).get("error"));
        q = authorizeParams();
        q.put("code_challenge_method", "plain");
        assertEquals("invalid_request", location(get(q)).get("error"));
        q = authorizeParams();
        q.put("scope", "openid chunkvault/everything");
        Map<String, String> back = location(get(q));
        assertEquals("invalid_scope", back.get("error"));
        assertEquals("st<a>te", back.get("state"));
        q = authorizeParams();
        q.put("scope", "chunkvault/read chunkvault/admin");
        q.put("login_hint", "erin");
        assertNotNull(location(get(q)).get("code"), "admin when asked");
    }

    @Test
    void theFormRefusesABadUserNameAndAPostFromAnotherSite() {
        Map<String, String> form = authorizeParams();
        form.put("username", "<b>x</b>");
        LocalHttpApi.Reply r = post("/oauth2/authorize", form, headers("application/x-www-form-urlencoded"));
        assertEquals(400, r.status());
        assertFalse(body(r).contains("<b>x</b>"));
        form.put("username", "frank");
        Headers h = headers("application/x-www-form-urlencoded");
        h.add("Origin", "https://evil.example");
        assertEquals(403, post("/oauth2/authorize", form, h).status());
        Headers same = headers("application/x-www-form-urlencoded");
        same.add("Origin", "http://127.0.0.1:4750");
        assertEquals(302, post("/oauth2/authorize", form, same).status());
    }

    @Test
    void codesAndRefreshTokensAreDifferentEachTime() throws Exception {
        assertNotEquals(codeFor("gina"), codeFor("gina"));
        assertNotEquals(json(token(exchange(codeFor("gina")))).path("refresh_token").asText(),
                json(token(exchange(codeFor("gina")))).path("refresh_token").asText());
        assertTrue(Duration.ofMinutes(5).equals(OAuthEndpoints.CODE_TTL));
    }
}
