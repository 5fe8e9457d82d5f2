package dev.chunkvault.api.http;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.core.JsonProcessingException;
import dev.chunkvault.service.time.Deadline;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The base of every HTTP function: parses nothing itself, calls {@link #handle} (which calls one service
 * method), and turns its result or failure into the payload-v2 response, through {@link ErrorMapper} only.
 * Logs one access line per request.
 */
public abstract class HttpFunction implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
    private final String name;
    private final StructuredLog log;

    protected HttpFunction(String name, StructuredLog log) {
        this.name = name;
        this.log = log;
    }

    /** Handles one request; may throw any exception the {@link ErrorMapper} knows. */
    protected abstract HttpResponse handle(ApiRequest request, StructuredLog log) throws Exception;

    @Override
    public final APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        long started = System.nanoTime();
        String requestId = requestId(event, context);
        StructuredLog requestLog = log.forRequest(requestId);
        ApiRequest request = new ApiRequest(event, requestId);
        HttpResponse response = deadline(context).call(() -> respond(request, requestLog));
        Map<String, Object> access = new HashMap<>();
        access.put("route", event.getRouteKey());
        access.put("status", response.status());
        access.put("latencyMs", (System.nanoTime() - started) / 1_000_000);
        requestLog.info(name + " " + response.status(), access);
        if (response.status() == 409) {
            requestLog.metrics(Map.of("Conflicts", 1), Map.of());
        }
        return toApiGateway(response, requestId, requestLog, request.acceptsGzip());
    }

    /**
     * Work stops this long before the function's timeout ({@link Deadline}): time to map the answer and send it, so a
     * request that runs out of time gets the service's own 503 rather than the platform's anonymous 500.
     */
    static final long ANSWER_MARGIN_MILLIS = 2_000;

    /** The invocation's deadline: its remaining time less {@link #ANSWER_MARGIN_MILLIS} (none without a context). */
    static Deadline deadline(Context context) {
        if (context == null) {
            return Deadline.none();
        }
        return Deadline.in(Duration.ofMillis(Math.max(0, context.getRemainingTimeInMillis() - ANSWER_MARGIN_MILLIS)));
    }

    private HttpResponse respond(ApiRequest request, StructuredLog requestLog) {
        try {
            return handle(request, requestLog);
        } catch (Exception | StackOverflowError e) {
            return ErrorMapper.map(e, request.requestId(), requestLog);
        }
    }

    /** JSON bodies smaller than this go uncompressed: gzip's framing would eat most of the saving. */
    static final int GZIP_MIN_BYTES = 1024;


    private static String requestId(APIGatewayV2HTTPEvent event, Context context) {
        if (event.getRequestContext() != null && event.getRequestContext().getRequestId() != null) {
            return event.getRequestContext().getRequestId();
        }
        return context != null && context.getAwsRequestId() != null ? context.getAwsRequestId() : UUID.randomUUID().toString();
    }

    /**
     * The payload-v2 response. A JSON body of at least {@link #GZIP_MIN_BYTES} goes gzip-compressed when the caller
     * accepts it (base64 to API Gateway, which sends the bytes): manifests, listings and signatures shrink severalfold.
     */
    private static APIGatewayV2HTTPResponse toApiGateway(HttpResponse r, String requestId, StructuredLog log,
                                                         boolean gzip) {
        Map<String, String> headers = new HashMap<>(r.headers());
        headers.put("content-type", "application/json");
        headers.put("x-request-id", requestId);
        headers.put("cache-control", "no-store");
        String body;
        try {
            body = r.body() == null ? "" : Json.MAPPER.writeValueAsString(r.body());
        } catch (JsonProcessingException e) {
            log.error("unserializable response", e);
            return APIGatewayV2HTTPResponse.builder().withStatusCode(500).withHeaders(headers)
                    .withBody("{\"error\":\"INTERNAL\",\"message\":\"Internal error.\",\"requestId\":\"" + requestId + "\"}")
                    .build();
        }
        byte[] utf8 = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        if (gzip && utf8.length >= GZIP_MIN_BYTES) {
            headers.put("content-encoding", "gzip");
            return APIGatewayV2HTTPResponse.builder().withStatusCode(r.status()).withHeaders(headers)
                    .withBody(java.util.Base64.getEncoder().encodeToString(gzip(utf8))).withIsBase64Encoded(true).build();
        }
        return APIGatewayV2HTTPResponse.builder().withStatusCode(r.status()).withHeaders(headers).withBody(body)
                .withIsBase64Encoded(false).build();
    }

    static byte[] gzip(byte[] bytes) {
        var out = new java.io.ByteArrayOutputStream(bytes.length / 3 + 64);
        try (var z = new java.util.zip.GZIPOutputStream(out, 8192)) {
            z.write(bytes);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e); // in memory: cannot happen
        }
        return out.toByteArray();
    }
}
