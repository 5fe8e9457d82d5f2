package dev.chunkvault.local;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chunkvault.emulators.PortInUseException;
import java.net.URI;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The local cloud over real HTTP: API Gateway's JWT authorizer behaviour, routing to the template's handlers, a whole
 * upload → presigned PUT to s3proxy → commit → list → download round trip, the local endpoints, and the schedule.
 */
@ExtendWith(LocalCloudExtension.class)
class LocalCloudIT {
    private final LocalCloud cloud;
    private final URI api;

    LocalCloudIT(LocalCloud cloud) {
        this.cloud = cloud;
        this.api = cloud.apiEndpoint();
    }

    @Test
    void aValidTokenIsServedAndMissingExpiredOrForgedOnesAre401() {
        String token = cloud.mintToken("it-auth");
        Http.Response ok = Http.get(api, "/v1/files", token);
        assertEquals(200, ok.status(), ok.text());
        assertTrue(ok.json().has("files"));
        assertNotNull(ok.header("apigw-requestid"));

        Http.Response none = Http.get(api, "/v1/files", null);
        assertEquals(401, none.status());
        assertEquals("Unauthorized", none.json().path("message").asText());

        ObjectNode expired = claims("it-auth");
        expired.put("exp", java.time.Instant.now().getEpochSecond() - 1);
        assertEquals(401, Http.get(api, "/v1/files", cloud.issuer().sign(expired)).status());

        String forged = dev.chunkvault.local.auth.LocalIssuer.ephemeral(cloud.issuer().issuer(), java.time.Clock.systemUTC())
                .mint("it-auth", List.of("chunkvault/read"), Duration.ofMinutes(5)).token();
        assertEquals(401, Http.get(api, "/v1/files", forged).status());
        assertEquals(401, Http.get(api, "/v1/files", token.substring(0, token.length() - 4) + "AAAA").status());
        assertEquals(401, Http.get(api, "/v1/files", cloud.issuer().sign(claims("x").put("iss", "https://other"))).status());
        assertEquals(401, Http.get(api, "/v1/files", cloud.issuer().sign(claims("x").put("aud", "other"))).status());
        assertEquals(401, Http.get(api, "/v1/files", "not-a-jwt").status());
    }

    @Test
    void datesThatAreNotNumbersOrDoNotFitALongMakeTheToken401() {
        long now = java.time.Instant.now().getEpochSecond();
        java.math.BigInteger wrap = java.math.BigInteger.ONE.shiftLeft(64);
        Map<String, ObjectNode> bad = new java.util.LinkedHashMap<>();
        bad.put("exp 1e30", claims("it-dates").put("exp", 1e30));
        bad.put("exp 99999999999999999999", claims("it-dates").put("exp", new java.math.BigInteger("99999999999999999999")));
        bad.put("exp 2^64 + now + 300", claims("it-dates").put("exp", wrap.add(java.math.BigInteger.valueOf(now + 300))));
        bad.put("exp as a string", claims("it-dates").put("exp", Long.toString(now + 300)));
        bad.put("nbf 2^64 + 1", claims("it-dates").put("nbf", wrap.add(java.math.BigInteger.ONE)));
        bad.put("nbf as a string", claims("it-dates").put("nbf", "yesterday"));
        bad.put("iat 2^64", claims("it-dates").put("iat", wrap));
        bad.put("iat as a string", claims("it-dates").put("iat", Long.toString(now)));
        bad.forEach((what, claims) -> {
            Http.Response r = Http.get(api, "/v1/files", cloud.issuer().sign(claims));
            assertEquals(401, r.status(), () -> what + ": " + r.text());
            assertEquals("Unauthorized", r.json().path("message").asText(), what);
        });
        Http.Response fractional = Http.get(api, "/v1/files", cloud.issuer().sign(claims("it-dates").put("exp", now + 300.5)));
        assertEquals(200, fractional.status(), "RFC 7519 dates may be fractional: " + fractional.text());
    }

