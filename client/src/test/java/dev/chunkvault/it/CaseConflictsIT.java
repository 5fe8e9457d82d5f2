package dev.chunkvault.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.chunkvault.client.ChunkvaultClient;
import dev.chunkvault.client.model.FileEntry;
import dev.chunkvault.client.sync.SyncReport;
import dev.chunkvault.local.LocalCloud;
import dev.chunkvault.local.LocalCloudExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Names that differ only by case (issue 21.1), over the real local cloud: both members of each pair reach the server
 * (one under a marked name that carries the other's original name), a second case-sensitive device gets both under
 * their own names, edits and deletions follow either way, and the first device's syncs exit clean after reporting once.
 */
@ExtendWith(LocalCloudExtension.class)
class CaseConflictsIT {
    private static final String NFC = Normalizer.normalize("caf\u00e9.txt", Normalizer.Form.NFC);
    private static final String NFD = Normalizer.normalize("caf\u00e9.txt", Normalizer.Form.NFD);

    @TempDir
    Path tmp;

    @Test
    void bothMembersOfEveryPairSyncAndKeepTheirNamesOnASecondCaseSensitiveDevice(LocalCloud cloud) throws Exception {
        Path a = Files.createDirectories(tmp.resolve("a"));
        Path b = Files.createDirectories(tmp.resolve("b"));
        assumeTrue(caseSensitive(a), "this file system does not tell names apart by case");
        String user = CloudClients.newUser("case");
        Files.createDirectories(a.resolve("include"));
        Files.writeString(a.resolve("include/xt_CONNMARK.h"), "#define XT_CONNMARK 1\n");
        Files.writeString(a.resolve("include/xt_connmark.h"), "#define xt_connmark 2\n");
        Files.writeString(a.resolve("include/other.h"), "other\n");
        Files.writeString(a.resolve("Makefile"), "all:\n");
        Files.writeString(a.resolve("makefile"), "lower:\n");
        Files.writeString(a.resolve("MAKEFILE"), "upper:\n");
        Files.writeString(a.resolve(NFC), "composed");
        boolean nfd = tryWrite(a.resolve(NFD), "decomposed");

        try (ChunkvaultClient ca = CloudClients.client(cloud, user, null);
             ChunkvaultClient cb = CloudClients.client(cloud, user, null)) {
            SyncReport first = CloudClients.sync(ca, a, "a", false);
            assertEquals(List.of(), first.collisions, "every pair is kept apart");
            assertEquals(nfd ? 4 : 3, first.caseMarked.size(), first.caseMarked.toString());
            assertEquals(nfd ? 8 : 7, first.pushed.size(), first.pushed.toString());
            // The capital spelling keeps the name (code point order); the other is marked and says what it is here.
            FileEntry marked = ca.file("include/xt_connmark (Case Conflict).h", false).orElseThrow();
            assertEquals("xt_connmark.h", marked.originalName());
            assertEquals("include/xt_CONNMARK.h", ca.file("include/xt_CONNMARK.h", false).orElseThrow().path());
            assertEquals("makefile", ca.file("makefile (Case Conflict 2)", false).orElseThrow().originalName());
            assertEquals("Makefile", ca.file("Makefile (Case Conflict)", false).orElseThrow().originalName());
            if (nfd) {
                assertEquals(NFD, ca.file("caf\u00e9 (Unicode Conflict).txt", false).orElseThrow().originalName());
            }

            // Reported once; the next sync has nothing to do and nothing to report.
            SyncReport again = CloudClients.sync(ca, a, "a", false);
            assertTrue(again.inSync(), "nothing to do");
            assertEquals(List.of(), again.caseMarked);
            assertEquals(List.of(), again.collisions);

            // A second device on a case-sensitive disk gets every file under its own name.
            CloudClients.sync(cb, b, "b", false);
            Map<String, String> expected = tree(a);
            if (nfd) {
                expected.put("caf\u00e9 (Unicode Conflict).txt", expected.remove(NFD)); // written composed, it would clash
            }
            assertEquals(expected, tree(b));
            assertTrue(CloudClients.sync(cb, b, "b", false).inSync());

            // An edit of a marked file on either side reaches the other under its own name.
            Files.writeString(a.resolve("include/xt_connmark.h"), "#define xt_connmark 3\n");
            assertEquals(List.of("include/xt_connmark (Case Conflict).h"), CloudClients.sync(ca, a, "a", false).pushed);
            CloudClients.sync(cb, b, "b", false);
            assertEquals("#define xt_connmark 3\n", Files.readString(b.resolve("include/xt_connmark.h")));
            Files.writeString(b.resolve("makefile"), "lower, edited on b:\n");
            CloudClients.sync(cb, b, "b", false);
            CloudClients.sync(ca, a, "a", false);
            assertEquals("lower, edited on b:\n", Files.readString(a.resolve("makefile")));
            assertEquals("makefile", ca.file("makefile (Case Conflict 2)", false).orElseThrow().originalName());

            // The member that kept the name goes: the marked one stays what it is, on both devices.
            Files.delete(a.resolve("include/xt_CONNMARK.h"));
            SyncReport deleted = CloudClients.sync(ca, a, "a", false);
            assertEquals(List.of("include/xt_CONNMARK.h"), deleted.deletedRemote);
            assertTrue(ca.file("include/xt_connmark (Case Conflict).h", false).isPresent());
            CloudClients.sync(cb, b, "b", false);
            assertFalse(Files.exists(b.resolve("include/xt_CONNMARK.h"), LinkOption.NOFOLLOW_LINKS));
            assertEquals("#define xt_connmark 3\n", Files.readString(b.resolve("include/xt_connmark.h")));
            assertTrue(CloudClients.sync(ca, a, "a", false).inSync());
            assertTrue(CloudClients.sync(cb, b, "b", false).inSync());

            // The marked one goes too: deleted on the server under its marked name.
            Files.delete(b.resolve("include/xt_connmark.h"));
            assertEquals(List.of("include/xt_connmark (Case Conflict).h"), CloudClients.sync(cb, b, "b", false).deletedRemote);
            CloudClients.sync(ca, a, "a", false);
            assertFalse(Files.exists(a.resolve("include/xt_connmark.h")));
            assertEquals(tree(a).keySet(), tree(b).keySet().stream().map(p -> p.equals("caf\u00e9 (Unicode Conflict).txt")
                    && nfd ? NFD : p).collect(Collectors.toSet()));
        }
    }

    /** Every file under {@code root} but the state folder, by its path as spelled on disk: its bytes. */
    private static Map<String, String> tree(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                String rel = root.relativize(p).toString();
                if (!rel.startsWith(".chunkvault")) {
                    out.put(rel, Files.readString(p));
                }
            }
        }
        return out;
    }

    private static boolean caseSensitive(Path dir) throws IOException {
        Path probe = Files.writeString(dir.resolve("Probe"), "");
        try {
            return !Files.exists(dir.resolve("probe"));
        } finally {
            Files.delete(probe);
        }
    }

    /** Writes a file whose name differs from an existing one only by Unicode form, where the disk keeps both apart. */
    private static boolean tryWrite(Path file, String content) {
        try {
            if (Files.exists(file)) {
                return false; // the disk normalises names
            }
            Files.writeString(file, content);
            return true;
        } catch (IOException | java.nio.file.InvalidPathException e) {
            return false;
        }
    }
}
