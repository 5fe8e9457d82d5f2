package dev.chunkvault.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.StringJoiner;

/**
 * HTTP with retries, for API calls (JSON, bearer token) and presigned object transfers (no token, exactly the
 * signed headers).
 *
 * <p>Retried, with {@link RetryPolicy} backoff and the server's {@code Retry-After} as a floor: 429, 502, 503,
 * 504 and connection failures — but only for calls marked idempotent. Every call this SDK makes is idempotent:
 * reads, upload grants, delta uploads (content-addressed) and commits, deletes and restores (which always
 * carry an idempotency key, so a retried commit finds its own earlier result). 500 is not retried: it is a
 * server bug, not a transient state.
 */
public final class Transport {
    /** Headers java.net.http computes itself and refuses to be given; checked against the request instead. */
    private static final Set<String> COMPUTED_HEADERS = Set.of("content-length", "host");
    private static final Set<Integer> RETRYABLE_STATUS = Set.of(429, 502, 503, 504);

    private final HttpClient http;
    private final URI endpoint;
    private final TokenProvider tokens;
    private final Bandwidth up;
    private final Bandwidth down;
    private final RetryPolicy retry;
    private final Sleeper sleeper;
    private final Clock clock;
    private final Duration timeout;
    private final String userAgent;
    /** The sync replica its API calls name ({@link #WRITER_HEADER}), or null. */
    private final String writer;
    private final ObjectMapper json = ClientJson.MAPPER;
    /**
     * Set once a service refused a gzip-compressed JSON body and took the same body plain (a service older than
     * compressed request bodies): JSON bodies go plain from then on.
     */
    private volatile boolean plainJsonOnly;

    public Transport(HttpClient http, URI endpoint, TokenProvider tokens, RetryPolicy retry, Sleeper sleeper,
                     Clock clock, Duration timeout, String userAgent) {
        this(http, endpoint, tokens, retry, sleeper, clock, timeout, userAgent, Bandwidth.Limits.NONE);
    }

    /** @param bandwidth limits on presigned uploads and downloads (the bulk transfers; API calls are not counted) */
    public Transport(HttpClient http, URI endpoint, TokenProvider tokens, RetryPolicy retry, Sleeper sleeper,
                     Clock clock, Duration timeout, String userAgent, Bandwidth.Limits bandwidth) {
        this.up = bandwidth.up();
        this.down = bandwidth.down();
        this.http = Objects.requireNonNull(http, "http");
        this.endpoint = stripSlash(Objects.requireNonNull(endpoint, "endpoint"));
        this.tokens = Objects.requireNonNull(tokens, "tokens");
        this.retry = Objects.requireNonNull(retry, "retry");
        this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.userAgent = userAgent;
        this.writer = null;
    }

    private Transport(Transport base, String writer) {
        this.up = base.up;
        this.down = base.down;
        this.http = base.http;
        this.endpoint = base.endpoint;
        this.tokens = base.tokens;
        this.retry = base.retry;
        this.sleeper = base.sleeper;
        this.clock = base.clock;
        this.timeout = base.timeout;
        this.userAgent = base.userAgent;
        this.writer = writer;
        this.plainJsonOnly = base.plainJsonOnly;
    }

    /** The header naming the sync replica that sends a request (the service keeps it on the files it commits). */
    public static final String WRITER_HEADER = "Chunkvault-Writer";

    /**
     * This transport, its API calls naming {@code writer} in {@link #WRITER_HEADER}; the same connections, credentials
     * and bandwidth limits.
     */
    Transport withWriter(String writer) {
        return new Transport(this, Objects.requireNonNull(writer, "writer"));
    }

    private static URI stripSlash(URI u) {
        String s = u.toString();
        return s.endsWith("/") ? URI.create(s.substring(0, s.length() - 1)) : u;
    }

    public URI endpoint() {
        return endpoint;
    }

    /** A JSON API call. */
    public record Call(String method, String path, Map<String, String> query, Object body, boolean idempotent) {
        public static Call get(String path, Map<String, String> query) {
            return new Call("GET", path, query, null, true);
        }

        public static Call post(String path, Object body) {
            return new Call("POST", path, Map.of(), body, true);
        }

        public static Call post(String path, Map<String, String> query, Object body) {
            return new Call("POST", path, query, body, true);
        }

        public static Call put(String path, Object body) {
            return new Call("PUT", path, Map.of(), body, true);
        }