    @Test
    void requestsWithTooManyOrTooLargeHeadersAre431LikeApiGateway() {
        String token = cloud.mintToken("it-headers");
        int port = api.getPort();
        // Many small headers within API Gateway's 10,240 bytes are served (the JDK's default cut them off at 200).
        assertTrue(rawRequest(port, token, headers(300, "X-Probe-", "v")).startsWith("HTTP/1.1 200"));
        assertTrue(rawRequest(port, token, headers(9, "X-Pad-", "p".repeat(800))).startsWith("HTTP/1.1 200"),
                "about 7.5 KB of headers and a token are within the limit");
        // Over the limit, by count or by size: 431 in API Gateway's own shape, never a dropped connection.
        Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put("2,000 small headers", headers(2000, "X-Probe-", "v"));
        cases.put("20,000 small headers", headers(20_000, "X-", ""));
        cases.put("12 headers of 1,000 bytes", headers(12, "X-Pad-", "p".repeat(1000)));
        cases.put("one header of 400 KB", headers(1, "X-Big-", "b".repeat(400 * 1024)));
        cases.put("one header of 1,000,000 bytes", headers(1, "X-Big-", "b".repeat(1_000_000)));
        cases.forEach((what, extra) -> {
            String answer = rawRequest(port, token, extra);
            assertTrue(answer.startsWith("HTTP/1.1 431"), () -> what + " -> " + answer.substring(0, Math.min(200, answer.length())));
            assertTrue(answer.endsWith("{\"message\":\"Request Header Fields Too Large\"}"), what + " -> " + answer);
        });
        // A request line that long counts too.
        String longQuery = rawRequest(port, token, "", "/v1/files?folder=" + "q".repeat(11_000));
        assertTrue(longQuery.startsWith("HTTP/1.1 431"), longQuery);
        assertEquals(200, Http.get(api, "/v1/files", token).status(), "and the API serves on");
    }

