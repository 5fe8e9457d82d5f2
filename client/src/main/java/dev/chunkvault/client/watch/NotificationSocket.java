package dev.chunkvault.client.watch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Keeps one notification socket open and turns its messages into {@link Wake#REMOTE}: connects (the token in
 * {@code Authorization}), signals {@link Wake#CONNECTED} on every (re)connect so the loop catches up from its cursor,
 * sends {@code {"action":"ping"}} every keep-alive so API Gateway does not close it as idle, and reconnects when it
 * closes (API Gateway ends every socket after 2 hours) with exponential backoff and full jitter (1 s doubling to a
 * minute). A refused handshake (401 after a failed token refresh, 403, 404, 429...) puts it in {@link State#REFUSED}
 * for a few minutes — the loop polls meanwhile — before it tries again.
 */
public final class NotificationSocket implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final Duration BACKOFF_BASE = Duration.ofSeconds(1);
    static final Duration BACKOFF_CAP = Duration.ofMinutes(1);
    static final Duration REFUSED_RETRY = Duration.ofMinutes(5);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(20);

    /** Where the socket is. */
    public enum State { CONNECTING, CONNECTED, REFUSED, CLOSED }

    private final URI url;
    private final BiFunction<URI, WebSocket.Listener, CompletableFuture<WebSocket>> opener;
    private final BooleanSupplier refreshToken;
    private final Duration keepAlive;
    private final Signals signals;
    private final Consumer<String> log;
    private final Random random = new Random();
    private final Thread thread;
    private volatile State state = State.CONNECTING;
    private volatile WebSocket socket;
    private volatile boolean closed;
    private volatile int connects;
    private volatile int messages;

    /**
     * @param opener       opens a socket (the client's {@code openSocket}, with its token and proxy)
     * @param refreshToken asks for a fresh token after a 401; true if there is one
     */
    public NotificationSocket(URI url, BiFunction<URI, WebSocket.Listener, CompletableFuture<WebSocket>> opener,
                              BooleanSupplier refreshToken, Duration keepAlive, Signals signals, Consumer<String> log) {
        this.url = url;
        this.opener = opener;
        this.refreshToken = refreshToken;
        this.keepAlive = keepAlive;
        this.signals = signals;
        this.log = log;
        this.thread = new Thread(this::run, "chunkvault-notifications");
        thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    public State state() {
        return state;
    }

    public boolean connected() {
        return state == State.CONNECTED;
    }

    /** Successful connects so far; "changed" messages received. */
    public int connects() {
        return connects;
    }

    public int messages() {
        return messages;
    }

    private final class Listener implements WebSocket.Listener {
        final CompletableFuture<Void> done = new CompletableFuture<>();
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String text = partial.toString();
                partial.setLength(0);
                try {
                    JsonNode m = JSON.readTree(text);
                    if ("changed".equals(m.path("type").asText())) {
                        messages++;
                        signals.signal(Wake.REMOTE);
                    }
                } catch (java.io.IOException notJson) {
                    // not ours: ignored
                }
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            done.complete(null);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            done.complete(null);
        }
    }

    private void run() {
        int failures = 0;
        while (!closed) {
            Listener listener = new Listener();
            state = State.CONNECTING;
            Duration pause;
            try {
                WebSocket ws = opener.apply(url, listener).get(CONNECT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                socket = ws;
                state = State.CONNECTED;
                connects++;
                failures = 0;
                signals.signal(Wake.CONNECTED);
                while (!closed) {
                    try {
                        listener.done.get(keepAlive.toMillis(), TimeUnit.MILLISECONDS);
                        break;
                    } catch (TimeoutException idle) {
                        ws.sendText("{\"action\":\"ping\"}", true);
                    }
                }
                ws.abort();
                pause = jitter(BACKOFF_BASE);
                if (!closed) {
                    log.accept("notification socket closed; reconnecting");
                }
            } catch (InterruptedException e) {
                break;
            } catch (ExecutionException | TimeoutException e) {
                Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
                if (cause instanceof WebSocketHandshakeException h) {
                    int status = h.getResponse().statusCode();
                    if (status == 401 && failures == 0 && refreshToken.getAsBoolean()) {
                        failures++;
                        continue;
                    }
                    log.accept("notification socket refused (HTTP " + status + "); polling instead, trying again in "
                            + REFUSED_RETRY.toMinutes() + " min");
                    state = State.REFUSED;
                    pause = REFUSED_RETRY;
                } else {
                    failures++;
                    long cap = Math.min(BACKOFF_CAP.toMillis(), BACKOFF_BASE.toMillis() << Math.min(failures, 10));
                    pause = jitter(Duration.ofMillis(cap));
                    if (failures == 1) {
                        log.accept("notification socket unavailable (" + cause.getClass().getSimpleName() + "); retrying");
                    }
                }
            }
            state = state == State.REFUSED ? State.REFUSED : State.CONNECTING;
            try {
                Thread.sleep(pause.toMillis());
            } catch (InterruptedException e) {
                break;
            }
        }
        state = State.CLOSED;
    }

    /** Full jitter: a random pause up to {@code cap}, at least 100 ms. */
    private Duration jitter(Duration cap) {
        return Duration.ofMillis(100 + (long) (random.nextDouble() * Math.max(0, cap.toMillis() - 100)));
    }

    @Override
    public void close() {
        closed = true;
        WebSocket ws = socket;
        if (ws != null) {
            ws.abort();
        }
        thread.interrupt();
    }
}