        /** A POST of raw bytes ({@code application/octet-stream}), gzip-compressed on the wire when that helps. */
        static Call binary(String path, Binary body) {
            return new Call("POST", path, Map.of(), body, true);
        }
    }

    /** A raw request body, with its gzip form when that is at least a tenth smaller (else null): compressed once. */
    record Binary(byte[] bytes, byte[] gzipped) {
        static Binary of(byte[] bytes) {
            return new Binary(bytes, gzipIfSmaller(bytes));
        }

        /** The bytes the body takes on the wire. */
        int wireLength() {
            return gzipped != null ? gzipped.length : bytes.length;
        }
    }

    /**
     * The media type of a gzip-compressed JSON request body. API Gateway's HTTP API hands a body of a text media type
     * (text/*, anything with json or xml) to the function as text, which compressed bytes do not survive; a binary one
     * is handed base64-encoded, and the service inflates it ({@code Content-Encoding: gzip}, bounded) and reads JSON.
     */
    static final String GZIP_JSON_MEDIA_TYPE = "application/octet-stream";
    /** Error codes a service that cannot read a compressed JSON body answers it with (415, or 400 with one of these). */
    private static final Set<String> GZIP_REFUSALS = Set.of("UNSUPPORTED_ENCODING", "MALFORMED_JSON", "MALFORMED_BODY",
            "EMPTY_BODY");

    /** Bodies smaller than this go as they are: gzip's framing would eat the saving. */
    static final int GZIP_MIN_BYTES = 512;
    /** The most a compressed API answer may inflate to (answers are at most Lambda's 6 MB, as JSON). */
    static final int MAX_DECODED_BYTES = 64 << 20;

    /** Gzip of {@code raw} when it is at least a tenth smaller, else null. */
    static byte[] gzipIfSmaller(byte[] raw) {
        if (raw.length < GZIP_MIN_BYTES) {
            return null;
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(raw.length / 2 + 64);
        try (java.util.zip.GZIPOutputStream z = new java.util.zip.GZIPOutputStream(out, 8192)) {
            z.write(raw);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e); // in memory: cannot happen
        }
        return out.size() <= raw.length * 0.9 ? out.toByteArray() : null;
    }

    /**
     * Reads API answers, inflating those sent {@code Content-Encoding: gzip}. A body that does not inflate (or
     * inflates past {@link #MAX_DECODED_BYTES}) reads as empty, which the JSON parsing then reports as a bad answer.
     */
    static final HttpResponse.BodyHandler<byte[]> DECODING = info -> {
        boolean gzip = info.headers().firstValue("content-encoding").map(v -> v.trim().equalsIgnoreCase("gzip"))
                .orElse(false);
        return gzip ? HttpResponse.BodySubscribers.mapping(HttpResponse.BodySubscribers.ofByteArray(), Transport::gunzip)
                : HttpResponse.BodySubscribers.ofByteArray();
    };

    static byte[] gunzip(byte[] compressed) {
        try (java.util.zip.GZIPInputStream in = new java.util.zip.GZIPInputStream(
                new java.io.ByteArrayInputStream(compressed))) {
            byte[] out = in.readNBytes(MAX_DECODED_BYTES + 1);
            return out.length > MAX_DECODED_BYTES ? new byte[0] : out;
        } catch (IOException e) {
            return new byte[0];
        }
    }

    /** Sends an API call and maps a 2xx JSON answer to {@code type}. */
    public <T> T call(Call call, Class<T> type) {
        HttpResponse<byte[]> r = send(call);
        return parse(r, type, call.path());
    }

    /** Like {@link #call} but gives the JSON tree. */
    public JsonNode callTree(Call call) {
        HttpResponse<byte[]> r = send(call);
        try {
            return json.readTree(r.body());
        } catch (IOException e) {
            throw new BadResponseException("The server's answer to " + call.path() + " is not valid JSON.", e);
        }
    }

    private <T> T parse(HttpResponse<byte[]> r, Class<T> type, String what) {
        try {
            T value = json.readValue(r.body(), type);
            if (value == null) {
                throw new BadResponseException("The server's answer to " + what + " is empty.", null);
            }
            return value;
        } catch (JsonProcessingException e) {
            throw new BadResponseException("The server's answer to " + what + " could not be read (malformed or"
                    + " truncated JSON).", e);
        } catch (IOException e) {
            throw new BadResponseException("The server's answer to " + what + " could not be read.", e);
        } catch (IllegalArgumentException e) {
            throw new BadResponseException("The server's answer to " + what + " has invalid values.", e);
        }
    }

