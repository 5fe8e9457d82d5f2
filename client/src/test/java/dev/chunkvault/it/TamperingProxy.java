package dev.chunkvault.it;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP forward proxy on loopback between a client and the real local cloud: it forwards every request
 * unchanged (so presigned signatures still hold), records them, and can tamper with answers (truncate JSON,
 * answer 500, flip a byte of an object, slow uploads down). The client reaches it through its proxy setting.
 */
final class TamperingProxy implements AutoCloseable {
    /** One forwarded exchange: the request's {@code Content-Encoding} (null when none) and body bytes as sent. */
    record Seen(String method, String host, String path, int status, String encoding, int bodyBytes) {}

    /** A rule: given the request and the real answer, an answer to send instead (or null to pass it on). */
    interface Tamper {
        Answer apply(String method, String path, int status, byte[] body);
    }

    record Answer(int status, byte[] body) {}

    private static final Set<String> SKIP_REQUEST = Set.of("host", "content-length", "connection", "proxy-connection",
            "keep-alive", "transfer-encoding", "expect", "upgrade", "te", "trailer");
    private static final Set<String> SKIP_RESPONSE = Set.of("content-length", "transfer-encoding", "connection",
            "keep-alive", "date");

    private final HttpServer server;
    private final HttpClient upstream = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    final List<Seen> seen = Collections.synchronizedList(new ArrayList<>());
    final List<String> objectPuts = Collections.synchronizedList(new ArrayList<>());
    /** Chunk ids sent by object PUTs, one id per chunk PUT and every chunk of a pack PUT. */
    final AtomicInteger putCount = new AtomicInteger();
    /** The chunk ids of each successful object PUT (one for a chunk, many for a pack), in order. */
    final List<List<String>> transfers = Collections.synchronizedList(new ArrayList<>());
    volatile Tamper tamper;
    volatile long putDelayMillis;
    /** Chunk ids whose next object PUT is answered 200 without reaching the store (lost, as if collected), once each. */
    final Set<String> loseNextPut = java.util.concurrent.ConcurrentHashMap.newKeySet();

    TamperingProxy() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        server.setExecutor(Executors.newFixedThreadPool(16));
        server.createContext("/", this::forward);
        server.start();
    }

    ProxySelector selector() {
        return ProxySelector.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getAddress().getPort()));
    }

    String address() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    private void forward(HttpExchange ex) throws IOException {
        try (ex) {
            URI asked = ex.getRequestURI();
            String host = ex.getRequestHeaders().getFirst("Host");
            URI target = asked.isAbsolute() ? asked : URI.create("http://" + host + asked.getRawPath()
                    + (asked.getRawQuery() == null ? "" : "?" + asked.getRawQuery()));
            byte[] body = ex.getRequestBody().readAllBytes();
            String method = ex.getRequestMethod();
            boolean packPut = method.equals("PUT") && target.getRawPath().contains("/packs/");
            boolean objectPut = method.equals("PUT") && target.getRawPath().contains("/chunks/") || packPut;
            if (objectPut && putDelayMillis > 0) {
                try {
                    Thread.sleep(putDelayMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (objectPut && loseNextPut.remove(target.getRawPath().substring(target.getRawPath().lastIndexOf('/') + 1))) {
                seen.add(new Seen(method, target.getAuthority(), target.getRawPath(), 200,
                        ex.getRequestHeaders().getFirst("Content-Encoding"), body.length));
                ex.sendResponseHeaders(200, -1);
                return;
            }
            HttpRequest.Builder b = HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(60))
                    .method(method, body.length == 0 && !method.equals("PUT") && !method.equals("POST")
                            ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
            for (Map.Entry<String, List<String>> h : ex.getRequestHeaders().entrySet()) {
                if (!SKIP_REQUEST.contains(h.getKey().toLowerCase(Locale.ROOT))) {
                    for (String v : h.getValue()) {
                        b.header(h.getKey(), v);
                    }
                }
            }
            HttpResponse<byte[]> r;
            try {
                r = upstream.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                ex.sendResponseHeaders(502, -1);
                return;
            }
            if (objectPut && r.statusCode() / 100 == 2) {
                String p = target.getRawPath();
                // A pack's chunks count as sent, each: its index, at its end, names them.
                List<String> ids = packPut ? dev.chunkvault.core.pack.PackFormat.decodeIndex(
                        dev.chunkvault.core.pack.PackFormat.trailingIndex(body), body.length,
                        dev.chunkvault.core.pack.PackFormat.formatOfObject(body)).stream()
                        .map(e -> e.id().hex()).toList() : List.of(p.substring(p.lastIndexOf('/') + 1));
                objectPuts.addAll(ids);
                transfers.add(ids);
                putCount.addAndGet(ids.size());
            }
            seen.add(new Seen(method, target.getAuthority(), target.getRawPath(), r.statusCode(),
                    ex.getRequestHeaders().getFirst("Content-Encoding"), body.length));
            int status = r.statusCode();
            byte[] out = r.body();
            Tamper t = tamper;
            Answer a = t == null ? null : t.apply(method, target.getRawPath(), status, out);
            if (a != null) {
                status = a.status();
                out = a.body();
            }
            for (Map.Entry<String, List<String>> h : r.headers().map().entrySet()) {
                if (!SKIP_RESPONSE.contains(h.getKey().toLowerCase(Locale.ROOT)) && !h.getKey().startsWith(":")) {
                    for (String v : h.getValue()) {
                        ex.getResponseHeaders().add(h.getKey(), v);
                    }
                }
            }
            ex.sendResponseHeaders(status, out.length == 0 ? -1 : out.length);
            if (out.length > 0) {
                try (OutputStream o = ex.getResponseBody()) {
                    o.write(out);
                }
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
