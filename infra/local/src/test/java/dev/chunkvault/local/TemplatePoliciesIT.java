package dev.chunkvault.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chunkvault.api.wiring.Wiring;
import dev.chunkvault.core.delta.BlockSignature;
import dev.chunkvault.core.delta.DeltaEncoder;
import dev.chunkvault.local.template.Iam;
import dev.chunkvault.local.template.SamTemplate;
import java.net.URI;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Each function's IAM policies in template.yaml cover what it really does. A local cloud whose handlers carry an SDK
 * interceptor that records the IAM action and ARN of every DynamoDB and S3 call (and the presigned URLs handed to
 * clients, which are signed with the function's own role) is driven through every route with real requests; then
 * every recorded call must be allowed by an Allow statement of the calling function's policies. Every route must also
 * reach a handler that serves it (no gateway 404, no UNKNOWN_ROUTE).
 */
class TemplatePoliciesIT {
    static final Queue<CallRecorder.Call> CALLS = new ConcurrentLinkedQueue<>();
    static LocalCloud cloud;
    static URI api;

    @BeforeAll
    static void start() {
        SamTemplate.WebSocketApi ws = SamTemplate.load(java.nio.file.Path.of("../../template.yaml"), "chunkvault-local", Map.of())
                .webSocketApis().get(0);
        String stageArn = "arn:aws:execute-api:us-east-1:000000000000:" + ws.physicalName() + "/" + ws.stage();
        cloud = LocalCloud.start(LocalCloud.Options.inMemory().withHandlers((type, env, id) -> {
            Object handler = type.getConstructor(Wiring.class)
                    .newInstance(Wiring.fromEnv(env, List.of(new CallRecorder(id, CALLS, stageArn))));
            return wrap(id, handler);
        }));
        api = cloud.apiEndpoint();
    }

    @AfterAll
    static void stop() {
        cloud.close();
    }

    /** Presigned URLs in a handler's answer are requests made with the function's credentials: record them too. */
    @SuppressWarnings("unchecked")
    static Object wrap(String function, Object handler) {
        if (handler instanceof RequestHandler<?, ?> h && !(handler instanceof com.amazonaws.services.lambda.runtime.RequestStreamHandler)) {
            Class<?>[] io = dev.chunkvault.local.lambda.LocalFunction.handlerTypes(handler.getClass());
            if (io[0] == APIGatewayV2HTTPEvent.class) {
                RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> http =
                        (RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse>) h;
                return new HttpRecorder(function, http);
            }
            if (io[0] == ScheduledEvent.class) {
                return new ScheduleRecorder((RequestHandler<ScheduledEvent, Map<String, Object>>) h);
            }
            if (io[0] == com.amazonaws.services.lambda.runtime.events.DynamodbEvent.class) {
                return new StreamRecorder((RequestHandler<com.amazonaws.services.lambda.runtime.events.DynamodbEvent,
                        Map<String, Object>>) h);
            }
            if (io[0] == Map.class) {
                return new WebSocketRecorder((RequestHandler<Map<String, Object>, Map<String, Object>>) h);
            }
        }
        throw new IllegalStateException(function + ": unexpected handler type " + handler.getClass());
    }

    static final class HttpRecorder implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
        private final String function;
        private final RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> inner;

        HttpRecorder(String function, RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> inner) {
            this.function = function;
            this.inner = inner;
        }

        @Override
        public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
            APIGatewayV2HTTPResponse r = inner.handleRequest(event, context);
            if (r.getBody() != null) {
                recordUrls(r.getBody());
            }
            return r;
        }

        private void recordUrls(String body) {
            try {
                walk(Http.JSON.readTree(body));
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        }

        private void walk(JsonNode n) {
            if (n.isObject()) {
                if (n.path("url").isTextual() && n.path("url").asText().startsWith("http")) {
                    URI u = URI.create(n.path("url").asText());
                    String path = u.getPath().substring(1);
                    int slash = path.indexOf('/');
                    String method = n.path("method").asText("GET");
                    CALLS.add(new CallRecorder.Call(function, method.equals("PUT") ? "s3:PutObject" : "s3:GetObject",
                            CallRecorder.object(path.substring(0, slash), path.substring(slash + 1))));
                    if (!method.equals("PUT")) {
                        // A client reads a 404 as "no such object" only if S3 may say so to this role.
                        CALLS.add(new CallRecorder.Call(function, "s3:ListBucket", CallRecorder.bucket(path.substring(0, slash))));
                    }
                }
                n.fields().forEachRemaining(e -> walk(e.getValue()));
            } else if (n.isArray()) {
                n.forEach(this::walk);
            }
        }
    }

    static final class ScheduleRecorder implements RequestHandler<ScheduledEvent, Map<String, Object>> {
        private final RequestHandler<ScheduledEvent, Map<String, Object>> inner;

        ScheduleRecorder(RequestHandler<ScheduledEvent, Map<String, Object>> inner) {
            this.inner = inner;
        }

        @Override
        public Map<String, Object> handleRequest(ScheduledEvent event, Context context) {
            return inner.handleRequest(event, context);
        }
    }

    /** The notifier, fed by the stream mapping: its calls are recorded by its wiring's interceptor. */
    static final class StreamRecorder implements RequestHandler<com.amazonaws.services.lambda.runtime.events.DynamodbEvent,
            Map<String, Object>> {
        private final RequestHandler<com.amazonaws.services.lambda.runtime.events.DynamodbEvent, Map<String, Object>> inner;

        StreamRecorder(RequestHandler<com.amazonaws.services.lambda.runtime.events.DynamodbEvent, Map<String, Object>> inner) {
            this.inner = inner;
        }

        @Override
        public Map<String, Object> handleRequest(com.amazonaws.services.lambda.runtime.events.DynamodbEvent event, Context context) {
            return inner.handleRequest(event, context);
        }
    }

    /** The WebSocket API's authorizer and $connect/$disconnect function. */
    static final class WebSocketRecorder implements RequestHandler<Map<String, Object>, Map<String, Object>> {
        private final RequestHandler<Map<String, Object>, Map<String, Object>> inner;

        WebSocketRecorder(RequestHandler<Map<String, Object>, Map<String, Object>> inner) {
            this.inner = inner;
        }

        @Override
        public Map<String, Object> handleRequest(Map<String, Object> event, Context context) {
            return inner.handleRequest(event, context);
        }
    }

    @Test
    void everyCallOfEveryFunctionIsAllowedByItsPolicies() throws Exception {
        Set<String> served = drive();
        Set<String> routes = new TreeSet<>();
        cloud.template().routes().forEach(r -> routes.add(r.routeKey()));
        Set<String> notDriven = new TreeSet<>(routes);
        notDriven.removeAll(served);
        assertTrue(notDriven.isEmpty(), "the scenario must drive every route; not driven: " + notDriven);

        List<String> denied = new ArrayList<>();
        Set<String> callers = new TreeSet<>();
        for (CallRecorder.Call c : CALLS) {
            callers.add(c.function());
            if (!Iam.allows(cloud.template().function(c.function()).policies(), c.action(), c.resource(), c.leadingKeys())) {
                denied.add(c.function() + ": " + c.action() + " on " + c.resource());
            }
        }
        assertTrue(CALLS.size() > 50, "the recorder saw the calls: " + CALLS.size());
        assertTrue(callers.containsAll(Set.of("UploadsFunction", "CommitFunction", "ListFunction", "GcFunction",
                "NotifyConnectionsFunction", "NotifierFunction")), callers.toString());
        assertTrue(denied.isEmpty(), "calls the template's policies would deny on AWS:\n  "
                + String.join("\n  ", new TreeSet<>(denied)));

        // The collect path (expiry, sweep) needs old garbage, which a fresh store cannot have: check its grants directly.
        for (String fn : List.of("GcFunction", "AdminFunction")) {
            List<Object> p = cloud.template().function(fn).policies();
            String bucket = cloud.template().buckets().get(0).physicalName();
            for (String a : List.of("s3:DeleteObject", "s3:DeleteObjectVersion")) {
                assertTrue(Iam.allows(p, a, CallRecorder.object(bucket, "chunks/00ff")), fn + " " + a);
                assertTrue(Iam.allows(p, a, CallRecorder.object(bucket, "packs/00ff")), fn + " " + a + " of a pack");
            }
            for (String t : List.of("ChunksTable", "VersionsTable", "FilesTable", "RefsTable")) {
                assertTrue(Iam.allows(p, "dynamodb:DeleteItem", CallRecorder.table(cloud.template().physicalName(t))), fn + " " + t);
            }
        }
        // Taking back a chunk a dead GC run left DELETING reads the lease; a fresh store has no such chunk either.
        for (String fn : List.of("UploadsFunction", "DeltaUploadFunction")) {
            assertTrue(Iam.allows(cloud.template().function(fn).policies(), "dynamodb:GetItem",
                    CallRecorder.table(cloud.template().physicalName("ControlTable"))), fn + " reads the GC lease");
        }
        // And a sanity check of the checker: what nobody was granted is denied.
        String bucketArn = CallRecorder.bucket(cloud.template().buckets().get(0).physicalName());
        assertTrue(!Iam.allows(cloud.template().function("ListFunction").policies(), "dynamodb:PutItem",
                CallRecorder.table(cloud.template().physicalName("FilesTable"))));
        assertTrue(!Iam.allows(cloud.template().function("UploadsFunction").policies(), "s3:ListBucket", bucketArn));
    }

    /** Drives every route with valid requests of one tenant; returns the route keys that reached their handler. */
    private Set<String> drive() throws Exception {
        String token = cloud.mintToken("policy-alice");
        Set<String> served = new TreeSet<>();
        Random random = new Random(7);
        byte[] a = new byte[80_000];
        random.nextBytes(a);
        byte[] b = a.clone();
        b[40_000] ^= 0x55; // a small edit: the delta route has something to do
        String idA = LocalCloudIT.sha256Hex(a);
        String idB = LocalCloudIT.sha256Hex(b);

        JsonNode grant = ok(served, "POST /v1/uploads", Http.postJson(api, "/v1/uploads", token,
                Map.of("chunks", List.of(Map.of("id", idA, "size", a.length)))));
        put(grant.path("uploads").get(0), a);
        JsonNode v1 = ok(served, "POST /v1/commits", Http.postJson(api, "/v1/commits", token, commit("p/a.bin", null, idA, a.length, "policy-key-1")));
        String version1 = v1.path("version").path("versionId").asText();

        // A chunk sent in a pack: declared, PUT, sealed, committed; then read by the routes that read chunks.
        byte[] small = new byte[3_000];
        random.nextBytes(small);
        String idS = LocalCloudIT.sha256Hex(small);
        JsonNode packGrant = ok(served, "POST /v1/uploads", Http.postJson(api, "/v1/uploads", token,
                Map.of("chunks", List.of(Map.of("id", idS, "size", small.length)), "pack", true)));
        assertEquals(idS, packGrant.path("pack").get(0).asText(), packGrant.toString());
        dev.chunkvault.core.pack.PackFormat.Builder pb = new dev.chunkvault.core.pack.PackFormat.Builder();
        pb.add(dev.chunkvault.core.hash.ChunkId.parse(idS), small);
        byte[] pack = pb.finish();
        JsonNode declared = ok(served, "POST /v1/packs", Http.postJson(api, "/v1/packs", token, Map.of(
                "sha256", LocalCloudIT.sha256Hex(pack), "size", pack.length,
                "chunks", List.of(Map.of("id", idS, "offset", 0, "length", small.length)))));
        put(declared.path("upload"), pack);
        ok(served, "POST /v1/packs/seal", Http.postJson(api, "/v1/packs/seal", token,
                Map.of("packId", declared.path("packId").asText())));
        ok(served, "POST /v1/commits", Http.postJson(api, "/v1/commits", token, commit("p/packed.bin", null, idS, small.length,
                "policy-key-packed")));
        JsonNode packedSig = ok(served, "POST /v1/signatures", Http.postJson(api, "/v1/signatures", token,
                Map.of("path", "p/packed.bin", "chunks", List.of(idS))));
        ok(served, "POST /v1/downloads", Http.postJson(api, "/v1/downloads", token, Map.of("path", "p/packed.bin")));
        byte[] smallEdited = small.clone();
        smallEdited[100] ^= 1;
        byte[] packedDelta = DeltaEncoder.encode(BlockSignature.decode(Base64.getDecoder().decode(
                packedSig.path("signatures").get(0).path("signature").asText())), smallEdited).encode();
        ok(served, "POST /v1/delta-uploads", Http.postJson(api, "/v1/delta-uploads", token, Map.of("baseChunk", idS,
                "targetChunk", LocalCloudIT.sha256Hex(smallEdited), "delta", Base64.getEncoder().encodeToString(packedDelta))));

        JsonNode sig = ok(served, "POST /v1/signatures", Http.postJson(api, "/v1/signatures", token,
                Map.of("path", "p/a.bin", "chunks", List.of(idA))));
        byte[] signature = Base64.getDecoder().decode(sig.path("signatures").get(0).path("signature").asText());
        byte[] delta = DeltaEncoder.encode(BlockSignature.decode(signature), b).encode();
        ok(served, "POST /v1/delta-uploads", Http.postJson(api, "/v1/delta-uploads", token,
                Map.of("baseChunk", idA, "targetChunk", idB, "delta", Base64.getEncoder().encodeToString(delta))));
        // The same delta again (its chunk is stored but not committed, so not held yet: stored again, 201) and another edit
        // of 'a' (201) in one batch, through the same function.
        byte[] a2 = a.clone();
        a2[a2.length / 2] ^= 1;
        byte[] delta2 = DeltaEncoder.encode(BlockSignature.decode(signature), a2).encode();
        JsonNode deltaBatch = ok(served, "POST /v1/delta-upload-batch", Http.send("POST", api.resolve("/v1/delta-upload-batch"),
                token, "application/octet-stream", dev.chunkvault.core.delta.DeltaBatch.encode(List.of(delta, delta2)), Map.of()));
        assertEquals(201, deltaBatch.path("results").get(0).path("status").asInt(), deltaBatch.toString());
        assertEquals(201, deltaBatch.path("results").get(1).path("status").asInt(), deltaBatch.toString());
        JsonNode v2 = ok(served, "POST /v1/commits", Http.postJson(api, "/v1/commits", token, commit("p/a.bin", version1, idB, b.length, "policy-key-2")));
        String version2 = v2.path("version").path("versionId").asText();
        JsonNode batch = ok(served, "POST /v1/commit-batch", Http.postJson(api, "/v1/commit-batch", token,
                Map.of("commits", List.of(commit("p/b1.bin", null, idA, a.length, "policy-key-b1"),
                        commit("p/b2.bin", null, idB, b.length, "policy-key-b2")))));
        assertEquals(201, batch.path("results").get(1).path("status").asInt(), batch.toString());
        // A pack sealed by the commit batch that uses it (the commit function reads and hashes it); its chunk 'a', whose
        // verified bytes are stored already, is answered "send alone": a PUT presigned with the commit function's role.
        byte[] small2 = new byte[2_000];
        random.nextBytes(small2);
        String idS2 = LocalCloudIT.sha256Hex(small2);
        dev.chunkvault.core.pack.PackFormat.Builder pb2 = new dev.chunkvault.core.pack.PackFormat.Builder();
        pb2.add(dev.chunkvault.core.hash.ChunkId.parse(idS2), small2);
        pb2.add(dev.chunkvault.core.hash.ChunkId.parse(idA), a);
        byte[] pack2 = pb2.finish();
        JsonNode declared2 = ok(served, "POST /v1/packs", Http.postJson(api, "/v1/packs", token, Map.of(
                "sha256", LocalCloudIT.sha256Hex(pack2), "size", pack2.length,
                "chunks", List.of(Map.of("id", idS2, "offset", 0, "length", small2.length),
                        Map.of("id", idA, "offset", small2.length, "length", a.length)))));
        put(declared2.path("upload"), pack2);
        JsonNode sealing = ok(served, "POST /v1/commit-batch", Http.postJson(api, "/v1/commit-batch", token,
                Map.of("seal", List.of(declared2.path("packId").asText()),
                        "commits", List.of(commit("p/s1.bin", null, idS2, small2.length, "policy-key-s1"),
                                commit("p/s2.bin", null, idB, b.length, "policy-key-s2")))));
        assertEquals(200, sealing.path("sealed").get(0).path("status").asInt(), sealing.toString());
        assertEquals(201, sealing.path("results").get(0).path("status").asInt(), sealing.toString());
        put(sealing.path("sealed").get(0).path("uploads").get(0), a);

        JsonNode listing = ok(served, "GET /v1/files", Http.get(api, "/v1/files?folder=p", token));
        ok(served, "GET /v1/file", Http.get(api, "/v1/file?path=p/a.bin", token));
        ok(served, "GET /v1/changes", Http.get(api, "/v1/changes?cursor=" + listing.path("changeCursor").asText(), token));
        ok(served, "GET /v1/history", Http.get(api, "/v1/history?path=p/a.bin", token));
        ok(served, "POST /v1/downloads", Http.postJson(api, "/v1/downloads", token, Map.of("path", "p/a.bin")));
        ok(served, "POST /v1/download-batch", Http.postJson(api, "/v1/download-batch", token,
                Map.of("files", List.of(Map.of("path", "p/a.bin"), Map.of("path", "p/b1.bin"), Map.of("path", "p/none.bin")))));
        if (cloud.template().routes().stream().anyMatch(r -> r.routeKey().equals("POST /v1/conflict-check"))) {
            ObjectNode check = Http.JSON.createObjectNode();
            check.put("path", "p/a.bin");
            check.put("baseVersion", version1);
            check.put("localDeleted", true);
            ok(served, "POST /v1/conflict-check", Http.postJson(api, "/v1/conflict-check", token, check));
        }
        JsonNode deleted = ok(served, "POST /v1/delete", Http.postJson(api, "/v1/delete", token,
                Map.of("path", "p/a.bin", "parentVersion", version2, "idempotencyKey", "policy-key-3")));
        ok(served, "POST /v1/restore", Http.postJson(api, "/v1/restore", token, Map.of("path", "p/a.bin", "version", version1,
                "parentVersion", deleted.path("version").path("versionId").asText(), "idempotencyKey", "policy-key-4")));
        ok(served, "POST /v1/admin/audit", Http.postJson(api, "/v1/admin/audit?checkObjects=true&checkContent=true", token, "{}"));
        ok(served, "POST /v1/admin/gc", Http.postJson(api, "/v1/admin/gc", token, "{}"));
        ok(served, "GET /v1/usage", Http.get(api, "/v1/usage", token));
        ok(served, "PUT /v1/admin/quota", Http.putJson(api, "/v1/admin/quota", token,
                Map.of("owner", dev.chunkvault.local.auth.LocalIssuer.subjectOf("policy-alice"), "quotaBytes", 1L << 40)));
        // Over the quota: the commit function reads the usage item and its transaction's condition fails on it.
        ok(served, "PUT /v1/admin/quota", Http.putJson(api, "/v1/admin/quota", token,
                Map.of("owner", dev.chunkvault.local.auth.LocalIssuer.subjectOf("policy-alice"), "quotaBytes", 1)));
        assertEquals(403, Http.postJson(api, "/v1/commits", token, commit("p/over.bin", null, idA, a.length,
                "policy-key-over")).status());
        assertTrue(cloud.runGc().has("gc"));

        // Push notifications: a socket (the authorizer, $connect), a commit the notifier tells it of, then $disconnect
        // (another account: alice is over her quota now).
        String bob = cloud.mintToken("policy-bob");
        JsonNode notifications = ok(served, "GET /v1/notifications", Http.get(api, "/v1/notifications", bob));
        NotificationsIT.Inbox inbox = new NotificationsIT.Inbox();
        java.net.http.WebSocket socket = java.net.http.HttpClient.newHttpClient().newWebSocketBuilder()
                .header("Authorization", "Bearer " + bob)
                .buildAsync(URI.create(notifications.path("url").asText()), inbox).join();
        grant = ok(served, "POST /v1/uploads", Http.postJson(api, "/v1/uploads", bob,
                Map.of("chunks", List.of(Map.of("id", idB, "size", b.length)))));
        if (grant.path("uploads").size() > 0) {
            put(grant.path("uploads").get(0), b);
        }
        String beforeNotified = java.time.Instant.now().toString();
        Thread.sleep(5);
        ok(served, "POST /v1/commits", Http.postJson(api, "/v1/commits", bob, commit("p/notified.bin", null, idB, b.length,
                "policy-key-notified")));
        assertEquals("changed", inbox.next().path("type").asText(), "the notifier posted to the socket");
        socket.sendClose(java.net.http.WebSocket.NORMAL_CLOSURE, "done").join();
        long end = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        while (CALLS.stream().noneMatch(c -> c.function().equals("NotifyConnectionsFunction") && c.action().equals("dynamodb:DeleteItem"))
                && System.nanoTime() < end) {
            Thread.sleep(50);
        }
        // Rewind: bob's folder back to before that commit (its dry run reads; the rewind deletes through a commit batch).
        JsonNode dry = ok(served, "POST /v1/rewind", Http.postJson(api, "/v1/rewind", bob, Map.of("folder", "p",
                "to", beforeNotified, "dryRun", true)));
        assertEquals("PLANNED", dry.path("changes").path(0).path("status").asText(), dry.toString());
        JsonNode rewound = ok(served, "POST /v1/rewind", Http.postJson(api, "/v1/rewind", bob, Map.of("folder", "p",
                "to", beforeNotified, "idempotencyKey", "policy-rewind-1")));
        assertEquals("DONE", rewound.path("changes").path(0).path("status").asText(), rewound.toString());
        return served;
    }

    private static JsonNode ok(Set<String> served, String route, Http.Response r) {
        assertNotEquals("Not Found", r.status() == 404 ? r.json().path("message").asText() : "", route + " has no route");
        assertNotEquals("UNKNOWN_ROUTE", r.json().path("error").asText(), route + " reached a handler that does not serve it");
        assertEquals(2, r.status() / 100, route + " -> " + r.status() + " " + r.text());
        served.add(route);
        return r.json();
    }

    private static void put(JsonNode upload, byte[] bytes) {
        Map<String, String> headers = new HashMap<>();
        upload.path("headers").fields().forEachRemaining(h -> headers.put(h.getKey(), h.getValue().asText()));
        Http.Response r = Http.send("PUT", URI.create(upload.path("url").asText()), null, null, bytes, headers);
        assertEquals(200, r.status(), r.text());
    }

    private static ObjectNode commit(String path, String parent, String id, int size, String key) {
        ObjectNode c = Http.JSON.createObjectNode();
        c.put("path", path);
        if (parent != null) {
            c.put("parentVersion", parent);
        }
        ObjectNode m = c.putObject("manifest");
        m.put("profile", "fastcdc-v1-64k-256k-1m");
        m.putArray("chunks").addObject().put("id", id).put("size", size);
        c.put("size", size);
        c.put("contentHash", id);
        c.put("idempotencyKey", key);
        return c;
    }
}