    private HttpResponse<byte[]> send(Call call) {
        byte[] body;
        String contentType = "application/json";
        byte[] gzipped = null;
        if (call.body() instanceof Binary b) {
            body = b.bytes();
            contentType = "application/octet-stream";
            gzipped = b.gzipped();
        } else {
            try {
                body = call.body() == null ? null : json.writeValueAsBytes(call.body());
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("request body cannot be written as JSON", e);
            }
            // Large JSON bodies (commit batches, pack declarations, upload grants: manifests and ids) go compressed.
            gzipped = body == null || plainJsonOnly ? null : gzipIfSmaller(body);
        }
        boolean gzipJson = gzipped != null && !(call.body() instanceof Binary);
        URI uri = URI.create(endpoint + call.path() + queryString(call.query()));
        boolean refreshed = false;
        boolean fellBack = false;
        for (int attempt = 1; ; attempt++) {
            HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout)
                    .header("Accept", "application/json").header("Accept-Encoding", "gzip");
            if (userAgent != null) {
                b.header("User-Agent", userAgent);
            }
            if (writer != null) {
                b.header(WRITER_HEADER, writer);
            }
            String token = tokens.token();
            if (token != null && !token.isBlank()) {
                b.header("Authorization", "Bearer " + token);
            }
            if (gzipped != null) {
                b.header("Content-Type", gzipJson ? GZIP_JSON_MEDIA_TYPE : contentType).header("Content-Encoding", "gzip");
                b.method(call.method(), HttpRequest.BodyPublishers.ofByteArray(gzipped));
            } else if (body != null) {
                b.header("Content-Type", contentType);
                b.method(call.method(), HttpRequest.BodyPublishers.ofByteArray(body));
            } else {
                b.method(call.method(), HttpRequest.BodyPublishers.noBody());
            }
            Outcome<byte[]> o = exchange(b.build(), DECODING, call.idempotent(), attempt);
            if (o.retryNow) {
                continue;
            }
            HttpResponse<byte[]> r = o.response;
            int status = r.statusCode();
            if (status >= 200 && status < 300) {
                if (fellBack) {
                    plainJsonOnly = true;
                }
                return r;
            }
            if (gzipJson && refusesGzip(r)) {
                // a service older than compressed request bodies: the same body again, plain (and from now on, if
                // that is taken; a request refused either way leaves compression on)
                gzipped = null;
                gzipJson = false;
                fellBack = true;
                attempt--;
                continue;
            }
            if (status == 401 && !refreshed && tokens.refresh()) {
                refreshed = true;
                attempt--;
                continue;
            }
            throw apiError(r);
        }
    }

    /** True when {@code r} refuses a compressed JSON body as such: 415, or 400 saying the body could not be read. */
    private boolean refusesGzip(HttpResponse<byte[]> r) {
        if (r.statusCode() == 415) {
            return true;
        }
        if (r.statusCode() != 400) {
            return false;
        }
        try {
            JsonNode n = json.readTree(r.body());
            return n != null && GZIP_REFUSALS.contains(n.path("error").asText(""));
        } catch (IOException notJson) {
            return false;
        }
    }

    /** Result of one exchange: a final response, or "retry now" after the wait was already slept. */
    private record Outcome<T>(HttpResponse<T> response, boolean retryNow) {}

    private <T> Outcome<T> exchange(HttpRequest request, HttpResponse.BodyHandler<T> handler, boolean idempotent,
                                    int attempt) {
        HttpResponse<T> r;
        try {
            r = http.send(request, handler);
        } catch (IOException e) {
            if (idempotent && retry.canRetry(attempt)) {
                pause(retry.delay(attempt, null).orElse(Duration.ZERO));
                return new Outcome<>(null, true);
            }
            throw new TransportException("Could not reach " + request.uri().getScheme() + "://"
                    + request.uri().getAuthority() + " (" + describe(e) + ").", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChunkvaultException("Interrupted.", e);
        }
        int status = r.statusCode();
        if (RETRYABLE_STATUS.contains(status) && idempotent) {
            Duration after = RetryPolicy.parseRetryAfter(r.headers().firstValue("Retry-After").orElse(null), clock);
            Optional<Duration> wait = retry.canRetry(attempt) ? retry.delay(attempt, after) : Optional.empty();
            if (wait.isPresent()) {
                pause(wait.get());
                return new Outcome<>(null, true);
            }
        }
        return new Outcome<>(r, false);
    }

    private static String describe(IOException e) {
        String name = e.getClass().getSimpleName();
        if (e instanceof java.net.ConnectException) {
            return "connection refused";
        }
        if (e instanceof java.net.http.HttpTimeoutException) {
            return "timed out";
        }
        return name;
    }

    private void pause(Duration d) {
        try {
            sleeper.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChunkvaultException("Interrupted.", e);
        }
    }

    ApiException apiError(HttpResponse<byte[]> r) {
        int status = r.statusCode();
        Duration after = RetryPolicy.parseRetryAfter(r.headers().firstValue("Retry-After").orElse(null), clock);
        String code = null;
        String message = null;
        String requestId = r.headers().firstValue("x-request-id").orElse(null);
        JsonNode details = null;
        try {
            JsonNode n = json.readTree(r.body());
            if (n != null && n.isObject()) {
                code = text(n, "error");
                message = text(n, "message");
                requestId = Optional.ofNullable(text(n, "requestId")).orElse(requestId);
                details = n.get("details");
            }
        } catch (IOException notJson) {
            // an error page that is not JSON: keep the status alone
        }
        if (message == null) {
            message = switch (status) {
                case 401 -> "Not signed in, or the session expired.";
                case 403 -> "Not allowed.";
                case 404 -> "Not found.";
                case 429 -> "Too many requests.";
                case 500 -> "The server failed (internal error).";
                case 502, 503, 504 -> "The service is unavailable right now.";
                default -> null;
            };
        }
        return new ApiException(status, code, message, requestId, details, after,
                r.request().method() + " " + r.request().uri().getPath());
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v != null && v.isTextual() ? v.asText() : null;
    }

    static String queryString(Map<String, String> query) {
        if (query == null || query.isEmpty()) {
            return "";
        }
        StringJoiner j = new StringJoiner("&", "?", "");
        for (Map.Entry<String, String> e : query.entrySet()) {
            if (e.getValue() != null) {
                j.add(enc(e.getKey()) + "=" + enc(e.getValue()));
            }
        }
        return j.length() == 1 ? "" : j.toString();
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** Builds an ordered query map, skipping null values. */
    public static Map<String, String> query(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i + 1 < kv.length; i += 2) {
            if (kv[i + 1] != null) {
                m.put(kv[i], kv[i + 1]);
            }
        }
        return m;
    }

    // ---------------------------------------------------------------- presigned transfers

    /**
     * Sends a presigned PUT of {@code body} with exactly the signed headers. {@code content-length} and
     * {@code host}, which the HTTP client computes itself, are checked against the request instead of set.
     *
     * @throws ApiException with the storage's status when it refuses (e.g. 403 for an expired URL)
     */
    public void presignedPut(String url, Map<String, String> headers, byte[] body) {
        if (up != null) {
            presignedPut(url, headers, body.length, () -> new java.io.ByteArrayInputStream(body));
            return;
        }
        put(url, headers, body.length, () -> HttpRequest.BodyPublishers.ofByteArray(body));
    }

    /**
     * Sends a presigned PUT of {@code length} bytes streamed from {@code body} (called again for each attempt), so no
     * chunk-sized array is held. Otherwise as {@link #presignedPut(String, Map, byte[])}.
     */
    public void presignedPut(String url, Map<String, String> headers, long length,
                             java.util.function.Supplier<java.io.InputStream> body) {
        java.util.function.Supplier<java.io.InputStream> source = up == null ? body : () -> up.throttle(body.get());
        put(url, headers, length, () -> HttpRequest.BodyPublishers.fromPublisher(
                HttpRequest.BodyPublishers.ofInputStream(source), length));
    }

    /** A presigned PUT of a body of {@code length} bytes, a fresh publisher of it for each attempt. */
    private void put(String url, Map<String, String> headers, long length,
                     java.util.function.Supplier<HttpRequest.BodyPublisher> body) {
        URI uri = URI.create(url);
        for (Map.Entry<String, String> h : headers.entrySet()) {
            String name = h.getKey().toLowerCase(Locale.ROOT);
            if (name.equals("content-length") && !h.getValue().trim().equals(Long.toString(length))) {
                throw new IllegalStateException("the upload grant is for " + h.getValue() + " bytes, not " + length);
            }
        }
        for (int attempt = 1; ; attempt++) {
            HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout).PUT(body.get());
            signedHeaders(b, headers);
            Outcome<byte[]> o = exchange(b.build(), HttpResponse.BodyHandlers.ofByteArray(), true, attempt);
            if (o.retryNow) {
                continue;
            }
            int status = o.response.statusCode();
            if (status >= 200 && status < 300) {
                return;
            }
            throw storageError(o.response, "upload");
        }
    }

    /** Sends a presigned GET and returns the body (objects are at most a few MiB: chunks and manifests). */
    public byte[] presignedGet(String url, Map<String, String> headers) {
        if (down != null) {
            java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
            presignedGet(url, headers, new BodySink() {
                @Override
                public void reset() {
                    body.reset();
                }

                @Override
                public void write(byte[] buffer, int length) {
                    body.write(buffer, 0, length);
                }
            });
            return body.toByteArray();
        }
        URI uri = URI.create(url);
        for (int attempt = 1; ; attempt++) {
            HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout).GET();
            signedHeaders(b, headers);
            Outcome<byte[]> o = exchange(b.build(), HttpResponse.BodyHandlers.ofByteArray(), true, attempt);
            if (o.retryNow) {
                continue;
            }
            int status = o.response.statusCode();
            if (status >= 200 && status < 300) {
                return o.response.body();
            }
            throw storageError(o.response, "download");
        }
    }

    /** Where a streamed download's body goes: {@link #reset()} before each attempt, then its bytes in order. */
    public interface BodySink {
        /** Forgets what an earlier attempt wrote (the next attempt writes the body from its start). */
        void reset() throws IOException;

        /** The next {@code length} bytes of the body, in {@code buffer[0, length)}. */
        void write(byte[] buffer, int length) throws IOException;
    }

    /** Bytes of a streamed body read at a time: see FileRegions.IO_SLICE. */
    private static final int STREAM_SLICE = 256 << 10;

    /**
     * Sends a presigned GET and streams the body into {@code sink}, {@value #STREAM_SLICE} bytes at a time, so no
     * object-sized array is held. A failure part-way through the body is retried like a failure to connect: the sink
     * is reset and the object read again from its start.
     */
    public void presignedGet(String url, Map<String, String> headers, BodySink sink) {
        URI uri = URI.create(url);
        // Error answers are small and read whole (so a retried one leaves no open stream behind); a 2xx is streamed.
        HttpResponse.BodyHandler<java.io.InputStream> handler = info -> info.statusCode() / 100 == 2
                ? HttpResponse.BodySubscribers.ofInputStream()
                : HttpResponse.BodySubscribers.mapping(HttpResponse.BodySubscribers.ofByteArray(),
                        java.io.ByteArrayInputStream::new);
        byte[] buffer = new byte[STREAM_SLICE];
        for (int attempt = 1; ; attempt++) {
            HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout).GET();
            signedHeaders(b, headers);
            Outcome<java.io.InputStream> o = exchange(b.build(), handler, true, attempt);
            if (o.retryNow) {
                continue;
            }
            int status = o.response.statusCode();
            try (java.io.InputStream in = o.response.body()) {
                if (status < 200 || status >= 300) {
                    throw storageError(o.response, "download");
                }
                local(() -> sink.reset());
                java.io.InputStream body = down == null ? in : down.throttle(in);
                for (int n; (n = body.readNBytes(buffer, 0, buffer.length)) > 0; ) {
                    int length = n;
                    local(() -> sink.write(buffer, length));
                }
                return;
            } catch (IOException e) { // the network's (the sink's own failures are not retried: see local)
                if (!retry.canRetry(attempt)) {
                    throw new TransportException("The download from " + uri.getScheme() + "://" + uri.getAuthority()
                            + " broke off (" + describe(e) + ").", e);
                }
                pause(retry.delay(attempt, null).orElse(Duration.ZERO));
            }
        }
    }

    private interface LocalIo {
        void run() throws IOException;
    }

    /** Runs a sink's step; its failure (a local write) is thrown unchecked, so it is not taken for the network's. */
    private static void local(LocalIo step) {
        try {
            step.run();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void signedHeaders(HttpRequest.Builder b, Map<String, String> headers) {
        for (Map.Entry<String, String> h : headers.entrySet()) {
            if (!COMPUTED_HEADERS.contains(h.getKey().toLowerCase(Locale.ROOT))) {
                b.header(h.getKey(), h.getValue());
            }
        }
    }

    private ApiException storageError(HttpResponse<?> r, String what) {
        int status = r.statusCode();
        String message = switch (status) {
            case 403 -> "The storage refused the " + what + " (the presigned URL expired or does not match).";
            case 404 -> "The storage has no such object.";
            default -> "The storage answered HTTP " + status + " to the " + what + ".";
        };
        return new ApiException(status, "STORAGE_" + status, message, null, null, null);
    }
}
