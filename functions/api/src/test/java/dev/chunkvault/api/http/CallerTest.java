package dev.chunkvault.api.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.fasterxml.jackson.databind.JsonNode;
import dev.chunkvault.service.vault.Owner;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The tenant is the token's {@code sub}, and only a sub that is a JSON string of well-formed Unicode text within the
 * length limit: API Gateway passes every claim to the function as a string, so {@code 123}, {@code null}, arrays and
 * objects would otherwise become tenants "123", "null", "[a]", and unpaired surrogates would all become "?" in UTF-8.
 */
class CallerTest {
    private static String b64(String s) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    /** A request as API Gateway passes it: the token in the Authorization header, its claims as strings. */
    static ApiRequest request(String subJson, String claimedSub) {
        String token = b64("{\"alg\":\"RS256\",\"kid\":\"k\"}") + "." + b64("{\"iss\":\"https://issuer\",\"sub\":" + subJson
                + ",\"exp\":1795942800}") + ".sig";
        return requestWith("Bearer " + token, claimedSub);
    }

    static ApiRequest requestWith(String authorization, String claimedSub) {
        Map<String, String> claims = new HashMap<>();
        claims.put("iss", "https://issuer");
        if (claimedSub != null) {
            claims.put("sub", claimedSub);
        }
        var jwt = new APIGatewayV2HTTPEvent.RequestContext.Authorizer.JWT();
        jwt.setClaims(claims);
        var auth = new APIGatewayV2HTTPEvent.RequestContext.Authorizer();
        auth.setJwt(jwt);
        var ctx = new APIGatewayV2HTTPEvent.RequestContext();
        ctx.setAuthorizer(auth);
        ctx.setRequestId("r-1");
        Map<String, String> headers = new HashMap<>();
        if (authorization != null) {
            headers.put("authorization", authorization);
        }
        return new ApiRequest(APIGatewayV2HTTPEvent.builder().withRouteKey("GET /v1/files").withHeaders(headers)
                .withRequestContext(ctx).build(), "r-1");
    }

    static String json(String s) throws Exception {
        return Json.MAPPER.writeValueAsString(s);
    }

    @Test
    void aStringSubjectIsTheTenant() throws Exception {
        assertEquals(new Owner("8f0e2c1a-5b7d-4e2f-9a10-alice"), request(json("8f0e2c1a-5b7d-4e2f-9a10-alice"),
                "8f0e2c1a-5b7d-4e2f-9a10-alice").caller());
        assertEquals(new Owner("123"), request("\"123\"", "123").caller(), "a string of digits is a fine subject");
        assertEquals(new Owner("alice"), request(json("alice"), "alice").caller());
        assertEquals("alice", requestWith("Bearer " + "e30." + b64("{\"sub\":\"alice\"}") + ".x", "alice").caller().sub());
        assertEquals("alice", requestWith("e30." + b64("{\"sub\":\"alice\"}") + ".x", "alice").caller().sub(),
                "the identity source may carry the token without the Bearer prefix");
    }

    @ParameterizedTest
    @ValueSource(strings = {"123", "-1", "1.5", "1e3", "null", "true", "false", "[\"alice\"]", "[]", "{\"a\":1}", "{}"})
    void aSubjectThatIsNotAJsonStringIs401(String subJson) {
        // What API Gateway hands over for these: the JSON text or its own rendering of it; every one also reads as a
        // string subject somebody else may have.
        for (String claimed : List.of(subJson, subJson.replace("\"", "").replace(",", " "))) {
            ApiRequest.NotAuthenticated e = assertThrows(ApiRequest.NotAuthenticated.class,
                    () -> request(subJson, claimed).caller(), subJson);
            assertTrue(e.badSubject(), subJson);
        }
    }

