package dev.chunkvault.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chunkvault.client.ClientJson;
import dev.chunkvault.client.FakeVault;
import dev.chunkvault.client.FilePuller;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 14, item 1: {@code pull} of a folder from a hostile (or compromised) service, one that lists names no real
 * service holds and serves a payload for each. Nothing may be created or changed outside the destination, nothing
 * written through a link inside it, and nothing crash the command; the good files of the same listing still arrive.
 *
 * <p>The layout, all under {@code box/} (whose every entry outside {@code dest/} is compared before and after):
 * <pre>
 *   box/victim.txt                     an existing file next to the destination
 *   box/outside/victim.txt             another, in a folder a link inside the destination points to
 *   box/outside/linked.txt             the file a link inside the destination points to
 *   box/dest/link -> box/outside       a symbolic link to a folder
 *   box/dest/target-link.txt -> box/outside/linked.txt
 * </pre>
 */
class HostilePullTest {
    /** Every name a listing may hold that must never be written (each mapped by the fake to a payload file). */
    static Stream<String> hostileNames() {
        return Stream.of(
                "../escaped.txt",
                "a/../../escaped.txt",
                "..\\escaped.txt",
                "a\\..\\..\\escaped.txt",
                "/etc/escaped.txt",
                "C:\\escaped.txt",
                "C:escaped.txt",
                "nul\u0000.txt",
                "new\nline.txt",
                "a/./b.txt",
                "a//b.txt",
                "",
                "x".repeat(300) + ".txt",
                ".chunkvault/state.db",
                ".Chunkvault/x.txt",
                ".chunk" + "\u200C".repeat(60) + "vault/state.db",
                "link/escaped.txt",
                "link/victim.txt",
                "../victim.txt",
                "target-link.txt");
    }

    /** The legitimate files of the listing, as they must arrive. */
    static final Map<String, String> GOOD = Map.of(
            "docs/good.txt", "good",
            "docs/sub/also.txt", "also",
            "payload.txt", "EVIL");

    @TempDir
    Path tmp;
    FakeVault vault;
    Map<String, String> env;
    String out;
    String err;
    Path box;
    Path dest;

    @BeforeEach
    void start() throws Exception {
        vault = new FakeVault();
        env = new HashMap<>();
        env.put("CHUNKVAULT_CONFIG_DIR", tmp.resolve("config").toString());
        env.put("CHUNKVAULT_DEVICE", "testbox");
        assertEquals(0, run(tmp, "login", "--local", "alice", "--endpoint", vault.endpoint().toString()), err);
        Path src = tmp.resolve("src");
        for (Map.Entry<String, String> g : GOOD.entrySet()) {
            Path f = src.resolve(g.getKey());
            Files.createDirectories(f.getParent());
            Files.writeString(f, g.getValue());
        }
        assertEquals(0, run(src, "push", "docs", "--to", "docs"), err);
        assertEquals(0, run(src, "push", "payload.txt"), err);

        box = Files.createDirectories(tmp.resolve("box"));
        Files.writeString(box.resolve("victim.txt"), "outside, keep me");
        Path outside = Files.createDirectories(box.resolve("outside"));
        Files.writeString(outside.resolve("victim.txt"), "behind a link, keep me");
        Files.writeString(outside.resolve("linked.txt"), "linked, keep me");
        dest = Files.createDirectories(box.resolve("dest"));
        Files.createSymbolicLink(dest.resolve("link"), outside);
        Files.createSymbolicLink(dest.resolve("target-link.txt"), outside.resolve("linked.txt"));
    }

    @AfterEach
    void stop() {
        vault.close();
    }

