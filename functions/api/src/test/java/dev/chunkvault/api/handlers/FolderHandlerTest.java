package dev.chunkvault.api.handlers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chunkvault.api.http.Json;
import dev.chunkvault.service.sim.FakeClient.Content;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The optional {@code folder} field of a commit in JSON (an empty folder's marker): accepted, returned, refused with a 400 when misplaced. */
class FolderHandlerTest extends CommitFieldFixture {
    FolderHandlerTest() {
        super(2103, "folder-test-");
    }

    private static ObjectNode folderBody(String path, String key) {
        ObjectNode b = Json.MAPPER.createObjectNode();
        b.put("path", path);
        b.putObject("manifest").put("profile", "fastcdc-v1-64k-256k-1m").putArray("chunks");
        b.put("size", 0);
        b.put("contentHash", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        b.put("idempotencyKey", key);
        b.put("folder", true);
        return b;
    }

    @Test
    void aFolderMarkerIsReturnedAsSuchAndAFileAsNot() throws Exception {
        JsonNode created = call(e -> commit.handleRequest(e, null), "POST /v1/commits",
                folderBody("empty", "dir-key-0001").toString(), 201);
        assertTrue(created.path("version").path("folder").asBoolean(), created.toString());
        JsonNode other = call(e -> commit.handleRequest(e, null), "POST /v1/commits",
                commitBody("notes.txt", uploaded(), "dir-key-0002").toString(), 201);
        assertTrue(other.path("version").has("folder"), other.toString()); // false is said, not left out
        assertFalse(other.path("version").path("folder").asBoolean());

        JsonNode listing = call(e -> list.handleRequest(e, null), "GET /v1/files", null, 200);
        assertEquals(2, listing.path("files").size(), listing.toString());
        for (JsonNode f : listing.path("files")) {
            assertEquals(f.path("path").asText().equals("empty"), f.path("folder").asBoolean(), f.toString());
        }
        ObjectNode batch = Json.MAPPER.createObjectNode();
        ArrayNode commits = batch.putArray("commits");
        commits.add(folderBody("a", "dir-key-0003"));
        commits.add(commitBody("b", uploaded(), "dir-key-0004").put("folder", false));
        JsonNode out = call(e -> commit.handleRequest(e, null), "POST /v1/commit-batch", batch.toString(), 200);
        assertTrue(out.path("results").get(0).path("version").path("folder").asBoolean(), out.toString());
        assertFalse(out.path("results").get(1).path("version").path("folder").asBoolean(), out.toString());
    }

    @Test
    void aFolderThatIsNotABooleanOrHasContentOrIsExecutableOrADeleteIs400WithAJsonBodyAndChangesNothing() throws Exception {
        Content some = uploaded();
        var before = items.snapshot();
        for (String bad : new String[] {"\"yes\"", "\"true\"", "1", "[]", "{}"}) {
            String json = folderBody("docs/empty", "dir-key-0005").without("folder").toString();
            String body = json.substring(0, json.length() - 1) + ",\"folder\":" + bad + "}";
            JsonNode err = call(e -> commit.handleRequest(e, null), "POST /v1/commits", body, 400);
            assertEquals("INVALID_FIELD", err.path("error").asText(), bad + ": " + err);
            assertTrue(err.path("message").asText().contains("folder"), err.toString());
        }
        for (ObjectNode bad : List.of(
                commitBody("docs/empty", some, "dir-key-0006").put("folder", true),
                folderBody("docs/empty", "dir-key-0007").put("executable", true),
                folderBody("docs/empty", "dir-key-0008").put("link", true),
                Json.MAPPER.createObjectNode().put("path", "docs/empty").put("idempotencyKey", "dir-key-0009")
                        .put("delete", true).put("folder", true))) {
            JsonNode err = call(e -> commit.handleRequest(e, null), "POST /v1/commits", bad.toString(), 400);
            assertEquals("INVALID_FIELD", err.path("error").asText(), err.toString());
        }
        assertEquals(before, items.snapshot());
    }
}
