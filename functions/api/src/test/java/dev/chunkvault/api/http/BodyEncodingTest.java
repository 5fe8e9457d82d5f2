package dev.chunkvault.api.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Compressed request bodies are inflated within bounds; JSON answers go compressed to callers that accept it. */
class BodyEncodingTest {
    private static final StructuredLog LOG = new StructuredLog("test", "enc", "r-1", System.out);

    private static APIGatewayV2HTTPEvent event(byte[] body, boolean base64, Map<String, String> headers) {
        return APIGatewayV2HTTPEvent.builder().withHeaders(headers).withRouteKey("POST /v1/x")
                .withBody(base64 ? Base64.getEncoder().encodeToString(body) : new String(body, StandardCharsets.UTF_8))
                .withIsBase64Encoded(base64).build();
    }

    static byte[] gzip(byte[] b) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            z.write(b);
        }
        return out.toByteArray();
    }

    @Test
    void aGzipBodyIsInflated() throws Exception {
        byte[] raw = "hello, hello, hello, hello".repeat(100).getBytes(StandardCharsets.UTF_8);
        ApiRequest r = new ApiRequest(event(gzip(raw), true, Map.of("Content-Encoding", "gzip",
                "content-type", "application/octet-stream")), "r-1");
        assertArrayEquals(raw, r.body());
        assertEquals("application/octet-stream", r.mediaType());
    }

    @Test
    void aBodyThatInflatesPastTheLimitIs413() throws Exception {
        byte[] bomb = gzip(new byte[ApiRequest.MAX_BODY_BYTES + 1]); // a few KiB that inflate to over 6 MiB
        assertTrue(bomb.length < 64 * 1024);
        ApiRequest r = new ApiRequest(event(bomb, true, Map.of("content-encoding", "gzip")), "r-1");
        RuntimeException e = assertThrows(ApiRequest.PayloadTooLarge.class, r::body);
        assertEquals(413, ErrorMapper.map(e, "r-1", LOG).status());
    }

    @Test
    void aCorruptGzipBodyIs400() {
        ApiRequest r = new ApiRequest(event(new byte[] {31, -117, 8, 0, 1, 2, 3}, true, Map.of("content-encoding", "gzip")), "r-1");
        BadInput e = assertThrows(BadInput.class, r::body);
        assertEquals("MALFORMED_BODY", e.code());
    }

    @Test
    void otherEncodingsAndGzipAsTextAre415() throws Exception {
        ApiRequest br = new ApiRequest(event(new byte[] {1, 2}, true, Map.of("content-encoding", "br")), "r-1");
        RuntimeException e = assertThrows(ApiRequest.UnsupportedEncoding.class, br::body);
        HttpResponse mapped = ErrorMapper.map(e, "r-1", LOG);
        assertEquals(415, mapped.status());
        assertEquals("UNSUPPORTED_ENCODING", ((ApiError) mapped.body()).error());
        // API Gateway passes text media types as text: a compressed body cannot survive that, so it is refused
        ApiRequest asText = new ApiRequest(event("{}".getBytes(StandardCharsets.UTF_8), false,
                Map.of("content-encoding", "gzip", "content-type", "application/json")), "r-1");
        assertThrows(ApiRequest.UnsupportedEncoding.class, asText::body);
    }

    @Test
    void anUnencodedBodyIsReadAsItCame() {
        byte[] raw = "{\"a\":1}".getBytes(StandardCharsets.UTF_8);
        assertArrayEquals(raw, new ApiRequest(event(raw, false, Map.of()), "r-1").body());
        assertArrayEquals(raw, new ApiRequest(event(raw, false, Map.of("Content-Encoding", "identity")), "r-1").body());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"gzip|true", "GZIP|true", "deflate, gzip;q=0.5|true", "gzip;q=0|false",
            "br|false", "identity|false", "x-gzip|true", "gzip;q=abc|false"})
    void acceptEncodingIsParsed(String header, boolean accepts) {
        assertEquals(accepts, ApiRequest.acceptsGzip(header));
    }

    /** A handler answering a large or a small JSON body. */
    static final class Echo extends HttpFunction {
        Echo() {
            super("echo", LOG);
        }

        @Override
        protected HttpResponse handle(ApiRequest request, StructuredLog log) {
            int n = request.intQuery("n", 1, 1, 100_000);
            return HttpResponse.ok(Map.of("items", List.of("x".repeat(n))));
        }
    }

    private static APIGatewayV2HTTPResponse call(int n, String acceptEncoding) {
        Map<String, String> headers = acceptEncoding == null ? Map.of() : Map.of("accept-encoding", acceptEncoding);
        return new Echo().handleRequest(APIGatewayV2HTTPEvent.builder().withRouteKey("GET /v1/x").withHeaders(headers)
                .withQueryStringParameters(Map.of("n", Integer.toString(n))).build(), null);
    }

    @Test
    void largeAnswersGoCompressedToCallersThatAcceptIt() throws Exception {
        APIGatewayV2HTTPResponse r = call(50_000, "gzip, deflate");
        assertEquals(200, r.getStatusCode());
        assertTrue(r.getIsBase64Encoded());
        assertEquals("gzip", r.getHeaders().get("content-encoding"));
        assertEquals("application/json", r.getHeaders().get("content-type"));
        byte[] compressed = Base64.getDecoder().decode(r.getBody());
        assertTrue(compressed.length < 1_000, "compressed to " + compressed.length);
        String json = new String(new GZIPInputStream(new java.io.ByteArrayInputStream(compressed)).readAllBytes(),
                StandardCharsets.UTF_8);
        assertEquals(Json.MAPPER.writeValueAsString(Map.of("items", List.of("x".repeat(50_000)))), json);
    }

    @Test
    void smallAnswersAndCallersThatDoNotAcceptGzipGetPlainJson() {
        for (APIGatewayV2HTTPResponse r : List.of(call(10, "gzip"), call(50_000, null), call(50_000, "gzip;q=0"))) {
            assertFalse(r.getIsBase64Encoded());
            assertNull(r.getHeaders().get("content-encoding"));
            assertTrue(r.getBody().startsWith("{\"items\""));
        }
    }
}
