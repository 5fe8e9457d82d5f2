package dev.chunkvault.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The local cloud's Cognito-like sign-in over real HTTP, the way a browser goes through it: the sign-in page, its form
 * posted back with the page's origin, the redirect with the code, the token exchange; the access token passes the
 * API's JWT authorizer with its scopes (admin routes 403 without chunkvault/admin).
 */
@ExtendWith(LocalCloudExtension.class)
class OAuthSignInIT {
    private static final Pattern HIDDEN = Pattern.compile("<input type=\"hidden\" name=\"([a-z_]+)\" value=\"([^\"]*)\">");
    private static final String VERIFIER = "browser-like-verifier-0123456789-abcdefghijklmnop";
    private static final String REDIRECT = "http://127.0.0.1:47999/callback";

    static String form(Map<String, String> q) {
        return q.entrySet().stream().map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8)).collect(Collectors.joining("&"));
    }

    static String unescape(String html) {
        return html.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'").replace("&amp;", "&");
    }

    static String challenge() throws Exception {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(MessageDigest.getInstance("SHA-256")
                .digest(VERIFIER.getBytes(StandardCharsets.US_ASCII)));
    }

    static Http.Response post(LocalCloud cloud, String path, Map<String, String> body, Map<String, String> headers) {
        return Http.send("POST", cloud.apiEndpoint().resolve(path), null, "application/x-www-form-urlencoded",
                form(body).getBytes(StandardCharsets.UTF_8), headers);
    }

    @Test
    void theSignInPageItsFormAndTheCodeGiveATokenTheApiTakes(LocalCloud cloud) throws Exception {
        Map<String, String> q = new LinkedHashMap<>();
        q.put("response_type", "code");
        q.put("client_id", "chunkvault-local");
        q.put("redirect_uri", REDIRECT);
        q.put("scope", "openid chunkvault/read");
        q.put("state", "\"><script>alert(1)</script>");
        q.put("code_challenge", challenge());
        q.put("code_challenge_method", "S256");
        Http.Response page = Http.get(cloud.apiEndpoint(), "/oauth2/authorize?" + form(q), null);
        assertEquals(200, page.status(), page.text());
        assertTrue(page.header("content-type").startsWith("text/html"), page.header("content-type"));
        assertFalse(page.text().contains("<script>"), page.text());

        Map<String, String> posted = new LinkedHashMap<>();
        Matcher m = HIDDEN.matcher(page.text());
        while (m.find()) {
            posted.put(m.group(1), unescape(m.group(2)));
        }
        assertEquals(q, posted, "the page carries the request");
        posted.put("username", "page-user");
        String origin = "http://127.0.0.1:" + cloud.apiEndpoint().getPort();
        assertEquals(403, post(cloud, "/oauth2/authorize", posted, Map.of("Origin", "http://evil.example")).status());
        Http.Response back = post(cloud, "/oauth2/authorize", posted, Map.of("Origin", origin));
        assertEquals(302, back.status(), back.text());
        URI location = URI.create(back.header("location"));
        assertTrue(back.header("location").startsWith(REDIRECT + "?code="), back.header("location"));
        Map<String, String> answer = new LinkedHashMap<>();
        for (String kv : location.getRawQuery().split("&")) {
            String[] p = kv.split("=", 2);
            answer.put(p[0], java.net.URLDecoder.decode(p[1], StandardCharsets.UTF_8));
        }
        assertEquals(q.get("state"), answer.get("state"));

        Map<String, String> exchange = new LinkedHashMap<>();
        exchange.put("grant_type", "authorization_code");
        exchange.put("client_id", "chunkvault-local");
        exchange.put("code", answer.get("code"));
        exchange.put("redirect_uri", REDIRECT);
        exchange.put("code_verifier", VERIFIER);
        Http.Response tokens = post(cloud, "/oauth2/token", exchange, Map.of());
        assertEquals(200, tokens.status(), tokens.text());
        assertEquals("no-store", tokens.header("cache-control"));
        String access = tokens.json().path("access_token").asText();
        assertEquals(200, Http.get(cloud.apiEndpoint(), "/v1/files", access).status());
        assertEquals(403, Http.send("POST", cloud.apiEndpoint().resolve("/v1/admin/gc"), access, "application/json",
                "{}".getBytes(StandardCharsets.UTF_8), Map.of()).status(), "no admin scope asked, none given");

        Http.Response again = post(cloud, "/oauth2/token", exchange, Map.of());
        assertEquals(400, again.status());
        assertEquals("invalid_grant", again.json().path("error").asText());
    }

    @Test
    void anUnknownClientOrAForeignRedirectIsAPageNotARedirect(LocalCloud cloud) {
        Http.Response r = Http.get(cloud.apiEndpoint(), "/oauth2/authorize?response_type=code&client_id=chunkvault-local"
                + "&redirect_uri=" + URLEncoder.encode("https://evil.example/cb", StandardCharsets.UTF_8), null);
        assertEquals(400, r.status());
        assertEquals(null, r.header("location"));
        Http.Response s = Http.get(cloud.apiEndpoint(), "/oauth2/nothing-here", null);
        assertEquals(404, s.status());
    }
}
