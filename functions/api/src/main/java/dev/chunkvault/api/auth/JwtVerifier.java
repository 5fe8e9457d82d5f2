package dev.chunkvault.api.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.RSAPublicKeySpec;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Validates a bearer token the way an API Gateway HTTP API JWT authorizer does: a JWS in compact form signed with
 * RS256/RS384/RS512 by a key of the issuer's JWKS (matched by {@code kid}), {@code iss} equal to the configured
 * issuer, {@code aud} — or, for access tokens without one, {@code client_id} — among the configured audiences,
 * {@code exp} in the future, {@code nbf} (if present) in the past, {@code iat} (if present) not in the future, each
 * of them a JSON number of seconds from 0 to the end of the year 9999 (anything else is not a date: the token is refused).
 * Scopes come from {@code scope} (space-separated) or {@code scp}. The reason a token is refused is logged, never sent.
 */
public final class JwtVerifier {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> ALGORITHMS = Map.of("RS256", "SHA256withRSA", "RS384", "SHA384withRSA",
            "RS512", "SHA512withRSA");
    /** API Gateway tolerates no clock skew on exp; iat a little in the future is a clock difference, not a forgery. */
    private static final long IAT_SKEW_SECONDS = 300;
    private static final int MAX_TOKEN_CHARS = 16 * 1024;
    /** The last second of the year 9999 (253402300799): no token is meant to live longer; a larger date is an error. */
    public static final long MAX_NUMERIC_DATE = 253_402_300_799L;

    private final String issuer;
    private final Set<String> audiences;
    private final Map<String, PublicKey> keys;
    private final Clock clock;

    /** A verified token: its claims in API Gateway's string form, and its scopes. */
    public record Verified(Map<String, String> claims, List<String> scopes) {}

    /** The token is not acceptable; {@link #getMessage()} says why (for the log only). */
    public static final class Rejected extends Exception {
        Rejected(String why) {
            super(why, null, false, false);
        }
    }

    public JwtVerifier(String issuer, Set<String> audiences, JsonNode jwks, Clock clock) {
        this.issuer = issuer;
        this.audiences = Set.copyOf(audiences);
        this.keys = parseJwks(jwks);
        this.clock = clock;
    }

    private static Map<String, PublicKey> parseJwks(JsonNode jwks) {
        Map<String, PublicKey> out = new LinkedHashMap<>();
        for (JsonNode k : jwks.path("keys")) {
            if (!"RSA".equals(k.path("kty").asText()) || k.path("kid").asText().isEmpty()) {
                continue;
            }
            try {
                BigInteger n = new BigInteger(1, Base64.getUrlDecoder().decode(k.path("n").asText()));
                BigInteger e = new BigInteger(1, Base64.getUrlDecoder().decode(k.path("e").asText()));
                out.put(k.path("kid").asText(), KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(n, e)));
            } catch (IllegalArgumentException | GeneralSecurityException ex) {
                // An unusable key in the set verifies nothing; the others still work.
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("the JWKS has no usable RSA key");
        }
        return Map.copyOf(out);
    }

