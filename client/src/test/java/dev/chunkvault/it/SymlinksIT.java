package dev.chunkvault.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.chunkvault.client.ChunkvaultClient;
import dev.chunkvault.client.sync.StateStore;
import dev.chunkvault.client.sync.SyncEngine;
import dev.chunkvault.client.sync.SyncListener;
import dev.chunkvault.client.sync.SyncReport;
import dev.chunkvault.local.LocalCloud;
import dev.chunkvault.local.LocalCloudExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A source tree with symbolic links round-trips between two devices of the real local cloud with --links (issue 20). */
@ExtendWith(LocalCloudExtension.class)
class SymlinksIT {
    @TempDir
    Path tmp;

    private static SyncReport sync(ChunkvaultClient client, Path root, String device) throws IOException {
        try (StateStore st = StateStore.open(root)) {
            SyncEngine.Options o = SyncEngine.Options.defaults(device).withFullListing(true).withLinks(true);
            return new SyncEngine(client, st, o, SyncListener.NONE).run();
        }
    }

    @Test
    void aRelativeLinkAndALinkToAFolderArriveAsLinks(LocalCloud cloud) throws Exception {
        try {
            Files.delete(Files.createSymbolicLink(tmp.resolve("probe"), Path.of("x")));
        } catch (UnsupportedOperationException | IOException e) {
            assumeTrue(false, "this file system makes no symbolic links");
        }
        String user = CloudClients.newUser("links");
        Path a = Files.createDirectories(tmp.resolve("a"));
        Path b = Files.createDirectories(tmp.resolve("b"));
        Files.createDirectories(a.resolve("src/lib"));
        Files.writeString(a.resolve("src/lib/libfoo.so.1"), "an ELF, say");
        Files.createSymbolicLink(a.resolve("src/lib/libfoo.so"), Path.of("libfoo.so.1"));
        Files.createSymbolicLink(a.resolve("current"), Path.of("src/lib"));
        try (ChunkvaultClient ca = CloudClients.client(cloud, user, null);
             ChunkvaultClient cb = CloudClients.client(cloud, user, null)) {
            SyncReport ra = sync(ca, a, "a");
            assertEquals(List.of("current", "src/lib/libfoo.so", "src/lib/libfoo.so.1"), ra.pushed.stream().sorted().toList(),
                    ra.warnings + " " + ra.errors);
            assertEquals(Boolean.TRUE, ca.file("current", false).orElseThrow().link());
            assertEquals(Boolean.TRUE, ca.file("src/lib/libfoo.so", false).orElseThrow().link());
            assertEquals(Boolean.FALSE, ca.file("src/lib/libfoo.so.1", false).orElseThrow().link());
            assertTrue(ca.file("current/libfoo.so.1", false).isEmpty(), "a link to a folder is not walked into");

            SyncReport rb = sync(cb, b, "b");
            assertEquals(3, rb.pulled.size(), rb.warnings + " " + rb.errors);
            for (String link : List.of("current", "src/lib/libfoo.so")) {
                assertTrue(Files.isSymbolicLink(b.resolve(link)), link);
                assertEquals(Files.readSymbolicLink(a.resolve(link)), Files.readSymbolicLink(b.resolve(link)), link);
            }
            assertEquals("an ELF, say", Files.readString(b.resolve("current/libfoo.so.1")));

            // a new target on B arrives on A
            Files.delete(b.resolve("current"));
            Files.createSymbolicLink(b.resolve("current"), Path.of("src"));
            assertEquals(List.of("current"), sync(cb, b, "b").pushed);
            assertEquals(List.of("current"), sync(ca, a, "a").pulled);
            assertEquals(Path.of("src"), Files.readSymbolicLink(a.resolve("current")));
            assertTrue(sync(ca, a, "a").pushed.isEmpty());
            assertTrue(sync(cb, b, "b").pulled.isEmpty());
        }
    }
}
