package dev.chunkvault.api.handlers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chunkvault.api.http.Json;
import dev.chunkvault.service.sim.FakeClient.Content;
import org.junit.jupiter.api.Test;

/** The optional {@code link} field of a commit in JSON: accepted, returned, and refused with a 400 when not a boolean or misplaced. */
class SymlinkHandlerTest extends CommitFieldFixture {
    SymlinkHandlerTest() {
        super(2006, "link-test-");
    }

    @Test
    void aLinkCommitIsReturnedAsSuchAndAFileAsNot() throws Exception {
        Content target = uploaded();
        ObjectNode b = commitBody("lib/current", target, "link-key-0001");
        b.put("link", true);
        JsonNode created = call(e -> commit.handleRequest(e, null), "POST /v1/commits", b.toString(), 201);
        assertTrue(created.path("version").path("link").asBoolean(), created.toString());

        JsonNode other = call(e -> commit.handleRequest(e, null), "POST /v1/commits",
                commitBody("notes.txt", uploaded(), "link-key-0002").toString(), 201);
        assertTrue(other.path("version").has("link"), other.toString()); // false is said, not left out
        assertFalse(other.path("version").path("link").asBoolean());

        JsonNode listing = call(e -> list.handleRequest(e, null), "GET /v1/files", null, 200);
        for (JsonNode f : listing.path("files")) {
            assertEquals(f.path("path").asText().equals("lib/current"), f.path("link").asBoolean(), f.toString());
        }
        ObjectNode batch = Json.MAPPER.createObjectNode();
        ArrayNode commits = batch.putArray("commits");
        commits.add(commitBody("a", uploaded(), "link-key-0003").put("link", true));
        commits.add(commitBody("b", uploaded(), "link-key-0004").put("link", false));
        JsonNode out = call(e -> commit.handleRequest(e, null), "POST /v1/commit-batch", batch.toString(), 200);
        assertTrue(out.path("results").get(0).path("version").path("link").asBoolean(), out.toString());
        assertFalse(out.path("results").get(1).path("version").path("link").asBoolean(), out.toString());
    }

    @Test
    void aLinkThatIsNotABooleanOrIsExecutableOrADeleteIs400WithAJsonBodyAndChangesNothing() throws Exception {
        Content target = uploaded();
        var before = items.snapshot();
        for (String bad : new String[] {"\"yes\"", "\"true\"", "1", "[]", "{}"}) {
            String json = commitBody("lib/current", target, "link-key-0005").toString();
            String body = json.substring(0, json.length() - 1) + ",\"link\":" + bad + "}";
            JsonNode err = call(e -> commit.handleRequest(e, null), "POST /v1/commits", body, 400);
            assertEquals("INVALID_FIELD", err.path("error").asText(), bad + ": " + err);
            assertTrue(err.path("message").asText().contains("link"), err.toString());
        }
        ObjectNode executable = commitBody("lib/current", target, "link-key-0006").put("link", true).put("executable", true);
        assertEquals("INVALID_FIELD", call(e -> commit.handleRequest(e, null), "POST /v1/commits", executable.toString(), 400)
                .path("error").asText());
        ObjectNode delete = Json.MAPPER.createObjectNode().put("path", "lib/current").put("idempotencyKey", "link-key-0007")
                .put("delete", true).put("link", true);
        assertEquals("INVALID_FIELD", call(e -> commit.handleRequest(e, null), "POST /v1/commits", delete.toString(), 400)
                .path("error").asText());
        assertEquals(before, items.snapshot());
    }
}
