package dev.chunkvault.local.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.chunkvault.api.auth.JwtVerifier;
import dev.chunkvault.local.lambda.LocalFunction;
import dev.chunkvault.local.template.SamTemplate;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API on loopback, behaving like an API Gateway HTTP API with payload format 2.0: it selects the route,
 * runs the route's JWT authorizer (401 {@code {"message":"Unauthorized"}} for a missing or invalid token, 403
 * {@code {"message":"Forbidden"}} for missing scopes), builds the payload-v2 event (headers lower-cased and joined,
 * cookies split out, query parameters decoded and joined, text bodies as text and others base64, the authorizer's
 * claims and scopes in {@code requestContext.authorizer.jwt}), invokes the route's function and writes its response
 * ({@code statusCode}, headers, multi-value headers, cookies, base64 bodies; any other output is a 200 JSON body).
 * Failures look like API Gateway's: 404 Not Found, 413 Request Entity Too Large (a 10 MB body, or a 6 MB event), 431
 * Request Header Fields Too Large (over {@link #MAX_HEADER_BYTES} of request line and headers), 500
 * Internal Server Error (the function threw, timed out, was throttled or answered over 6 MB), 503 Service Unavailable
 * (the 30-second integration timeout). Requests whose Host is not this machine's loopback name get 403 (DNS
 * rebinding). Paths under {@code /local/} are the local
 * cloud's own endpoints (see {@link LocalEndpoints}), and those under {@code /oauth2/} its Cognito-like sign-in
 * (see {@link OAuthEndpoints}). Any other {@code GET} or {@code HEAD} outside {@code /v1} is the web console's
 * (see {@link ConsoleSite}), with {@code /logout} as Cognito's hosted UI has it.
 */
public final class LocalHttpApi implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LocalHttpApi.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** API Gateway HTTP APIs accept request bodies up to 10 MB. */
    public static final int MAX_BODY_BYTES = 10 * 1024 * 1024;
    /**
     * API Gateway HTTP APIs refuse a request whose request line and headers together exceed 10,240 bytes (a quota
     * that cannot be raised) with 431. Counted here as the request line plus every header's name and value: a little
     * stricter than a count of values alone, so what passes here passes there.
     */
    public static final int MAX_HEADER_BYTES = 10_240;
    /**
     * The JDK server's own limits, far above {@link #MAX_HEADER_BYTES} so that every request up to them reaches
     * {@link #handle} and is answered 431: past its limits the JDK closes the connection without an answer (its
     * defaults, 200 headers and 380 KiB, cut off requests API Gateway would answer). It counts 32 bytes of overhead per
     * header, so its size limit binds before its count does. Only a header section over 1 MiB is cut off unanswered.
     */
    static final int JDK_MAX_HEADER_SECTION_BYTES = 1024 * 1024;
    static final int JDK_MAX_HEADERS = 40_000;
    /** API Gateway stops waiting for an integration after 30 seconds (503); the function may run on. */
    public static final java.time.Duration INTEGRATION_TIMEOUT = java.time.Duration.ofSeconds(30);
    private static final int MAX_THREADS = 64;

    static {
        // The JDK server's own limits: a client that sends its request slower than this is cut off (no slowloris).
        if (System.getProperty("sun.net.httpserver.maxReqTime") == null) {
            System.setProperty("sun.net.httpserver.maxReqTime", "120");
        }
        // The JDK server writes a response's headers and its body as separate segments; with Nagle's algorithm on,
        // the body waits for the client's delayed ACK, about 40 ms on every request. API Gateway has no such stall.
        // (Read once, when the JDK's server configuration loads: before the first server of this JVM.)
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
        // Read at the same time: see JDK_MAX_HEADER_SECTION_BYTES.
        if (System.getProperty("sun.net.httpserver.maxReqHeaderSize") == null) {
            System.setProperty("sun.net.httpserver.maxReqHeaderSize", Integer.toString(JDK_MAX_HEADER_SECTION_BYTES));
        }
        if (System.getProperty("sun.net.httpserver.maxReqHeaders") == null) {
            System.setProperty("sun.net.httpserver.maxReqHeaders", Integer.toString(JDK_MAX_HEADERS));
        }
    }

    private static final DateTimeFormatter REQUEST_TIME = DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ENGLISH)
            .withZone(ZoneOffset.UTC);

    /** The authorizer of a route: verifies tokens for it. */
    public record Authorizer(String name, String identityHeader, JwtVerifier verifier) {}

    private final HttpServer server;
    private final ThreadPoolExecutor pool;
    private final RouteTable routes;
    private final Map<String, LocalFunction> functions;
    private final Map<String, Authorizer> authorizers;
    private final String defaultAuthorizer;
    private final LocalEndpoints local;
    private final ConsoleSite console;
    private final Clock clock;
    private final String apiId;
    private final AtomicInteger requests = new AtomicInteger();

    /**
     * @param authorizers       by name, as the template names them
     * @param defaultAuthorizer the API's default authorizer name, or null
     */
    public LocalHttpApi(int port, SamTemplate template, Map<String, LocalFunction> functions,
                        Map<String, Authorizer> authorizers, String defaultAuthorizer, LocalEndpoints local,
                        Clock clock) throws BindException {
        this(port, template, functions, authorizers, defaultAuthorizer, local, null, clock);
    }

    /**
     * @param console the web console served at the root ({@code GET}/{@code HEAD} of paths no route takes), or null
     */
    public LocalHttpApi(int port, SamTemplate template, Map<String, LocalFunction> functions,
                        Map<String, Authorizer> authorizers, String defaultAuthorizer, LocalEndpoints local,
                        ConsoleSite console, Clock clock) throws BindException {
        this.console = console;
        this.routes = new RouteTable(template.routes());
        this.functions = Map.copyOf(functions);
        this.authorizers = Map.copyOf(authorizers);
        this.defaultAuthorizer = defaultAuthorizer;
        this.local = local;
        this.clock = clock;
        this.apiId = template.apis().isEmpty() ? "local" : template.apis().get(0).physicalName();
        for (SamTemplate.Route r : template.routes()) {
            if (r.path().startsWith("/local/") || r.path().equals("/local")) {
                throw new IllegalArgumentException("route " + r.routeKey() + " collides with the local cloud's /local/ endpoints");
            }
            if (OAuthEndpoints.handles(r.path())) {
                throw new IllegalArgumentException("route " + r.routeKey() + " collides with the local cloud's /oauth2/ endpoints");
            }
            if (r.path().equals(ConsoleSite.LOGOUT_PATH) || r.path().equals(ConsoleSite.CONFIG_PATH)) {
                throw new IllegalArgumentException("route " + r.routeKey() + " collides with the web console's " + r.path());
            }
            String name = authorizerName(r);
            if (name != null && !authorizers.containsKey(name)) {
                throw new IllegalArgumentException("route " + r.routeKey() + " uses authorizer " + name + ", which the API does not define");
            }
        }
        AtomicInteger n = new AtomicInteger();
        // A fixed ceiling of threads that all start when needed (a core size below the maximum with an unbounded
        // queue would never grow past the core); idle ones end after a minute.
        this.pool = new ThreadPoolExecutor(MAX_THREADS, MAX_THREADS, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "http-api-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.pool.allowCoreThreadTimeOut(true);
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 256);
        } catch (BindException e) {
            throw e;
        } catch (IOException e) {
            throw new IllegalStateException("cannot open the HTTP API on port " + port, e);
        }
        server.setExecutor(pool);
        server.createContext("/", this::handle);
    }

    public void start() {
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port());
    }

    public int requests() {
        return requests.get();
    }

    private String authorizerName(SamTemplate.Route r) {
        if (r.authorizer().equals("NONE")) {
            return null;
        }
        return r.authorizer().isEmpty() ? defaultAuthorizer : r.authorizer();
    }

    private void handle(HttpExchange ex) throws IOException {
        long started = System.nanoTime();
        requests.incrementAndGet();
        String requestId = UUID.randomUUID().toString();
        Reply reply;
        String fn = "-";
        try {
            URI uri = ex.getRequestURI();
            String path = uri.getRawPath();
            String method = ex.getRequestMethod().toUpperCase(Locale.ROOT);
            byte[] body = readBody(ex.getRequestBody());
            long headerBytes = headerBytes(ex);
            if (headerBytes > MAX_HEADER_BYTES) {
                LOG.warn("{} {}: {} bytes of request line and headers (at most {})", method,
                        path.length() > 200 ? path.substring(0, 200) + "..." : path, headerBytes, MAX_HEADER_BYTES);
                reply = Reply.message(431, "Request Header Fields Too Large");
            } else if (!localHost(ex.getRequestHeaders().getFirst("Host"))) {
                // Only this machine's own names: a web page that rebinds its DNS name to 127.0.0.1 must not reach
                // the API or mint tokens from a browser.
                LOG.warn("{} {}: refused Host '{}'", method, path, ex.getRequestHeaders().getFirst("Host"));
                reply = Reply.message(403, "Forbidden");
            } else if (body == null) {
                reply = Reply.message(413, "Request Entity Too Large");
            } else if (path.equals("/local") || path.startsWith("/local/")) {
                fn = "local";
                reply = local.handle(method, path, ex.getRequestHeaders(), body);
            } else if (OAuthEndpoints.handles(path)) {
                fn = "oauth2";
                reply = local.handleOAuth(method, path, uri.getRawQuery(), ex.getRequestHeaders(), body);
            } else if (path.equals(ConsoleSite.LOGOUT_PATH) && (method.equals("GET") || method.equals("HEAD"))) {
                fn = "logout";
                reply = ConsoleSite.logout(query(uri.getRawQuery()));
            } else {
                Optional<RouteTable.Match> match = routes.match(method, decodePath(path));
                if (match.isEmpty() && console != null && consolePath(method, path)) {
                    fn = "console";
                    reply = console.handle(path);
                } else if (match.isEmpty()) {
                    reply = Reply.message(404, "Not Found");
                } else {
                    fn = match.get().route().functionId();
                    reply = invoke(match.get(), ex, method, uri, body, requestId);
                }
            }
        } catch (RuntimeException e) {
            LOG.error("local HTTP API failed on {} {}", ex.getRequestMethod(), ex.getRequestURI().getRawPath(), e);
            reply = Reply.message(500, "Internal Server Error");
        }
        write(ex, reply, requestId);
        LOG.info("{} {} {} {} ms ({})", ex.getRequestMethod(), ex.getRequestURI().getRawPath(), reply.status,
                (System.nanoTime() - started) / 1_000_000, fn);
    }

    /** A GET or HEAD the web console answers: any path outside the API's {@code /v1}. */
    static boolean consolePath(String method, String rawPath) {
        return (method.equals("GET") || method.equals("HEAD")) && !rawPath.equals("/v1") && !rawPath.startsWith("/v1/");
    }

    /**
     * The size API Gateway limits: the request line and every header's name and value, in bytes (the JDK reads header
     * bytes as ISO-8859-1, one char each).
     */
    static long headerBytes(HttpExchange ex) {
        long n = ex.getRequestMethod().length() + 1L + ex.getRequestURI().toString().length() + 1L + ex.getProtocol().length();
        for (Map.Entry<String, List<String>> h : ex.getRequestHeaders().entrySet()) {
            for (String v : h.getValue()) {
                n += h.getKey().length() + (v == null ? 0 : v.length());
            }
        }
        return n;
    }

    /** Whether a Host header names this server on loopback (127.0.0.1, localhost, [::1], with or without our port). */
    boolean localHost(String host) {
        if (host == null) {
            return false;
        }
        String h = host.trim().toLowerCase(Locale.ROOT);
        String port = ":" + port();
        if (h.endsWith(port)) {
            h = h.substring(0, h.length() - port.length());
        }
        return h.equals("127.0.0.1") || h.equals("localhost") || h.equals("[::1]");
    }

    private Reply invoke(RouteTable.Match match, HttpExchange ex, String method, URI uri, byte[] body, String requestId) {
        SamTemplate.Route route = match.route();
        Headers headers = ex.getRequestHeaders();
        JwtVerifier.Verified verified = null;
        String authName = authorizerName(route);
        if (authName != null) {
            Authorizer a = authorizers.get(authName);
            try {
                verified = a.verifier().verify(headers.getFirst(a.identityHeader()));
            } catch (JwtVerifier.Rejected e) {
                LOG.info("{} {}: token refused ({})", method, uri.getRawPath(), e.getMessage());
                return Reply.message(401, "Unauthorized").withHeader("www-authenticate", "Bearer");
            }
            if (!route.scopes().isEmpty() && route.scopes().stream().noneMatch(verified.scopes()::contains)) {
                LOG.info("{} {}: token lacks the scopes {}", method, uri.getRawPath(), route.scopes());
                return Reply.message(403, "Forbidden");
            }
        }
        byte[] event = event(match, ex, method, uri, body, requestId, verified);
        LocalFunction f = functions.get(route.functionId());
        byte[] out;
        try {
            out = f.invoke(event, requestId, false, INTEGRATION_TIMEOUT);
        } catch (LocalFunction.InvocationFailed e) {
            // As API Gateway answers: the integration timeout is 503; a Lambda error of any kind (the function threw,
            // timed out, was throttled, or answered more than 6 MB) is 500; an event over 6 MB is 413.
            switch (e.failure()) {
                case CALLER_TIMEOUT -> {
                    LOG.warn("{}: {}", route.functionId(), e.getMessage());
                    return Reply.message(503, "Service Unavailable");
                }
                case EVENT_TOO_LARGE -> {
                    LOG.warn("{}: {}", route.functionId(), e.getMessage());
                    return Reply.message(413, "Request Entity Too Large");
                }
                case TIMEOUT, THROTTLED, OUTPUT_TOO_LARGE -> {
                    LOG.warn("{}: {}", route.functionId(), e.getMessage());
                    return Reply.message(500, "Internal Server Error");
                }
                default -> {
                    LOG.error("{}: {}", route.functionId(), e.getMessage(), e.getCause());
                    return Reply.message(500, "Internal Server Error");
                }
            }
        }
        return response(out, route);
    }

    /** The payload-v2 event API Gateway sends for this request. */
    private byte[] event(RouteTable.Match match, HttpExchange ex, String method, URI uri, byte[] body, String requestId,
                         JwtVerifier.Verified verified) {
        ObjectNode e = JSON.createObjectNode();
        e.put("version", "2.0");
        String routeKey = match.route().path().equals("$default") ? "$default" : match.route().routeKey();
        e.put("routeKey", routeKey);
        e.put("rawPath", uri.getRawPath());
        e.put("rawQueryString", uri.getRawQuery() == null ? "" : uri.getRawQuery());
        ObjectNode headers = e.putObject("headers");
        List<String> cookies = new ArrayList<>();
        String host = "127.0.0.1:" + port();
        for (Map.Entry<String, List<String>> h : ex.getRequestHeaders().entrySet()) {
            String name = h.getKey().toLowerCase(Locale.ROOT);
            if (name.equals("cookie")) {
                for (String c : h.getValue()) {
                    for (String one : c.split(";\\s*")) {
                        if (!one.isBlank()) {
                            cookies.add(one.trim());
                        }
                    }
                }
                continue;
            }
            if (name.equals("host")) {
                host = h.getValue().get(0);
            }
            headers.put(name, String.join(",", h.getValue()));
        }
        headers.put("x-forwarded-for", ex.getRemoteAddress().getAddress().getHostAddress());
        headers.put("x-forwarded-port", Integer.toString(port()));
        headers.put("x-forwarded-proto", "http");
        if (!cookies.isEmpty()) {
            ArrayNode c = e.putArray("cookies");
            cookies.forEach(c::add);
        }
        Map<String, String> query = query(uri.getRawQuery());
        if (!query.isEmpty()) {
            ObjectNode q = e.putObject("queryStringParameters");
            query.forEach(q::put);
        }
        if (!match.pathParameters().isEmpty()) {
            ObjectNode p = e.putObject("pathParameters");
            match.pathParameters().forEach(p::put);
        }
        ObjectNode ctx = e.putObject("requestContext");
        ctx.put("accountId", SamTemplate.ACCOUNT);
        ctx.put("apiId", apiId);
        ctx.put("domainName", host);
        ctx.put("domainPrefix", host.split("[.:]", 2)[0]);
        ObjectNode http = ctx.putObject("http");
        http.put("method", method);
        http.put("path", decodePath(uri.getRawPath()));
        http.put("protocol", ex.getProtocol());
        http.put("sourceIp", ex.getRemoteAddress().getAddress().getHostAddress());
        http.put("userAgent", Optional.ofNullable(ex.getRequestHeaders().getFirst("User-Agent")).orElse(""));
        ctx.put("requestId", requestId);
        ctx.put("routeKey", routeKey);
        ctx.put("stage", "$default");
        long now = clock.millis();
        ctx.put("time", REQUEST_TIME.format(java.time.Instant.ofEpochMilli(now)));
        ctx.put("timeEpoch", now);
        if (verified != null) {
            ObjectNode jwt = ctx.putObject("authorizer").putObject("jwt");
            ObjectNode claims = jwt.putObject("claims");
            verified.claims().forEach(claims::put);
            ArrayNode scopes = jwt.putArray("scopes");
            verified.scopes().forEach(scopes::add);
        }
        if (body.length > 0) {
            String contentType = Optional.ofNullable(ex.getRequestHeaders().getFirst("Content-Type")).orElse("");
            boolean text = isText(contentType);
            e.put("body", text ? new String(body, StandardCharsets.UTF_8) : Base64.getEncoder().encodeToString(body));
            e.put("isBase64Encoded", !text);
        } else {
            e.put("isBase64Encoded", false);
        }
        try {
            return JSON.writeValueAsBytes(e);
        } catch (IOException io) {
            throw new IllegalStateException(io);
        }
    }

    /** API Gateway passes these media types as text and everything else base64-encoded. */
    static boolean isText(String contentType) {
        String t = contentType.toLowerCase(Locale.ROOT);
        return t.startsWith("text/") || t.contains("json") || t.contains("xml") || t.contains("javascript")
                || t.startsWith("application/x-www-form-urlencoded");
    }

    private Reply response(byte[] out, SamTemplate.Route route) {
        JsonNode r;
        try {
            r = JSON.readTree(out);
        } catch (IOException e) {
            LOG.error("{} returned output that is not JSON", route.functionId());
            return Reply.message(500, "Internal Server Error");
        }
        if (r == null || !r.isObject() || !r.has("statusCode")) {
            // Payload v2 without statusCode: API Gateway answers 200 with the output as a JSON body.
            Reply reply = new Reply(200, out);
            return reply.withHeader("content-type", "application/json");
        }
        int status = r.path("statusCode").asInt(500);
        if (status < 100 || status > 599) {
            LOG.error("{} returned status {}", route.functionId(), status);
            return Reply.message(500, "Internal Server Error");
        }
        byte[] body;
        String text = r.path("body").isNull() || r.path("body").isMissingNode() ? "" : r.path("body").asText();
        if (r.path("isBase64Encoded").asBoolean(false)) {
            try {
                body = Base64.getDecoder().decode(text);
            } catch (IllegalArgumentException e) {
                LOG.error("{} returned a body that is not base64", route.functionId());
                return Reply.message(500, "Internal Server Error");
            }
        } else {
            body = text.getBytes(StandardCharsets.UTF_8);
        }
        Reply reply = new Reply(status, body);
        r.path("headers").fields().forEachRemaining(h -> reply.headers.computeIfAbsent(h.getKey().toLowerCase(Locale.ROOT),
                k -> new ArrayList<>()).add(h.getValue().asText()));
        r.path("multiValueHeaders").fields().forEachRemaining(h -> h.getValue().forEach(v ->
                reply.headers.computeIfAbsent(h.getKey().toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(v.asText())));
        r.path("cookies").forEach(c -> reply.headers.computeIfAbsent("set-cookie", k -> new ArrayList<>()).add(c.asText()));
        return reply;
    }

    private static void write(HttpExchange ex, Reply reply, String requestId) throws IOException {
        Headers h = ex.getResponseHeaders();
        reply.headers.forEach((k, v) -> h.put(k, v));
        h.set("apigw-requestid", requestId);
        if (!h.containsKey("content-type") && reply.body.length > 0) {
            h.set("content-type", "application/json");
        }
        boolean head = ex.getRequestMethod().equalsIgnoreCase("HEAD");
        ex.sendResponseHeaders(reply.status, head || reply.body.length == 0 ? -1 : reply.body.length);
        if (!head && reply.body.length > 0) {
            try (OutputStream os = ex.getResponseBody()) {
                os.write(reply.body);
            }
        }
        ex.close();
    }

    /** The body, or null when it is larger than {@link #MAX_BODY_BYTES}. */
    private static byte[] readBody(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[64 * 1024];
        int total = 0;
        int n;
        while ((n = in.read(buf)) > 0) {
            total += n;
            if (total > MAX_BODY_BYTES) {
                in.transferTo(OutputStream.nullOutputStream());
                return null;
            }
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }

    /** Query parameters as API Gateway passes them: decoded, repeated names joined with commas. */
    static Map<String, String> query(String raw) {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String k = decode(eq < 0 ? pair : pair.substring(0, eq));
            String v = eq < 0 ? "" : decode(pair.substring(eq + 1));
            out.merge(k, v, (a, b) -> a + "," + b);
        }
        return out;
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s;
        }
    }

    private static String decodePath(String raw) {
        try {
            return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return raw;
        }
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }

    /** An HTTP answer. */
    public static final class Reply {
        final int status;
        final byte[] body;
        final Map<String, List<String>> headers = new LinkedHashMap<>();

        public Reply(int status, byte[] body) {
            this.status = status;
            this.body = body;
        }

        /** API Gateway's own error shape: {@code {"message": "..."}}. */
        public static Reply message(int status, String message) {
            ObjectNode n = JSON.createObjectNode();
            n.put("message", message);
            return json(status, n);
        }

        public static Reply json(int status, JsonNode node) {
            try {
                return new Reply(status, JSON.writeValueAsBytes(node)).withHeader("content-type", "application/json");
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        public Reply withHeader(String name, String value) {
            headers.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
            return this;
        }

        public int status() {
            return status;
        }
    }
}
