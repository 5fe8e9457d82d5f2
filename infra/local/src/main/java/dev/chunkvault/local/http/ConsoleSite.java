package dev.chunkvault.local.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The web console (module {@code console/}, a jar of Vite's {@code dist/} under {@code console/} on the classpath),
 * served at the local cloud's root the way CloudFront serves it from the console bucket on AWS: {@code GET} and
 * {@code HEAD} of any path no API route, {@code /local/}, {@code /oauth2/} or {@code /logout} takes.
 * <ul>
 *   <li>A file of {@code dist/} is served with its content type; those under {@code /assets/} carry a content hash
 *       in their names and are cached for a year ({@code immutable}); everything else is {@code no-cache}.</li>
 *   <li>{@value #CONFIG_PATH}: what the app needs to know of this deployment (API base, authorize, token and logout
 *       URLs, client id, scopes); on AWS the deploy uploads the same file next to {@code index.html}.</li>
 *   <li>A missing file under {@code /assets/} is a 404 JSON answer; any other path is a client-side route and gets
 *       {@code index.html}.</li>
 * </ul>
 * Every answer carries a strict Content-Security-Policy (scripts and styles only from this origin, nothing inline;
 * connections to this origin and to the S3 endpoint presigned URLs point to; no framing), {@code nosniff} and a
 * referrer policy.
 */
public final class ConsoleSite {
    public static final String CONFIG_PATH = "/console-config.json";
    public static final String LOGOUT_PATH = "/logout";
    static final String ROOT = "console";
    static final String IMMUTABLE = "public, max-age=31536000, immutable";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern SAFE_PATH = Pattern.compile("(/[A-Za-z0-9._~-]+)+");
    private static final Map<String, String> TYPES = Map.ofEntries(
            Map.entry("html", "text/html; charset=utf-8"),
            Map.entry("js", "text/javascript; charset=utf-8"),
            Map.entry("mjs", "text/javascript; charset=utf-8"),
            Map.entry("css", "text/css; charset=utf-8"),
            Map.entry("json", "application/json"),
            Map.entry("svg", "image/svg+xml"),
            Map.entry("png", "image/png"),
            Map.entry("ico", "image/x-icon"),
            Map.entry("webp", "image/webp"),
            Map.entry("woff2", "font/woff2"),
            Map.entry("txt", "text/plain; charset=utf-8"),
            Map.entry("webmanifest", "application/manifest+json"));

    private final ClassLoader loader;
    private final String csp;
    private final byte[] config;
    private final Map<String, byte[]> cache = new ConcurrentHashMap<>();

    /**
     * @param s3Endpoint where presigned URLs point (the browser PUTs and GETs chunks there)
     * @param clientId   the OAuth client the console signs in as
     * @param scopes     the scopes it asks for
     */
    public ConsoleSite(ClassLoader loader, URI s3Endpoint, String clientId, List<String> scopes) {
        this.loader = loader;
        this.csp = csp(origin(s3Endpoint));
        ObjectNode c = JSON.createObjectNode();
        // Relative to the page's origin: the console works whether it is opened as 127.0.0.1 or localhost.
        c.put("apiBase", "");
        c.put("authorizeUrl", OAuthEndpoints.AUTHORIZE_PATH);
        c.put("tokenUrl", OAuthEndpoints.TOKEN_PATH);
        c.put("logoutUrl", LOGOUT_PATH);
        c.put("clientId", clientId);
        c.put("scopes", String.join(" ", scopes));
        c.put("environment", "local");
        try {
            this.config = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(c);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The console of this JVM's classpath, signing in as the local cloud's public client. */
    public static ConsoleSite local(URI s3Endpoint) {
        return new ConsoleSite(ConsoleSite.class.getClassLoader(), s3Endpoint, OAuthEndpoints.CLIENT_ID,
                OAuthEndpoints.DEFAULT_SCOPES);
    }

    /** The Content-Security-Policy of every console answer. */
    static String csp(String s3Origin) {
        return "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; font-src 'self';"
                + " connect-src 'self'" + (s3Origin.isEmpty() ? "" : " " + s3Origin) + "; worker-src 'self' blob:;"
                + " object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
    }

    private static String origin(URI u) {
        if (u == null || u.getScheme() == null || u.getHost() == null) {
            return "";
        }
        return u.getScheme() + "://" + u.getHost() + (u.getPort() < 0 ? "" : ":" + u.getPort());
    }

    public String contentSecurityPolicy() {
        return csp;
    }

    /** Whether the built console is on the classpath. */
    public boolean present() {
        return resource("/index.html").isPresent();
    }

    /** The answer to a GET or HEAD of {@code rawPath}. */
    LocalHttpApi.Reply handle(String rawPath) {
        String path;
        try {
            path = URLDecoder.decode(rawPath.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return secured(LocalHttpApi.Reply.message(404, "Not Found"));
        }
        if (path.equals(CONFIG_PATH)) {
            return secured(new LocalHttpApi.Reply(200, config).withHeader("content-type", "application/json")
                    .withHeader("cache-control", "no-cache"));
        }
        boolean asset = path.startsWith("/assets/");
        if (!path.equals("/") && SAFE_PATH.matcher(path).matches() && !path.contains("/..") && !path.contains("/./")) {
            Optional<byte[]> file = lastSegmentHasDot(path) ? resource(path) : Optional.empty();
            if (file.isPresent()) {
                return secured(new LocalHttpApi.Reply(200, file.get()).withHeader("content-type", type(path))
                        .withHeader("cache-control", asset ? IMMUTABLE : "no-cache"));
            }
        }
        if (asset) {
            return secured(LocalHttpApi.Reply.message(404, "Not Found").withHeader("cache-control", "no-cache"));
        }
        Optional<byte[]> index = resource("/index.html");
        if (index.isEmpty()) {
            return secured(LocalHttpApi.Reply.message(404, "Not Found: the web console is not built (module console/)"));
        }
        return secured(new LocalHttpApi.Reply(200, index.get()).withHeader("content-type", TYPES.get("html"))
                .withHeader("cache-control", "no-cache"));
    }

    private static boolean lastSegmentHasDot(String path) {
        String last = path.substring(path.lastIndexOf('/') + 1);
        return last.indexOf('.') > 0;
    }

    static String type(String path) {
        String ext = path.substring(path.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
        return TYPES.getOrDefault(ext, "application/octet-stream");
    }

    private LocalHttpApi.Reply secured(LocalHttpApi.Reply r) {
        return r.withHeader("content-security-policy", csp)
                .withHeader("x-content-type-options", "nosniff")
                .withHeader("x-frame-options", "DENY")
                .withHeader("referrer-policy", "same-origin")
                .withHeader("cross-origin-opener-policy", "same-origin");
    }

    private Optional<byte[]> resource(String path) {
        byte[] hit = cache.get(path);
        if (hit != null) {
            return Optional.of(hit);
        }
        try (InputStream in = loader.getResourceAsStream(ROOT + path)) {
            if (in == null) {
                return Optional.empty(); // misses are not kept: any path may be asked
            }
            byte[] bytes = in.readAllBytes();
            cache.put(path, bytes);
            return Optional.of(bytes);
        } catch (IOException e) {
            // A directory of a jar, or an unreadable entry: not a file to serve.
            return Optional.empty();
        }
    }

    /**
     * {@code GET /logout?client_id=...&logout_uri=...}, as Cognito's hosted UI has it: the local issuer keeps no
     * session, so this only checks the client and sends the browser back to a loopback {@code logout_uri}.
     */
    static LocalHttpApi.Reply logout(Map<String, String> query) {
        String uri = query.get("logout_uri");
        if (!OAuthEndpoints.CLIENT_ID.equals(query.get("client_id")) || !OAuthEndpoints.loopbackRedirect(uri)) {
            return LocalHttpApi.Reply.message(400, "Bad Request: client_id must be " + OAuthEndpoints.CLIENT_ID
                    + " and logout_uri a loopback address");
        }
        return new LocalHttpApi.Reply(302, new byte[0]).withHeader("location", uri).withHeader("cache-control", "no-store")
                .withHeader("referrer-policy", "no-referrer");
    }
}
