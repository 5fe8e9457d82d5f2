package dev.chunkvault.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.chunkvault.cli.Cli;
import dev.chunkvault.client.ChunkvaultClient;
import dev.chunkvault.client.FileModes;
import dev.chunkvault.client.model.FileEntry;
import dev.chunkvault.client.model.RewindPage;
import dev.chunkvault.client.model.VersionInfo;
import dev.chunkvault.client.sync.StateStore;
import dev.chunkvault.client.sync.SyncEngine;
import dev.chunkvault.client.sync.SyncListener;
import dev.chunkvault.client.sync.SyncReport;
import dev.chunkvault.core.hash.Sha256;
import dev.chunkvault.local.LocalCloud;
import dev.chunkvault.local.LocalCloudExtension;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code chunkvault rewind} on the real local cloud (DynamoDB Local + s3proxy over HTTP, issue 19 item 3): a folder edited,
 * extended and pruned after an instant comes back as it was then — contents, executable bits, links and empty folders —
 * as new versions; the dry run changes nothing and the versions in between stay in history.
 */
@ExtendWith(LocalCloudExtension.class)
class RewindIT {
    @TempDir
    Path tmp;
    private String out;

    private int cli(LocalCloud cloud, String user, String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        Map<String, String> env = Map.of("CHUNKVAULT_ENDPOINT", cloud.apiEndpoint().toString(), "CHUNKVAULT_TOKEN",
                cloud.mintToken(user), "CHUNKVAULT_CONFIG_DIR", tmp.resolve("config").toString());
        int code = new Cli(env, new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true,
                StandardCharsets.UTF_8), false).withCwd(tmp).run(args);
        out = o.toString(StandardCharsets.UTF_8) + e.toString(StandardCharsets.UTF_8);
        return code;
    }

    /** What a device holds under {@code dir}: per path, the content's hash and executable bit, a link's target, or an empty folder. */
    private static Map<String, String> tree(Path dir) throws IOException {
        Map<String, String> t = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(p -> !p.equals(dir)).toList()) {
                String rel = dir.relativize(p).toString();
                if (Files.isSymbolicLink(p)) {
                    t.put(rel, "link -> " + Files.readSymbolicLink(p));
                } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    try (Stream<Path> in = Files.list(p)) {
                        if (in.findAny().isEmpty()) {
                            t.put(rel, "empty folder");
                        }
                    }
                } else {
                    t.put(rel, HexFormat.of().formatHex(Sha256.newDigest().digest(Files.readAllBytes(p)))
                            + (Files.isExecutable(p) ? " x" : ""));
                }
            }
        }
        return t;
    }

    /** A full sync that keeps links as links. */
    private static SyncReport sync(ChunkvaultClient client, Path root, String device) throws IOException {
        try (StateStore st = StateStore.open(root)) {
            SyncEngine.Options o = SyncEngine.Options.defaults(device).withFullListing(true).withLinks(true);
            return new SyncEngine(client, st, o, SyncListener.NONE).run();
        }
    }

    private static Map<String, String> heads(ChunkvaultClient c) {
        return c.listAll("", true, true).files().stream().collect(Collectors.toMap(FileEntry::path, FileEntry::version));
    }

    @Test
    void aFolderComesBackAsItWasAtATimeAndNothingInBetweenIsLost(LocalCloud cloud) throws Exception {
        String user = CloudClients.newUser("rewind");
        Path a = Files.createDirectories(tmp.resolve("a"));
        Path docs = Files.createDirectories(a.resolve("docs"));
        Files.writeString(docs.resolve("a.txt"), "the first text of a");
        Files.writeString(docs.resolve("b.txt"), "b, deleted later");
        Files.writeString(docs.resolve("keep.txt"), "never touched");
        Files.writeString(docs.resolve("run.sh"), "#!/bin/sh\necho run\n");
        boolean modes = FileModes.kept(tmp);
        if (modes) {
            Files.setPosixFilePermissions(docs.resolve("run.sh"), PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        boolean links = true;
        try {
            Files.createSymbolicLink(docs.resolve("ln"), Path.of("a.txt"));
        } catch (UnsupportedOperationException | IOException e) {
            links = false;
        }
        Files.createDirectories(docs.resolve("empty"));
        Files.writeString(Files.createDirectories(a.resolve("other")).resolve("o.txt"), "outside the folder");

        try (ChunkvaultClient ca = CloudClients.client(cloud, user, null);
             ChunkvaultClient cb = CloudClients.client(cloud, user, null)) {
            assertTrue(sync(ca, a, "a").errors.isEmpty());
            Map<String, String> then = tree(docs);
            // The instant: the service's own time of the last commit so far (its clock, not this JVM's).
            Instant at = ca.listAll("", true, true).files().stream().map(FileEntry::updatedAt).max(Instant::compareTo)
                    .orElseThrow();
            Thread.sleep(20);

            Files.writeString(docs.resolve("a.txt"), "a, edited after the instant");
            Files.delete(docs.resolve("b.txt"));
            Files.writeString(docs.resolve("new.txt"), "created after the instant");
            Files.writeString(Files.createDirectories(docs.resolve("sub")).resolve("deep.txt"), "deep and new");
            Files.writeString(docs.resolve("empty/f.txt"), "the empty folder is not empty any more");
            if (modes) {
                Files.setPosixFilePermissions(docs.resolve("run.sh"), PosixFilePermissions.fromString("rw-r--r--"));
            }
            if (links) {
                Files.delete(docs.resolve("ln"));
                Files.createSymbolicLink(docs.resolve("ln"), Path.of("keep.txt"));
            }
            Files.writeString(a.resolve("other/o.txt"), "outside, edited");
            assertTrue(sync(ca, a, "a").errors.isEmpty());
            String editedA = ca.file("docs/a.txt", false).orElseThrow().version();
            Map<String, String> before = heads(ca);

            // The dry run says what would change, and changes nothing.
            assertEquals(0, cli(cloud, user, "rewind", "docs", "--to", at.toString(), "--dry-run"), out);
            assertTrue(out.contains("would restore     docs/a.txt"), out);
            assertTrue(out.contains("would bring back  docs/b.txt"), out);
            assertTrue(out.contains("would delete      docs/new.txt"), out);
            assertTrue(out.contains("would delete      docs/sub/deep.txt"), out);
            assertTrue(out.contains("Dry run, nothing changed."), out);
            assertEquals(before, heads(ca));

            // Paged: a page of at most 2 changes at a time, through the client, with one key for the whole rewind.
            String key = ChunkvaultClient.newIdempotencyKey();
            String cursor = null;
            int pages = 0;
            int done = 0;
            do {
                RewindPage page = ca.rewind("docs", at, false, key, cursor, 2);
                assertTrue(page.changes().size() <= 2, page.toString());
                done += (int) page.changes().stream().filter(c -> "DONE".equals(c.status())).count();
                page.changes().forEach(c -> assertNotEquals("SKIPPED", c.status(), c.toString()));
                cursor = page.cursor();
                pages++;
            } while (cursor != null);
            assertTrue(pages >= 3, "pages: " + pages);
            assertTrue(done >= 6, "done: " + done);

            // A second device gets the folder exactly as it was at the instant; the outside file is untouched.
            Path b = Files.createDirectories(tmp.resolve("b"));
            assertTrue(sync(cb, b, "b").errors.isEmpty());
            assertEquals(then, tree(b.resolve("docs")));
            assertEquals("outside, edited", Files.readString(b.resolve("other/o.txt")));

            // Nothing is lost: the edit in between is still in history, under a new head.
            List<String> history = ca.history("docs/a.txt", null, 100).versions().stream().map(VersionInfo::versionId)
                    .toList();
            assertEquals(3, history.size(), history.toString());
            assertTrue(history.contains(editedA));
            assertNotEquals(editedA, ca.file("docs/a.txt", false).orElseThrow().version());
            assertTrue(ca.file("docs/new.txt", true).orElseThrow().deleted(), "deleted, and restorable");

            // The same rewind again finds nothing to do, and writes nothing.
            Map<String, String> after = heads(ca);
            assertEquals(0, cli(cloud, user, "rewind", "docs", "--to", at.toString()), out);
            assertTrue(out.contains(": 0 restored, 0 deleted, 0 brought back, 0 skipped"), out);
            assertEquals(after, heads(ca));

            // An instant in the future is refused by the service too, and changes nothing.
            assertEquals(400, assertThrowsApi(() -> ca.rewind("docs", Instant.now().plusSeconds(3600), true, null, null,
                    null)));
            assumeTrue(modes && links, "checked without executable bits or links on this file system");
        }
    }

    private static int assertThrowsApi(Runnable r) {
        try {
            r.run();
        } catch (dev.chunkvault.client.ApiException e) {
            return e.status();
        }
        throw new AssertionError("no error");
    }
}
