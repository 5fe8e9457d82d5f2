package dev.chunkvault.local.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The console's files, its client-side routes, its config and its security headers, from a classpath of our own. */
class ConsoleSiteTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path dir;
    private ConsoleSite site;

    @BeforeEach
    void site() throws Exception {
        Path root = Files.createDirectories(dir.resolve("console/assets"));
        Files.writeString(dir.resolve("console/index.html"), "<!doctype html><script type=module src=/assets/index-Ab12.js></script>");
        Files.writeString(root.resolve("index-Ab12.js"), "console.log(1)");
        Files.writeString(root.resolve("index-Cd34.css"), "body{}");
        ClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, null);
        site = new ConsoleSite(loader, URI.create("http://127.0.0.1:4751/"), "chunkvault-local", List.of("openid", "chunkvault/read"));
    }

    private static String header(LocalHttpApi.Reply r, String name) {
        List<String> v = r.headers.get(name);
        return v == null ? null : String.join(",", v);
    }

    @Test
    void theRootIsIndexHtmlNeverCached() {
        LocalHttpApi.Reply r = site.handle("/");
        assertEquals(200, r.status());
        assertEquals("text/html; charset=utf-8", header(r, "content-type"));
        assertEquals("no-cache", header(r, "cache-control"));
        assertTrue(new String(r.body, StandardCharsets.UTF_8).startsWith("<!doctype html>"));
    }

    @Test
    void hashedAssetsAreImmutableWithTheirTypes() {
        LocalHttpApi.Reply js = site.handle("/assets/index-Ab12.js");
        assertEquals(200, js.status());
        assertEquals("text/javascript; charset=utf-8", header(js, "content-type"));
        assertEquals(ConsoleSite.IMMUTABLE, header(js, "cache-control"));
        assertEquals("text/css; charset=utf-8", header(site.handle("/assets/index-Cd34.css"), "content-type"));
    }

    @Test
    void clientSideRoutesGetIndexHtml() {
        for (String path : List.of("/files/docs/a.txt", "/trash", "/files/%3Cimg%20src%3Dx%3E", "/a/../../etc/passwd")) {
            LocalHttpApi.Reply r = site.handle(path);
            assertEquals(200, r.status(), path);
            assertEquals("text/html; charset=utf-8", header(r, "content-type"), path);
        }
    }

    @Test
    void aMissingAssetIs404JsonAndNothingEscapesTheRoot() throws Exception {
        for (String path : List.of("/assets/nope.js", "/assets/../index.html", "/assets/%2e%2e/index.html", "/assets/",
                "/assets/x%00.js")) {
            LocalHttpApi.Reply r = site.handle(path);
            assertEquals(404, r.status(), path);
            assertEquals("application/json", header(r, "content-type"), path);
            assertEquals("Not Found", JSON.readTree(r.body).path("message").asText(), path);
        }
    }

    @Test
    void everyAnswerCarriesTheSecurityHeaders() {
        for (String path : List.of("/", "/assets/index-Ab12.js", "/assets/nope.js", ConsoleSite.CONFIG_PATH)) {
            LocalHttpApi.Reply r = site.handle(path);
            String csp = header(r, "content-security-policy");
            assertTrue(csp.contains("default-src 'self'"), csp);
            assertTrue(csp.contains("script-src 'self';"), csp);
            assertFalse(csp.contains("unsafe-inline"), csp);
            assertTrue(csp.contains("connect-src 'self' http://127.0.0.1:4751;"), csp);
            assertTrue(csp.contains("frame-ancestors 'none'"), csp);
            assertEquals("nosniff", header(r, "x-content-type-options"));
            assertEquals("same-origin", header(r, "referrer-policy"));
        }
    }

    @Test
    void theConfigNamesTheSignInEndpointsAndTheClient() throws Exception {
        LocalHttpApi.Reply r = site.handle(ConsoleSite.CONFIG_PATH);
        assertEquals(200, r.status());
        assertEquals("no-cache", header(r, "cache-control"));
        JsonNode c = JSON.readTree(r.body);
        assertEquals("", c.path("apiBase").asText());
        assertEquals("/oauth2/authorize", c.path("authorizeUrl").asText());
        assertEquals("/oauth2/token", c.path("tokenUrl").asText());
        assertEquals("/logout", c.path("logoutUrl").asText());
        assertEquals("chunkvault-local", c.path("clientId").asText());
        assertEquals("openid chunkvault/read", c.path("scopes").asText());
    }

    @Test
    void withoutABuiltConsoleTheRootSaysSo() throws Exception {
        ConsoleSite empty = new ConsoleSite(new URLClassLoader(new URL[0], null), null, "c", List.of());
        assertFalse(empty.present());
        assertEquals(404, empty.handle("/").status());
        assertFalse(empty.contentSecurityPolicy().contains("null"));
    }

    @Test
    void logoutSendsTheBrowserBackToALoopbackAddressOnly() {
        LocalHttpApi.Reply ok = ConsoleSite.logout(Map.of("client_id", "chunkvault-local", "logout_uri", "http://127.0.0.1:4750/"));
        assertEquals(302, ok.status());
        assertEquals("http://127.0.0.1:4750/", header(ok, "location"));
        assertEquals(400, ConsoleSite.logout(Map.of("client_id", "chunkvault-local", "logout_uri", "https://evil.example/")).status());
        assertEquals(400, ConsoleSite.logout(Map.of("client_id", "other", "logout_uri", "http://127.0.0.1:4750/")).status());
        assertEquals(400, ConsoleSite.logout(Map.of()).status());
    }

    @Test
    void onlyGetAndHeadOutsideTheApiAreTheConsoles() {
        assertTrue(LocalHttpApi.consolePath("GET", "/"));
        assertTrue(LocalHttpApi.consolePath("HEAD", "/files/x"));
        assertTrue(LocalHttpApi.consolePath("GET", "/v1x"));
        assertFalse(LocalHttpApi.consolePath("GET", "/v1/files"));
        assertFalse(LocalHttpApi.consolePath("GET", "/v1"));
        assertFalse(LocalHttpApi.consolePath("POST", "/"));
    }
}
