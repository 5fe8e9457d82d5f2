package dev.chunkvault.api.handlers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chunkvault.api.http.Json;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A sync client names itself in the {@code Chunkvault-Writer} header of its commits and deletions, and reads the change
 * feed with {@code exceptWriter}: its own changes are left out, everyone else's are there; a malformed id is a 400 with
 * a JSON body that writes nothing.
 */
class WriterHandlerTest extends CommitFieldFixture {
    private static final String LAPTOP = "Laptop_replica-0123456";
    private static final String DESKTOP = "Desktop_replica-654321";
    private final DeleteHandler delete = new DeleteHandler(w);

    WriterHandlerTest() {
        super(2207, "writer-test-");
    }

    private APIGatewayV2HTTPResponse send(HttpFunctionCall f, String route, String body, String writer,
                                          Map<String, String> query) {
        APIGatewayV2HTTPEvent e = event(route, body);
        Map<String, String> headers = new HashMap<>(e.getHeaders());
        if (writer != null) {
            headers.put("Chunkvault-Writer", writer);
        }
        e.setHeaders(headers);
        e.setQueryStringParameters(query);
        return f.handle(e);
    }

    private JsonNode ok(APIGatewayV2HTTPResponse r, int status) throws Exception {
        assertEquals(status, r.getStatusCode(), r.getBody());
        return Json.MAPPER.readTree(r.getBody());
    }

    private List<String> changedPaths(String cursor, String exceptWriter) throws Exception {
        Map<String, String> q = new HashMap<>(Map.of("cursor", cursor));
        if (exceptWriter != null) {
            q.put("exceptWriter", exceptWriter);
        }
        JsonNode page = ok(send(e -> list.handleRequest(e, null), "GET /v1/changes", null, null, q), 200);
        List<String> out = new ArrayList<>();
        page.path("changes").forEach(c -> out.add(c.path("path").asText()));
        return out;
    }

    @Test
    void theFeedLeavesOutTheReadersOwnCommitsAndDeletions() throws Exception {
        String cursor = ok(send(e -> list.handleRequest(e, null), "GET /v1/files", null, null, Map.of()), 200)
                .path("changeCursor").asText();
        JsonNode mine = ok(send(e -> commit.handleRequest(e, null), "POST /v1/commits",
                commitBody("mine.txt", uploaded(), "writer-key-0001").toString(), LAPTOP, null), 201);
        ObjectNode batch = Json.MAPPER.createObjectNode();
        batch.putArray("commits").add(commitBody("batched.txt", uploaded(), "writer-key-0002"));
        ok(send(e -> commit.handleRequest(e, null), "POST /v1/commit-batch", batch.toString(), LAPTOP, null), 200);
        ok(send(e -> commit.handleRequest(e, null), "POST /v1/commits",
                commitBody("theirs.txt", uploaded(), "writer-key-0003").toString(), DESKTOP, null), 201);
        ok(send(e -> commit.handleRequest(e, null), "POST /v1/commits",
                commitBody("console.txt", uploaded(), "writer-key-0004").toString(), null, null), 201);

        assertEquals(List.of("theirs.txt", "console.txt"), sorted(changedPaths(cursor, LAPTOP), "theirs.txt"));
        assertEquals(4, changedPaths(cursor, null).size(), "without exceptWriter every change is there");

        ObjectNode del = Json.MAPPER.createObjectNode().put("path", "mine.txt")
                .put("parentVersion", mine.path("version").path("versionId").asText())
                .put("idempotencyKey", "writer-key-0005");
        ok(send(e -> delete.handleRequest(e, null), "POST /v1/delete", del.toString(), LAPTOP, null), 201);
        assertFalse(changedPaths(cursor, LAPTOP).contains("mine.txt"), "its own deletion is left out too");
        assertEquals(List.of("console.txt"), changedPaths(cursor, LAPTOP + "," + DESKTOP), "several replicas at once");
        assertTrue(changedPaths(cursor, DESKTOP).contains("mine.txt"), "another replica sees the deletion");
    }

    /** {@code first} ahead of the rest (the feed's order within one clock tick follows random file ids). */
    private static List<String> sorted(List<String> paths, String first) {
        List<String> out = new ArrayList<>(paths);
        out.sort((a, b) -> a.equals(first) ? -1 : b.equals(first) ? 1 : a.compareTo(b));
        return out;
    }

    @Test
    void aMalformedWriterIs400WithAJsonBodyAndWritesNothing() throws Exception {
        String cursor = ok(send(e -> list.handleRequest(e, null), "GET /v1/files", null, null, Map.of()), 200)
                .path("changeCursor").asText();
        dev.chunkvault.service.sim.FakeClient.Content content = uploaded();
        var before = items.snapshot();
        for (String bad : List.of("short", "has spaces in it, no", "x".repeat(65), "<script>alert(1)</script>")) {
            JsonNode err = ok(send(e -> commit.handleRequest(e, null), "POST /v1/commits",
                    commitBody("bad.txt", content, "writer-key-0100").toString(), bad, null), 400);
            assertEquals("INVALID_WRITER", err.path("error").asText(), err.toString());
            assertFalse(err.toString().contains(bad), "the id is not echoed: " + err);
            ObjectNode batch = Json.MAPPER.createObjectNode();
            batch.putArray("commits").add(commitBody("bad.txt", content, "writer-key-0101"));
            JsonNode batchErr = ok(send(e -> commit.handleRequest(e, null), "POST /v1/commit-batch", batch.toString(),
                    bad, null), 400); // the header is the whole request's: the batch is refused, not each commit
            assertEquals("INVALID_WRITER", batchErr.path("error").asText(), batchErr.toString());
            JsonNode feedErr = ok(send(e -> list.handleRequest(e, null), "GET /v1/changes", null, null,
                    Map.of("cursor", cursor, "exceptWriter", bad)), 400);
            assertEquals("INVALID_WRITER", feedErr.path("error").asText(), feedErr.toString());
        }
        assertEquals(before, items.snapshot(), "no file, version or count written");
    }
}
