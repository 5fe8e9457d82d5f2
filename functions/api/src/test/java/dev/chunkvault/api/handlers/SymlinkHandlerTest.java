package dev.chunkvault.api.handlers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chunkvault.api.http.Json;
import dev.chunkvault.api.wiring.Wiring;
import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.service.TestClock;
import dev.chunkvault.service.blob.InMemoryBlobStore;
import dev.chunkvault.service.sim.FakeClient.Content;
import dev.chunkvault.service.store.InMemoryItemStore;
import dev.chunkvault.service.vault.Owner;
import dev.chunkvault.service.vault.Settings;
import dev.chunkvault.service.vault.Tables;
import dev.chunkvault.service.vault.UploadService;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The optional {@code link} field of a commit in JSON: accepted, returned, and refused with a 400 when not a boolean or misplaced. */
class SymlinkHandlerTest {
    private final Random random = new Random(2006);
    private final TestClock clock = new TestClock();
    private final InMemoryBlobStore blobs = new InMemoryBlobStore(clock, true);
    private final InMemoryItemStore items = new InMemoryItemStore(Tables.all());
    private final Wiring w = Wiring.of(items, blobs, blobs, clock, Settings.DEFAULTS.withParallelism(1));
    private final CommitHandler commit = new CommitHandler(w);
    private final ListHandler list = new ListHandler(w);
    private final Owner alice = new Owner("alice");
    private int requests;

    private APIGatewayV2HTTPEvent event(String route, String body) {
        APIGatewayV2HTTPEvent event = new APIGatewayV2HTTPEvent();
        event.setRouteKey(route);
        event.setBody(body);
        event.setHeaders(Map.of("authorization", Tokens.bearerFor(alice.sub())));
        var ctx = new APIGatewayV2HTTPEvent.RequestContext();
        var auth = new APIGatewayV2HTTPEvent.RequestContext.Authorizer();
        var jwt = new APIGatewayV2HTTPEvent.RequestContext.Authorizer.JWT();
        jwt.setClaims(Map.of("sub", alice.sub()));
        auth.setJwt(jwt);
        ctx.setAuthorizer(auth);
        ctx.setRequestId("link-test-" + (++requests));
        event.setRequestContext(ctx);
        return event;
    }

    private JsonNode call(HttpFunctionCall f, String route, String body, int expected) throws Exception {
        APIGatewayV2HTTPResponse r = f.handle(event(route, body));
        assertEquals(expected, r.getStatusCode(), r.getBody());
        return Json.MAPPER.readTree(r.getBody());
    }

    private interface HttpFunctionCall {
        APIGatewayV2HTTPResponse handle(APIGatewayV2HTTPEvent e);
    }

    private Content uploaded() {
        List<byte[]> chunks = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            byte[] b = new byte[300];
            random.nextBytes(b);
            chunks.add(b);
        }
        Content c = new Content(chunks);
        List<UploadService.ChunkRequest> asks = new ArrayList<>();
        for (byte[] chunk : chunks) {
            asks.add(new UploadService.ChunkRequest(ChunkId.sha256(chunk), chunk.length));
        }
        int i = 0;
        for (UploadService.Upload u : w.uploads().grant(alice, asks).uploads()) {
            byte[] bytes = chunks.stream().filter(b -> ChunkId.sha256(b).equals(u.id())).findFirst().orElseThrow();
            assertEquals(200, blobs.execute(u.request().method(), u.request().url(), u.request().headers(), bytes).status());
            i++;
        }
        assertEquals(2, i);
        return c;
    }

    private static ObjectNode commitBody(String path, Content c, String key) {
        ObjectNode b = Json.MAPPER.createObjectNode();
        b.put("path", path);
        b.set("manifest", Json.MAPPER.valueToTree(c.manifest()));
        b.put("size", c.size());
        b.put("contentHash", c.sha256());
        b.put("idempotencyKey", key);
        return b;
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
