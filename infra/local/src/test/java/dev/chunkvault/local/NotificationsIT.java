package dev.chunkvault.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chunkvault.aws.AwsClients;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Push notifications end to end on the local cloud: the WebSocket API from the template (its Lambda authorizer
 * checking the same JWT as the HTTP API), the files table's stream read from DynamoDB Local and fed to the notifier as
 * Lambda's event source mapping would, and the notifier posting through the management API. Waits are bounded polls
 * for something to happen, never assertions on time.
 */
@ExtendWith(LocalCloudExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NotificationsIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private final LocalCloud cloud;
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<WebSocket> open = new ArrayList<>();
    private final DynamoDbClient dynamo;
    private final String connectionsTable;

    NotificationsIT(LocalCloud cloud) {
        this.cloud = cloud;
        Map<String, String> env = cloud.ownerEnvironment("NotifierFunction");
        this.dynamo = new AwsClients(env, Duration.ofSeconds(30), List.of()).dynamo();
        this.connectionsTable = env.get("CONNECTIONS_TABLE");
    }

    @AfterAll
    void close() {
        open.forEach(WebSocket::abort);
        dynamo.close();
    }

    /** The messages a socket received. */
    static final class Inbox implements WebSocket.Listener {
        final BlockingQueue<String> messages = new LinkedBlockingQueue<>();
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                messages.add(partial.toString());
                partial.setLength(0);
            }
            ws.request(1);
            return null;
        }

        JsonNode next() throws InterruptedException {
            String m = messages.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertNotNull(m, "no message within " + WAIT);
            try {
                return Tenant.MAPPER.readTree(m);
            } catch (java.io.IOException e) {
                throw new AssertionError("not JSON: " + m);
            }
        }
    }

    private URI socketUrl(Tenant t) {
        JsonNode n = Tenant.expect(200, t.get("/v1/notifications"));
        assertTrue(n.path("url").isTextual(), n.toString());
        assertTrue(n.path("keepAliveSeconds").asInt() > 0 && n.path("keepAliveSeconds").asInt() < 600, n.toString());
        return URI.create(n.path("url").asText());
    }

    private WebSocket connect(URI url, String authorization, Inbox inbox) {
        WebSocket.Builder b = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        WebSocket ws = b.buildAsync(url, inbox).join();
        open.add(ws);
        return ws;
    }

    private int refusedStatus(URI url, String authorization) {
        try {
            connect(url, authorization, new Inbox());
            return 101;
        } catch (CompletionException e) {
            if (e.getCause() instanceof WebSocketHandshakeException h) {
                return h.getResponse().statusCode();
            }
            throw e;
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("not within " + WAIT + ": " + what);
            }
            Thread.sleep(50);
        }
    }

    private int rows(String sub) {
        return dynamo.query(b -> b.tableName(connectionsTable).keyConditionExpression("#o = :o")
                .expressionAttributeNames(Map.of("#o", "owner")).expressionAttributeValues(Map.of(":o",
                        AttributeValue.fromS(sub))).consistentRead(true)).count();
    }

    @Test
    void aCommitNotifiesTheOwnersSocketsAndNoOneElse() throws Exception {
        Tenant alice = new Tenant(cloud, "notify-alice");
        Tenant bob = new Tenant(cloud, "notify-bob");
        URI url = socketUrl(alice);
        Inbox a1 = new Inbox();
        Inbox a2 = new Inbox();
        Inbox b = new Inbox();
        connect(url, "Bearer " + alice.token, a1);
        connect(url, "Bearer " + alice.token, a2);
        connect(url, "Bearer " + bob.token, b);
        assertEquals(2, rows(alice.subject()));
        assertEquals(1, rows(bob.subject()));

        long before = System.currentTimeMillis();
        alice.putId("notes/one.txt", null, Tenant.Content.of(Tenant.random(7001, 5_000)));
        for (Inbox in : List.of(a1, a2)) {
            JsonNode m = in.next();
            assertEquals("changed", m.path("type").asText(), m.toString());
            assertTrue(m.path("upTo").asLong() >= before - 1000, m.toString());
        }

        // Bob's socket got nothing from Alice's commit: frames on one socket arrive in order, so his first message is
        // the one his own later commit caused.
        long bobsCommit = System.currentTimeMillis();
        bob.putId("notes/two.txt", null, Tenant.Content.of(Tenant.random(7002, 5_000)));
        JsonNode first = b.next();
        assertTrue(first.path("upTo").asLong() >= bobsCommit - 1000, "Bob was told of Alice's change: " + first);
    }

    @Test
    void connectionsNeedAValidTokenWithTheReadScope() {
        Tenant carol = new Tenant(cloud, "notify-carol");
        URI url = socketUrl(carol);
        assertEquals(401, refusedStatus(url, null));
        assertEquals(401, refusedStatus(url, "Bearer not.a.token"));
        long now = System.currentTimeMillis() / 1000;
        String expired = cloud.issuer().sign(Tenant.MAPPER.createObjectNode().put("iss", cloud.issuer().issuer())
                .put("sub", carol.subject()).put("aud", "chunkvault-local").put("client_id", "chunkvault-local")
                .put("scope", "chunkvault/read").put("iat", now - 3600).put("exp", now - 60));
        assertEquals(401, refusedStatus(url, "Bearer " + expired));
        String writeOnly = cloud.mintToken("notify-carol", List.of("chunkvault/write"), Duration.ofHours(1));
        assertEquals(403, refusedStatus(url, "Bearer " + writeOnly));
        assertEquals(0, rows(carol.subject()));
        String readOnly = cloud.mintToken("notify-carol", List.of("chunkvault/read"), Duration.ofHours(1));
        assertEquals(101, refusedStatus(url, "Bearer " + readOnly));
    }

    @Test
    void aClosedSocketLosesItsRowAndAGoneOneIsForgottenByTheNotifier() throws Exception {
        Tenant dave = new Tenant(cloud, "notify-dave");
        URI url = socketUrl(dave);
        WebSocket ws = connect(url, "Bearer " + dave.token, new Inbox());
        assertEquals(1, rows(dave.subject()));
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").join();
        await("the $disconnect route removed the row", () -> rows(dave.subject()) == 0);

        // A row whose connection is gone (its $disconnect never ran): the notifier's post answers 410 and the row goes.
        long expires = System.currentTimeMillis() / 1000 + 3600;
        dynamo.putItem(b -> b.tableName(connectionsTable).item(Map.of("owner", AttributeValue.fromS(dave.subject()),
                "connectionId", AttributeValue.fromS("GoneConnection0="), "connectedAt", AttributeValue.fromN("1"),
                "expiresAt", AttributeValue.fromN(Long.toString(expires)))));
        Inbox live = new Inbox();
        connect(url, "Bearer " + dave.token, live);
        dave.putId("notes/three.txt", null, Tenant.Content.of(Tenant.random(7003, 5_000)));
        assertEquals("changed", live.next().path("type").asText());
        await("the notifier forgot the gone connection", () -> rows(dave.subject()) == 1);
    }

    @Test
    void pingIsAnsweredWithoutAFunctionAndUnknownActionsAreForbidden() throws Exception {
        Tenant erin = new Tenant(cloud, "notify-erin");
        Inbox in = new Inbox();
        WebSocket ws = connect(socketUrl(erin), "Bearer " + erin.token, in);
        ws.sendText("{\"action\":\"ping\"}", true).join();
        assertEquals("pong", in.next().path("type").asText());
        ws.sendText("{\"action\":\"subscribe\",\"owner\":\"someone-else\"}", true).join();
        assertEquals("Forbidden", in.next().path("message").asText());
        assertFalse(in.messages.stream().anyMatch(m -> m.contains("changed")));
    }
}
