package dev.chunkvault.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The built web console at the local cloud's root over real HTTP, next to the API, which answers as before. */
@ExtendWith(LocalCloudExtension.class)
class ConsoleServingIT {
    @Test
    void theConsoleItsAssetsAndItsConfigAreServedAndTheApiIsUntouched(LocalCloud cloud) {
        Http.Response index = Http.get(cloud.apiEndpoint(), "/", null);
        assertEquals(200, index.status());
        assertTrue(index.header("content-type").startsWith("text/html"), index.header("content-type"));
        assertEquals("no-cache", index.header("cache-control"));
        String csp = index.header("content-security-policy");
        assertNotNull(csp);
        assertTrue(csp.contains("connect-src 'self' " + cloud.s3Endpoint().toString().replaceAll("/$", "")), csp);
        assertEquals("nosniff", index.header("x-content-type-options"));

        Matcher script = Pattern.compile("src=\"(/assets/[^\"]+\\.js)\"").matcher(index.text());
        assertTrue(script.find(), index.text());
        Http.Response js = Http.get(cloud.apiEndpoint(), script.group(1), null);
        assertEquals(200, js.status());
        assertTrue(js.header("content-type").startsWith("text/javascript"));
        assertTrue(js.header("cache-control").contains("immutable"));

        assertEquals(200, Http.get(cloud.apiEndpoint(), "/files/docs/deep", null).status());
        Http.Response missing = Http.get(cloud.apiEndpoint(), "/assets/missing-0000.js", null);
        assertEquals(404, missing.status());
        assertEquals("Not Found", missing.json().path("message").asText());

        Http.Response config = Http.get(cloud.apiEndpoint(), "/console-config.json", null);
        assertEquals(200, config.status());
        assertEquals("chunkvault-local", config.json().path("clientId").asText());

        assertEquals(401, Http.get(cloud.apiEndpoint(), "/v1/files", null).status());
        assertEquals(404, Http.get(cloud.apiEndpoint(), "/v1/nothing-here", null).status());
        assertEquals(302, Http.get(cloud.apiEndpoint(), "/logout?client_id=chunkvault-local&logout_uri="
                + java.net.URLEncoder.encode(cloud.apiEndpoint() + "/", java.nio.charset.StandardCharsets.UTF_8), null).status());
    }
}
