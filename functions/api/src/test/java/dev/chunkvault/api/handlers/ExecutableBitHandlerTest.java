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

/** The optional {@code executable} field of a commit in JSON: accepted, returned, and refused with a 400 when not a boolean. */
class ExecutableBitHandlerTest extends CommitFieldFixture {
    ExecutableBitHandlerTest() {
        super(21, "exec-test-");
    }

    @Test
    void anExecutableCommitIsReturnedAsSuchAndAPlainOneAsNot() throws Exception {
        Content script = uploaded();
        ObjectNode b = commitBody("bin/run.sh", script, "exec-key-0001");
        b.put("executable", true);
        JsonNode created = call(e -> commit.handleRequest(e, null), "POST /v1/commits", b.toString(), 201);
        assertTrue(created.path("version").path("executable").asBoolean(), created.toString());

        Content plain = uploaded();
        JsonNode other = call(e -> commit.handleRequest(e, null), "POST /v1/commits", commitBody("notes.txt", plain, "exec-key-0002")
                .toString(), 201);
        assertTrue(other.path("version").has("executable"), other.toString()); // false is said, not left out
        assertFalse(other.path("version").path("executable").asBoolean());

        JsonNode listing = call(e -> list.handleRequest(e, null), "GET /v1/files", null, 200);
        for (JsonNode f : listing.path("files")) {
            assertEquals(f.path("path").asText().equals("bin/run.sh"), f.path("executable").asBoolean(), f.toString());
        }
    }

    @Test
    void aBatchCarriesEachCommitsBit() throws Exception {
        ObjectNode batch = Json.MAPPER.createObjectNode();
        ArrayNode commits = batch.putArray("commits");
        commits.add(commitBody("a.sh", uploaded(), "exec-key-0003").put("executable", true));
        commits.add(commitBody("b.txt", uploaded(), "exec-key-0004").put("executable", false));
        JsonNode out = call(e -> commit.handleRequest(e, null), "POST /v1/commit-batch", batch.toString(), 200);
        assertTrue(out.path("results").get(0).path("version").path("executable").asBoolean(), out.toString());
        assertFalse(out.path("results").get(1).path("version").path("executable").asBoolean(), out.toString());
    }

    @Test
    void anExecutableThatIsNotABooleanIs400WithAJsonBodyAndChangesNothing() throws Exception {
        Content script = uploaded();
        var before = items.snapshot();
        for (String bad : new String[] {"\"yes\"", "\"true\"", "1", "[]", "{}"}) {
            String json = commitBody("bin/run.sh", script, "exec-key-0005").toString();
            String body = json.substring(0, json.length() - 1) + ",\"executable\":" + bad + "}";
            JsonNode err = call(e -> commit.handleRequest(e, null), "POST /v1/commits", body, 400);
            assertEquals("INVALID_FIELD", err.path("error").asText(), bad + ": " + err);
            assertTrue(err.path("message").asText().contains("executable"), err.toString());
        }
        ObjectNode delete = Json.MAPPER.createObjectNode().put("path", "bin/run.sh").put("idempotencyKey", "exec-key-0006")
                .put("delete", true).put("executable", true);
        assertEquals("INVALID_FIELD", call(e -> commit.handleRequest(e, null), "POST /v1/commits", delete.toString(), 400)
                .path("error").asText());
        assertEquals(before, items.snapshot());
    }
}
