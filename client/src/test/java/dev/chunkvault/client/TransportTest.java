package dev.chunkvault.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Retries and bad answers, against a scripted in-process HTTP server. */
class TransportTest {
    record Answer(int status, String body, String retryAfter) {}

    HttpServer server;
    final Deque<Answer> script = new ArrayDeque<>();
    final AtomicInteger requests = new AtomicInteger();
    TestFiles.RecordingSleeper sleeper = new TestFiles.RecordingSleeper();
    ChunkvaultClient client;

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            requests.incrementAndGet();
            ex.getRequestBody().readAllBytes();
            Answer a = script.isEmpty() ? new Answer(200, "{\"files\": []}", null) : script.poll();
            if (a.retryAfter() != null) {
                ex.getResponseHeaders().set("Retry-After", a.retryAfter());
            }
            byte[] b = a.body().getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(a.status(), b.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(b);
            }
        });
        server.start();
        client = TestFiles.client(URI.create("http://127.0.0.1:" + server.getAddress().getPort()), sleeper);
    }

    @AfterEach
    void stop() {
        client.close();
        server.stop(0);
    }

    @Test
    void retries503And429HonouringRetryAfter() {
        script.add(new Answer(503, "{\"error\":\"UNAVAILABLE\",\"message\":\"later\",\"requestId\":\"r\"}", "3"));
        script.add(new Answer(429, "{\"error\":\"THROTTLED\",\"message\":\"slow down\",\"requestId\":\"r\"}", null));
        client.list("", false, false, null, null);
        assertEquals(3, requests.get());
        assertEquals(Duration.ofSeconds(3), sleeper.delays.get(0), "Retry-After is a floor");
        assertEquals(Duration.ofMillis(100), sleeper.delays.get(1), "0.5 x 200 ms ceiling of the second retry");
    }

    @Test
    void givesUpAfterTheLastAttemptWithTheServersError() {
        for (int i = 0; i < 10; i++) {
            script.add(new Answer(503, "{\"error\":\"UNAVAILABLE\",\"message\":\"down\",\"requestId\":\"r9\"}", "0"));
        }
        ApiException e = assertThrows(ApiException.class, () -> client.list("", false, false, null, null));
        assertEquals(503, e.status());
        assertEquals("r9", e.requestId());
        assertEquals(4, requests.get());
    }

    @Test
    void a500IsNotRetriedAndCarriesNoServerInternals() {
        script.add(new Answer(500, "{\"error\":\"INTERNAL\",\"message\":\"Internal error.\",\"requestId\":\"x\"}", null));
        ApiException e = assertThrows(ApiException.class, () -> client.list("", false, false, null, null));
        assertEquals(500, e.status());
        assertEquals(1, requests.get());
    }

    @Test
    void truncatedJsonIsABadResponse() {
        script.add(new Answer(200, "{\"files\": [{\"path\": \"a", null));
        assertThrows(BadResponseException.class, () -> client.list("", false, false, null, null));
    }

    @Test
    void aNonJsonErrorPageKeepsItsStatus() {
        script.add(new Answer(502, "<html>bad gateway</html>", "0"));
        script.add(new Answer(404, "<html>nope</html>", null));
        ApiException e = assertThrows(ApiException.class, () -> client.list("", false, false, null, null));
        assertEquals(404, e.status());
        assertTrue(e.isNotFound());
    }

    @Test
    void aStaleParentCarriesTheHead() {
        script.add(new Answer(409, "{\"error\":\"STALE_PARENT\",\"message\":\"changed\",\"requestId\":\"r\","
                + "\"details\":{\"head\":{\"path\":\"a\",\"versionId\":\"0000000002-0123456789abcdef\",\"seq\":2}}}", null));
        StaleParentException e = assertThrows(StaleParentException.class, () -> client.delete("a", null, "key-12345678"));
        assertEquals("0000000002-0123456789abcdef", e.head().orElseThrow().versionId());
    }

    @Test
    void connectionRefusedIsRetriedThenReportedAsTransport() {
        server.stop(0);
        TransportException e = assertThrows(TransportException.class, () -> client.list("", false, false, null, null));
        assertTrue(e.getMessage().contains("Could not reach"));
        assertEquals(3, sleeper.delays.size());
        assertFalse(e.getMessage().contains("Exception:"));
    }
}
