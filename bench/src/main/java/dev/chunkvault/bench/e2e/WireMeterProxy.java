package dev.chunkvault.bench.e2e;

import dev.chunkvault.bench.e2e.WireMeter.Counts;
import dev.chunkvault.bench.e2e.WireMeter.Snapshot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The wire meter as a process of its own, for a CLI run in another process ({@code bench/run-many-files.sh}): the CLI
 * is pointed at it with {@code CHUNKVAULT_PROXY=127.0.0.1:PORT}, so every request it makes (API calls and presigned S3
 * transfers) goes through it and is counted as it would travel on a direct connection ({@link WireMeter}). When the
 * process is stopped (SIGTERM or SIGINT) it writes the counts by category to FILE, one tab-separated line each:
 * category, requests, request head bytes, request body bytes, response head bytes, response body bytes, summed
 * milliseconds; then a line {@code TOTAL} with the sums.
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.chunkvault.bench.e2e.WireMeterProxy --port PORT --api HOST:PORT --out FILE}
 * ({@code --api}: the API's authority, to tell API calls from S3 transfers).
 */
public final class WireMeterProxy {
    private WireMeterProxy() {
    }

    public static void main(String[] args) throws Exception {
        int port = 0;
        String api = null;
        Path out = null;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[i + 1]);
                case "--api" -> api = args[i + 1];
                case "--out" -> out = Path.of(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (api == null || out == null || args.length % 2 != 0) {
            System.err.println("usage: WireMeterProxy --port PORT --api HOST:PORT --out FILE");
            System.exit(2);
        }
        String apiAuthority = api;
        WireMeter meter = new WireMeter((method, authority, path) -> category(apiAuthority, method, authority, path), port);
        Path target = out;
        CountDownLatch written = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                write(meter.snapshot(), target);
            } catch (IOException e) {
                System.err.println("wire meter: cannot write " + target + ": " + e);
            } finally {
                written.countDown();
            }
        }));
        System.out.println("wire meter on " + meter.address());
        System.out.flush();
        written.await(); // until a signal runs the hook
    }

    /** "API POST /v1/commit-batch" (the routes have no path parameters), "S3 PUT pack", "S3 GET chunk"... */
    static String category(String apiAuthority, String method, String authority, String path) {
        if (apiAuthority.equals(authority)) {
            return "API " + method + " " + path;
        }
        String kind = path.contains("/chunks/") ? "chunk" : path.contains("/manifests/") ? "manifest"
                : path.contains("/packs/") ? "pack" : "object";
        return "S3 " + method + " " + kind;
    }

    private static void write(Snapshot s, Path out) throws IOException {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, Counts> e : s.byCategory().entrySet()) {
            line(b, e.getKey(), e.getValue());
        }
        line(b, "TOTAL", s.total());
        Files.writeString(out, b.toString(), StandardCharsets.UTF_8);
    }

    private static void line(StringBuilder b, String name, Counts c) {
        b.append(String.format(Locale.ROOT, "%s\t%d\t%d\t%d\t%d\t%d\t%d%n", name, c.requests(), c.requestHeaders(),
                c.requestBodies(), c.responseHeaders(), c.responseBodies(), c.nanos() / 1_000_000));
    }
}
