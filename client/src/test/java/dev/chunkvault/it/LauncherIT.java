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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code client/chunkvault} launcher (issue 15, start-up of short commands): the first sync-like command writes a
 * class data archive next to the jar and later ones use it, with the same output and exit status, and no JVM log line
 * reaches the output (scripts read {@code --json} from it).
 */
class LauncherIT {
    private record Ran(int status, String out, String err) {}

    private static Ran run(Path config, String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of("bash", "chunkvault"));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(Path.of("").toAbsolutePath().toFile());
        pb.environment().remove("JAVA_OPTS");
        pb.environment().put("CHUNKVAULT_CONFIG_DIR", config.toString());
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
    void theFirstSyncLikeCommandWritesAnArchiveThatLaterOnesUseWithTheSameAnswers(@TempDir Path tmp) throws Exception {
        for (Path old : archives()) {
            Files.delete(old);
        }
        Ran version = run(tmp, "--version");
        assertEquals(0, version.status(), version.err());
        assertTrue(archives().isEmpty(), "--version makes no archive");

        Path folder = Files.createDirectories(tmp.resolve("never-synced"));
        Ran first = run(tmp, "status", "--json", folder.toString());
        List<Path> made = archives();
        assertEquals(1, made.size(), "one archive, under its final name: " + made);
        assertTrue(made.get(0).getFileName().toString().endsWith(".jsa"));
        Ran second = run(tmp, "status", "--json", folder.toString());
        assertEquals(first.status(), second.status(), first.err() + second.err());
        assertEquals(first.out(), second.out());
        for (Ran r : List.of(first, second)) {
            assertFalse(r.out().contains("[warning]") || r.err().contains("[warning]"), "no JVM log lines: " + r);
            assertFalse(r.out().contains("cds"), r.out());
        }
        assertEquals(made, archives(), "the archive is kept and reused");
    }
}
