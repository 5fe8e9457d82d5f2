package dev.chunkvault.api.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The WebSocket authorizer's decisions, with keys found by OpenID discovery and fetched again on rotation. */
class ConnectAuthorizerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ISSUER = "https://issuer.example/pool";
    private final Instant now = Instant.parse("2026-12-06T12:00:00Z");
    private final MutableClock clock = new MutableClock(now);
    private final List<URI> fetched = new ArrayList<>();
    private KeyPair key = rsa();
    private String kid = "k1";

    private static final class MutableClock extends Clock {
        Instant at;

        MutableClock(Instant at) {
            this.at = at;
        }

        @Override
        public Instant instant() {
            return at;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }

    private static KeyPair rsa() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            return g.generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String b64(byte[] b) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    private static String unsigned(BigInteger n) {
        byte[] b = n.toByteArray();
        return b[0] == 0 ? b64(java.util.Arrays.copyOfRange(b, 1, b.length)) : b64(b);
    }

    private JsonNode discovery(URI uri) throws IOException {
        fetched.add(uri);
        if (uri.toString().equals(ISSUER + "/.well-known/openid-configuration")) {
            return JSON.createObjectNode().put("issuer", ISSUER).put("jwks_uri", ISSUER + "/jwks.json");
        }
        if (uri.toString().equals(ISSUER + "/jwks.json")) {
            RSAPublicKey pub = (RSAPublicKey) key.getPublic();
            ObjectNode jwks = JSON.createObjectNode();
            jwks.putArray("keys").addObject().put("kty", "RSA").put("kid", kid).put("alg", "RS256")
                    .put("n", unsigned(pub.getModulus())).put("e", unsigned(pub.getPublicExponent()));
            return jwks;
        }
        throw new IOException("404 " + uri);
    }

    private ConnectAuthorizer authorizer() {
        return new ConnectAuthorizer(ISSUER, Set.of("cli"), new JwksSource(ISSUER, null, this::discovery, clock), clock);
    }

    private String token(String sub, String scope, long expIn) throws Exception {
        ObjectNode claims = JSON.createObjectNode().put("iss", ISSUER).put("sub", sub).put("client_id", "cli")
                .put("scope", scope).put("exp", now.getEpochSecond() + expIn).put("iat", now.getEpochSecond());
        String input = b64(JSON.writeValueAsBytes(JSON.createObjectNode().put("alg", "RS256").put("kid", kid))) + "."
                + b64(JSON.writeValueAsBytes(claims));
        Signature s = Signature.getInstance("SHA256withRSA");
        s.initSign(key.getPrivate());
        s.update(input.getBytes(StandardCharsets.US_ASCII));
        return "Bearer " + input + "." + b64(s.sign());
    }

    @Test
    void theSameTokenRulesAsTheHttpApiPlusTheReadScope() throws Exception {
        ConnectAuthorizer a = authorizer();
        ConnectAuthorizer.Decision ok = a.decide(token("alice", "openid chunkvault/read", 3600));
        assertEquals("alice", ok.owner().orElseThrow().sub());
        assertTrue(a.decide(null).unauthenticated());
        assertTrue(a.decide("Bearer junk").unauthenticated());
        assertTrue(a.decide(token("alice", "chunkvault/read", -1)).unauthenticated(), "expired");
        ConnectAuthorizer.Decision writeOnly = a.decide(token("alice", "chunkvault/write", 3600));
        assertFalse(writeOnly.unauthenticated());
        assertTrue(writeOnly.owner().isEmpty(), "no read scope: forbidden");
        assertTrue(a.decide(token("bad\u0000sub", "chunkvault/read", 3600)).unauthenticated(), "a subject the service refuses");
        assertEquals(List.of(URI.create(ISSUER + "/.well-known/openid-configuration"), URI.create(ISSUER + "/jwks.json")),
                fetched, "discovery once, then the keys are kept");
    }

    @Test
    void rotatedKeysAreFetchedAgainAtMostOnceAMinute() throws Exception {
        ConnectAuthorizer a = authorizer();
        assertTrue(a.decide(token("alice", "chunkvault/read", 3600)).owner().isPresent());
        key = rsa();
        kid = "k2";
        String rotated = token("alice", "chunkvault/read", 3600);
        clock.at = now.plus(Duration.ofSeconds(30));
        assertTrue(a.decide(rotated).unauthenticated(), "fetched within the minute: not again");
        clock.at = now.plus(Duration.ofSeconds(61));
        assertTrue(a.decide(rotated).owner().isPresent(), "after a minute the new key set is fetched");
        int fetches = fetched.size();
        assertTrue(a.decide(token("alice", "chunkvault/read", 3600)).owner().isPresent());
        assertEquals(fetches, fetched.size());
    }

    @Test
    void aDiscoveryDocumentOfAnotherIssuerOrPlainHttpIsRefused() {
        JwksSource other = new JwksSource(ISSUER, null, uri -> JSON.createObjectNode().put("issuer", "https://evil.example")
                .put("jwks_uri", "https://evil.example/jwks.json"), clock);
        assertThrows(IOException.class, other::keys);
        assertThrows(IOException.class, () -> JwksSource.http().get(URI.create("http://issuer.example/jwks.json")));
    }
}