    /** Verifies the value of the identity source (the Authorization header, with or without "Bearer "). */
    public Verified verify(String headerValue) throws Rejected {
        if (headerValue == null || headerValue.isBlank()) {
            throw new Rejected("no token");
        }
        String token = headerValue.strip();
        if (token.regionMatches(true, 0, "Bearer ", 0, 7)) {
            token = token.substring(7).strip();
        }
        if (token.length() > MAX_TOKEN_CHARS) {
            throw new Rejected("token too long");
        }
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3) {
            throw new Rejected("not a compact JWS");
        }
        JsonNode header = json(parts[0], "header");
        JsonNode claims = json(parts[1], "payload");
        String alg = header.path("alg").asText();
        String javaAlg = ALGORITHMS.get(alg);
        if (javaAlg == null) {
            throw new Rejected("algorithm '" + alg + "' is not accepted");
        }
        PublicKey key = keys.get(header.path("kid").asText());
        if (key == null) {
            throw new Rejected("no key with that kid in the JWKS");
        }
        byte[] signature = b64(parts[2], "signature");
        try {
            Signature s = Signature.getInstance(javaAlg);
            s.initVerify(key);
            s.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
            if (!s.verify(signature)) {
                throw new Rejected("bad signature");
            }
        } catch (GeneralSecurityException e) {
            throw new Rejected("signature cannot be checked");
        }
        if (!issuer.equals(claims.path("iss").asText())) {
            throw new Rejected("wrong issuer");
        }
        if (!audienceMatches(claims)) {
            throw new Rejected("wrong audience");
        }
        long now = clock.instant().getEpochSecond();
        if (!claims.has("exp")) {
            throw new Rejected("no exp");
        }
        if (numericDate(claims, "exp") <= now) {
            throw new Rejected("expired");
        }
        if (claims.has("nbf") && numericDate(claims, "nbf") > now) {
            throw new Rejected("not yet valid");
        }
        if (claims.has("iat") && numericDate(claims, "iat") > now + IAT_SKEW_SECONDS) {
            throw new Rejected("issued in the future");
        }
        return new Verified(stringClaims((ObjectNode) claims), scopes(claims));
    }

    /**
     * A NumericDate claim (RFC 7519 §2: seconds since the epoch, possibly fractional) in whole seconds, rounded down.
     * Only a JSON number from 0 to {@link #MAX_NUMERIC_DATE} is one: a value that does not fit a long (1e30,
     * 99999999999999999999) would otherwise wrap or saturate into a date that lets a token through (an exp of
     * 2^64 + t is read as t, an nbf of 2^64 as 0), and a string, boolean or null is not a date at all.
     */
    static long numericDate(JsonNode claims, String name) throws Rejected {
        JsonNode n = claims.get(name);
        if (n == null || !n.isNumber() || (n.isFloatingPointNumber() && !Double.isFinite(n.doubleValue()))) {
            throw new Rejected(name + " is not a NumericDate");
        }
        BigDecimal seconds = n.decimalValue();
        if (seconds.signum() < 0 || seconds.compareTo(BigDecimal.valueOf(MAX_NUMERIC_DATE)) > 0) {
            throw new Rejected(name + " is out of range");
        }
        return seconds.setScale(0, RoundingMode.FLOOR).longValueExact();
    }

    private boolean audienceMatches(JsonNode claims) {
        JsonNode aud = claims.get("aud");
        if (aud != null) {
            if (aud.isTextual()) {
                return audiences.contains(aud.asText());
            }
            for (JsonNode a : aud) {
                if (audiences.contains(a.asText())) {
                    return true;
                }
            }
            return false;
        }
        return audiences.contains(claims.path("client_id").asText(""));
    }

    private static List<String> scopes(JsonNode claims) {
        List<String> out = new ArrayList<>();
        JsonNode scope = claims.has("scope") ? claims.get("scope") : claims.get("scp");
        if (scope == null) {
            return out;
        }
        if (scope.isTextual()) {
            for (String s : scope.asText().trim().split("\\s+")) {
                if (!s.isEmpty()) {
                    out.add(s);
                }
            }
        } else {
            scope.forEach(s -> out.add(s.asText()));
        }
        return out;
    }

    /** Claims as API Gateway hands them to Lambda: every value a string, arrays as "[a b]". */
    private static Map<String, String> stringClaims(ObjectNode claims) {
        Map<String, String> out = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = claims.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            if (v.isTextual()) {
                out.put(e.getKey(), v.asText());
            } else if (v.isArray()) {
                List<String> items = new ArrayList<>();
                v.forEach(i -> items.add(i.isTextual() ? i.asText() : i.toString()));
                out.put(e.getKey(), "[" + String.join(" ", items) + "]");
            } else {
                out.put(e.getKey(), v.toString());
            }
        }
        return out;
    }

    private static JsonNode json(String part, String what) throws Rejected {
        try {
            JsonNode n = JSON.readTree(b64(part, what));
            if (n == null || !n.isObject()) {
                throw new Rejected(what + " is not a JSON object");
            }
            return n;
        } catch (IOException e) {
            throw new Rejected(what + " is not JSON");
        }
    }

    private static byte[] b64(String part, String what) throws Rejected {
        try {
            return Base64.getUrlDecoder().decode(part);
        } catch (IllegalArgumentException e) {
            throw new Rejected(what + " is not base64url");
        }
    }
}
