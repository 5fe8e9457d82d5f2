package dev.chunkvault.api.handlers;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
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

/**
 * What the handler tests of a commit's optional fields (executable, link, folder) share: the functions on in-memory
 * stores, API Gateway events signed in as alice, chunks uploaded through a grant, and a commit's JSON body.
 */
abstract class CommitFieldFixture {
    protected final Random random;
    protected final TestClock clock = new TestClock();
    protected final InMemoryBlobStore blobs = new InMemoryBlobStore(clock, true);
    protected final InMemoryItemStore items = new InMemoryItemStore(Tables.all());
    protected final Wiring w = Wiring.of(items, blobs, blobs, clock, Settings.DEFAULTS.withParallelism(1));
    protected final CommitHandler commit = new CommitHandler(w);
    protected final ListHandler list = new ListHandler(w);
    protected final Owner alice = new Owner("alice");
    private final String requestPrefix;
    private int requests;

    CommitFieldFixture(long seed, String requestPrefix) {
        this.random = new Random(seed);
        this.requestPrefix = requestPrefix;
    }

    /** An HTTP API (payload v2) event of {@code route}, with the JWT authorizer's claims for {@code sub}. */
    static APIGatewayV2HTTPEvent httpEvent(String route, String body, String sub, String requestId) {
        APIGatewayV2HTTPEvent event = new APIGatewayV2HTTPEvent();
        event.setRouteKey(route);
        event.setBody(body);
        event.setHeaders(Map.of("authorization", Tokens.bearerFor(sub)));
        var ctx = new APIGatewayV2HTTPEvent.RequestContext();
        var auth = new APIGatewayV2HTTPEvent.RequestContext.Authorizer();
        var jwt = new APIGatewayV2HTTPEvent.RequestContext.Authorizer.JWT();
        jwt.setClaims(Map.of("sub", sub));
        auth.setJwt(jwt);
        ctx.setAuthorizer(auth);
        ctx.setRequestId(requestId);
        event.setRequestContext(ctx);
        return event;
    }

    protected APIGatewayV2HTTPEvent event(String route, String body) {
        return httpEvent(route, body, alice.sub(), requestPrefix + (++requests));
    }

    protected JsonNode call(HttpFunctionCall f, String route, String body, int expected) throws Exception {
        APIGatewayV2HTTPResponse r = f.handle(event(route, body));
        assertEquals(expected, r.getStatusCode(), r.getBody());
        return Json.MAPPER.readTree(r.getBody());
    }

    protected interface HttpFunctionCall {
        APIGatewayV2HTTPResponse handle(APIGatewayV2HTTPEvent e);
    }

    /** Two chunks of 300 random bytes, uploaded through a grant as alice. */
    protected Content uploaded() {
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

    protected static ObjectNode commitBody(String path, Content c, String key) {
        ObjectNode b = Json.MAPPER.createObjectNode();
        b.put("path", path);
        b.set("manifest", Json.MAPPER.valueToTree(c.manifest()));
        b.put("size", c.size());
        b.put("contentHash", c.sha256());
        b.put("idempotencyKey", key);
        return b;
    }
}
