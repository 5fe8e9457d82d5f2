package dev.chunkvault.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chunkvault.client.ApiException;
import dev.chunkvault.client.ChunkvaultClient;
import dev.chunkvault.client.StaleParentException;
import dev.chunkvault.client.model.Notifications;
import dev.chunkvault.client.model.VersionInfo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code chunkvault smoke-test}: the whole path against a deployed stack (or the local cloud), as a user's commands
 * run it, under a fresh folder {@code smoke-<id>/} of the caller's account that it removes afterwards: sign-in, upload
 * and commit, download and compare, a small edit sent as a delta, a stale commit refused, history, delete and
 * restore, the change feed, the notification socket, and the audit (read-only; skipped without the admin scope). Each
 * step prints PASS, FAIL (why) or SKIP; the exit code is 0 only when none failed.
 */
@Command(mixinStandardHelpOptions = true, name = "smoke-test", description = {"Check a deployment end to end with"
        + " this account: upload, download, delta, conflict, history, delete and restore, notifications, audit.",
        "  Works under a new folder smoke-<id>/ and removes it afterwards; exit 0 when every step passed."})
final class SmokeTestCommand extends Subcommand {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--size", paramLabel = "BYTES", description = "Size of the test file (default 3 MiB).")
    int size = 3 << 20;

    @Option(names = "--keep", description = "Leave the test folder in place (for a look afterwards).")
    boolean keep;

    private final List<Map<String, Object>> results = new ArrayList<>();
    private Path work;
    private String folder;

    /** One step: throws to fail, returns a note (null: passed, {@link #skip}: skipped). */
    @FunctionalInterface
    private interface Step {
        String run() throws Exception;
    }

    private static final String SKIP = "\u0000skip:";

    private static String skip(String why) {
        return SKIP + why;
    }

    @Override
    public Integer call() throws IOException {
        work = Files.createTempDirectory("chunkvault-smoke");
        folder = "smoke-" + UUID.randomUUID().toString().substring(0, 8);
        ChunkvaultClient client = cli().client();
        byte[] content = new byte[size];
        new Random().nextBytes(content);
        byte[] notes = ("smoke test notes " + folder + "\n").getBytes(StandardCharsets.UTF_8);
        String[] versions = new String[2];
        try {
            step("sign-in and usage", () -> {
                client.usage();
                return null;
            });
            step("upload and commit", () -> {
                Files.write(work.resolve("a.bin"), content);
                Files.write(work.resolve("notes.txt"), notes);
                JsonNode r = cliJson("push", "a.bin", "--to", folder + "/a.bin");
                versions[0] = versionOf(r);
                cliJson("push", "notes.txt", "--to", folder + "/notes.txt");
                return null;
            });
            step("download and compare", () -> {
                cliJson("pull", folder + "/a.bin", "down/a.bin");
                expectSame(content, Files.readAllBytes(work.resolve("down/a.bin")), "a.bin");
                return null;
            });
            step("small edit sent as a delta", () -> {
                byte[] edited = content.clone();
                for (int i = 0; i < 100; i++) {
                    edited[content.length / 2 + i] ^= 0x5A;
                }
                Files.write(work.resolve("a.bin"), edited);
                JsonNode r = cliJson("push", "a.bin", "--to", folder + "/a.bin");
                versions[1] = versionOf(r);
                long sent = r.path("bytesSent").asLong(-1);
                cliJson("pull", folder + "/a.bin", "down/a2.bin");
                expectSame(edited, Files.readAllBytes(work.resolve("down/a2.bin")), "the edited a.bin");
                if (sent < 0 || sent > content.length / 4) {
                    throw new IllegalStateException("a 100-byte edit sent " + sent + " bytes of " + content.length);
                }
                return sent + " bytes sent";
            });
            step("stale commit refused", () -> {
                ChunkvaultClient.RemoteManifest first = client.manifest(folder + "/a.bin", versions[0]);
                try {
                    client.commit(new ChunkvaultClient.Commit(folder + "/a.bin", versions[0], first.manifest(), null,
                            first.version().size(), first.version().contentHash(), null, ChunkvaultClient.newIdempotencyKey()));
                } catch (StaleParentException expected) {
                    return null;
                }
                throw new IllegalStateException("a commit on a superseded version was accepted");
            });
            step("history", () -> {
                List<VersionInfo> h = client.history(folder + "/a.bin", null, null).versions();
                if (h.size() < 2 || !h.get(0).versionId().equals(versions[1])) {
                    throw new IllegalStateException("expected the edit on top of 2 versions, got " + h.size());
                }
                return null;
            });
            step("delete and restore", () -> {
                VersionInfo kept = client.history(folder + "/notes.txt", null, null).versions().get(0);
                cliJson("rm", folder + "/notes.txt");
                if (client.file(folder + "/notes.txt", false).isPresent()) {
                    throw new IllegalStateException("deleted, yet listed");
                }
                cliJson("restore", folder + "/notes.txt", "--version", kept.versionId());
                cliJson("pull", folder + "/notes.txt", "down/notes.txt");
                expectSame(notes, Files.readAllBytes(work.resolve("down/notes.txt")), "the restored notes.txt");
                return null;
            });
            step("change feed", () -> {
                String cursor = client.list(folder, false, false, null, 1).changeCursor();
                cliJson("push", "notes.txt", "--to", folder + "/feed.txt");
                boolean seen = false;
                for (var c = client.changes(cursor, 100); !seen; c = client.changes(c.cursor(), 100)) {
                    seen = c.changes().stream().anyMatch(f -> f.path().equals(folder + "/feed.txt"));
                    if (!c.more()) {
                        break;
                    }
                }
                if (!seen) {
                    throw new IllegalStateException("a commit was not in the change feed read right after it");
                }
                return null;
            });
            step("notification socket", () -> {
                Notifications n = client.notifications();
                if (n.url() == null) {
                    return skip("this deployment has no notification socket");
                }
                var ws = client.openSocket(URI.create(n.url()), new java.net.http.WebSocket.Listener() { })
                        .get(20, TimeUnit.SECONDS);
                ws.sendClose(java.net.http.WebSocket.NORMAL_CLOSURE, "smoke test").get(10, TimeUnit.SECONDS);
                return null;
            });
            step("audit (read-only)", () -> {
                try {
                    var r = client.audit(false, false);
                    return r.driftCount() + " drifts";
                } catch (ApiException e) {
                    if (e.status() == 403) {
                        return skip("the token lacks chunkvault/admin");
                    }
                    throw e;
                }
            });
        } finally {
            if (!keep) {
                step("clean up", () -> {
                    for (String f : List.of("a.bin", "notes.txt", "feed.txt")) {
                        if (client.file(folder + "/" + f, false).isPresent()) {
                            cliJson("rm", folder + "/" + f);
                        }
                    }
                    return null;
                });
            }
            if (Files.exists(work)) {
                dev.chunkvault.client.sync.SyncPaths.deleteTree(work);
            }
        }
        long failed = results.stream().filter(r -> "FAIL".equals(r.get("result"))).count();
        cli().emit(Map.of("folder", folder, "steps", results, "failed", failed), o -> o.println(failed == 0
                ? "Smoke test passed." : "Smoke test FAILED: " + failed + " step(s)."));
        return failed == 0 ? ExitCodes.OK : ExitCodes.ERROR;
    }

