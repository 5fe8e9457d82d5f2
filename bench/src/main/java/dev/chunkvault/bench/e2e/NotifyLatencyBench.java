package dev.chunkvault.bench.e2e;

import dev.chunkvault.local.LocalCloud;
import dev.chunkvault.local.ws.LocalWebSocketApi;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Edit-to-visible latency between two devices running {@code chunkvault sync --watch} (child JVMs of the CLI) on the
 * local cloud (in this JVM): an edit is written into device A's folder and timed until device B's copy holds the same
 * bytes — A's file-system watch, its sync and commit, the files table's stream read by the local event source mapping,
 * the notifier, the WebSocket message, B's sync and download. Edits of mixed sizes (200 B to 4 MiB), new files and
 * edits of existing ones, one at a time. Then both devices stay idle and the requests they make to the HTTP API are
 * counted (WebSocket keep-alives are not HTTP requests). Writes bench/results/notify-latency-DATE.md.
 *
 * <p>Run: {@code mvn -q -B -pl bench -am package -DskipTests && java -cp bench/target/benchmarks.jar
 * dev.chunkvault.bench.e2e.NotifyLatencyBench [edits=60] [idleMinutes=11]}
 */
public final class NotifyLatencyBench {
    private static final int[] SIZES = {200, 4 << 10, 64 << 10, 1 << 20, 4 << 20};
    private static final Duration WAIT = Duration.ofSeconds(60);

