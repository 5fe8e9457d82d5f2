package dev.chunkvault.api.handlers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers;
import com.fasterxml.jackson.databind.JsonNode;
import dev.chunkvault.api.http.Json;
import dev.chunkvault.api.wiring.Wiring;
import dev.chunkvault.service.TestClock;
import dev.chunkvault.service.blob.InMemoryBlobStore;
import dev.chunkvault.service.store.InMemoryItemStore;
import dev.chunkvault.service.vault.Settings;
import dev.chunkvault.service.vault.Tables;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every fixture in {@code events/} through its handler (the real handler classes, on the in-memory fakes), loaded
 * with the Lambda Java runtime's own event serializer: the status in the file name comes back, errors have the
 * JSON error shape, and nothing echoes an exception.
 */
class EventFixturesTest {
    static final Path EVENTS = Path.of("../../events");
    private static final Pattern NAME = Pattern.compile("(.+)\\.(\\d{3})\\.json");

    static Wiring wiring() {
        TestClock clock = new TestClock();
        InMemoryBlobStore blobs = new InMemoryBlobStore(clock, true);
        return Wiring.of(new InMemoryItemStore(Tables.all()), blobs, blobs, clock, Settings.DEFAULTS.withParallelism(1));
    }

    static Map<String, RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse>> handlers(Wiring w) {
        return Map.ofEntries(
                Map.entry("POST /v1/uploads", new UploadsHandler(w)),
                Map.entry("POST /v1/commits", new CommitHandler(w)),
                Map.entry("POST /v1/commit-batch", new CommitHandler(w)),
                Map.entry("POST /v1/delete", new DeleteHandler(w)),
                Map.entry("POST /v1/restore", new RestoreHandler(w)),
                Map.entry("POST /v1/rewind", new RewindHandler(w)),
                Map.entry("GET /v1/files", new ListHandler(w)),
                Map.entry("GET /v1/file", new ListHandler(w)),
                Map.entry("GET /v1/changes", new ListHandler(w)),
                Map.entry("GET /v1/history", new HistoryHandler(w)),
                Map.entry("POST /v1/downloads", new DownloadHandler(w)),
                Map.entry("POST /v1/conflict-check", new ConflictCheckHandler(w)),
                Map.entry("POST /v1/signatures", new SignatureHandler(w)),
                Map.entry("POST /v1/delta-uploads", new DeltaUploadHandler(w)),
                Map.entry("POST /v1/delta-upload-batch", new DeltaUploadHandler(w)),
                Map.entry("POST /v1/admin/gc", new AdminHandler(w)),
                Map.entry("POST /v1/admin/audit", new AdminHandler(w)),
                Map.entry("GET /v1/usage", new ListHandler(w)),
                Map.entry("PUT /v1/admin/quota", new AdminHandler(w)));
    }

    static Stream<Path> fixtures() throws IOException {
        return Files.list(EVENTS).filter(p -> NAME.matcher(p.getFileName().toString()).matches()).sorted();
    }

    static <T> T load(Path p, Class<T> type) throws IOException {
        try (InputStream in = Files.newInputStream(p)) {
            return LambdaEventSerializers.serializerFor(type, EventFixturesTest.class.getClassLoader()).fromJson(in);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void fixtureGetsItsStatus(Path fixture) throws Exception {
        Matcher m = NAME.matcher(fixture.getFileName().toString());
        assertTrue(m.matches());
        int expected = Integer.parseInt(m.group(2));
        APIGatewayV2HTTPEvent event = load(fixture, APIGatewayV2HTTPEvent.class);
        var handler = handlers(wiring()).get(event.getRouteKey());
        assertNotNull(handler, "no handler for " + event.getRouteKey());
        APIGatewayV2HTTPResponse response = handler.handleRequest(event, null);
        assertEquals(expected, response.getStatusCode(), response.getBody());
        assertEquals("application/json", response.getHeaders().get("content-type"));
        JsonNode body = Json.MAPPER.readTree(response.getBody());
        if (expected >= 400) {
            assertTrue(body.path("error").isTextual(), response.getBody());
            assertTrue(body.path("message").isTextual(), response.getBody());
            assertEquals(event.getRequestContext().getRequestId(), body.path("requestId").asText());
            assertFalse(response.getBody().contains("Exception"), "no exception text: " + response.getBody());
            assertFalse(response.getBody().contains("\tat "), "no stack trace");
        }
        if (expected == 429 || expected == 503) {
            assertNotNull(response.getHeaders().get("Retry-After"));
        }
    }

    @Test
    void everyRouteHasFixtures() throws IOException {
        List<String> routes = fixtures().map(p -> {
            try {
                return load(p, APIGatewayV2HTTPEvent.class).getRouteKey();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }).distinct().toList();
        assertTrue(routes.containsAll(handlers(wiring()).keySet()), "routes without a fixture: " + routes);
    }

    @Test
    void scheduleEventRunsGcAndAudit() throws IOException {
        Wiring w = wiring();
        GcHandler gc = new GcHandler(w);
        Map<String, Object> run = gc.handleRequest(load(EVENTS.resolve("schedule-gc.json"), ScheduledEvent.class), null);
        assertTrue(run.containsKey("gc"), run.toString());
        Map<String, Object> again = gc.handleRequest(load(EVENTS.resolve("schedule-gc.json"), ScheduledEvent.class), null);
        assertEquals("DUPLICATE_EVENT", ((dev.chunkvault.service.vault.GcReport) again.get("gc")).skipped());
        Map<String, Object> audit = gc.handleRequest(load(EVENTS.resolve("schedule-audit.json"), ScheduledEvent.class), null);
        assertTrue(((dev.chunkvault.service.vault.AuditService.AuditReport) audit.get("audit")).clean());
    }

    @Test
    void oversizeBodyIs413AndUnknownRouteIsRefused() {
        Wiring w = wiring();
        APIGatewayV2HTTPEvent event = new APIGatewayV2HTTPEvent();
        event.setRouteKey("POST /v1/uploads");
        event.setBody("x".repeat(7 * 1024 * 1024));
        event.setHeaders(Map.of("authorization", Tokens.bearerFor("alice")));
        var ctx = new APIGatewayV2HTTPEvent.RequestContext();
        var auth = new APIGatewayV2HTTPEvent.RequestContext.Authorizer();
        var jwt = new APIGatewayV2HTTPEvent.RequestContext.Authorizer.JWT();
        jwt.setClaims(Map.of("sub", "alice"));
        auth.setJwt(jwt);
        ctx.setAuthorizer(auth);
        ctx.setRequestId("big-1");
        event.setRequestContext(ctx);
        assertEquals(413, new UploadsHandler(w).handleRequest(event, null).getStatusCode());
        event.setRouteKey("GET /v1/nothing");
        event.setBody(null);
        assertEquals(400, new ListHandler(w).handleRequest(event, null).getStatusCode());
    }
}
