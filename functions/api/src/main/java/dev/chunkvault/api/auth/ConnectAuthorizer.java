package dev.chunkvault.api.auth;

import dev.chunkvault.service.vault.Owner;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Decides whether a WebSocket connection may open: the same JWT the HTTP API's authorizer accepts (issuer, audience,
 * signature, expiry; see {@link JwtVerifier}), with the {@code chunkvault/read} scope (notifications tell when files
 * changed), and a subject the service accepts as an owner. WebSocket APIs have no JWT authorizer, so this runs in a
 * Lambda REQUEST authorizer.
 */
public final class ConnectAuthorizer {
    public static final String SCOPE = "chunkvault/read";

    private final String issuer;
    private final Set<String> audiences;
    private final JwksSource keys;
    private final Clock clock;

    /** Allowed (the owner), or not: {@code unauthenticated} (401) or {@code forbidden} (403); why goes to the log. */
    public record Decision(Optional<Owner> owner, boolean unauthenticated, String why) {
        static Decision allow(Owner o) {
            return new Decision(Optional.of(o), false, "allowed");
        }

        static Decision unauthenticated(String why) {
            return new Decision(Optional.empty(), true, why);
        }

        static Decision forbidden(String why) {
            return new Decision(Optional.empty(), false, why);
        }
    }

    public ConnectAuthorizer(String issuer, Set<String> audiences, JwksSource keys, Clock clock) {
        this.issuer = issuer;
        this.audiences = Set.copyOf(audiences);
        this.keys = keys;
        this.clock = clock;
    }

    /**
     * @param authorization the {@code Authorization} header's value ({@code Bearer TOKEN}), or null
     * @throws IOException when the issuer's keys cannot be fetched (the connection is then refused by the caller as a
     *                     server error, not as a bad token)
     */
    public Decision decide(String authorization) throws IOException {
        JwtVerifier.Verified v;
        try {
            v = new JwtVerifier(issuer, audiences, keys.keys(), clock).verify(authorization);
        } catch (JwtVerifier.Rejected e) {
            if (!e.getMessage().startsWith("no key with that kid") || !keys.refreshIfStale()) {
                return Decision.unauthenticated(e.getMessage());
            }
            try {
                v = new JwtVerifier(issuer, audiences, keys.keys(), clock).verify(authorization);
            } catch (JwtVerifier.Rejected again) {
                return Decision.unauthenticated(again.getMessage());
            }
        }
        List<String> scopes = v.scopes();
        if (!scopes.contains(SCOPE)) {
            return Decision.forbidden("missing scope " + SCOPE);
        }
        String sub = v.claims().get("sub");
        if (sub == null || Owner.problem(sub).isPresent()) {
            return Decision.unauthenticated("unusable subject");
        }
        return Decision.allow(Owner.of(sub));
    }
}
