package dev.chunkvault.local.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.Headers;
import dev.chunkvault.local.auth.LocalIssuer;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The local cloud's own endpoints, under {@code /local/} (no template route may use that prefix). They exist only
 * locally, on loopback, without authentication — a local cloud is a developer's machine:
 * (The Cognito-like sign-in endpoints {@code /oauth2/authorize} and {@code /oauth2/token} are {@link OAuthEndpoints}.)
 * <ul>
 *   <li>{@code GET /local/.well-known/openid-configuration} and {@code GET /local/.well-known/jwks.json}: the local
 *       issuer, as an OIDC provider publishes itself (the JWT authorizer verifies with this JWKS);</li>
 *   <li>{@code POST /local/v1/token} {@code {"user": "alice", "scopes": [...], "ttlSeconds": 43200}}: mint an access
 *       token (scopes default to read, write and admin; 12 hours);</li>
 *   <li>{@code GET /local/v1/schedules}: each schedule rule and its next firing;
 *       {@code POST /local/v1/schedules/{rule or function}/run}: fire it now and wait for the result;</li>
 *   <li>{@code GET /local/v1/status}: endpoints, functions and counters.</li>
 * </ul>
 * Errors are {@code {"error": CODE, "message": ...}} with a 4xx status.
 */
public final class LocalEndpoints {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> TOKEN_FIELDS = Set.of("user", "scopes", "ttlSeconds");

    /** What the endpoints ask of the running local cloud. */
    public interface Control {
        LocalIssuer issuer();

        ObjectNode schedules();

        /** Fires a rule (by rule or function name) now; empty if there is no such rule. */
        java.util.Optional<JsonNode> runSchedule(String name) throws Exception;

        ObjectNode status();
    }

    private final Control control;
    private final OAuthEndpoints oauth;

    /** With the OAuth endpoints' refresh tokens in memory only. */
    public LocalEndpoints(Control control) {
        this(control, new OAuthEndpoints(control::issuer, null, java.time.Clock.systemUTC()));
    }

    public LocalEndpoints(Control control, OAuthEndpoints oauth) {
        this.control = control;
        this.oauth = oauth;
    }

    /** The Cognito-like sign-in endpoints under {@code /oauth2/} (see {@link OAuthEndpoints}). */
    LocalHttpApi.Reply handleOAuth(String method, String path, String rawQuery, Headers headers, byte[] body) {
        return oauth.handle(method, path, rawQuery, headers, body);
    }

    LocalHttpApi.Reply handle(String method, String path, Headers headers, byte[] body) {
        try {
            return route(method, path, body);
        } catch (BadRequest e) {
            return error(400, "BAD_REQUEST", e.getMessage());
        } catch (Exception e) {
            org.slf4j.LoggerFactory.getLogger(LocalEndpoints.class).error("local endpoint {} failed", path, e);
            return error(500, "INTERNAL", "The local cloud failed; see its console.");
        }
    }

    private LocalHttpApi.Reply route(String method, String path, byte[] body) throws Exception {
        switch (path) {
            case "/local/.well-known/openid-configuration" -> {
                requireMethod(method, "GET");
                ObjectNode d = JSON.createObjectNode();
                d.put("issuer", control.issuer().issuer());
                d.put("jwks_uri", control.issuer().issuer() + "/.well-known/jwks.json");
                // The Cognito-like endpoints are at the root, as on a hosted-UI domain (the issuer is under /local).
                String root = control.issuer().issuer().replaceFirst("/local$", "");
                d.put("authorization_endpoint", root + OAuthEndpoints.AUTHORIZE_PATH);
                d.put("token_endpoint", root + OAuthEndpoints.TOKEN_PATH);
                d.putArray("id_token_signing_alg_values_supported").add("RS256");
                d.putArray("response_types_supported").add("code");
                var grants = d.putArray("grant_types_supported");
                grants.add("authorization_code");
                grants.add("refresh_token");
                d.putArray("code_challenge_methods_supported").add("S256");
                var scopes = d.putArray("scopes_supported");
                OAuthEndpoints.SCOPES.forEach(scopes::add);
                d.putArray("token_endpoint_auth_methods_supported").add("none");
                d.putArray("subject_types_supported").add("public");
                return LocalHttpApi.Reply.json(200, d);
            }
            case "/local/.well-known/jwks.json" -> {
                requireMethod(method, "GET");
                return LocalHttpApi.Reply.json(200, control.issuer().jwks());
            }
            case "/local/v1/token" -> {
                requireMethod(method, "POST");
                return token(body);
            }
            case "/local/v1/schedules" -> {
                requireMethod(method, "GET");
                return LocalHttpApi.Reply.json(200, control.schedules());
            }
            case "/local/v1/status" -> {
                requireMethod(method, "GET");
                return LocalHttpApi.Reply.json(200, control.status());
            }
            default -> {
                if (path.startsWith("/local/v1/schedules/") && path.endsWith("/run")) {
                    requireMethod(method, "POST");
                    String name = path.substring("/local/v1/schedules/".length(), path.length() - "/run".length());
                    var out = control.runSchedule(name);
                    if (out.isEmpty()) {
                        return error(404, "NO_SUCH_SCHEDULE", "No schedule rule or scheduled function is called '" + clip(name) + "'.");
                    }
                    return LocalHttpApi.Reply.json(200, out.get());
                }
                return error(404, "NOT_FOUND", "No local endpoint at this path.");
            }
        }
    }

