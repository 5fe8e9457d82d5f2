package dev.chunkvault.local.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.Headers;
import dev.chunkvault.local.auth.LocalIssuer;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An OAuth 2.0 authorization server with the endpoints of Cognito's hosted UI, so that
 * {@code chunkvault login --cognito-domain http://127.0.0.1:4750 --client-id chunkvault-local} signs in to the local
 * cloud exactly as it does to Cognito: authorization code with PKCE (RFC 7636, S256 only) for the public client
 * {@value #CLIENT_ID}, redirected to a loopback address (RFC 8252 §7.3: localhost, 127.0.0.1 or [::1], any port).
 * <ul>
 *   <li>{@code GET /oauth2/authorize}: checks the request and shows a sign-in page (a user name, no password: a local
 *       cloud is a developer's machine); {@code POST /oauth2/authorize} from that page issues a one-time code (random,
 *       256 bits, 5 minutes, bound to the client, the redirect URI, the PKCE challenge, the scopes and the user) and
 *       redirects to {@code redirect_uri?code=...&state=...}. Local only: {@code login_hint=USER} on the GET skips the
 *       page (headless tests).</li>
 *   <li>{@code POST /oauth2/token} (form): {@code authorization_code} (single use, same client and redirect URI, the
 *       verifier's S256 must be the challenge) answers {@code access_token}, {@code id_token} (with openid),
 *       {@code refresh_token}, {@code token_type}, {@code expires_in}; {@code refresh_token} answers a new access token
 *       and keeps the refresh token, as Cognito does. Errors are 400 {@code {"error": ...}} (RFC 6749 §5.2).</li>
 * </ul>
 * Access tokens are the {@link LocalIssuer}'s, valid for an hour (Cognito's default); refresh tokens are opaque and
 * live 30 days (Cognito's default), kept as SHA-256 hashes in the data directory when there is one (so they survive a
 * restart), else in memory. Errors before a redirect URI is trusted are a 400 page; after that they go to the client
 * as {@code error=} (RFC 6749 §4.1.2.1).
 */
public final class OAuthEndpoints {
    public static final String CLIENT_ID = LocalIssuer.AUDIENCE;
    public static final String AUTHORIZE_PATH = "/oauth2/authorize";
    public static final String TOKEN_PATH = "/oauth2/token";
    public static final List<String> SCOPES = List.of("openid", "chunkvault/read", "chunkvault/write", "chunkvault/admin");
    public static final List<String> DEFAULT_SCOPES = List.of("openid", "chunkvault/read", "chunkvault/write");
    static final Duration CODE_TTL = Duration.ofMinutes(5);
    static final Duration ACCESS_TTL = Duration.ofHours(1);
    static final Duration REFRESH_TTL = Duration.ofDays(30);

    private static final Logger LOG = LoggerFactory.getLogger(OAuthEndpoints.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Pattern CHALLENGE = Pattern.compile("[A-Za-z0-9_-]{43}");
    private static final Pattern VERIFIER = Pattern.compile("[A-Za-z0-9._~-]{43,128}");
    private static final Set<String> LOOPBACK = Set.of("localhost", "127.0.0.1", "[::1]");

    private final Supplier<LocalIssuer> issuer;
    private final Path refreshFile;
    private final Clock clock;
    private final Map<String, Grant> codes = new ConcurrentHashMap<>();
    /** By the SHA-256 (hex) of the refresh token. */
    private final Map<String, Grant> refreshTokens = new ConcurrentHashMap<>();

    /** What a code or a refresh token stands for. */
    record Grant(String user, List<String> scopes, String clientId, String redirectUri, String challenge, Instant expiresAt) {}

    /**
     * @param refreshFile where refresh tokens are kept (their hashes), or null for memory only
     */
    public OAuthEndpoints(Supplier<LocalIssuer> issuer, Path refreshFile, Clock clock) {
        this.issuer = issuer;
        this.refreshFile = refreshFile;
        this.clock = clock;
        load();
    }

    /** Whether this path is one of these endpoints' (no template route may use {@code /oauth2/}). */
    public static boolean handles(String path) {
        return path.equals("/oauth2") || path.startsWith("/oauth2/");
    }

    LocalHttpApi.Reply handle(String method, String path, String rawQuery, Headers headers, byte[] body) {
        try {
            return switch (path) {
                case AUTHORIZE_PATH -> switch (method) {
                    case "GET" -> authorize(parse(rawQuery), false, headers);
                    case "POST" -> {
                        if (!formBody(headers)) {
                            yield page(400, "Bad request", "The sign-in form is sent as application/x-www-form-urlencoded.");
                        }
                        yield authorize(parse(new String(body, StandardCharsets.UTF_8)), true, headers);
                    }
                    default -> page(405, "Bad request", "Use GET or POST here.");
                };
                case TOKEN_PATH -> token(method, headers, body);
                default -> page(404, "Not found", "No sign-in endpoint at this path.");
            };
        } catch (RuntimeException e) {
            LOG.error("OAuth endpoint {} failed", path, e);
            return page(500, "Error", "The local cloud failed; see its console.");
        }
    }

    // ------------------------------------------------------------------ authorize

    private LocalHttpApi.Reply authorize(Params p, boolean submitted, Headers headers) {
        if (p.duplicate != null) {
            return page(400, "Bad request", "The parameter " + p.duplicate + " is given more than once.");
        }
        String clientId = p.get("client_id");
        if (!CLIENT_ID.equals(clientId)) {
            return page(400, "Unknown client", "client_id must be " + CLIENT_ID + " (the local cloud's only client).");
        }
        String redirect = p.get("redirect_uri");
        if (!loopbackRedirect(redirect)) {
            return page(400, "Bad redirect_uri", "redirect_uri must be a loopback address: http://localhost:PORT/...,"
                    + " http://127.0.0.1:PORT/... or http://[::1]:PORT/... (RFC 8252).");
        }
        String state = p.get("state");
        if (submitted && !sameOrigin(headers)) {
            return page(403, "Forbidden", "The sign-in form is only accepted from this local cloud's own page.");
        }
        if (!"code".equals(p.get("response_type"))) {
            return redirect(redirect, p.get("response_type") == null ? "invalid_request" : "unsupported_response_type",
                    "response_type must be code", state);
        }
        String challenge = p.get("code_challenge");
        if (challenge == null || !"S256".equals(p.get("code_challenge_method"))) {
            return redirect(redirect, "invalid_request", "PKCE is required: code_challenge with code_challenge_method=S256", state);
        }
        if (!CHALLENGE.matcher(challenge).matches()) {
            return redirect(redirect, "invalid_request", "code_challenge is the base64url SHA-256 of the verifier", state);
        }
        List<String> scopes = scopes(p.get("scope"));
        if (scopes == null) {
            return redirect(redirect, "invalid_scope", "the scopes are " + String.join(" ", SCOPES), state);
        }
        String user = submitted ? p.get("username") : p.get("login_hint");
        if (user != null) {
            user = user.strip();
        }
        if (!validUser(user)) {
            if (submitted) {
                return form(400, p, "A user name is 1-128 letters, digits and . _ - @ +.");
            }
            return form(200, p, null);
        }
        String code = random();
        Instant now = clock.instant();
        codes.values().removeIf(g -> !g.expiresAt().isAfter(now));
        codes.put(code, new Grant(user, scopes, clientId, redirect, challenge, now.plus(CODE_TTL)));
        Map<String, String> q = new LinkedHashMap<>();
        q.put("code", code);
        if (state != null) {
            q.put("state", state);
        }
        return found(redirect, q);
    }

    /** The requested scopes (the default ones when none are asked), or null when one is unknown. */
    static List<String> scopes(String scope) {
        if (scope == null || scope.isBlank()) {
            return DEFAULT_SCOPES;
        }
        Set<String> out = new LinkedHashSet<>();
        for (String s : scope.trim().split(" +")) {
            if (!SCOPES.contains(s)) {
                return null;
            }
            out.add(s);
        }
        return List.copyOf(out);
    }

    /** An http URI on a loopback host (any port), without user info or fragment (RFC 8252 §7.3, RFC 6749 §3.1.2). */
    static boolean loopbackRedirect(String uri) {
        if (uri == null || uri.length() > 2048) {
            return false;
        }
        try {
            URI u = new URI(uri);
            return "http".equals(u.getScheme()) && u.getRawAuthority() != null && u.getRawUserInfo() == null
                    && u.getRawFragment() == null && u.getHost() != null
                    && LOOPBACK.contains(u.getHost().toLowerCase(Locale.ROOT));
        } catch (URISyntaxException e) {
            return false;
        }
    }

    private static boolean validUser(String user) {
        try {
            LocalIssuer.validateUser(user);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** A form posted from a page of another site is refused (a browser sends Origin with a POST). */
    private static boolean sameOrigin(Headers headers) {
        String origin = headers.getFirst("Origin");
        String host = headers.getFirst("Host");
        return origin == null || host != null && origin.equalsIgnoreCase("http://" + host.trim());
    }

    private LocalHttpApi.Reply form(int status, Params p, String problem) {
        StringBuilder hidden = new StringBuilder();
        for (String name : List.of("response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge",
                "code_challenge_method")) {
            String v = p.get(name);
            if (v != null) {
                hidden.append("<input type=\"hidden\" name=\"").append(name).append("\" value=\"").append(html(v)).append("\">\n");
            }
        }
        List<String> scopes = scopes(p.get("scope"));
        String body = "<p>Sign in to the <b>local cloud</b> (" + html(issuer.get().issuer()) + ").</p>\n"
                + "<p class=\"note\">This is a development cloud on your machine: there is no password. Any user name is"
                + " a user of its own (the same name is the same tenant).</p>\n"
                + (problem == null ? "" : "<p class=\"problem\">" + html(problem) + "</p>\n")
                + "<form method=\"post\" action=\"" + AUTHORIZE_PATH + "\">\n" + hidden
                + "<label>User name <input name=\"username\" autofocus required maxlength=\"128\"></label>\n"
                + "<button type=\"submit\">Sign in</button>\n</form>\n"
                + "<p class=\"note\">Asked for: " + html(scopes == null ? "" : String.join(" ", scopes)) + ". Returning to "
                + html(p.get("redirect_uri")) + ".</p>\n";
        return html(status, "Sign in", body);
    }

    private static LocalHttpApi.Reply page(int status, String title, String message) {
        return html(status, title, "<p class=\"problem\">" + html(message) + "</p>\n");
    }

    private static LocalHttpApi.Reply html(int status, String title, String body) {
        String doc = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>chunkvault local cloud: "
                + html(title) + "</title>\n<style>body{font-family:sans-serif;max-width:36em;margin:3em auto}"
                + ".note{color:#555}.problem{color:#a00}</style></head>\n<body><h1>" + html(title) + "</h1>\n" + body
                + "</body></html>\n";
        return noStore(new LocalHttpApi.Reply(status, doc.getBytes(StandardCharsets.UTF_8))
                .withHeader("content-type", "text/html; charset=utf-8")
                .withHeader("content-security-policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
                .withHeader("x-frame-options", "DENY")
                // Not no-referrer: a browser then sends "Origin: null" with the form's POST, which sameOrigin refuses.
                .withHeader("referrer-policy", "same-origin"));
    }

    private static LocalHttpApi.Reply redirect(String redirect, String error, String description, String state) {
        Map<String, String> q = new LinkedHashMap<>();
        q.put("error", error);
        q.put("error_description", description);
        if (state != null) {
            q.put("state", state);
        }
        return found(redirect, q);
    }

    private static LocalHttpApi.Reply found(String redirect, Map<String, String> q) {
        String sep = redirect.contains("?") ? "&" : "?";
        return noStore(new LocalHttpApi.Reply(302, new byte[0]).withHeader("location", redirect + sep + form(q))
                .withHeader("referrer-policy", "no-referrer"));
    }

    /** HTML-escapes text for an element or a quoted attribute. */
    static String html(String s) {
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    // ------------------------------------------------------------------ token

    private LocalHttpApi.Reply token(String method, Headers headers, byte[] body) {
        if (!method.equals("POST")) {
            return tokenError("invalid_request", "Use POST here.");
        }
        if (!formBody(headers)) {
            return tokenError("invalid_request", "The body is application/x-www-form-urlencoded.");
        }
        Params p = parse(new String(body, StandardCharsets.UTF_8));
        if (p.duplicate != null) {
            return tokenError("invalid_request", "A parameter is given more than once.");
        }
        String grantType = p.get("grant_type");
        if (grantType == null) {
            return tokenError("invalid_request", "grant_type is missing.");
        }
        if (!grantType.equals("authorization_code") && !grantType.equals("refresh_token")) {
            return tokenError("unsupported_grant_type", "grant_type is authorization_code or refresh_token.");
        }
        if (!CLIENT_ID.equals(p.get("client_id"))) {
            return tokenError("invalid_client", "client_id must be " + CLIENT_ID + ".");
        }
        Instant now = clock.instant();
        if (grantType.equals("authorization_code")) {
            String code = p.get("code");
            String redirect = p.get("redirect_uri");
            String verifier = p.get("code_verifier");
            if (code == null || redirect == null || verifier == null) {
                return tokenError("invalid_request", "code, redirect_uri and code_verifier are required.");
            }
            Grant g = codes.remove(code); // used once, whatever follows
            if (g == null || !g.expiresAt().isAfter(now)) {
                return tokenError("invalid_grant", "The code is unknown, used or expired.");
            }
            if (!g.clientId().equals(p.get("client_id")) || !g.redirectUri().equals(redirect)) {
                return tokenError("invalid_grant", "The code was issued to another client or redirect_uri.");
            }
            if (!VERIFIER.matcher(verifier).matches() || !MessageDigest.isEqual(
                    s256(verifier).getBytes(StandardCharsets.US_ASCII), g.challenge().getBytes(StandardCharsets.US_ASCII))) {
                return tokenError("invalid_grant", "The code_verifier does not match the code_challenge.");
            }
            String refresh = random();
            Grant kept = new Grant(g.user(), g.scopes(), g.clientId(), null, null, now.plus(REFRESH_TTL));
            synchronized (refreshTokens) {
                refreshTokens.values().removeIf(r -> !r.expiresAt().isAfter(now));
                refreshTokens.put(sha256Hex(refresh), kept);
                save();
            }
            ObjectNode out = tokens(g);
            out.put("refresh_token", refresh);
            return tokenReply(out);
        }
        String refresh = p.get("refresh_token");
        if (refresh == null) {
            return tokenError("invalid_request", "refresh_token is required.");
        }
        Grant g = refreshTokens.get(sha256Hex(refresh));
        if (g == null || !g.expiresAt().isAfter(now)) {
            return tokenError("invalid_grant", "The refresh token is unknown, revoked or expired.");
        }
        if (!g.clientId().equals(p.get("client_id"))) {
            return tokenError("invalid_grant", "The refresh token was issued to another client.");
        }
        return tokenReply(tokens(g));
    }

    private ObjectNode tokens(Grant g) {
        LocalIssuer iss = issuer.get();
        LocalIssuer.Token access = iss.mint(g.user(), g.scopes(), ACCESS_TTL);
        ObjectNode out = JSON.createObjectNode();
        out.put("access_token", access.token());
        if (g.scopes().contains("openid")) {
            Instant now = clock.instant();
            ObjectNode id = JSON.createObjectNode();
            id.put("iss", iss.issuer());
            id.put("sub", access.sub());
            id.put("aud", g.clientId());
            id.put("token_use", "id");
            id.put("cognito:username", g.user());
            id.put("auth_time", now.getEpochSecond());
            id.put("iat", now.getEpochSecond());
            id.put("exp", now.plus(ACCESS_TTL).getEpochSecond());
            out.put("id_token", iss.sign(id));
        }
        out.put("token_type", "Bearer");
        out.put("expires_in", ACCESS_TTL.toSeconds());
        return out;
    }

    private static LocalHttpApi.Reply tokenReply(ObjectNode out) {
        return noStore(LocalHttpApi.Reply.json(200, out));
    }

    private static LocalHttpApi.Reply tokenError(String error, String description) {
        ObjectNode n = JSON.createObjectNode();
        n.put("error", error);
        n.put("error_description", description);
        return noStore(LocalHttpApi.Reply.json(400, n));
    }

    private static LocalHttpApi.Reply noStore(LocalHttpApi.Reply r) {
        return r.withHeader("cache-control", "no-store").withHeader("pragma", "no-cache");
    }

    private static boolean formBody(Headers headers) {
        String ct = headers.getFirst("Content-Type");
        return ct != null && ct.toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded");
    }

    // ------------------------------------------------------------------ refresh tokens on disk

    private void load() {
        if (refreshFile == null || !Files.exists(refreshFile)) {
            return;
        }
        try {
            JsonNode n = JSON.readTree(refreshFile.toFile());
            Instant now = clock.instant();
            n.fields().forEachRemaining(e -> {
                JsonNode g = e.getValue();
                List<String> scopes = new ArrayList<>();
                g.path("scopes").forEach(s -> scopes.add(s.asText()));
                Instant exp = Instant.ofEpochSecond(g.path("expiresAt").asLong(0));
                if (exp.isAfter(now) && validUser(g.path("user").asText(null))) {
                    refreshTokens.put(e.getKey(), new Grant(g.path("user").asText(), List.copyOf(scopes),
                            g.path("clientId").asText(CLIENT_ID), null, null, exp));
                }
            });
        } catch (IOException | RuntimeException e) {
            LOG.warn("cannot read the refresh tokens in {} ({}); signed-in clients must sign in again", refreshFile, e.toString());
        }
    }

    /** Writes the refresh tokens' hashes (owner-only, replaced atomically); called holding the map's lock. */
    private void save() {
        if (refreshFile == null) {
            return;
        }
        ObjectNode n = JSON.createObjectNode();
        refreshTokens.forEach((hash, g) -> {
            ObjectNode o = n.putObject(hash);
            o.put("user", g.user());
            o.putPOJO("scopes", g.scopes());
            o.put("clientId", g.clientId());
            o.put("expiresAt", g.expiresAt().getEpochSecond());
        });
        try {
            Files.createDirectories(refreshFile.getParent());
            Path tmp = refreshFile.resolveSibling(refreshFile.getFileName() + ".tmp");
            Files.write(tmp, JSON.writeValueAsBytes(n));
            try {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException notPosix) {
                // Windows: the file inherits the directory's ACL.
            }
            Files.move(tmp, refreshFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            LOG.warn("cannot keep the refresh tokens in {} ({}); they last until the local cloud stops", refreshFile, e.toString());
        }
    }

    // ------------------------------------------------------------------ helpers

    /** Decoded form or query parameters; a name given twice is recorded (RFC 6749 §3.1: refused). */
    static final class Params {
        final Map<String, String> values = new LinkedHashMap<>();
        String duplicate;

        String get(String name) {
            return values.get(name);
        }
    }

    static Params parse(String raw) {
        Params p = new Params();
        if (raw == null || raw.isEmpty()) {
            return p;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String k = decode(eq < 0 ? pair : pair.substring(0, eq));
            String v = eq < 0 ? "" : decode(pair.substring(eq + 1));
            if (v.isEmpty()) {
                continue; // RFC 6749 §3.1: parameters sent without a value are treated as omitted
            }
            if (p.values.putIfAbsent(k, v) != null && p.duplicate == null) {
                p.duplicate = k.length() > 40 ? k.substring(0, 40) : k;
            }
        }
        return p;
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return "";
        }
    }

    static String form(Map<String, String> q) {
        StringBuilder b = new StringBuilder();
        q.forEach((k, v) -> {
            if (b.length() > 0) {
                b.append('&');
            }
            b.append(URLEncoder.encode(k, StandardCharsets.UTF_8)).append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8));
        });
        return b.toString();
    }

    /** 256 random bits, base64url. */
    private static String random() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    static String s256(String verifier) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(sha256(verifier));
    }

    private static String sha256Hex(String s) {
        return HexFormat.of().formatHex(sha256(s));
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