    int run(Path cwd, String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int code = new Cli(env, new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true,
                StandardCharsets.UTF_8), false).withCwd(cwd).run(args);
        out = o.toString(StandardCharsets.UTF_8);
        err = e.toString(StandardCharsets.UTF_8);
        return code;
    }

    @ParameterizedTest(name = "[{index}]") // names with NUL or a newline do not belong in a test report
    @MethodSource("hostileNames")
    void aHostileNameIsSkippedAndNothingOutsideTheDestinationChanges(String name) throws Exception {
        vault.hostileNames.put(name, "payload.txt");
        Map<String, String> before = snapshot(box, dest);
        int code = run(dest, "--json", "pull", "/", ".", "--force");
        String shown = printable(name);
        assertEquals(before, snapshot(box, dest), "changed outside the destination, for " + shown);
        assertEquals(ExitCodes.REFUSED, code, shown + ": " + out + err);
        assertDestinationHoldsOnlyTheGoodFiles(shown);
        JsonNode j = ClientJson.MAPPER.readTree(out);
        assertEquals(GOOD.keySet(), paths(j.path("pulled")), out);
        assertEquals(List.of(name), skipped(j), out);
        assertEquals(ExitCodes.REFUSED, j.path("exitCode").asInt(), out);
    }

    @Test
    void allTheHostileNamesOfOneListingAreSkippedAndReportedAndTheGoodFilesArrive() throws Exception {
        List<String> names = hostileNames().toList();
        names.forEach(n -> vault.hostileNames.put(n, "payload.txt"));
        Map<String, String> before = snapshot(box, dest);
        int code = run(dest, "pull", "/", "--force");
        assertEquals(before, snapshot(box, dest), "changed outside the destination");
        assertEquals(ExitCodes.REFUSED, code, out + err);
        assertDestinationHoldsOnlyTheGoodFiles("all names");
        assertTrue(out.contains("3 files pulled"), out);
        assertTrue(out.contains(names.size() + " names skipped"), out);
        // each skipped name on one line of its own: a newline in a name cannot forge output
        assertTrue(err.contains("new?line.txt"), err);
        assertFalse(err.contains("new\nline"), err);
        assertFalse(err.contains("\u0000"), err);

        assertEquals(ExitCodes.REFUSED, run(dest, "--json", "pull", "/", "--force"), out + err);
        assertEquals(before, snapshot(box, dest));
        JsonNode j = ClientJson.MAPPER.readTree(out);
        assertEquals(new TreeSet<>(names), new TreeSet<>(skipped(j)), out);
        j.path("skipped").forEach(s -> assertFalse(s.path("reason").asText().isBlank(), s.toString()));
    }

    @Test
    void withoutForceAnExistingFileOutsideIsNotReplacedEither() throws Exception {
        vault.hostileNames.put("../victim.txt", "payload.txt");
        vault.hostileNames.put("link/victim.txt", "payload.txt");
        Map<String, String> before = snapshot(box, dest);
        assertEquals(ExitCodes.REFUSED, run(dest, "--json", "pull", "/"), out + err);
        assertEquals(before, snapshot(box, dest));
        assertDestinationHoldsOnlyTheGoodFiles("without --force");
        assertEquals(Set.of("../victim.txt", "link/victim.txt"), new TreeSet<>(skipped(ClientJson.MAPPER.readTree(out))));
    }

    /** A folder of the destination swapped for a link by another program while the pull is on its way. */
    @Test
    void aFolderSwappedForALinkDuringThePullIsNotWrittenThrough() throws Exception {
        Files.createDirectories(dest.resolve("docs/sub"));
        Path moved = box.resolve("outside/docs");
        vault.hook = (route, body, q) -> {
            if (route.equals("POST /v1/downloads") && !Files.isSymbolicLink(dest.resolve("docs"))) {
                Files.move(dest.resolve("docs"), moved);
                Files.createSymbolicLink(dest.resolve("docs"), moved);
            }
        };
        int code = run(dest, "--json", "pull", "/", "--force");
        vault.hook = null;
        assertTrue(Files.isSymbolicLink(dest.resolve("docs")), "the swap happened");
        try (Stream<Path> s = Files.walk(moved)) {
            assertEquals(List.of(moved, moved.resolve("sub")), s.sorted().toList(), "written through the link");
        }
        assertEquals(ExitCodes.REFUSED, code, out + err);
        assertEquals(Set.of("docs/good.txt", "docs/sub/also.txt"), new TreeSet<>(skipped(ClientJson.MAPPER.readTree(out))));
        assertEquals("EVIL", Files.readString(dest.resolve("payload.txt")), "the rest of the listing still arrives");
    }

    /** The good files with their content, the two links as they were, and nothing else. */
    private void assertDestinationHoldsOnlyTheGoodFiles(String context) throws IOException {
        Map<String, String> expected = new TreeMap<>();
        expected.put("link", "link -> " + box.resolve("outside"));
        expected.put("target-link.txt", "link -> " + box.resolve("outside/linked.txt"));
        for (Map.Entry<String, String> g : GOOD.entrySet()) {
            String p = g.getKey();
            for (int slash = p.indexOf('/'); slash > 0; slash = p.indexOf('/', slash + 1)) {
                expected.put(p.substring(0, slash), "folder");
            }
            expected.put(p, "file " + FilePuller.sha256(write(tmp.resolve("expected"), g.getValue())));
        }
        Map<String, String> actual = snapshot(dest, null);
        actual.replaceAll((k, v) -> v.startsWith("file ") ? v.substring(0, v.lastIndexOf(' ')) : v); // not the mtime
        assertEquals(expected, actual, context);
    }

    private static Path write(Path f, String content) throws IOException {
        Files.writeString(f, content);
        return f;
    }

    /** Every entry under {@code root} (links not followed), but {@code except}'s subtree: what it is and holds. */
    static Map<String, String> snapshot(Path root, Path except) throws IOException {
        Map<String, String> seen = new TreeMap<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes a) {
                if (d.equals(except)) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                if (!d.equals(root)) {
                    seen.put(root.relativize(d).toString(), "folder");
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
                String what = a.isSymbolicLink() ? "link -> " + Files.readSymbolicLink(f)
                        : a.isRegularFile() ? "file " + FilePuller.sha256(f) + " " + a.lastModifiedTime().toMillis()
                        : "other";
                seen.put(root.relativize(f).toString(), what);
                return FileVisitResult.CONTINUE;
            }
        });
        return seen;
    }

    private static Set<String> paths(JsonNode pulled) {
        Set<String> s = new TreeSet<>();
        pulled.forEach(p -> s.add(p.path("path").asText()));
        return s;
    }

    private static List<String> skipped(JsonNode j) {
        List<String> s = new ArrayList<>();
        j.path("skipped").forEach(p -> s.add(p.path("path").asText()));
        return s;
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints().forEach(cp -> b.append(Character.isISOControl(cp) ? "?" : Character.toString(cp)));
        return b.toString();
    }

    @Test
    void theSnapshotSeesWhatItMustCompare() throws Exception {
        Map<String, String> before = snapshot(box, dest);
        assertTrue(before.containsKey("victim.txt") && before.containsKey("outside/victim.txt"), before.toString());
        Files.writeString(box.resolve("outside/victim.txt"), "changed");
        assertFalse(before.equals(snapshot(box, dest)));
        assertTrue(Files.isSymbolicLink(dest.resolve("link")) && Files.exists(dest.resolve("link"), LinkOption.NOFOLLOW_LINKS));
    }
}
