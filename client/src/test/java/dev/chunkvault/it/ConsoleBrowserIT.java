package dev.chunkvault.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.chunkvault.client.ChunkvaultClient;
import dev.chunkvault.client.FilePuller;
import dev.chunkvault.client.FilePusher;
import dev.chunkvault.client.PushJournal;
import dev.chunkvault.client.model.FileEntry;
import dev.chunkvault.client.model.VersionInfo;
import dev.chunkvault.local.LocalCloud;
import dev.chunkvault.local.LocalCloudExtension;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web console in a real browser (issue 19 item 5): Debian's Chromium, driven by playwright-core from
 * {@code console/e2e/console.mjs}, against the local cloud this JVM runs. Files are seeded here with the SDK; the
 * script signs in through the local issuer (PKCE), browses (breadcrumbs, sort, filter, a 2,000-entry folder drawn
 * virtually), restores an old version, deletes and undeletes, rewinds a folder after a dry run, goes keyboard-only,
 * survives a dead token (sign-in, then back to the same folder), and shows a name with HTML in it as text. It uploads
 * a folder (nested, a file over 5 MiB) through the webkitdirectory input, replaces a file (a new version), shows a
 * refused name's message inline, resumes an upload cut by a reload from the journal, and downloads a file (row and
 * page) and the folder as a zip, comparing bytes. What the
 * browser changed is checked here through the SDK. Screenshots stay in {@code client/target/console-screenshots/}.
 * Without Chromium or Node.js (a developer machine) the test is skipped, unless CHUNKVAULT_REQUIRE_BROWSER=1 (CI).
 */
@ExtendWith(LocalCloudExtension.class)
class ConsoleBrowserIT {
    static final String XSS_NAME = "<img src=x onerror=window.__xss=1>.txt";
    static final int MANY = 2000;

    @TempDir
    Path tmp;

    private FilePusher.Result put(ChunkvaultClient c, String path, String content, String parent) throws IOException {
        Path f = Files.writeString(tmp.resolve("f-" + System.nanoTime()), content);
        return new FilePusher(c, PushJournal.inMemory()).push(FilePusher.Request.of(f, path, parent));
    }

    private static String head(ChunkvaultClient c, String path) {
        return c.file(path, true).orElseThrow().contentHash();
    }

