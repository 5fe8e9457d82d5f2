package dev.chunkvault.client.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.chunkvault.client.ChunkvaultClient;
import dev.chunkvault.client.FakeVault;
import dev.chunkvault.client.TestFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Symbolic links kept as links between two folders through the fake API (issue 20 item 6): with --links a link's
 * target travels as its content and is made a link again, never followed; without it links are skipped, and a link on
 * the server is neither written as a file nor deleted for being missing here.
 */
class SymlinkSyncTest {
    @TempDir
    Path tmp;
    Path a;
    Path b;
    Path outside;
    FakeVault vault;
    ChunkvaultClient client;

    @BeforeEach
    void start() throws Exception {
        a = Files.createDirectories(tmp.resolve("laptop"));
        b = Files.createDirectories(tmp.resolve("desktop"));
        outside = Files.createDirectories(tmp.resolve("outside"));
        try {
            Files.delete(Files.createSymbolicLink(tmp.resolve("probe"), Path.of("x")));
        } catch (UnsupportedOperationException | IOException e) {
            assumeTrue(false, "this file system makes no symbolic links");
        }
        vault = new FakeVault();
        client = TestFiles.client(vault.endpoint(), new TestFiles.RecordingSleeper());
    }

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
            vault.close();
        }
    }

    SyncReport sync(Path root, Boolean links) throws IOException {
        try (StateStore st = StateStore.open(root)) {
            return new SyncEngine(client, st, SyncEngine.Options.defaults(root.getFileName().toString()).withLinks(links),
                    null).run();
        }
    }

    static Path link(Path at, String target) throws IOException {
        Files.deleteIfExists(at);
        Files.createDirectories(at.getParent());
        return Files.createSymbolicLink(at, Path.of(target));
    }

    static String target(Path link) throws IOException {
        assertTrue(Files.isSymbolicLink(link), link + " is not a link");
        return Files.readSymbolicLink(link).toString();
    }

    @Test
    void aRelativeLinkAndALinkToAFolderRoundTripAsLinks() throws Exception {
        Files.createDirectories(a.resolve("data"));
        Files.writeString(a.resolve("data/real.txt"), "real");
        link(a.resolve("current"), "data/real.txt");
        link(a.resolve("lib/dir"), "../data");

        SyncReport ra = sync(a, true);
        assertEquals(List.of("current", "data/real.txt", "lib/dir"), ra.pushed.stream().sorted().toList(), ra.warnings.toString());
        assertTrue(vault.head("current").link());
        assertTrue(vault.head("lib/dir").link()); // its contents were not walked: no lib/dir/real.txt
        assertEquals(null, vault.head("lib/dir/real.txt"));
        assertFalse(vault.head("data/real.txt").link());
        assertEquals("data/real.txt".length(), vault.head("current").size());

        SyncReport rb = sync(b, true);
        assertEquals(3, rb.pulled.size(), rb.warnings.toString());
        assertEquals("data/real.txt", target(b.resolve("current")));
        assertEquals("../data", target(b.resolve("lib/dir")));
        assertEquals("real", Files.readString(b.resolve("current"))); // a working link, made as it was
        assertTrue(sync(a, null).pushed.isEmpty());
        SyncReport again = sync(b, null);
        assertTrue(again.pulled.isEmpty() && again.pushed.isEmpty(), again.pushed + " " + again.pulled);
    }

    @Test
    void aNewTargetIsAChangeBothWays() throws Exception {
        Files.writeString(a.resolve("one.txt"), "1");
        Files.writeString(a.resolve("two.txt"), "2");
        link(a.resolve("pick"), "one.txt");
        sync(a, true);
        sync(b, true);
        assertEquals("one.txt", target(b.resolve("pick")));

        link(a.resolve("pick"), "two.txt");
        assertEquals(List.of("pick"), sync(a, null).pushed);
        assertEquals(List.of("pick"), sync(b, null).pulled);
        assertEquals("two.txt", target(b.resolve("pick")));

        link(b.resolve("pick"), "one.txt");
        assertEquals(List.of("pick"), sync(b, null).pushed);
        assertEquals(List.of("pick"), sync(a, null).pulled);
        assertEquals("one.txt", target(a.resolve("pick")));
        assertEquals("1", Files.readString(a.resolve("one.txt")));
        assertEquals("2", Files.readString(a.resolve("two.txt")));
    }

    @Test
    void aFileReplacedByALinkAndBackSyncsBothWays() throws Exception {
        Files.writeString(a.resolve("x"), "a file");
        Files.writeString(a.resolve("y"), "why");
        sync(a, true);
        sync(b, true);

        Files.delete(a.resolve("x"));
        link(a.resolve("x"), "y");
        assertEquals(List.of("x"), sync(a, null).pushed);
        assertTrue(vault.head("x").link());
        assertEquals(List.of("x"), sync(b, null).pulled);
        assertEquals("y", target(b.resolve("x")));
        assertEquals("why", Files.readString(b.resolve("y"))); // replaced the file, wrote nothing through the link

        Files.delete(b.resolve("x"));
        Files.writeString(b.resolve("x"), "a file again");
        assertEquals(List.of("x"), sync(b, null).pushed);
        assertFalse(vault.head("x").link());
        assertEquals(List.of("x"), sync(a, null).pulled);
        assertFalse(Files.isSymbolicLink(a.resolve("x")));
        assertEquals("a file again", Files.readString(a.resolve("x")));
        assertEquals("why", Files.readString(a.resolve("y"))); // the link was replaced, not written through
    }

    @Test
    void aDeviceWithoutLinksNeitherWritesNorDeletesALinkAndTurningThemOnBringsIt() throws Exception {
        Files.writeString(a.resolve("plain.txt"), "plain");
        link(a.resolve("l"), "plain.txt");
        sync(a, true);
        String linkVersion = vault.head("l").id();

        SyncReport rb = sync(b, null); // links skipped here: the default
        assertEquals(List.of("plain.txt"), rb.pulled);
        assertFalse(Files.exists(b.resolve("l"), LinkOption.NOFOLLOW_LINKS)); // not the target text as a file either
        assertTrue(rb.warnings.stream().anyMatch(w -> w.contains("symbolic link 'l'")), rb.warnings.toString());
        for (int i = 0; i < 2; i++) {
            SyncReport again = sync(b, false);
            assertTrue(again.deletedRemote.isEmpty() && again.refusedDeletes.isEmpty(), again.deletedRemote.toString());
        }
        assertEquals(linkVersion, vault.head("l").id());
        assertFalse(vault.head("l").deleted());

        // A link made here is skipped too, and never sent as the file it points to.
        link(b.resolve("mine"), "plain.txt");
        assertTrue(sync(b, null).pushed.isEmpty());
        assertEquals(null, vault.head("mine"));

        // --links once: the link the feed went past arrives, and the folder keeps the choice.
        SyncReport on = sync(b, true);
        assertTrue(on.pulled.contains("l"), on.pulled + " " + on.warnings);
        assertEquals(List.of("mine"), on.pushed);
        assertEquals("plain.txt", target(b.resolve("l")));
        link(a.resolve("l"), "elsewhere");
        sync(a, null);
        assertEquals(List.of("l"), sync(b, null).pulled);
        assertEquals("elsewhere", target(b.resolve("l")));
        try (StateStore st = StateStore.open(b)) {
            assertTrue(st.syncsLinks());
        }
        sync(b, false);
        try (StateStore st = StateStore.open(b)) {
            assertFalse(st.syncsLinks());
        }
    }

    @Test
    void nothingIsWrittenThroughALinkWhateverItsTarget() throws Exception {
        Path secret = Files.writeString(outside.resolve("secret.txt"), "untouched");
        Files.createDirectories(a.resolve("sub"));
        Files.writeString(a.resolve("sub/f.txt"), "f");
        link(a.resolve("abs"), secret.toString());   // absolute: data, made as it is, never followed
        link(a.resolve("up"), "../../outside/secret.txt"); // escapes the folder: the same
        sync(a, true);
        sync(b, true);
        assertEquals(secret.toString(), target(b.resolve("abs")));
        assertEquals("../../outside/secret.txt", target(b.resolve("up")));

        // The links become files on A: B replaces its links, and the file they point to is not written.
        Files.delete(a.resolve("abs"));
        Files.writeString(a.resolve("abs"), "overwrite?");
        Files.delete(a.resolve("up"));
        Files.writeString(a.resolve("up"), "overwrite too?");
        sync(a, null);
        SyncReport rb = sync(b, null);
        assertEquals(List.of("abs", "up"), rb.pulled.stream().sorted().toList(), rb.warnings + " " + rb.errors);
        assertEquals("overwrite?", Files.readString(b.resolve("abs")));
        assertFalse(Files.isSymbolicLink(b.resolve("abs")));
        assertEquals("untouched", Files.readString(secret));

        // A folder replaced by a link on B: a file the server has under it is not written through it (issue 14).
        Files.delete(b.resolve("sub/f.txt"));
        Files.delete(b.resolve("sub"));
        link(b.resolve("sub"), outside.toString());
        Files.writeString(a.resolve("sub/f.txt"), "edited on A");
        Files.writeString(a.resolve("sub/new.txt"), "new on A");
        sync(a, null);
        SyncReport through = sync(b, null);
        assertFalse(Files.exists(outside.resolve("f.txt")));
        assertFalse(Files.exists(outside.resolve("new.txt")));
        assertEquals("untouched", Files.readString(secret));
        assertTrue(through.warnings.stream().anyMatch(w -> w.contains("symbolic link")), through.warnings.toString());
        assertFalse(vault.head("sub/f.txt").deleted()); // out of sight under the link, not deleted
    }

    @Test
    void bothSidesChangedWithALinkOnOneKeepBoth() throws Exception {
        Files.writeString(a.resolve("c"), "v1");
        sync(a, true);
        sync(b, true);
        Files.delete(a.resolve("c"));
        link(a.resolve("c"), "somewhere");
        Files.writeString(b.resolve("c"), "v2 edited on B");
        sync(a, null);
        SyncReport rb = sync(b, null);
        assertEquals(1, rb.conflicts.size(), rb.warnings + " " + rb.errors);
        assertEquals("somewhere", target(b.resolve("c")));
        assertEquals("v2 edited on B", Files.readString(b.resolve(rb.conflicts.get(0))));

        // and the other way: the local side is the link, kept as a link under the conflicted copy's name
        Files.writeString(a.resolve("d"), "v1");
        sync(a, null);
        sync(b, null);
        Files.writeString(a.resolve("d"), "v2 edited on A");
        Files.delete(b.resolve("d"));
        link(b.resolve("d"), "there");
        sync(a, null);
        SyncReport back = sync(b, null);
        assertEquals(1, back.conflicts.size(), back.warnings + " " + back.errors);
        String copy = back.conflicts.get(0);
        assertEquals("there", target(b.resolve(copy)));
        assertTrue(vault.head(copy).link());
        assertEquals("v2 edited on A", Files.readString(b.resolve("d")));
        assertEquals(List.of(copy), sync(a, null).pulled);
        assertEquals("there", target(a.resolve(copy)));
    }
}
