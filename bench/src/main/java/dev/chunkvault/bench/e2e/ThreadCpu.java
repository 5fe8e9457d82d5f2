package dev.chunkvault.bench.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * CPU time of this process's threads, grouped by name (digits dropped, so a pool is one group), between two
 * snapshots, read from {@code /proc/self/task} (Linux), so the JVM's own threads — GC, JIT compilers — are counted
 * as well as Java's. Threads that end between the snapshots are not, so the groups add up to at most the process's
 * CPU time; the rest (threads that ended between samples) is shown as "unaccounted". Names are the kernel's, Java's cut to 15 characters.
 */
final class ThreadCpu {
    private static final Path TASKS = Path.of("/proc/self/task");
    /** Clock ticks per second of /proc's utime and stime (USER_HZ, 100 on Linux). */
    private static final double TICK_NANOS = 1e9 / 100;

    /** Thread id → {CPU ticks, name}. */
    private final Map<String, Object[]> at = new HashMap<>();
    private final long processNanos;

    private ThreadCpu() {
        if (Files.isDirectory(TASKS)) {
            try (Stream<Path> tasks = Files.list(TASKS)) {
                tasks.forEach(t -> {
                    try {
                        String stat = Files.readString(t.resolve("stat"), StandardCharsets.US_ASCII);
                        // pid (comm) state ... : the fields after the last ')' are space-separated; utime and stime are
                        // the 14th and 15th fields of the line, i.e. the 12th and 13th after the name.
                        int close = stat.lastIndexOf(')');
                        String name = stat.substring(stat.indexOf('(') + 1, close);
                        String[] f = stat.substring(close + 2).split(" ");
                        long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
                        at.put(t.getFileName().toString(), new Object[] {ticks, name});
                    } catch (IOException | RuntimeException ended) {
                        // the thread ended while being read
                    }
                });
            } catch (IOException e) {
                at.clear();
            }
        }
        processNanos = PushThroughputBench.cpuNanos();
    }

    static ThreadCpu now() {
        return new ThreadCpu();
    }

    /**
     * Snapshots every {@code periodMillis} until {@link #close()}, so that threads which end before the last snapshot
     * are counted with what they had used at their last sample.
     */
    static final class Sampler implements AutoCloseable {
        private final ThreadCpu start = now();
        private final Map<String, Object[]> seen = new java.util.concurrent.ConcurrentHashMap<>();
        private final Thread thread;
        private volatile boolean stop;

        Sampler(long periodMillis) {
            thread = new Thread(() -> {
                while (!stop) {
                    seen.putAll(now().at);
                    try {
                        Thread.sleep(periodMillis);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "bench-thread-cpu-sampler");
            thread.setDaemon(true);
            thread.start();
        }

        /** CPU by thread group since this sampler started: as {@link ThreadCpu#since}. */
        Usage report() {
            ThreadCpu end = now();
            seen.forEach(end.at::putIfAbsent);
            return end.since(start);
        }

        @Override
        public void close() {
            stop = true;
            thread.interrupt();
        }
    }

    /** What the threads used between two snapshots. */
    record Usage(Map<String, Double> groups, double processSeconds) {
        /** CPU seconds of one thread group (0 if it used none). */
        double of(String group) {
            return groups.getOrDefault(group, 0.0);
        }

        /** The groups, largest first (those under 0.05 s left out), and what no group accounts for. */
        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder();
            double counted = groups.values().stream().mapToDouble(Double::doubleValue).sum();
            groups.entrySet().stream().sorted((a, b) -> Double.compare(b.getValue(), a.getValue()))
                    .filter(e -> e.getValue() >= 0.05)
                    .forEach(e -> sb.append(String.format(Locale.ROOT, "%s %.2f; ", e.getKey(), e.getValue())));
            sb.append(String.format(Locale.ROOT, "unaccounted %.2f (process %.2f CPU s)",
                    Math.max(0, processSeconds - counted), processSeconds));
            return sb.toString();
        }
    }

    /** CPU seconds per thread group from {@code before} to this snapshot. */
    Usage since(ThreadCpu before) {
        Map<String, Double> groups = new TreeMap<>();
        for (Map.Entry<String, Object[]> e : at.entrySet()) {
            Object[] was = before.at.get(e.getKey());
            long d = (long) e.getValue()[0] - (was == null ? 0 : (long) was[0]);
            if (d > 0) {
                groups.merge(group((String) e.getValue()[1]), d * TICK_NANOS / 1e9, Double::sum);
            }
        }
        return new Usage(groups, (processNanos - before.processNanos) / 1e9);
    }

    /** A thread's name with its numbers dropped, so the threads of one pool share a group. */
    static String group(String name) {
        return name.replaceAll("[0-9]+", "#").replaceAll("#(-#)+", "#");
    }
}
