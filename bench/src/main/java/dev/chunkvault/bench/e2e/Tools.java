package dev.chunkvault.bench.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The tools Chunkvault is compared with, run as child processes: rsync and restic from the distribution. */
final class Tools {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Tools() {}

    /** A finished process: its standard output and error, and how long it ran. */
    record Ran(String stdout, String stderr, double seconds) {}

    static Ran run(List<String> command, Map<String, String> env, Path dir) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(env);
        if (dir != null) {
            pb.directory(dir.toFile());
        }
        Path out = Files.createTempFile("bench-out", ".txt");
        Path err = Files.createTempFile("bench-err", ".txt");
        try {
            pb.redirectOutput(out.toFile()).redirectError(err.toFile());
            long t0 = System.nanoTime();
            Process p = pb.start();
            int code = p.waitFor();
            double seconds = (System.nanoTime() - t0) / 1e9;
            String o = Files.readString(out, StandardCharsets.UTF_8);
            String e = Files.readString(err, StandardCharsets.UTF_8);
            if (code != 0) {
                throw new IOException(String.join(" ", command) + " exited with " + code + ":\n" + e + o);
            }
            return new Ran(o, e, seconds);
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    static String version(String... command) {
        try {
            String out = run(List.of(command), Map.of(), null).stdout();
            return out.lines().findFirst().orElse("?").trim();
        } catch (IOException | InterruptedException e) {
            return "not available (" + e.getMessage().lines().findFirst().orElse("") + ")";
        }
    }

    // ---------------------------------------------------------------- rsync

    /**
     * rsync's {@code --stats}: the bytes its sender sent and received (local-to-local, the sender and the receiver
     * are two processes on a pipe and these count the protocol stream between them), and how much of the file was
     * sent as literal data versus matched against the receiver's blocks — a non-zero matched figure shows that the
     * delta algorithm really ran.
     */
    record RsyncStats(long sent, long received, long literal, long matched, long filesTransferred, double seconds) {
        long total() {
            return sent + received;
        }
    }

    /** {@code from} and {@code to} as rsync reads them: a trailing slash on {@code from} means its contents. */
    static RsyncStats rsync(List<String> options, String from, String to) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add("rsync");
        cmd.addAll(options);
        cmd.add("--stats");
        cmd.add(from);
        cmd.add(to);
        Ran r = run(cmd, Map.of(), null);
        return new RsyncStats(number(r.stdout(), "Total bytes sent"), number(r.stdout(), "Total bytes received"),
                number(r.stdout(), "Literal data"), number(r.stdout(), "Matched data"),
                number(r.stdout(), "Number of regular files transferred"), r.seconds());
    }

    private static long number(String stats, String label) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(label) + ":\\s*([0-9,.]+)").matcher(stats);
        if (!m.find()) {
            throw new IllegalStateException("rsync --stats has no \"" + label + "\" line:\n" + stats);
        }
        return Long.parseLong(m.group(1).replace(",", "").replace(".", ""));
    }

    // ---------------------------------------------------------------- restic

    /** restic's backup summary, plus the growth of the repository directory on disk. */
    record ResticSummary(long dataAdded, long filesNew, long filesChanged, long filesUnmodified, long dataBlobs,
                         long treeBlobs, long repoGrowth, double seconds) {}

    static final class Restic {
        private final Path repo;
        private final Map<String, String> env;

        Restic(Path repo, Path cache) {
            repo = repo.toAbsolutePath();
            cache = cache.toAbsolutePath();
            this.repo = repo;
            this.env = Map.of("RESTIC_PASSWORD", "chunkvault-bench", "RESTIC_REPOSITORY", repo.toString(),
                    "RESTIC_CACHE_DIR", cache.toString());
        }

        void init() throws IOException, InterruptedException {
            run(List.of("restic", "init"), env, null);
        }

        /** {@code restic backup --compression off --json .} in {@code dir} (so both snapshots have the same path). */
        ResticSummary backup(Path dir) throws IOException, InterruptedException {
            long before = Trees.diskBytes(repo);
            Ran r = run(List.of("restic", "backup", "--compression", "off", "--json", "--host", "bench", "."), env, dir);
            long after = Trees.diskBytes(repo);
            JsonNode summary = null;
            for (String line : r.stdout().lines().toList()) {
                if (line.contains("\"summary\"")) {
                    summary = JSON.readTree(line);
                }
            }
            if (summary == null) {
                throw new IllegalStateException("restic printed no summary:\n" + r.stdout() + r.stderr());
            }
            return new ResticSummary(summary.path("data_added").asLong(), summary.path("files_new").asLong(),
                    summary.path("files_changed").asLong(), summary.path("files_unmodified").asLong(),
                    summary.path("data_blobs").asLong(), summary.path("tree_blobs").asLong(), after - before,
                    r.seconds());
        }
    }
}