    private LocalHttpApi.Reply token(byte[] body) throws BadRequest {
        JsonNode req;
        try {
            req = body.length == 0 ? JSON.createObjectNode() : JSON.readTree(body);
        } catch (IOException e) {
            throw new BadRequest("The body must be JSON: {\"user\": \"alice\"}.");
        }
        if (req == null || !req.isObject()) {
            throw new BadRequest("The body must be a JSON object: {\"user\": \"alice\"}.");
        }
        for (var it = req.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!TOKEN_FIELDS.contains(f)) {
                throw new BadRequest("Unknown field '" + clip(f) + "'; the fields are user, scopes, ttlSeconds.");
            }
        }
        if (!req.path("user").isTextual()) {
            throw new BadRequest("Give the user name: {\"user\": \"alice\"}.");
        }
        List<String> scopes = new ArrayList<>(LocalIssuer.DEFAULT_SCOPES);
        if (req.has("scopes")) {
            if (!req.get("scopes").isArray()) {
                throw new BadRequest("'scopes' is a list of strings.");
            }
            scopes.clear();
            for (JsonNode s : req.get("scopes")) {
                if (!s.isTextual()) {
                    throw new BadRequest("'scopes' is a list of strings.");
                }
                scopes.add(s.asText());
            }
        }
        Duration ttl = LocalIssuer.DEFAULT_TTL;
        if (req.has("ttlSeconds")) {
            if (!req.get("ttlSeconds").canConvertToLong() || !req.get("ttlSeconds").isIntegralNumber()) {
                throw new BadRequest("'ttlSeconds' is a whole number of seconds.");
            }
            ttl = Duration.ofSeconds(req.get("ttlSeconds").asLong());
        }
        LocalIssuer.Token t;
        try {
            t = control.issuer().mint(req.get("user").asText(), scopes, ttl);
        } catch (IllegalArgumentException e) {
            throw new BadRequest(e.getMessage().substring(0, 1).toUpperCase() + e.getMessage().substring(1) + ".");
        }
        ObjectNode out = JSON.createObjectNode();
        out.put("token", t.token());
        out.put("tokenType", "Bearer");
        out.put("sub", t.sub());
        out.put("user", req.get("user").asText());
        out.putPOJO("scopes", t.scopes());
        out.put("expiresAt", t.expiresAt().toString());
        return LocalHttpApi.Reply.json(200, out);
    }

    private static void requireMethod(String method, String want) throws BadRequest {
        if (!method.equals(want)) {
            throw new BadRequest("Use " + want + " here.");
        }
    }

    private static LocalHttpApi.Reply error(int status, String code, String message) {
        ObjectNode n = JSON.createObjectNode();
        n.put("error", code);
        n.put("message", message);
        return LocalHttpApi.Reply.json(status, n);
    }

    private static String clip(String s) {
        String printable = s.codePoints().filter(c -> c >= 0x20 && c != 0x7f).limit(64)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
        return printable.replace("'", "");
    }

    private static final class BadRequest extends Exception {
        BadRequest(String message) {
            super(message, null, false, false);
        }
    }
}
