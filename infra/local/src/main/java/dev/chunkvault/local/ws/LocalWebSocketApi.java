package dev.chunkvault.local.ws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chunkvault.local.lambda.LocalFunction;
import dev.chunkvault.local.template.SamTemplate;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiPredicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An API Gateway WebSocket API on loopback, run from the template's {@code AWS::ApiGatewayV2} resources: a client
 * connects to {@code ws://127.0.0.1:PORT/STAGE}; {@code $connect} runs the route's REQUEST authorizer function (no
 * identity header: 401 without calling it; the function throwing {@code Unauthorized}: 401; a Deny policy: 403; any
 * other failure: 500) and then the route's integration (a non-2xx {@code statusCode} refuses the connection with
 * it); text messages are routed by the route selection expression ({@code $request.body.action}) to a route, else
 * {@code $default}, else answered {@code {"message": "Forbidden"}} like API Gateway; a MOCK integration answers its
 * response template; {@code $disconnect} runs when the socket closes for any reason. Connections close after 10
 * minutes without a message (WebSocket ping frames are answered but, as on AWS, do not count) and after 2 hours.
 *
 * <p>The same port serves the management API a function posts through ({@code POST|GET|DELETE
 * /STAGE/@connections/ID}; 410 {@code GoneException} for an unknown connection), signed with a function's access key
 * that the template's policies allow {@code execute-api:ManageConnections} on the connection.
 */
