package dev.chunkvault.api.handlers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chunkvault.api.http.ApiRequest;
import dev.chunkvault.api.http.Json;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/**
 * Commit batches (and every JSON route) sent gzip-compressed as the client sends them: a binary media type, so API
 * Gateway hands the body base64-encoded, and {@code Content-Encoding: gzip}. A body that inflates past the limit is a
 * 413 JSON answer and changes nothing.
 */
class CompressedBodyHandlerTest extends CommitFieldFixture {
    CompressedBodyHandlerTest() {
        super(31, "gz-test-");
    }

    private static byte[] gzip(byte[] raw) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            z.write(raw);
        }
        return out.toByteArray();
    }

    /** The event API Gateway makes of a compressed body sent as {@code contentType}. */
    private APIGatewayV2HTTPEvent compressed(String route, byte[] gzipped, String contentType, boolean base64) {
        APIGatewayV2HTTPEvent e = event(route, base64 ? Base64.getEncoder().encodeToString(gzipped)
                : new String(gzipped, StandardCharsets.ISO_8859_1));
        e.setIsBase64Encoded(base64);
        Map<String, String> headers = new HashMap<>(e.getHeaders());
        headers.put("content-type", contentType);
        headers.put("content-encoding", "gzip");
        e.setHeaders(headers);
        return e;
    }

    private ObjectNode batch(String... keys) {
        ObjectNode batch = Json.MAPPER.createObjectNode();
        ArrayNode commits = batch.putArray("commits");
        for (int i = 0; i < keys.length; i++) {
            commits.add(commitBody("docs/f" + i + ".txt", uploaded(), keys[i]));
        }
        return batch;
    }

    @Test
    void aCompressedCommitBatchIsCommitted() throws Exception {
        byte[] json = batch("gz-key-0001", "gz-key-0002").toString().getBytes(StandardCharsets.UTF_8);
        APIGatewayV2HTTPResponse r = commit.handleRequest(compressed("POST /v1/commit-batch", gzip(json),
                "application/octet-stream", true), null);
        assertEquals(200, r.getStatusCode(), r.getBody());
        JsonNode out = Json.MAPPER.readTree(r.getBody());
        assertEquals(2, out.path("results").size(), out.toString());
        for (JsonNode result : out.path("results")) {
            assertTrue(result.path("version").isObject(), out.toString());
        }
    }

    @Test
    void aBodyThatInflatesPastTheLimitIs413AndChangesNothing() throws Exception {
        String head = batch("gz-key-0003").toString();
        // a valid batch followed by 7 MiB of JSON whitespace: about 7 KiB compressed
        byte[] raw = (head.substring(0, head.length() - 1) + " ".repeat(ApiRequest.MAX_BODY_BYTES + (1 << 20)) + "}")
                .getBytes(StandardCharsets.UTF_8);
        byte[] bomb = gzip(raw);
        assertTrue(bomb.length < 64 << 10, "compressed to " + bomb.length);
        var before = items.snapshot();
        int objects = blobs.keys().size();
        APIGatewayV2HTTPResponse r = commit.handleRequest(compressed("POST /v1/commit-batch", bomb,
                "application/octet-stream", true), null);
        assertEquals(413, r.getStatusCode(), r.getBody());
        JsonNode err = Json.MAPPER.readTree(r.getBody());
        assertEquals("PAYLOAD_TOO_LARGE", err.path("error").asText(), err.toString());
        assertTrue(err.path("message").asText().contains("inflates"), err.toString());
        assertEquals(before, items.snapshot());
        assertEquals(objects, blobs.keys().size());
    }

    @Test
    void aCompressedBodyOfATextMediaTypeIs415() throws Exception {
        byte[] json = batch("gz-key-0004").toString().getBytes(StandardCharsets.UTF_8);
        var before = items.snapshot();
        APIGatewayV2HTTPResponse r = commit.handleRequest(compressed("POST /v1/commit-batch", gzip(json),
                "application/json", false), null);
        assertEquals(415, r.getStatusCode(), r.getBody());
        assertEquals("UNSUPPORTED_ENCODING", Json.MAPPER.readTree(r.getBody()).path("error").asText());
        assertEquals(before, items.snapshot());
    }
}
