package dev.chunkvault.bench.e2e;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the bytes of every HTTP exchange a client makes: a forward HTTP/1.1 proxy on loopback, written on plain
 * sockets so that it sees the bytes exactly as they travel (request line, headers, bodies, chunked framing), not a
 * re-encoding of them. A client that routes every request through it (the SDK's {@code ClientOptions#withProxy},
 * the CLI's {@code CHUNKVAULT_PROXY}) — API calls and presigned S3 transfers alike — is metered completely.
 *
 * <p>What is counted is what the same client would send and receive on a DIRECT connection: a proxied request
 * names its target in absolute form ({@code PUT http://127.0.0.1:4751/bucket/key HTTP/1.1}); the proxy forwards
 * it in origin form ({@code PUT /bucket/key HTTP/1.1}) and counts that, and counts the response as the server
 * sent it (the client receives it byte for byte). TCP/IP framing is not counted (nor is it in rsync's
 * {@code --stats}). Traffic is split into categories by {@link Classifier}: API route, or S3 object kind.
 */
final class WireMeter implements AutoCloseable {
    /** Names the category of one request: e.g. {@code "POST /v1/commits"} or {@code "PUT chunk"}. */
    @FunctionalInterface
    interface Classifier {
        String category(String method, String authority, String path);
    }

    /** Bytes of a set of exchanges. Header bytes include the request or status line and the blank line. */
    record Counts(long requests, long requestHeaders, long requestBodies, long responseHeaders, long responseBodies,
                  long nanos) {
        static final Counts ZERO = new Counts(0, 0, 0, 0, 0, 0);

        /** Mean time from the request's head to the end of the answer, in milliseconds. */
        double meanMillis() {
            return requests == 0 ? 0 : nanos / 1e6 / requests;
        }

        long sent() {
            return requestHeaders + requestBodies;
        }

        long received() {
            return responseHeaders + responseBodies;
        }

        long total() {
            return sent() + received();
        }

        long headers() {
            return requestHeaders + responseHeaders;
        }

        long bodies() {
            return requestBodies + responseBodies;
        }

        Counts plus(Counts o) {
            return new Counts(requests + o.requests, requestHeaders + o.requestHeaders, requestBodies + o.requestBodies,
                    responseHeaders + o.responseHeaders, responseBodies + o.responseBodies, nanos + o.nanos);
        }

        Counts minus(Counts o) {
            return new Counts(requests - o.requests, requestHeaders - o.requestHeaders, requestBodies - o.requestBodies,
                    responseHeaders - o.responseHeaders, responseBodies - o.responseBodies, nanos - o.nanos);
        }
    }

    /** Totals by category at one moment; {@link #since} gives the traffic between two snapshots. */
    record Snapshot(Map<String, Counts> byCategory) {
        Counts total() {
            return byCategory.values().stream().reduce(Counts.ZERO, Counts::plus);
        }

        Snapshot since(Snapshot before) {
            Map<String, Counts> out = new TreeMap<>();
            byCategory.forEach((k, v) -> {
                Counts d = v.minus(before.byCategory.getOrDefault(k, Counts.ZERO));
                if (d.requests() != 0 || d.total() != 0) {
                    out.put(k, d);
                }
            });
            return new Snapshot(out);
        }
    }

    private static final class Meter {
        final LongAdder requests = new LongAdder();
        final LongAdder requestHeaders = new LongAdder();
        final LongAdder requestBodies = new LongAdder();
        final LongAdder responseHeaders = new LongAdder();
        final LongAdder responseBodies = new LongAdder();
        final LongAdder nanos = new LongAdder();

        Counts counts() {
            return new Counts(requests.sum(), requestHeaders.sum(), requestBodies.sum(), responseHeaders.sum(),
                    responseBodies.sum(), nanos.sum());
        }
    }

    /**
     * Bodies are copied in pieces smaller than the client-side output buffer, so the last bytes of a response
     * stay buffered until the proxy has recorded the exchange and flushes: a client never holds a complete answer
     * whose bytes are not yet counted (a snapshot taken right after a call includes that call).
     */
    private static final int COPY_BUFFER = 1 << 14;
    private static final int OUT_BUFFER = 1 << 16;
    private final ServerSocket server;
    private final ExecutorService pool;
    private final Classifier classifier;
    private final Map<String, Meter> meters = new ConcurrentHashMap<>();
    private final List<Socket> open = new ArrayList<>();
    private volatile boolean closed;
    /** When set (system property {@code chunkvault.bench.wireDump}), every exchange's heads are appended here. */
    private final java.nio.file.Path dump = System.getProperty("chunkvault.bench.wireDump") == null ? null
            : java.nio.file.Path.of(System.getProperty("chunkvault.bench.wireDump"));

    WireMeter(Classifier classifier) throws IOException {
        this(classifier, 0);
    }

    /** A meter listening on {@code port} of loopback (0: any free port). */
    WireMeter(Classifier classifier, int port) throws IOException {
        this.classifier = classifier;
        this.server = new ServerSocket(port, 128, InetAddress.getLoopbackAddress());
        this.pool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "wire-meter");
            t.setDaemon(true);
            return t;
        });
        pool.execute(this::acceptLoop);
    }

    ProxySelector selector() {
        return ProxySelector.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()));
    }

    /** {@code host:port}, the form of {@code CHUNKVAULT_PROXY}. */
    String address() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    Snapshot snapshot() {
        Map<String, Counts> out = new TreeMap<>();
        meters.forEach((k, m) -> out.put(k, m.counts()));
        return new Snapshot(out);
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket s = server.accept();
                synchronized (open) {
                    open.add(s);
                }
                pool.execute(() -> serve(s));
            } catch (IOException e) {
                if (!closed) {
                    System.err.println("wire meter: accept failed: " + e);
                }
                return;
            }
        }
    }

    /** One upstream connection, reused for the requests of one client connection to the same authority. */
    private static final class Upstream implements AutoCloseable {
        final Socket socket;
        final InputStream in;
        final OutputStream out;

        Upstream(String authority) throws IOException {
            URI u = URI.create("http://" + authority);
            socket = new Socket(u.getHost(), u.getPort() < 0 ? 80 : u.getPort());
            socket.setTcpNoDelay(true);
            in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
            out = new BufferedOutputStream(socket.getOutputStream(), 1 << 16);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private void serve(Socket client) {
        Map<String, Upstream> upstreams = new HashMap<>();
        try (client) {
            client.setTcpNoDelay(true);
            InputStream cin = new BufferedInputStream(client.getInputStream(), 1 << 16);
            OutputStream cout = new BufferedOutputStream(client.getOutputStream(), OUT_BUFFER);
            while (true) {
                Head req = Head.read(cin);
                if (req == null) {
                    return; // the client closed its connection
                }
                long started = System.nanoTime();
                String[] line = req.startLine().split(" ", 3);
                if (line.length != 3) {
                    throw new IOException("bad request line: " + req.startLine());
                }
                String method = line[0];
                URI target = URI.create(line[1]);
                String authority = target.isAbsolute() ? target.getRawAuthority() : req.header("host");
                String origin = target.isAbsolute()
                        ? (target.getRawPath().isEmpty() ? "/" : target.getRawPath())
                          + (target.getRawQuery() == null ? "" : "?" + target.getRawQuery())
                        : line[1];
                byte[] head = req.rebuilt(method + " " + origin + " " + line[2]);
                Meter m = meters.computeIfAbsent(classifier.category(method, authority,
                        target.getRawPath()), k -> new Meter());
                Upstream up = upstreams.get(authority);
                if (up == null) {
                    up = new Upstream(authority);
                    upstreams.put(authority, up);
                }
                up.out.write(head);
                long reqBody = relayBody(req, cin, up.out, false);
                up.out.flush();
                Head resp;
                long respHead = 0;
                do {
                    resp = Head.read(up.in);
                    if (resp == null) {
                        throw new EOFException("the server closed the connection before answering");
                    }
                    cout.write(resp.raw());
                    respHead += resp.raw().length;
                } while (resp.status() >= 100 && resp.status() < 200 && resp.status() != 101);
                boolean noBody = method.equals("HEAD") || resp.status() == 204 || resp.status() == 304;
                long respBody = noBody ? 0 : relayBody(resp, up.in, cout, true);
                m.requests.increment();
                m.requestHeaders.add(head.length);
                m.requestBodies.add(reqBody);
                m.responseHeaders.add(respHead);
                m.responseBodies.add(respBody);
                m.nanos.add(System.nanoTime() - started);
                if (dump != null) {
                    dump(head, respHead, resp, reqBody, respBody);
                }
                cout.flush();
                if (resp.closes() || req.closes() || (!noBody && resp.untilClose())) {
                    return;
                }
            }
        } catch (IOException e) {
            if (!closed) {
                System.err.println("wire meter: " + e);
            }
        } finally {
            for (Upstream u : upstreams.values()) {
                try {
                    u.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
            synchronized (open) {
                open.remove(client);
            }
        }
    }

    private synchronized void dump(byte[] reqHead, long respHeadBytes, Head resp, long reqBody, long respBody) {
        String text = new String(reqHead, StandardCharsets.ISO_8859_1) + "[request body " + reqBody + " bytes]\n"
                + new String(resp.raw(), StandardCharsets.ISO_8859_1) + "[response head " + respHeadBytes
                + " bytes, body " + respBody + " bytes]\n\n";
        try {
            java.nio.file.Files.writeString(dump, text, StandardCharsets.ISO_8859_1,
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            System.err.println("wire meter: cannot write " + dump + ": " + e);
        }
    }

    /** Copies a message body (by Content-Length, chunked framing, or, for a response, until EOF); its raw size. */
    private static long relayBody(Head h, InputStream in, OutputStream out, boolean response) throws IOException {
        if (h.chunked()) {
            return relayChunked(in, out);
        }
        long n = h.contentLength();
        if (n < 0) {
            return response ? copy(in, out, Long.MAX_VALUE) : 0;
        }
        long copied = copy(in, out, n);
        if (copied != n) {
            throw new EOFException("body shorter than its Content-Length");
        }
        return n;
    }

    private static long relayChunked(InputStream in, OutputStream out) throws IOException {
        long total = 0;
        while (true) {
            byte[] sizeLine = readLine(in);
            out.write(sizeLine);
            total += sizeLine.length;
            String s = new String(sizeLine, StandardCharsets.US_ASCII).trim();
            int semi = s.indexOf(';');
            long size = Long.parseLong(semi >= 0 ? s.substring(0, semi).trim() : s, 16);
            if (size == 0) {
                while (true) { // trailers, then the blank line
                    byte[] t = readLine(in);
                    out.write(t);
                    total += t.length;
                    if (t.length == 2) {
                        return total;
                    }
                }
            }
            if (copy(in, out, size) != size) {
                throw new EOFException("chunk shorter than its size");
            }
            byte[] crlf = readLine(in);
            out.write(crlf);
            total += size + crlf.length;
        }
    }

    private static long copy(InputStream in, OutputStream out, long limit) throws IOException {
        byte[] buf = new byte[COPY_BUFFER];
        long done = 0;
        while (done < limit) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, limit - done));
            if (n < 0) {
                break;
            }
            out.write(buf, 0, n);
            done += n;
        }
        return done;
    }

    /** A line including its CRLF. */
    private static byte[] readLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(64);
        int prev = -1;
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new EOFException("connection closed mid-line");
            }
            b.write(c);
            if (prev == '\r' && c == '\n') {
                return b.toByteArray();
            }
            prev = c;
        }
    }

    /** A request or response head: the raw bytes up to and including the blank line, and its parsed headers. */
    private record Head(byte[] raw, String startLine, List<String[]> headers) {
        static Head read(InputStream in) throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream(1024);
            int state = 0; // matched bytes of CRLF CRLF
            while (state < 4) {
                int c = in.read();
                if (c < 0) {
                    if (b.size() == 0) {
                        return null;
                    }
                    throw new EOFException("connection closed mid-head");
                }
                b.write(c);
                state = switch (state) {
                    case 0, 2 -> c == '\r' ? state + 1 : 0;
                    case 1, 3 -> c == '\n' ? state + 1 : (c == '\r' ? 1 : 0);
                    default -> 0;
                };
            }
            byte[] raw = b.toByteArray();
            String text = new String(raw, StandardCharsets.ISO_8859_1);
            String[] lines = text.split("\r\n");
            List<String[]> headers = new ArrayList<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon > 0) {
                    headers.add(new String[] {lines[i].substring(0, colon), lines[i].substring(colon + 1).trim()});
                }
            }
            return new Head(raw, lines[0], headers);
        }

        String header(String name) {
            for (String[] h : headers) {
                if (h[0].equalsIgnoreCase(name)) {
                    return h[1];
                }
            }
            return null;
        }

        int status() {
            String[] p = startLine.split(" ", 3);
            return Integer.parseInt(p[1]);
        }

        boolean chunked() {
            String te = header("transfer-encoding");
            return te != null && te.toLowerCase(Locale.ROOT).contains("chunked");
        }

        long contentLength() {
            String cl = header("content-length");
            return cl == null ? -1 : Long.parseLong(cl.trim());
        }

        boolean closes() {
            String c = header("connection");
            return c != null && c.toLowerCase(Locale.ROOT).contains("close");
        }

        /** A response delimited by closing the connection (no length, not chunked). */
        boolean untilClose() {
            return !chunked() && contentLength() < 0;
        }

        /** The head with another start line, the header lines exactly as received. */
        byte[] rebuilt(String newStartLine) {
            String text = new String(raw, StandardCharsets.ISO_8859_1);
            int eol = text.indexOf("\r\n");
            ByteArrayOutputStream b = new ByteArrayOutputStream(raw.length);
            b.writeBytes(newStartLine.getBytes(StandardCharsets.ISO_8859_1));
            b.writeBytes(text.substring(eol).getBytes(StandardCharsets.ISO_8859_1));
            return b.toByteArray();
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        synchronized (open) {
            for (Socket s : open) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        }
        pool.shutdownNow();
    }
}
