package dev.chunkvault.api.handlers;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** Bearer tokens as the function sees them: already verified by the authorizer, so the signature is a placeholder. */
final class Tokens {
    private Tokens() {}

    /** An {@code Authorization} header value whose token carries {@code claimsJson}. */
    static String bearer(String claimsJson) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        return "Bearer " + b64.encodeToString("{\"alg\":\"RS256\",\"kid\":\"test\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString(claimsJson.getBytes(StandardCharsets.UTF_8)) + ".test-signature";
    }

    /** An {@code Authorization} header value whose token's {@code sub} is the string {@code sub} (plain text only). */
    static String bearerFor(String sub) {
        return bearer("{\"sub\":\"" + sub + "\"}");
    }
}
