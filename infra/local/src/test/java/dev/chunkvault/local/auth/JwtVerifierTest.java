package dev.chunkvault.local.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chunkvault.api.auth.JwtVerifier;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tokens are accepted and refused as an API Gateway JWT authorizer would. */
class JwtVerifierTest {
    static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
    static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    static final String ISSUER = "http://127.0.0.1:4750/local";
    static final ObjectMapper JSON = new ObjectMapper();

    final LocalIssuer issuer = LocalIssuer.ephemeral(ISSUER, CLOCK);
    final JwtVerifier verifier = new JwtVerifier(ISSUER, Set.of(LocalIssuer.AUDIENCE), issuer.jwks(), CLOCK);

    ObjectNode claims() {
        ObjectNode c = JSON.createObjectNode();
        c.put("iss", ISSUER);
        c.put("sub", "s-1");
        c.put("aud", LocalIssuer.AUDIENCE);
        c.put("exp", NOW.getEpochSecond() + 60);
        c.put("iat", NOW.getEpochSecond());
        c.put("scope", "chunkvault/read chunkvault/write");
        return c;
    }

    @Test
    void mintedTokensVerifyWithTheirClaimsAndScopes() throws Exception {
        LocalIssuer.Token t = issuer.mint("alice", List.of("chunkvault/read"), Duration.ofHours(1));
        JwtVerifier.Verified v = verifier.verify("Bearer " + t.token());
        assertEquals(LocalIssuer.subjectOf("alice"), v.claims().get("sub"));
        assertEquals("alice", v.claims().get("username"));
        assertEquals(Long.toString(NOW.getEpochSecond() + 3600), v.claims().get("exp"), "numbers become strings");
        assertEquals(List.of("chunkvault/read"), v.scopes());
        assertEquals(v, verifier.verify(t.token()), "the Bearer prefix is optional");
        assertEquals(LocalIssuer.subjectOf("alice"), LocalIssuer.subjectOf("alice"));
        assertTrue(!LocalIssuer.subjectOf("alice").equals(LocalIssuer.subjectOf("bob")));
    }

    @Test
    void accessTokensWithoutAudienceMatchOnClientId() throws Exception {
        ObjectNode c = claims();
        c.remove("aud");
        c.put("client_id", LocalIssuer.AUDIENCE);
        c.putArray("scp").add("a").add("b");
        c.remove("scope");
        JwtVerifier.Verified v = verifier.verify(issuer.sign(c));
        assertEquals(List.of("a", "b"), v.scopes());
        assertEquals("[a b]", v.claims().get("scp"), "arrays as API Gateway prints them");
    }

    @Test
    void refusesEveryBadToken() {
        LocalIssuer other = LocalIssuer.ephemeral(ISSUER, CLOCK);
        ObjectNode expired = claims().put("exp", NOW.getEpochSecond());
        ObjectNode noExp = claims();
        noExp.remove("exp");
        ObjectNode future = claims().put("nbf", NOW.getEpochSecond() + 10);
        ObjectNode wrongIssuer = claims().put("iss", "https://evil.example");
        ObjectNode wrongAudience = claims().put("aud", "someone-else");
        ObjectNode issuedLater = claims().put("iat", NOW.getEpochSecond() + 3600);
        String good = issuer.sign(claims());
        String[] parts = good.split("\\.");
        String tamperedPayload = parts[0] + "." + b64(claims().put("sub", "s-2").toString()) + "." + parts[2];
        String none = b64("{\"alg\":\"none\",\"kid\":\"" + issuer.kid() + "\"}") + "." + parts[1] + ".";
        String forgedSameKid = other.sign(claims());
        forgedSameKid = parts[0] + "." + forgedSameKid.split("\\.")[1] + "." + forgedSameKid.split("\\.")[2];
        for (String bad : List.of("", "   ", "Bearer", "Bearer x.y", "a.b.c", good + "x", tamperedPayload, none,
                other.sign(claims()), forgedSameKid, issuer.sign(expired), issuer.sign(noExp), issuer.sign(future),
                issuer.sign(wrongIssuer), issuer.sign(wrongAudience), issuer.sign(issuedLater), "x".repeat(20_000))) {
            assertThrows(JwtVerifier.Rejected.class, () -> verifier.verify(bad), bad.length() > 80 ? bad.substring(0, 80) : bad);
        }
        assertThrows(JwtVerifier.Rejected.class, () -> verifier.verify(null));
    }

