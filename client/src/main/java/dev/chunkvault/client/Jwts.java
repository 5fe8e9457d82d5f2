package dev.chunkvault.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.Base64;
import java.util.Optional;

/**
 * Reads a claim of a JWT without verifying it: the service verifies tokens; the client only needs to tell two
 * accounts apart (a sync folder belongs to one).
 */
public final class Jwts {
    private Jwts() {}

    /** The {@code sub} claim of a JWT, or empty when the token is not a JWT or has none. */
    public static Optional<String> subject(String token) {
        return claims(token).map(c -> c.get("sub"))
                .filter(sub -> sub.isTextual() && !sub.asText().isBlank()).map(JsonNode::asText);
    }

    /** The {@code exp} claim of a JWT, or empty when the token is not a JWT or has none. */
    public static Optional<java.time.Instant> expiry(String token) {
        return claims(token).map(c -> c.get("exp")).filter(JsonNode::isNumber)
                .map(exp -> java.time.Instant.ofEpochSecond(exp.asLong()));
    }

    /** The claims of a JWT (its payload, decoded, not verified), or empty when the token is not one. */
    private static Optional<JsonNode> claims(String token) {
        if (token == null) {
            return Optional.empty();
        }
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3 || parts[1].isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.ofNullable(ClientJson.MAPPER.readTree(Base64.getUrlDecoder().decode(parts[1])));
        } catch (IllegalArgumentException | IOException notAJwt) {
            return Optional.empty();
        }
    }
}
