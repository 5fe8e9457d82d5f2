package dev.chunkvault.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import dev.chunkvault.local.LocalCloud;
import dev.chunkvault.local.LocalCloudExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code client/chunkvault} launcher (issue 15, start-up of short commands): the first good sync writes a class data
 * archive next to the jar and later commands use it, with the same output and exit status; a failed sync leaves none;
 * no JVM log line reaches the output (scripts read {@code --json} from it).
 */
@ExtendWith(LocalCloudExtension.class)
class LauncherIT {
    private record Ran(int status, String out, String err) {}

    private static Ran run(Path config, java.util.Map<String, String> env, String... args)
            throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of("bash", "chunkvault"));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(Path.of("").toAbsolutePath().toFile());
        pb.environment().remove("JAVA_OPTS");
        pb.environment().put("CHUNKVAULT_CONFIG_DIR", config.toString());
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Ran(p.waitFor(), out, err);
    }

    private static List<Path> archives() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("target"))) {
            return s.filter(f -> f.getFileName().toString().matches("chunkvault-.*\\.jsa(\\..*)?")).toList();
        }
    }

    @Test
    void theFirstGoodSyncWritesAnArchiveThatLaterCommandsUseWithTheSameAnswers(LocalCloud cloud, @TempDir Path tmp)
            throws Exception {
        for (Path old : archives()) {
            Files.delete(old);
        }
        java.util.Map<String, String> none = java.util.Map.of();
        Ran version = run(tmp, none, "--version");
        assertEquals(0, version.status(), version.err());
        Path folder = Files.createDirectories(tmp.resolve("vault"));
        Files.writeString(folder.resolve("a.txt"), "launched\n");
        Path elsewhere = Files.createDirectories(tmp.resolve("unreachable"));
        Ran refused = run(tmp, java.util.Map.of("CHUNKVAULT_ENDPOINT", "http://127.0.0.1:9", "CHUNKVAULT_TOKEN", "x"),
                "sync", elsewhere.toString());
        assertTrue(refused.status() != 0, "no service there");
        assertTrue(archives().isEmpty(), "--version and a failed sync make no archive: " + archives());

        java.util.Map<String, String> env = java.util.Map.of("CHUNKVAULT_ENDPOINT", cloud.apiEndpoint().toString(),
                "CHUNKVAULT_TOKEN", cloud.mintToken(CloudClients.newUser("launcher")));
        Ran synced = run(tmp, env, "sync", folder.toString());
        assertEquals(0, synced.status(), synced.err());
        List<Path> made = archives();
        assertEquals(1, made.size(), "one archive, under its final name: " + made);
        assertTrue(made.get(0).getFileName().toString().endsWith(".jsa"));
        Ran first = run(tmp, env, "status", "--json", folder.toString());
        Ran second = run(tmp, env, "status", "--json", folder.toString());
        assertEquals(0, first.status(), first.err());
        assertEquals(first.status(), second.status(), first.err() + second.err());
        assertEquals(first.out(), second.out());
        for (Ran r : List.of(synced, first, second)) {
            assertFalse(r.out().contains("[warning]") || r.err().contains("[warning]"), "no JVM log lines: " + r);
            assertFalse(r.out().contains("cds"), r.out());
        }
        assertEquals(made, archives(), "the archive is kept and reused");
    }
}