    @Test
    void datesThatAreNotNumbersOrDoNotFitALongAreRefused() throws Exception {
        long now = NOW.getEpochSecond();
        BigInteger wrap = BigInteger.ONE.shiftLeft(64);
        Map<String, ObjectNode> bad = new LinkedHashMap<>();
        bad.put("exp 1e30", claims().put("exp", 1e30));
        bad.put("exp 99999999999999999999", claims().put("exp", new BigInteger("99999999999999999999")));
        bad.put("exp Long.MAX_VALUE + 1", claims().put("exp", BigInteger.valueOf(Long.MAX_VALUE).add(BigInteger.ONE)));
        bad.put("exp 2^64 + now + 60 (wraps to a valid date)", claims().put("exp", wrap.add(BigInteger.valueOf(now + 60))));
        bad.put("exp 1E+400 (infinite as a double)", claims().put("exp", new java.math.BigDecimal("1e400")));
        bad.put("exp after the year 9999", claims().put("exp", JwtVerifier.MAX_NUMERIC_DATE + 1));
        bad.put("exp as a string", claims().put("exp", Long.toString(now + 60)));
        bad.put("exp null", claims().putNull("exp"));
        bad.put("exp true", claims().put("exp", true));
        bad.put("exp an array", (ObjectNode) claims().set("exp", JSON.createArrayNode().add(now + 60)));
        bad.put("nbf 2^64 (wraps to 0)", claims().put("nbf", wrap));
        bad.put("nbf 1e30", claims().put("nbf", 1e30));
        bad.put("nbf as a string", claims().put("nbf", Long.toString(now - 60)));
        bad.put("nbf negative", claims().put("nbf", -1));
        bad.put("iat 2^64 (wraps to 0)", claims().put("iat", wrap));
        bad.put("iat as a string", claims().put("iat", Long.toString(now)));
        bad.put("iat null", claims().putNull("iat"));
        for (Map.Entry<String, ObjectNode> e : bad.entrySet()) {
            assertThrows(JwtVerifier.Rejected.class, () -> verifier.verify(issuer.sign(e.getValue())), e.getKey());
        }
        // Still accepted: fractional dates (RFC 7519 allows them), and the largest date there is.
        verifier.verify(issuer.sign(claims().put("exp", now + 60.5).put("iat", now - 0.5).put("nbf", now - 10.25)));
        verifier.verify(issuer.sign(claims().put("exp", JwtVerifier.MAX_NUMERIC_DATE)));
        verifier.verify(issuer.sign(claims().put("exp", new BigInteger(Long.toString(now + 60))).put("nbf", 0)));
        assertThrows(JwtVerifier.Rejected.class, () -> verifier.verify(issuer.sign(claims().put("exp", now + 0.5))),
                "a fractional exp that has passed");
    }

    @Test
    void mintingValidatesItsInput() {
        assertThrows(IllegalArgumentException.class, () -> issuer.mint("", List.of(), Duration.ofHours(1)));
        assertThrows(IllegalArgumentException.class, () -> issuer.mint("a b", List.of(), Duration.ofHours(1)));
        assertThrows(IllegalArgumentException.class, () -> issuer.mint("alice", List.of("a b"), Duration.ofHours(1)));
        assertThrows(IllegalArgumentException.class, () -> issuer.mint("alice", List.of(), Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> issuer.mint("alice", List.of(), Duration.ofDays(31)));
    }

    @Test
    void aPersistentKeySurvivesARestart(@TempDir Path dir) throws Exception {
        Path key = dir.resolve("keys/key.pem");
        LocalIssuer first = LocalIssuer.persistent(ISSUER, key, CLOCK);
        String token = first.mint("alice", List.of("x"), Duration.ofHours(1)).token();
        LocalIssuer second = LocalIssuer.persistent(ISSUER, key, CLOCK);
        assertEquals(first.kid(), second.kid());
        new JwtVerifier(ISSUER, Set.of(LocalIssuer.AUDIENCE), second.jwks(), CLOCK).verify(token);
        assertTrue(Files.readString(key).startsWith("-----BEGIN PRIVATE KEY-----"));
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        Files.writeString(key, "garbage");
        assertThrows(IllegalStateException.class, () -> LocalIssuer.persistent(ISSUER, key, CLOCK));
    }

    private static String b64(String s) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }
}