public final class LocalWebSocketApi implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LocalWebSocketApi.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** API Gateway's WebSocket limits. */
    public static final Duration IDLE_TIMEOUT = Duration.ofMinutes(10);
    public static final Duration MAX_CONNECTION = Duration.ofHours(2);
    static final int MAX_MESSAGE_BYTES = 128 * 1024;
    private static final int MAX_HEADER_BYTES = 16 * 1024;
    /** The access key id of a Signature V4 {@code Authorization} header. */
    private static final java.util.regex.Pattern SIGV4_KEY = java.util.regex.Pattern.compile(
            "^AWS4-HMAC-SHA256 Credential=([A-Za-z0-9]+)/");

    private final SamTemplate.WebSocketApi api;
    private final Map<String, LocalFunction> functions;
    private final BiPredicate<String, String> managers;
    private final Clock clock;
    private final Duration idleTimeout;
    private final ServerSocket server;
    private final ExecutorService threads;
    private final Map<String, Connection> connections = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();
    private final AtomicInteger connects = new AtomicInteger();
    private volatile boolean closed;

    /**
     * @param managers whether an access key id may manage a connection (its resource ARN): the template's policies
     */
    public LocalWebSocketApi(int port, SamTemplate.WebSocketApi api, Map<String, LocalFunction> functions,
                             BiPredicate<String, String> managers, Clock clock, Duration idleTimeout) throws IOException {
        this.api = api;
        this.functions = functions;
        this.managers = managers;
        this.clock = clock;
        this.idleTimeout = idleTimeout;
        this.server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        AtomicInteger n = new AtomicInteger();
        this.threads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "websocket-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    public void start() {
        threads.submit(this::acceptLoop);
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Where clients connect: {@code ws://127.0.0.1:PORT/STAGE}. */
    public URI url() {
        return URI.create("ws://127.0.0.1:" + port() + "/" + api.stage());
    }

    /** The management API's endpoint, as a function's SDK client takes it ({@code http://127.0.0.1:PORT/STAGE}). */
    public URI managementEndpoint() {
        return URI.create("http://127.0.0.1:" + port() + "/" + api.stage());
    }

    public int openConnections() {
        return connections.size();
    }

    /** Connections accepted since start. */
    public int connectsAccepted() {
        return connects.get();
    }

    /** Closes every open connection, as API Gateway does at its 2-hour limit or a deployment (tests use it). */
    public void dropAll() {
        for (Connection c : List.copyOf(connections.values())) {
            c.close(1001, "Going away");
        }
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket s = server.accept();
                threads.submit(() -> serve(s));
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("websocket accept failed: {}", e.toString());
                }
            }
        }
    }

    private record Request(String method, String path, Map<String, String> headers, Map<String, String> query) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(30_000);
            InputStream in = new BufferedInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            Request req = readRequest(in);
            if (req == null) {
                return;
            }
            String prefix = "/" + api.stage() + "/@connections/";
            if (req.path().startsWith(prefix)) {
                manage(req, URLDecoder.decode(req.path().substring(prefix.length()), StandardCharsets.UTF_8), in, out);
            } else if ("websocket".equalsIgnoreCase(Optional.ofNullable(req.header("upgrade")).orElse(""))) {
                upgrade(socket, req, in, out);
            } else {
                respond(out, 426, Map.of(), "{\"message\":\"Upgrade Required\"}");
            }
        } catch (IOException e) {
            LOG.debug("websocket connection ended: {}", e.toString());
        }
    }

    // ------------------------------------------------------------------ connections

    private final class Connection {
        final String id;
        final Socket socket;
        final OutputStream out;
        final Map<String, Object> authorizer;
        final Instant connectedAt;
        volatile Instant lastActiveAt;
        volatile boolean open = true;

        Connection(String id, Socket socket, OutputStream out, Map<String, Object> authorizer) {
            this.id = id;
            this.socket = socket;
            this.out = out;
            this.authorizer = authorizer;
            this.connectedAt = clock.instant();
            this.lastActiveAt = connectedAt;
        }

        synchronized void send(int opcode, byte[] payload) throws IOException {
            if (!open) {
                throw new IOException("closed");
            }
            WebSocketFrames.write(out, opcode, payload);
        }

        void close(int code, String reason) {
            try {
                send(WebSocketFrames.CLOSE, WebSocketFrames.closePayload(code, reason));
            } catch (IOException ignored) {
                // the peer is gone already
            }
            open = false;
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }

    private void upgrade(Socket socket, Request req, InputStream in, OutputStream out) throws IOException {
        String key = req.header("sec-websocket-key");
        if (!"GET".equals(req.method()) || key == null || !"13".equals(req.header("sec-websocket-version"))) {
            respond(out, 400, Map.of(), "{\"message\":\"Bad Request\"}");
            return;
        }
        if (!req.path().equals("/" + api.stage()) && !req.path().equals("/" + api.stage() + "/")) {
            respond(out, 403, Map.of(), "{\"message\":\"Forbidden\"}");
            return;
        }
        String connectionId = newConnectionId();
        SamTemplate.WebSocketRoute connect = api.routes().get("$connect");
        Map<String, Object> authorizer = new LinkedHashMap<>();
        if (connect != null && connect.authorizerFunctionId() != null) {
            int refused = authorize(connect, req, connectionId, authorizer);
            if (refused != 0) {
                respond(out, refused, Map.of(), refused == 401 ? "{\"message\":\"Unauthorized\"}"
                        : refused == 403 ? "{\"message\":\"Forbidden\"}" : "{\"message\":\"Internal server error\"}");
                return;
            }
        }
        if (connect != null && connect.functionId() != null) {
            int status = integrate(connect, "CONNECT", connectionId, authorizer, req, null).status();
            if (status < 200 || status > 299) {
                respond(out, status, Map.of(), "");
                return;
            }
        }
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Upgrade", "websocket");
        headers.put("Connection", "Upgrade");
        headers.put("Sec-WebSocket-Accept", WebSocketFrames.accept(key));
        respond(out, 101, headers, null);
        Connection c = new Connection(connectionId, socket, out, authorizer);
        connections.put(connectionId, c);
        connects.incrementAndGet();
        LOG.debug("websocket {} connected", connectionId);
        try {
            messages(c, in);
        } finally {
            c.open = false;
            connections.remove(connectionId);
            SamTemplate.WebSocketRoute disconnect = api.routes().get("$disconnect");
            if (disconnect != null && disconnect.functionId() != null) {
                integrate(disconnect, "DISCONNECT", connectionId, authorizer, req, null);
            }
            LOG.debug("websocket {} disconnected", connectionId);
        }
    }

    private void messages(Connection c, InputStream in) throws IOException {
        long lastMessage = System.nanoTime();
        c.socket.setSoTimeout((int) Math.min(idleTimeout.toMillis(), 60_000));
        while (c.open && !closed) {
            WebSocketFrames.Message m;
            try {
                m = WebSocketFrames.read(in, MAX_MESSAGE_BYTES);
            } catch (SocketTimeoutException e) {
                if (System.nanoTime() - lastMessage >= idleTimeout.toNanos()) {
                    c.close(1001, "Going away");
                    return;
                }
                if (Duration.between(c.connectedAt, clock.instant()).compareTo(MAX_CONNECTION) >= 0) {
                    c.close(1001, "Going away");
                    return;
                }
                continue;
            } catch (WebSocketFrames.ProtocolException e) {
                c.close(e.code, e.getMessage());
                return;
            } catch (IOException e) {
                return; // the peer went away
            }
            switch (m.opcode()) {
                case WebSocketFrames.PING -> c.send(WebSocketFrames.PONG, m.payload());
                case WebSocketFrames.PONG -> { /* unsolicited pongs are allowed */ }
                case WebSocketFrames.CLOSE -> {
                    c.close(m.payload().length >= 2 ? ((m.payload()[0] & 0xFF) << 8) | (m.payload()[1] & 0xFF) : 1000, "");
                    return;
                }
                default -> {
                    lastMessage = System.nanoTime();
                    c.lastActiveAt = clock.instant();
                    route(c, m);
                }
            }
        }
    }

    private void route(Connection c, WebSocketFrames.Message m) throws IOException {
        String key = null;
        String expression = api.routeSelectionExpression();
        if (expression.startsWith("$request.body.")) {
            try {
                JsonNode body = JSON.readTree(m.payload());
                JsonNode v = body.path(expression.substring("$request.body.".length()));
                key = v.isValueNode() ? v.asText() : null;
            } catch (IOException notJson) {
                key = null;
            }
        }
        SamTemplate.WebSocketRoute route = key != null && api.routes().containsKey(key) ? api.routes().get(key)
                : api.routes().get("$default");
        if (route == null) {
            c.send(WebSocketFrames.TEXT, ("{\"message\": \"Forbidden\", \"connectionId\":\"" + c.id + "\", \"requestId\":\""
                    + UUID.randomUUID() + "\"}").getBytes(StandardCharsets.UTF_8));
            return;
        }
        if (route.mockResponse() != null) {
            c.send(WebSocketFrames.TEXT, route.mockResponse().getBytes(StandardCharsets.UTF_8));
            return;
        }
        Result r = integrate(route, "MESSAGE", c.id, c.authorizer, null, m.text());
        if (r.body() != null) {
            c.send(WebSocketFrames.TEXT, r.body().getBytes(StandardCharsets.UTF_8));
        }
    }

    // ------------------------------------------------------------------ functions

    private record Result(int status, String body) {}

    /** Runs the $connect authorizer; 0 when allowed (its principal and context put in {@code authorizer}). */
    private int authorize(SamTemplate.WebSocketRoute route, Request req, String connectionId, Map<String, Object> authorizer) {
        if (route.identityHeader() != null && req.header(route.identityHeader()) == null) {
            return 401;
        }
        String methodArn = "arn:aws:execute-api:" + SamTemplate.REGION + ":" + SamTemplate.ACCOUNT + ":" + api.physicalName()
                + "/" + api.stage() + "/$connect";
        ObjectNode event = JSON.createObjectNode();
        event.put("type", "REQUEST");
        event.put("methodArn", methodArn);
        event.set("headers", JSON.valueToTree(req.headers()));
        event.set("queryStringParameters", JSON.valueToTree(req.query()));
        event.set("requestContext", requestContext("$connect", "CONNECT", connectionId, Map.of()));
        LocalFunction f = functions.get(route.authorizerFunctionId());
        try {
            JsonNode out = JSON.readTree(f.invoke(JSON.writeValueAsBytes(event), UUID.randomUUID().toString(), false));
            boolean allowed = false;
            for (JsonNode s : out.path("policyDocument").path("Statement")) {
                boolean matches = s.path("Resource").isArray() ? contains(s.path("Resource"), methodArn)
                        : methodArn.equals(s.path("Resource").asText()) || "*".equals(s.path("Resource").asText());
                if (matches && "Deny".equals(s.path("Effect").asText())) {
                    return 403;
                }
                allowed |= matches && "Allow".equals(s.path("Effect").asText());
            }
            if (!allowed) {
                return 403;
            }
            authorizer.put("principalId", out.path("principalId").asText());
            out.path("context").fields().forEachRemaining(e -> authorizer.put(e.getKey(), e.getValue().asText()));
            return 0;
        } catch (LocalFunction.InvocationFailed e) {
            if (e.getCause() != null && "Unauthorized".equals(e.getCause().getMessage())) {
                return 401;
            }
            LOG.warn("websocket authorizer {} failed: {}", route.authorizerFunctionId(), e.getMessage());
            return 500;
        } catch (IOException e) {
            LOG.warn("websocket authorizer {} answered no JSON", route.authorizerFunctionId());
            return 500;
        }
    }

    private static boolean contains(JsonNode list, String arn) {
        for (JsonNode n : list) {
            if (arn.equals(n.asText()) || "*".equals(n.asText())) {
                return true;
            }
        }
        return false;
    }

    private Result integrate(SamTemplate.WebSocketRoute route, String eventType, String connectionId,
                             Map<String, Object> authorizer, Request req, String body) {
        ObjectNode event = JSON.createObjectNode();
        if (req != null) {
            event.set("headers", JSON.valueToTree(req.headers()));
            if (!req.query().isEmpty()) {
                event.set("queryStringParameters", JSON.valueToTree(req.query()));
            }
        }
        event.set("requestContext", requestContext(route.routeKey(), eventType, connectionId, authorizer));
        if (body != null) {
            event.put("body", body);
        }
        event.put("isBase64Encoded", false);
        try {
            JsonNode out = JSON.readTree(functions.get(route.functionId()).invoke(JSON.writeValueAsBytes(event),
                    UUID.randomUUID().toString(), false));
            return new Result(out.path("statusCode").asInt(200), out.path("body").isTextual() ? out.path("body").asText() : null);
        } catch (LocalFunction.InvocationFailed | IOException e) {
            LOG.warn("websocket route {} of {}: {}", route.routeKey(), connectionId, e.getMessage());
            return new Result(500, null);
        }
    }

    private ObjectNode requestContext(String routeKey, String eventType, String connectionId, Map<String, Object> authorizer) {
        ObjectNode rc = JSON.createObjectNode();
        long now = clock.millis();
        rc.put("routeKey", routeKey);
        rc.put("eventType", eventType);
        rc.put("messageDirection", "IN");
        rc.put("stage", api.stage());
        rc.put("connectionId", connectionId);
        rc.put("requestId", UUID.randomUUID().toString());
        rc.put("requestTimeEpoch", now);
        rc.put("domainName", "127.0.0.1");
        rc.put("apiId", api.physicalName());
        rc.set("identity", JSON.createObjectNode().put("sourceIp", "127.0.0.1"));
        if (!authorizer.isEmpty()) {
            rc.set("authorizer", JSON.valueToTree(authorizer));
        }
        return rc;
    }

    private String newConnectionId() {
        byte[] b = new byte[12];
        random.nextBytes(b);
        return Base64.getEncoder().encodeToString(b).replace('+', 'A').replace('/', 'B');
    }

    // ------------------------------------------------------------------ management API

    private void manage(Request req, String connectionId, InputStream in, OutputStream out) throws IOException {
        String auth = Optional.ofNullable(req.header("authorization")).orElse("");
        java.util.regex.Matcher m = SIGV4_KEY.matcher(auth);
        String resource = "arn:aws:execute-api:" + SamTemplate.REGION + ":" + SamTemplate.ACCOUNT + ":" + api.physicalName()
                + "/" + api.stage() + "/" + req.method() + "/@connections/" + connectionId;
        if (!m.find()) {
            respond(out, 403, Map.of("x-amzn-ErrorType", "MissingAuthenticationTokenException"),
                    "{\"message\":\"Missing Authentication Token\"}");
            return;
        }
        if (!managers.test(m.group(1), resource)) {
            respond(out, 403, Map.of("x-amzn-ErrorType", "ForbiddenException"), "{\"message\":\"Forbidden\"}");
            return;
        }
        byte[] body = readBody(req, in);
        Connection c = connections.get(connectionId);
        if (c == null || !c.open) {
            respond(out, 410, Map.of("x-amzn-ErrorType", "GoneException"), "{\"message\":\"\"}");
            return;
        }
        switch (req.method()) {
            case "POST" -> {
                if (body.length > MAX_MESSAGE_BYTES) {
                    respond(out, 413, Map.of("x-amzn-ErrorType", "PayloadTooLargeException"), "{\"message\":\"Payload too large\"}");
                    return;
                }
                try {
                    c.send(WebSocketFrames.TEXT, body);
                } catch (IOException e) {
                    respond(out, 410, Map.of("x-amzn-ErrorType", "GoneException"), "{\"message\":\"\"}");
                    return;
                }
                respond(out, 200, Map.of(), "");
            }
            case "GET" -> respond(out, 200, Map.of(), "{\"connectedAt\":\"" + c.connectedAt + "\",\"identity\":{\"sourceIp\":"
                    + "\"127.0.0.1\"},\"lastActiveAt\":\"" + c.lastActiveAt + "\"}");
            case "DELETE" -> {
                c.close(1000, "");
                respond(out, 204, Map.of(), null);
            }
            default -> respond(out, 405, Map.of(), "{\"message\":\"Method Not Allowed\"}");
        }
    }

    // ------------------------------------------------------------------ HTTP/1.1

    private static Request readRequest(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int state = 0;
        while (state < 4) {
            int b = in.read();
            if (b < 0) {
                return null;
            }
            head.write(b);
            if (head.size() > MAX_HEADER_BYTES) {
                throw new IOException("request head too large");
            }
            state = (b == '\r' && (state == 0 || state == 2)) || (b == '\n' && (state == 1 || state == 3)) ? state + 1 : 0;
        }
        String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
        String[] requestLine = lines[0].split(" ");
        if (requestLine.length != 3) {
            throw new IOException("bad request line");
        }
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.merge(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim(),
                        (a, b) -> a + "," + b);
            }
        }
        String target = requestLine[1];
        int q = target.indexOf('?');
        Map<String, String> query = new LinkedHashMap<>();
        if (q >= 0) {
            for (String kv : target.substring(q + 1).split("&")) {
                int eq = kv.indexOf('=');
                if (!kv.isEmpty()) {
                    query.put(URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8),
                            eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return new Request(requestLine[0], q < 0 ? target : target.substring(0, q), headers, query);
    }

    private static byte[] readBody(Request req, InputStream in) throws IOException {
        String length = req.header("content-length");
        if (length == null) {
            return new byte[0];
        }
        int n;
        try {
            n = Integer.parseInt(length.trim());
        } catch (NumberFormatException e) {
            throw new IOException("bad content-length");
        }
        if (n < 0 || n > MAX_MESSAGE_BYTES + 1) {
            throw new IOException("body too large");
        }
        return in.readNBytes(n);
    }

    private static void respond(OutputStream out, int status, Map<String, String> headers, String body) throws IOException {
        StringBuilder sb = new StringBuilder("HTTP/1.1 ").append(status).append(' ').append(reason(status)).append("\r\n");
        headers.forEach((k, v) -> sb.append(k).append(": ").append(v).append("\r\n"));
        byte[] b = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        if (status != 101) {
            sb.append("Content-Type: application/json\r\nContent-Length: ").append(b.length).append("\r\nConnection: close\r\n");
        }
        sb.append("\r\n");
        out.write(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.write(b);
        out.flush();
    }

    private static String reason(int status) {
        return switch (status) {
            case 101 -> "Switching Protocols";
            case 200 -> "OK";
            case 204 -> "No Content";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 410 -> "Gone";
            case 413 -> "Payload Too Large";
            case 426 -> "Upgrade Required";
            case 429 -> "Too Many Requests";
            default -> status >= 500 ? "Internal Server Error" : "Error";
        };
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing
        }
        for (Connection c : List.copyOf(connections.values())) {
            c.close(1001, "Going away");
        }
        threads.shutdownNow();
    }
}
