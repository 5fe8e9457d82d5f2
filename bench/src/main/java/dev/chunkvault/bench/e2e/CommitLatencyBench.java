package dev.chunkvault.bench.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chunkvault.local.LocalCloud;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Commit latency on the local cloud, end to end over HTTP (client → local HTTP API → JWT check → CommitHandler →
 * DynamoDB Local transaction), with 1 and with 32 concurrent writers. Each writer owns one file and commits
 * successive versions of it (two small chunks, alternating, uploaded once beforehand), so every commit is a real
 * head CAS + version put + ref changes. Prints and writes p50/p90/p99/max and throughput to
 * bench/results/commit-latency.md.
 *
 * <p>Run: {@code mvn -q -B -pl bench -am package -DskipTests && java -cp bench/target/benchmarks.jar
 * dev.chunkvault.bench.e2e.CommitLatencyBench [commitsPerWriter=100]}
 */
public final class CommitLatencyBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
            .executor(java.util.concurrent.Executors.newFixedThreadPool(64)).build();

    public static void main(String[] args) throws Exception {
        int perWriter = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        StringBuilder report = new StringBuilder();
        try (LocalCloud cloud = LocalCloud.start(LocalCloud.Options.inMemory())) {
            report.append("# Commit latency on the local cloud\n\n")
                    .append("Measured ").append(Instant.now()).append(" by `java -cp bench/target/benchmarks.jar ")
                    .append("dev.chunkvault.bench.e2e.CommitLatencyBench ").append(perWriter).append("` on ")
                    .append(Runtime.getRuntime().availableProcessors()).append(" cores, load average ")
                    .append(loadAverage()).append(".\nEach commit: POST /v1/commits over HTTP (JWT verified, payload-v2 event, ")
                    .append("CommitHandler, one DynamoDB Local transaction); each writer commits versions of its own file.\n\n")
                    .append("| writers | commits | p50 ms | p90 ms | p99 ms | max ms | commits/s | non-2xx |\n")
                    .append("|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            run(cloud, 1, Math.min(20, perWriter), null); // warm-up: JIT, handler cold start, connections
            for (int writers : new int[] {1, 32}) {
                report.append(run(cloud, writers, perWriter, writers + "-")).append('\n');
            }
        }
        report.append("\nA 32-writer run on 2 cores measures queueing on the machine as much as the service: DynamoDB Local, "
                + "the handlers and the 32 clients share the CPUs. On AWS each writer's commit runs in its own Lambda.\n");
        System.out.print(report);
        Path out = Path.of("bench/results/commit-latency.md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, report.toString(), StandardCharsets.UTF_8);
        System.out.println("wrote " + out.toAbsolutePath());
        System.exit(0);
    }

    private static String run(LocalCloud cloud, int writers, int perWriter, String label) throws Exception {
        URI api = cloud.apiEndpoint();
        List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger failures = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        CountDownLatch ready = new CountDownLatch(writers);
        CountDownLatch go = new CountDownLatch(1);
        String run = label == null ? "warm" : label + System.nanoTime();
        for (int w = 0; w < writers; w++) {
            int writer = w;
            Thread t = new Thread(() -> {
                try {
                    String token = cloud.mintToken("latency-" + run + "-" + writer);
                    Random random = new Random(writer);
                    byte[][] chunks = {new byte[4096], new byte[4096]};
                    random.nextBytes(chunks[0]);
                    random.nextBytes(chunks[1]);
                    String[] ids = {sha256(chunks[0]), sha256(chunks[1])};
                    upload(api, token, ids, chunks);
                    String parent = null;
                    ready.countDown();
                    go.await();
                    for (int i = 0; i < perWriter; i++) {
                        int c = i % 2;
                        ObjectNode body = JSON.createObjectNode();
                        body.put("path", "bench/file-" + writer + ".bin");
                        if (parent != null) {
                            body.put("parentVersion", parent);
                        }
                        ObjectNode m = body.putObject("manifest");
                        m.put("profile", "fastcdc-v1-64k-256k-1m");
                        m.putArray("chunks").addObject().put("id", ids[c]).put("size", chunks[c].length);
                        body.put("size", chunks[c].length);
                        body.put("contentHash", ids[c]);
                        body.put("idempotencyKey", run + "-" + writer + "-" + i);
                        long t0 = System.nanoTime();
                        HttpResponse<String> r = post(api, "/v1/commits", token, body.toString());
                        long dt = System.nanoTime() - t0;
                        if (r.statusCode() / 100 != 2) {
                            failures.incrementAndGet();
                            continue;
                        }
                        latencies.add(dt);
                        parent = JSON.readTree(r.body()).path("version").path("versionId").asText();
                    }
                } catch (Exception e) {
                    failures.incrementAndGet();
                    ready.countDown();
                    e.printStackTrace();
                }
            }, "writer-" + w);
            threads.add(t);
            t.start();
        }
        ready.await();
        long started = System.nanoTime();
        go.countDown();
        for (Thread t : threads) {
            t.join();
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        List<Long> sorted = new ArrayList<>(latencies);
        Collections.sort(sorted);
        if (sorted.isEmpty()) {
            return "| " + writers + " | 0 | - | - | - | - | - | " + failures + " |";
        }
        return String.format("| %d | %d | %.1f | %.1f | %.1f | %.1f | %.0f | %d |", writers, sorted.size(),
                pct(sorted, 50), pct(sorted, 90), pct(sorted, 99), sorted.get(sorted.size() - 1) / 1e6,
                sorted.size() / seconds, failures.get());
    }

    private static double pct(List<Long> sorted, double p) {
        int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i))) / 1e6;
    }

    private static void upload(URI api, String token, String[] ids, byte[][] chunks) throws Exception {
        ObjectNode req = JSON.createObjectNode();
        var list = req.putArray("chunks");
        for (int i = 0; i < ids.length; i++) {
            list.addObject().put("id", ids[i]).put("size", chunks[i].length);
        }
        JsonNode grant = JSON.readTree(post(api, "/v1/uploads", token, req.toString()).body());
        for (JsonNode u : grant.path("uploads")) {
            int i = u.path("id").asText().equals(ids[0]) ? 0 : 1;
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(u.path("url").asText()))
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(chunks[i]));
            u.path("headers").fields().forEachRemaining(h -> {
                if (!h.getKey().equalsIgnoreCase("content-length") && !h.getKey().equalsIgnoreCase("host")) {
                    b.header(h.getKey(), h.getValue().asText());
                }
            });
            HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("upload failed: " + r.statusCode() + " " + r.body());
            }
        }
    }

    private static HttpResponse<String> post(URI api, String path, String token, String body) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(api.resolve(path)).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException e) {
            return "?";
        }
    }

}