    @Test
    void signInBrowseRestoreDeleteUndeleteRewindInChromium(LocalCloud cloud) throws Exception {
        Path root = Path.of("..").toAbsolutePath().normalize();
        Path script = root.resolve("console/e2e/console.mjs");
        Path chromium = Path.of(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"));
        boolean required = "1".equals(System.getenv("CHUNKVAULT_REQUIRE_BROWSER"));
        boolean ready = Files.isExecutable(chromium) && Files.isDirectory(root.resolve("console/node_modules/playwright-core"))
                && which("node");
        if (required) {
            assertTrue(ready, "CHUNKVAULT_REQUIRE_BROWSER=1 but Chromium (" + chromium + "), node or console/node_modules is missing");
        }
        assumeTrue(ready, "no Chromium, node or console/node_modules/playwright-core here: the browser test is skipped");

        String user = CloudClients.newUser("console");
        Map<String, String> hashes = new HashMap<>();
        try (ChunkvaultClient c = CloudClients.client(cloud, user, null)) {
            FilePusher.Result v1 = put(c, "docs/notes.txt", "first draft\n", null);
            hashes.put("v1", v1.contentHash());
            put(c, "docs/notes.txt", "second draft, a little longer\n", v1.commit().version().versionId());
            put(c, "docs/todo.txt", "buy milk\n", null);
            put(c, "docs/" + XSS_NAME, "not html\n", null);
            put(c, "docs/report (conflicted copy laptop 2026-01-02 030405).txt", "theirs\n", null);
            put(c, "docs/Readme (Case Conflict).md", "# readme\n", null);
            put(c, "docs/archive/old.txt", "old\n", null);
            // A symbolic link as the sync client commits one (--links): its content is its target's path.
            Path linkTarget = Files.writeString(tmp.resolve("link-" + System.nanoTime()), "notes.txt");
            new FilePusher(c, PushJournal.inMemory()).push(FilePusher.Request.of(linkTarget, "docs/latest", null).withLink(true));
            put(c, "big.bin", "x".repeat(300_000), null);
            FilePusher.Result many = put(c, "many/file-00000.txt", "same\n", null);
            List<ChunkvaultClient.Commit> batch = new ArrayList<>();
            for (int i = 1; i < MANY; i++) {
                batch.add(new ChunkvaultClient.Commit(String.format("many/file-%05d.txt", i), null, many.manifest(), null,
                        many.size(), many.contentHash(), many.mtimeMillis(), ChunkvaultClient.newIdempotencyKey()));
                if (batch.size() == ChunkvaultClient.MAX_BATCH_COMMITS || i == MANY - 1) {
                    c.commitBatch(batch).forEach(o -> assertTrue(o.error() == null, String.valueOf(o.error())));
                    batch.clear();
                }
            }
            FilePusher.Result a1 = put(c, "rw/a.txt", "alpha as it was\n", null);
            hashes.put("a1", a1.contentHash());
            Thread.sleep(1500);
            Instant rewindTo = Instant.now();
            Thread.sleep(1500);
            put(c, "rw/a.txt", "alpha changed later\n", a1.commit().version().versionId());
            put(c, "rw/b.txt", "beta, new since\n", null);

            // What the browser uploads: a folder (nested, one file over 5 MiB), a replacement, a refused name, a resume.
            Path up = tmp.resolve("upload");
            Random random = new Random(19);
            Map<String, byte[]> local = new LinkedHashMap<>();
            local.put("photos/a.txt", "alpha\n".getBytes(StandardCharsets.UTF_8));
            local.put("photos/big.bin", randomBytes(random, 6 * 1024 * 1024 + 123));
            local.put("photos/nested/c.txt", "see\n".getBytes(StandardCharsets.UTF_8));
            local.put("photos/nested/deeper/d.txt", "deep down\n".getBytes(StandardCharsets.UTF_8));
            local.put("changed/a.txt", "alpha, changed in the browser\n".getBytes(StandardCharsets.UTF_8));
            local.put("bad/back\\slash.txt", "refused\n".getBytes(StandardCharsets.UTF_8));
            local.put("resume/resume.bin", randomBytes(random, 7 * 1024 * 1024 + 7));
            local.put("resume/expire.bin", randomBytes(random, 3 * 1024 * 1024 + 3));
            local.put("dropped/x.txt", "dropped on the page\n".getBytes(StandardCharsets.UTF_8));
            local.put("dropped/sub/y.bin", randomBytes(random, 300_001));
            local.put("conflict/c.txt", "the browser's edit of c.txt\n".getBytes(StandardCharsets.UTF_8));
            Files.createDirectories(up.resolve("dropped/empty"));
            for (Map.Entry<String, byte[]> e : local.entrySet()) {
                Path f = up.resolve(e.getKey());
                Files.createDirectories(f.getParent());
                Files.write(f, e.getValue());
            }

            Path shots = Path.of("target/console-screenshots").toAbsolutePath();
            Files.createDirectories(shots);
            Path log = Path.of("target/console-e2e.log").toAbsolutePath();
            ProcessBuilder pb = new ProcessBuilder("node", script.toString()).directory(root.resolve("console").toFile())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().put("CONSOLE_URL", cloud.apiEndpoint().toString());
            pb.environment().put("CHROMIUM", chromium.toString());
            pb.environment().put("E2E_USER", user);
            pb.environment().put("REWIND_TO", rewindTo.toString());
            pb.environment().put("MANY", Integer.toString(MANY));
            pb.environment().put("XSS_NAME", XSS_NAME);
            pb.environment().put("SCREENSHOTS", shots.toString());
            pb.environment().put("UPLOAD_DIR", up.toString());
            Process p = pb.start();
            boolean finished = p.waitFor(6, TimeUnit.MINUTES);
            if (!finished) {
                p.destroyForcibly();
            }
            String output = Files.readString(log, StandardCharsets.UTF_8);
            System.out.println(output);
            assertTrue(finished, "the browser script did not finish in 6 minutes:\n" + output);
            assertEquals(0, p.exitValue(), "the browser script failed:\n" + output);

            // What the browser did, as the service sees it.
            assertEquals(hashes.get("v1"), head(c, "docs/notes.txt"), "the old version of notes.txt was restored");
            List<VersionInfo> notes = c.history("docs/notes.txt", null, 100).versions();
            assertEquals(3, notes.size(), "a restore is a new version: " + notes);

            FileEntry todo = c.file("docs/todo.txt", true).orElseThrow();
            assertFalse(todo.deleted(), "todo.txt was undeleted");
            List<VersionInfo> todoHistory = c.history("docs/todo.txt", null, 100).versions();
            assertTrue(todoHistory.stream().anyMatch(VersionInfo::deleted), "its deletion stays in history: " + todoHistory);

            assertEquals(hashes.get("a1"), head(c, "rw/a.txt"), "rw/a.txt is as it was at the rewind time");
            assertTrue(c.file("rw/b.txt", true).orElseThrow().deleted(), "rw/b.txt, new since then, is deleted by the rewind");

            // What the browser uploaded, byte for byte.
            Map<String, byte[]> expected = new LinkedHashMap<>();
            expected.put("photos/a.txt", local.get("changed/a.txt"));
            expected.put("photos/big.bin", local.get("photos/big.bin"));
            expected.put("photos/nested/deeper/d.txt", local.get("photos/nested/deeper/d.txt"));
            expected.put("photos/resume.bin", local.get("resume/resume.bin"));
            expected.put("photos/expire.bin", local.get("resume/expire.bin"));
            expected.put("dropped/x.txt", local.get("dropped/x.txt"));
            expected.put("dropped/sub/y.bin", local.get("dropped/sub/y.bin"));
            // The conflict: the other device's version (d.txt's bytes) stays the head; the browser's edit overwrote nothing.
            expected.put("photos/nested/c.txt", local.get("photos/nested/deeper/d.txt"));
            for (Map.Entry<String, byte[]> e : expected.entrySet()) {
                Path target = tmp.resolve("pulled-" + System.nanoTime());
                new FilePuller(c).pull(FilePuller.Request.of(e.getKey(), target));
                assertArrayEquals(e.getValue(), Files.readAllBytes(target), e.getKey() + " on the server equals the local file");
            }
            assertEquals(2, c.history("photos/a.txt", null, 100).versions().size(), "the replacement is a new version of a.txt");
            assertEquals(2, c.history("photos/nested/c.txt", null, 100).versions().size(), "c.txt: its upload and the other device's");
            List<FileEntry> copies = c.listAll("photos/nested", false, false).files().stream()
                    .filter(f -> f.path().startsWith("photos/nested/c (conflicted copy web browser ")).toList();
            assertEquals(1, copies.size(), "Keep both made one conflicted copy: " + copies);
            Path copy = tmp.resolve("pulled-copy");
            new FilePuller(c).pull(FilePuller.Request.of(copies.get(0).path(), copy));
            assertArrayEquals(local.get("conflict/c.txt"), Files.readAllBytes(copy), "the copy holds the browser's edit");
            assertTrue(c.file("dropped/empty", false).orElseThrow().isFolder(), "the dropped empty folder is kept");
        }
    }

    private static byte[] randomBytes(Random random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private static boolean which(String cmd) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, cmd))) {
                return true;
            }
        }
        return false;
    }
}