    @Test
    void unpairedSurrogatesAre401WhateverTheClaimBecame() {
        // The token carries "\ud800"; the claim is that text as the local cloud passes it, or as a decoder that
        // replaces it (U+FFFD) or an encoder that cannot encode it ("?") would.
        for (String raw : List.of("\"\\ud800\"", "\"\\ud801\"", "\"\\udc00\"", "\"a\\ud800b\"", "\"\\udc00\\ud800\"")) {
            for (String claimed : List.of(decode(raw), "?", "\ufffd", decode(raw).replaceAll("[\ud800-\udfff]", "?"))) {
                ApiRequest.NotAuthenticated e = assertThrows(ApiRequest.NotAuthenticated.class,
                        () -> request(raw, claimed).caller(), raw + " claimed as " + claimed);
                assertTrue(e.badSubject());
            }
        }
    }

    private static String decode(String jsonString) {
        try {
            return Json.MAPPER.readValue(jsonString, String.class);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void subjectsWithControlOrReplacementCharactersOrNoncharactersAre401() throws Exception {
        for (String sub : List.of("alice\u0000", "\u0000", "a\nb", "a\tb", "alice\r", "\u007f", "a\u0085b", "a\u009fb",
                "\ufffd", "alice\ufffd", "\ufdd0", "a\ufffe", "\uffff", new String(Character.toChars(0x1FFFF)),
                new String(Character.toChars(0x10FFFF)))) {
            ApiRequest.NotAuthenticated e = assertThrows(ApiRequest.NotAuthenticated.class,
                    () -> request(json(sub), sub).caller(), sub);
            assertTrue(e.badSubject());
        }
    }

    @Test
    void emptyBlankOrMissingSubjectsAre401() throws Exception {
        for (String sub : List.of("", " ", "   ", "\u2003")) {
            assertTrue(assertThrows(ApiRequest.NotAuthenticated.class, () -> request(json(sub), sub).caller()).badSubject());
        }
        String noSub = "e30." + b64("{\"iss\":\"https://issuer\"}") + ".x";
        assertTrue(assertThrows(ApiRequest.NotAuthenticated.class, () -> requestWith("Bearer " + noSub, null).caller()).badSubject());
    }

    @Test
    void theLengthLimitIs255BytesOfUtf8() throws Exception {
        String ascii = "a".repeat(255);
        assertEquals(ascii, request(json(ascii), ascii).caller().sub());
        String euros = "\u20ac".repeat(85); // 3 bytes each: 255
        assertEquals(euros, request(json(euros), euros).caller().sub());
        String emoji = "\ud83d\ude00".repeat(63) + "abc"; // 4 bytes each: 252 + 3
        assertEquals(emoji, request(json(emoji), emoji).caller().sub());
        for (String sub : List.of("a".repeat(256), "\u20ac".repeat(86), "\u20ac".repeat(85) + "a", "\ud83d\ude00".repeat(64),
                "a".repeat(100_000))) {
            assertTrue(assertThrows(ApiRequest.NotAuthenticated.class, () -> request(json(sub), sub).caller()).badSubject(),
                    sub.length() + " chars");
        }
    }

    @Test
    void supplementaryCharactersAreNotMistakenForSurrogates() throws Exception {
        // U+1D800's low 16 bits are 0xD800: a check on the truncated char would refuse it.
        String sub = new String(Character.toChars(0x1D800)) + new String(Character.toChars(0x2DFFF));
        assertEquals(sub, request(json(sub), sub).caller().sub());
    }

    @Test
    void theTokenAndTheClaimMustAgree() throws Exception {
        ApiRequest.NotAuthenticated e = assertThrows(ApiRequest.NotAuthenticated.class,
                () -> request(json("mallory"), "alice").caller());
        assertTrue(e.badSubject());
        // A duplicated sub: one parser would take the first, another the last.
        String dup = "e30." + b64("{\"sub\":\"alice\",\"sub\":\"mallory\"}") + ".x";
        assertThrows(ApiRequest.NotAuthenticated.class, () -> requestWith("Bearer " + dup, "alice").caller());
        assertThrows(ApiRequest.NotAuthenticated.class, () -> requestWith("Bearer " + dup, "mallory").caller());
    }

    @Test
    void noTokenOrAnUnreadableOneIs401() {
        for (String auth : new String[] {null, "", "Bearer ", "Bearer a.b", "Bearer a.b.c.d", "Bearer e30.!!!.x",
                "Bearer e30." + b64("[1]") + ".x", "Bearer e30." + b64("{\"sub\":\"alice\"} trailing") + ".x",
                "Bearer e30." + b64("{\"sub\":\"alice\"}") + ".x,e30." + b64("{\"sub\":\"alice\"}") + ".x"}) {
            ApiRequest.NotAuthenticated e = assertThrows(ApiRequest.NotAuthenticated.class,
                    () -> requestWith(auth, "alice").caller(), String.valueOf(auth));
            assertFalse(e.badSubject());
        }
    }

    @Test
    void differentAcceptedSubjectsAreDifferentTenantsWithDifferentTags() throws Exception {
        // Near misses that some normalisation would merge: NFC and NFD, compatibility forms, case, spacing, and the
        // renderings of other JSON types. The service normalises none of them (RFC 7519 §7.3), so none may collide.
        List<String> subs = List.of("?", "\u00e9", "e\u0301", "\u2126", "\u03a9", "\ufb01", "fi", "A", "a", "a ", " a",
                "123", "[alice]", "null", "a#b", "a", "a#", "\ud83d\ude00", "\u1e9b\u0323", "\u1e69");
        Set<String> tags = new java.util.HashSet<>();
        List<Owner> owners = new ArrayList<>();
        for (String sub : new java.util.LinkedHashSet<>(subs)) {
            Owner o = request(json(sub), sub).caller();
            assertEquals(sub, o.sub(), "used verbatim");
            owners.add(o);
            assertTrue(tags.add(o.tag()), "a tag of its own: " + sub);
        }
        for (Owner a : owners) {
            for (Owner b : owners) {
                if (a != b) {
                    assertNotEquals(a, b);
                    assertFalse(Arrays.equals(a.sub().getBytes(StandardCharsets.UTF_8), b.sub().getBytes(StandardCharsets.UTF_8)),
                            "the key bytes differ: " + a.sub() + " / " + b.sub());
                }
            }
        }
    }

    @Test
    void theInvalidSubject401IsAJsonErrorThatEchoesNothing() throws Exception {
        ByteArrayOutputStream logged = new ByteArrayOutputStream();
        StructuredLog log = new StructuredLog("test", "caller", "r-1", new PrintStream(logged, true, StandardCharsets.UTF_8));
        ApiRequest.NotAuthenticated e = assertThrows(ApiRequest.NotAuthenticated.class,
                () -> request("\"secret\\u0000sub\"", "secret\u0000sub").caller());
        HttpResponse r = ErrorMapper.map(e, "r-1", log);
        assertEquals(401, r.status());
        JsonNode body = Json.MAPPER.valueToTree(r.body());
        assertEquals("INVALID_SUBJECT", body.path("error").asText());
        assertEquals("r-1", body.path("requestId").asText());
        assertTrue(body.path("message").asText().contains("255 bytes"), body.toString());
        assertFalse(body.toString().contains("secret"), body.toString());
        assertFalse(body.toString().contains("Exception"), body.toString());
        assertEquals("Bearer error=\"invalid_token\"", r.headers().get("WWW-Authenticate"));
        assertFalse(logged.toString(StandardCharsets.UTF_8).contains("secret"), "the log does not echo the subject either");

        HttpResponse none = ErrorMapper.map(assertThrows(ApiRequest.NotAuthenticated.class,
                () -> requestWith(null, "alice").caller()), "r-2", log);
        assertEquals(401, none.status());
        assertEquals("UNAUTHORIZED", Json.MAPPER.valueToTree(none.body()).path("error").asText());
    }
}