    private static String headers(int count, String prefix, String value) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < count; i++) {
            b.append(prefix).append(i).append(": ").append(value).append("\r\n");
        }
        return b.toString();
    }

    private static String rawRequest(int port, String token, String extraHeaders) {
        return rawRequest(port, token, extraHeaders, "/v1/files");
    }

    /** A GET over a raw socket (java.net.http would refuse some of these headers); "" when the server hung up. */
    private static String rawRequest(int port, String token, String extraHeaders, String pathAndQuery) {
        try (java.net.Socket s = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(30_000);
            s.getOutputStream().write(("GET " + pathAndQuery + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nAuthorization: Bearer "
                    + token + "\r\n" + extraHeaders + "Connection: close\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            return new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            return "(no answer: " + e + ")";
        }
    }

    @Test
    void routesCheckTheirScopes() {
        String readOnly = cloud.mintToken("it-scopes", List.of("chunkvault/read"), Duration.ofMinutes(5));
        assertEquals(200, Http.get(api, "/v1/files", readOnly).status());
        Http.Response write = Http.postJson(api, "/v1/uploads", readOnly, Map.of("chunks", List.of()));
        assertEquals(403, write.status(), write.text());
        assertEquals("Forbidden", write.json().path("message").asText());
        Http.Response admin = Http.postJson(api, "/v1/admin/audit", cloud.mintToken("it-scopes",
                List.of("chunkvault/read", "chunkvault/write"), Duration.ofMinutes(5)), "{}");
        assertEquals(403, admin.status());
    }

    @Test
    void requestsNamingAnotherHostAreRefused() {
        String token = cloud.mintToken("it-host");
        assertEquals(200, Http.send("GET", api.resolve("/v1/files"), token, null, null, Map.of()).status());
        // A DNS-rebinding page reaches 127.0.0.1 under its own name; java.net.http lets us set Host only via a raw socket.
        for (String host : List.of("evil.example:" + api.getPort(), "evil.example", "127.0.0.1.nip.io:" + api.getPort())) {
            String answer = rawGet(api.getPort(), "/local/v1/token", host);
            assertTrue(answer.startsWith("HTTP/1.1 403"), host + " -> " + answer);
        }
        assertTrue(rawGet(api.getPort(), "/local/.well-known/jwks.json", "localhost:" + api.getPort()).startsWith("HTTP/1.1 200"));
    }

    private static String rawGet(int port, String path, String host) {
        try (java.net.Socket s = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), port)) {
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            return new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void unknownRoutesAndOversizeBodiesAnswerLikeApiGateway() {
        String token = cloud.mintToken("it-misc");
        Http.Response missing = Http.get(api, "/v1/nothing-here", token);
        assertEquals(404, missing.status());
        assertEquals("Not Found", missing.json().path("message").asText());
        assertEquals(404, Http.send("DELETE", api.resolve("/v1/files"), token, null, null, Map.of()).status(),
                "HTTP APIs have no 405");
        Http.Response big = Http.send("POST", api.resolve("/v1/commits"), token, "application/json",
                new byte[10 * 1024 * 1024 + 1], Map.of());
        assertEquals(413, big.status());
        // The handler's own strict validation, through the whole stack: a JSON error body, never a trace.
        Http.Response bad = Http.postJson(api, "/v1/commits", token, "{\"path\": 3, \"bogus\": true}");
        assertEquals(400, bad.status(), bad.text());
        assertTrue(bad.json().has("error") && bad.json().has("requestId"), bad.text());
        assertFalse(bad.text().contains("Exception"), bad.text());
    }

    @Test
    void uploadCommitListAndDownloadOverHttp() throws Exception {
        String token = cloud.mintToken("it-roundtrip");
        byte[] content = new byte[100_000];
        new Random(42).nextBytes(content);
        String id = sha256Hex(content);

        Http.Response grant = Http.postJson(api, "/v1/uploads", token, Map.of("chunks", List.of(Map.of("id", id, "size", content.length))));
        assertEquals(200, grant.status(), grant.text());
        JsonNode upload = grant.json().path("uploads").get(0);
        assertEquals(id, upload.path("id").asText());
        URI url = URI.create(upload.path("url").asText());
        assertEquals(cloud.s3Endpoint().getPort(), url.getPort(), "presigned for the host clients use");
        Map<String, String> headers = new HashMap<>();
        upload.path("headers").fields().forEachRemaining(h -> headers.put(h.getKey(), h.getValue().asText()));
        assertTrue(headers.keySet().stream().anyMatch(h -> h.equalsIgnoreCase("x-amz-checksum-sha256")), headers.toString());

        byte[] wrong = content.clone();
        wrong[0] ^= 1;
        assertEquals(400, Http.send("PUT", url, null, null, wrong, headers).status() / 100 * 100,
                "s3proxy refuses a body that does not match the signed checksum");
        Http.Response put = Http.send("PUT", url, null, null, content, headers);
        assertEquals(200, put.status(), put.text());

        ObjectNode commit = Http.JSON.createObjectNode();
        commit.put("path", "docs/hello.bin");
        ObjectNode manifest = commit.putObject("manifest");
        manifest.put("profile", "fastcdc-v1-64k-256k-1m");
        manifest.putArray("chunks").addObject().put("id", id).put("size", content.length);
        commit.put("size", content.length);
        commit.put("contentHash", id);
        commit.put("clientMtime", 1_700_000_000_000L);
        commit.put("idempotencyKey", "it-roundtrip-1");
        Http.Response committed = Http.postJson(api, "/v1/commits", token, commit);
        assertEquals(201, committed.status(), committed.text());
        Http.Response again = Http.postJson(api, "/v1/commits", token, commit);
        assertEquals(committed.json().path("version").path("versionId").asText(),
                again.json().path("version").path("versionId").asText(), "a retried commit answers its first result: " + again.text());

        Http.Response list = Http.get(api, "/v1/files?folder=docs", token);
        assertEquals(200, list.status(), list.text());
        assertEquals("docs/hello.bin", list.json().path("files").get(0).path("path").asText());
        assertEquals(0, Http.get(api, "/v1/files?folder=docs", cloud.mintToken("it-roundtrip-other")).json()
                .path("files").size(), "another tenant sees nothing");

        Http.Response plan = Http.postJson(api, "/v1/downloads", token, Map.of("path", "docs/hello.bin"));
        assertEquals(200, plan.status(), plan.text());
        JsonNode get = plan.json().path("chunks").get(0);
        Map<String, String> getHeaders = new HashMap<>();
        get.path("headers").fields().forEachRemaining(h -> getHeaders.put(h.getKey(), h.getValue().asText()));
        Http.Response bytes = Http.send("GET", URI.create(get.path("url").asText()), null, null, null, getHeaders);
        assertEquals(200, bytes.status());
        assertArrayEquals(content, bytes.body());
    }

    @Test
    void localEndpointsPublishTheIssuerAndMintTokens() {
        Http.Response config = Http.get(api, "/local/.well-known/openid-configuration", null);
        assertEquals(cloud.issuer().issuer(), config.json().path("issuer").asText());
        Http.Response jwks = Http.get(api, "/local/.well-known/jwks.json", null);
        assertEquals(cloud.issuer().kid(), jwks.json().path("keys").get(0).path("kid").asText());

        Http.Response minted = Http.postJson(api, "/local/v1/token", null, Map.of("user", "it-minted", "scopes", List.of("chunkvault/read")));
        assertEquals(200, minted.status(), minted.text());
        assertEquals(200, Http.get(api, "/v1/files", minted.json().path("token").asText()).status());
        assertEquals(List.of("chunkvault/read"), List.of(minted.json().path("scopes").get(0).asText()));
        for (String bad : List.of("{", "[]", "{}", "{\"user\": 1}", "{\"user\": \"a b\"}", "{\"user\": \"a\", \"admin\": true}",
                "{\"user\": \"a\", \"ttlSeconds\": -1}", "{\"user\": \"a\", \"scopes\": \"all\"}")) {
            Http.Response r = Http.postJson(api, "/local/v1/token", null, bad);
            assertEquals(400, r.status(), bad + " -> " + r.text());
            assertEquals("BAD_REQUEST", r.json().path("error").asText());
        }
        assertEquals(404, Http.get(api, "/local/v1/nothing", null).status());
        JsonNode status = Http.get(api, "/local/v1/status", null).json();
        assertEquals(api.toString(), status.path("api").asText());
        assertTrue(status.path("functions").has("CommitFunction"));
    }

    @Test
    void theScheduleRunsOnDemandAsEventBridgeWouldDeliverIt() {
        Http.Response list = Http.get(api, "/local/v1/schedules", null);
        JsonNode rule = list.json().path("schedules").get(0);
        assertEquals("GcFunction", rule.path("function").asText());
        assertEquals("cron(0 3 * * ? *)", rule.path("expression").asText());
        Http.Response run = Http.postJson(api, "/local/v1/schedules/GcFunction/run", null, "");
        assertEquals(200, run.status(), run.text());
        assertTrue(run.json().path("gc").has("runId"), run.text());
        assertTrue(cloud.runGc().path("gc").path("complete").asBoolean(), "an empty store is collected in one run");
        assertEquals(404, Http.postJson(api, "/local/v1/schedules/NoSuchRule/run", null, "").status());
    }

    @Test
    void aSecondCloudOnTheSamePortsSaysTheyAreTaken() {
        PortInUseException e = assertThrows(PortInUseException.class, () -> LocalCloud.start(LocalCloud.Options.inMemory()
                .withPorts(api.getPort(), 0, 0)));
        assertEquals(api.getPort(), e.port());
    }

    private ObjectNode claims(String user) {
        ObjectNode c = Http.JSON.createObjectNode();
        long now = java.time.Instant.now().getEpochSecond();
        c.put("iss", cloud.issuer().issuer());
        c.put("sub", dev.chunkvault.local.auth.LocalIssuer.subjectOf(user));
        c.put("aud", dev.chunkvault.local.auth.LocalIssuer.AUDIENCE);
        c.put("scope", "chunkvault/read chunkvault/write");
        c.put("iat", now);
        c.put("exp", now + 300);
        return c;
    }

    static String sha256Hex(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    static String sha256B64(byte[] b) throws Exception {
        return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