    public static void main(String[] args) throws Exception {
        int edits = args.length > 0 ? Integer.parseInt(args[0]) : 60;
        int idleMinutes = args.length > 1 ? Integer.parseInt(args[1]) : 11;
        Path work = Files.createTempDirectory("chunkvault-notify-bench");
        List<Process> children = new ArrayList<>();
        StringBuilder report = new StringBuilder();
        try (LocalCloud cloud = LocalCloud.start(LocalCloud.Options.inMemory())) {
            LocalWebSocketApi gateway = cloud.webSocketApi().orElseThrow();
            String token = cloud.mintToken("notify-bench");
            Path a = Files.createDirectories(work.resolve("a"));
            Path b = Files.createDirectories(work.resolve("b"));
            children.add(watch(cloud, token, "a", a, work));
            children.add(watch(cloud, token, "b", b, work));
            long end = System.nanoTime() + WAIT.toNanos();
            while (gateway.openConnections() < 2 && System.nanoTime() < end) {
                Thread.sleep(100);
            }
            Thread.sleep(3000); // both first syncs done

            Random random = new Random(20261206);
            Map<Integer, List<Double>> bySize = new LinkedHashMap<>();
            List<Double> all = new ArrayList<>();
            int timeouts = 0;
            for (int i = 0; i < edits; i++) {
                int size = SIZES[i % SIZES.length];
                byte[] content = new byte[size];
                random.nextBytes(content);
                String name = "docs/edit-" + (i % 12) + ".bin"; // the first 12 are new files, the rest edits
                Path target = b.resolve(name);
                long t0 = System.nanoTime();
                Path source = a.resolve(name);
                Files.createDirectories(source.getParent());
                Files.write(source, content);
                Double ms = null;
                while (System.nanoTime() - t0 < WAIT.toNanos()) {
                    if (Files.isRegularFile(target) && Files.size(target) == size && Arrays.equals(read(target), content)) {
                        ms = (System.nanoTime() - t0) / 1e6;
                        break;
                    }
                    Thread.sleep(2);
                }
                if (ms == null) {
                    timeouts++;
                    System.out.printf("edit %d (%d B): not visible within %s%n", i, size, WAIT);
                } else {
                    all.add(ms);
                    bySize.computeIfAbsent(size, k -> new ArrayList<>()).add(ms);
                    System.out.printf("edit %d (%d B): %.0f ms%n", i, size, ms);
                }
                Thread.sleep(500);
            }

            Thread.sleep(5000);
            int requestsBefore = cloud.status().path("requests").asInt();
            int connectsBefore = gateway.connectsAccepted();
            System.out.printf("idle for %d minutes...%n", idleMinutes);
            Thread.sleep(TimeUnit.MINUTES.toMillis(idleMinutes));
            int idleRequests = cloud.status().path("requests").asInt() - requestsBefore;
            int reconnects = gateway.connectsAccepted() - connectsBefore;
            double perClientHour = idleRequests / 2.0 * 60.0 / idleMinutes;

            report.append("# Edit-to-visible latency with push notifications\n\n")
                    .append("Measured ").append(Instant.now()).append(" by `java -cp bench/target/benchmarks.jar ")
                    .append("dev.chunkvault.bench.e2e.NotifyLatencyBench ").append(edits).append(' ').append(idleMinutes)
                    .append("` on ").append(Runtime.getRuntime().availableProcessors()).append(" cores, load average ")
                    .append(loadAverage()).append(".\n\nTwo devices run `chunkvault sync --watch` (child JVMs) against the ")
                    .append("local cloud; each edit is written into device A's folder and timed until device B's copy has ")
                    .append("the same bytes. One edit at a time, 500 ms apart; sizes cycle through 200 B, 4 KiB, 64 KiB, ")
                    .append("1 MiB and 4 MiB; 12 files, so most edits change an existing file.\n\n")
                    .append("| edits | p50 ms | p90 ms | p99 ms | max ms | not visible in 60 s |\n|---:|---:|---:|---:|---:|---:|\n")
                    .append(row(all)).append(" | ").append(timeouts).append(" |\n\n")
                    .append("| size | edits | p50 ms | p99 ms | max ms |\n|---:|---:|---:|---:|---:|\n");
            for (int size : SIZES) {
                List<Double> l = bySize.getOrDefault(size, List.of());
                report.append("| ").append(size).append(" B | ").append(l.size()).append(" | ")
                        .append(fmt(pct(l, 50))).append(" | ").append(fmt(pct(l, 99))).append(" | ").append(fmt(pct(l, 100)))
                        .append(" |\n");
            }
            report.append("\nIdle: both devices left alone for ").append(idleMinutes).append(" minutes made ")
                    .append(idleRequests).append(" HTTP API requests together (").append(String.format("%.1f", perClientHour))
                    .append(" per client-hour) and reconnected ").append(reconnects)
                    .append(" times; besides these, each socket sends a ping message every 9 minutes.\n");
        } finally {
            for (Process p : children) {
                p.destroy();
                p.waitFor(20, TimeUnit.SECONDS);
                p.destroyForcibly();
            }
        }
        System.out.print(report);
        Path out = Path.of("bench/results/notify-latency-" + java.time.LocalDate.now() + ".md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, report.toString(), StandardCharsets.UTF_8);
        System.out.println("wrote " + out.toAbsolutePath());
        System.exit(0);
    }

    private static Process watch(LocalCloud cloud, String token, String device, Path dir, Path work) throws IOException {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-cp",
                System.getProperty("java.class.path"), "dev.chunkvault.cli.Main", "sync", "--watch", dir.toString());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(work.resolve(device + ".log").toFile());
        pb.environment().put("CHUNKVAULT_CONFIG_DIR", work.resolve("config-" + device).toString());
        pb.environment().put("CHUNKVAULT_ENDPOINT", cloud.apiEndpoint().toString());
        pb.environment().put("CHUNKVAULT_TOKEN", token);
        pb.environment().put("CHUNKVAULT_DEVICE", device);
        return pb.start();
    }

    private static byte[] read(Path f) {
        try {
            return Files.readAllBytes(f);
        } catch (IOException e) {
            return new byte[0];
        }
    }

    private static String row(List<Double> l) {
        return "| " + l.size() + " | " + fmt(pct(l, 50)) + " | " + fmt(pct(l, 90)) + " | " + fmt(pct(l, 99)) + " | "
                + fmt(pct(l, 100));
    }

    private static double pct(List<Double> l, int p) {
        if (l.isEmpty()) {
            return Double.NaN;
        }
        List<Double> s = new ArrayList<>(l);
        Collections.sort(s);
        int i = (int) Math.ceil(p / 100.0 * s.size()) - 1;
        return s.get(Math.max(0, Math.min(s.size() - 1, i)));
    }

    private static String fmt(double v) {
        return Double.isNaN(v) ? "–" : String.format("%.0f", v);
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException e) {
            return "?";
        }
    }
}