    private void step(String name, Step s) {
        long t0 = System.nanoTime();
        String result;
        String note;
        try {
            note = s.run();
            result = note != null && note.startsWith(SKIP) ? "SKIP" : "PASS";
            note = note != null && note.startsWith(SKIP) ? note.substring(SKIP.length()) : note;
        } catch (Exception | AssertionError e) {
            result = "FAIL";
            note = e instanceof CliException || e instanceof IllegalStateException ? e.getMessage()
                    : Errors.classify(e).message();
        }
        long ms = Duration.ofNanos(System.nanoTime() - t0).toMillis();
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("step", name);
        r.put("result", result);
        r.put("ms", ms);
        r.put("note", note);
        results.add(r);
        if (!cli().json) {
            cli().out.printf("%-4s %-28s %6d ms%s%n", result, name, ms, note == null ? "" : "  " + note);
        }
    }

    /** Runs a command of this CLI, as the user would, in the smoke test's folder; its JSON answer. */
    private JsonNode cliJson(String... args) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        List<String> all = new ArrayList<>(List.of("--json", "-q"));
        if (cli().endpointOverride != null) {
            all.addAll(List.of("--endpoint", cli().endpointOverride));
        }
        all.addAll(Arrays.asList(args));
        int code = new Cli(cli().env, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true,
                StandardCharsets.UTF_8), false).withCwd(work).run(all.toArray(String[]::new));
        if (code != ExitCodes.OK) {
            String why = (err.toString(StandardCharsets.UTF_8) + out.toString(StandardCharsets.UTF_8)).strip();
            throw new CliException(ExitCodes.ERROR, "chunkvault " + String.join(" ", args) + " exited " + code
                    + (why.isEmpty() ? "" : ": " + (why.length() > 300 ? why.substring(0, 300) : why)));
        }
        String text = out.toString(StandardCharsets.UTF_8).strip();
        return text.isEmpty() ? JSON.createObjectNode() : JSON.readTree(text);
    }

    /** The version id a push answered with. */
    private static String versionOf(JsonNode pushed) {
        JsonNode v = pushed.path("pushed").path(0).path("version");
        String id = v.isTextual() ? v.asText() : v.path("versionId").asText();
        if (id.isEmpty()) {
            throw new IllegalStateException("push answered no version: " + pushed);
        }
        return id;
    }

    private static void expectSame(byte[] expected, byte[] actual, String what) {
        if (!Arrays.equals(expected, actual)) {
            throw new IllegalStateException(what + " came back different (" + actual.length + " bytes, expected "
                    + expected.length + ")");
        }
    }
}
