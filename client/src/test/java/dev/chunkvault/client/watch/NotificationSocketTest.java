package dev.chunkvault.client.watch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.Test;

/** The socket's life with a scripted opener: connects, messages, closes, refusals (bounded waits only). */
class NotificationSocketTest {
    private final URI url = URI.create("wss://example.invalid/v1");
    private final List<String> log = new CopyOnWriteArrayList<>();

    /** A socket that records what is sent and can be closed from the test. */
    private static final class FakeSocket implements WebSocket {
        final List<String> sent = new CopyOnWriteArrayList<>();
        volatile boolean aborted;

        @Override
        public CompletableFuture<WebSocket> sendText(CharSequence data, boolean last) {
            sent.add(data.toString());
            return CompletableFuture.completedFuture(this);
        }

        @Override
        public CompletableFuture<WebSocket> sendBinary(ByteBuffer data, boolean last) {
            return CompletableFuture.completedFuture(this);
        }

        @Override
        public CompletableFuture<WebSocket> sendPing(ByteBuffer message) {
            return CompletableFuture.completedFuture(this);
        }

        @Override
        public CompletableFuture<WebSocket> sendPong(ByteBuffer message) {
            return CompletableFuture.completedFuture(this);
        }

        @Override
        public CompletableFuture<WebSocket> sendClose(int statusCode, String reason) {
            return CompletableFuture.completedFuture(this);
        }

        @Override
        public void request(long n) {
        }

        @Override
        public String getSubprotocol() {
            return "";
        }

        @Override
        public boolean isOutputClosed() {
            return aborted;
        }

        @Override
        public boolean isInputClosed() {
            return aborted;
        }

        @Override
        public void abort() {
            aborted = true;
        }
    }

    private static WebSocketHandshakeException refused(int status) {
        HttpResponse<Object> r = new HttpResponse<>() {
            @Override
            public int statusCode() {
                return status;
            }

            @Override
            public HttpRequest request() {
                return null;
            }

            @Override
            public Optional<HttpResponse<Object>> previousResponse() {
                return Optional.empty();
            }

            @Override
            public HttpHeaders headers() {
                return HttpHeaders.of(Map.of(), (a, b) -> true);
            }

            @Override
            public Object body() {
                return null;
            }

            @Override
            public Optional<SSLSession> sslSession() {
                return Optional.empty();
            }

            @Override
            public URI uri() {
                return URI.create("wss://example.invalid/v1");
            }

            @Override
            public HttpClient.Version version() {
                return HttpClient.Version.HTTP_1_1;
            }
        };
        return new WebSocketHandshakeException(r);
    }

    private static void await(String what, java.util.function.BooleanSupplier c) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("not within 20 s: " + what);
            }
            Thread.sleep(5);
        }
    }

    @Test
    void messagesWakeTheLoopPingsKeepItOpenAndAClosedSocketComesBack() throws Exception {
        Signals signals = new Signals(Duration.ofMillis(1), Duration.ofMillis(10));
        List<WebSocket.Listener> listeners = new ArrayList<>();
        List<FakeSocket> sockets = new ArrayList<>();
        AtomicInteger attempts = new AtomicInteger();
        try (NotificationSocket s = new NotificationSocket(url, (u, l) -> {
            if (attempts.incrementAndGet() == 1) {
                return CompletableFuture.failedFuture(new java.net.ConnectException("down"));
            }
            FakeSocket f = new FakeSocket();
            synchronized (listeners) {
                listeners.add(l);
                sockets.add(f);
            }
            return CompletableFuture.completedFuture(f);
        }, () -> false, Duration.ofMillis(50), signals, log::add)) {
            s.start();
            assertEquals(EnumSet.of(Wake.CONNECTED), signals.await(Duration.ofSeconds(20)), "connected after a failed try");
            assertTrue(s.connected());
            WebSocket.Listener l = listeners.get(0);
            l.onText(sockets.get(0), "{\"type\":\"changed\",\"upTo\":17}", true);
            assertEquals(EnumSet.of(Wake.REMOTE), signals.await(Duration.ofSeconds(20)));
            l.onText(sockets.get(0), "{\"type\":\"pong\"}", true);
            l.onText(sockets.get(0), "not json", true);
            assertEquals(EnumSet.of(Wake.TIMEOUT), signals.await(Duration.ofMillis(100)), "only changes wake the loop");
            await("a ping on the idle socket", () -> sockets.get(0).sent.contains("{\"action\":\"ping\"}"));
            l.onClose(sockets.get(0), 1001, "Going away");
            await("reconnected", () -> s.connects() == 2);
            assertEquals(EnumSet.of(Wake.CONNECTED), signals.await(Duration.ofSeconds(20)), "catch up after the reconnect");
            assertEquals(1, s.messages());
        }
    }

    @Test
    void aRefusedSocketRefreshesTheTokenOnceThenLeavesTheLoopPolling() throws Exception {
        Signals signals = new Signals(Duration.ofMillis(1), Duration.ofMillis(10));
        AtomicInteger refreshes = new AtomicInteger();
        AtomicInteger attempts = new AtomicInteger();
        try (NotificationSocket s = new NotificationSocket(url, (u, l) -> {
            attempts.incrementAndGet();
            return CompletableFuture.failedFuture(refused(401));
        }, () -> refreshes.incrementAndGet() == 1, Duration.ofSeconds(9), signals, log::add)) {
            s.start();
            await("refused", () -> s.state() == NotificationSocket.State.REFUSED);
            assertEquals(2, attempts.get(), "once more with the refreshed token, then no more for a while");
            assertEquals(1, refreshes.get());
            assertTrue(log.stream().anyMatch(m -> m.contains("HTTP 401") && m.contains("polling")), log.toString());
        }
    }
}
