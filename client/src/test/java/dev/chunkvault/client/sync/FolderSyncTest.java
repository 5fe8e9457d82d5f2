package dev.chunkvault.client.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.client.FakeVault;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Empty folders between two folders through the fake API (issue 21 item 3): an empty folder is kept as a marker on the
 * server, made on the other device, deleted everywhere when deleted; a folder that gets files needs its marker no more.
 */
class FolderSyncTest extends TwoFolders {
    @Override
    SyncReport sync(Path root, SyncEngine.Options options) throws IOException {
        SyncReport r = super.sync(root, options);
        assertTrue(r.errors.isEmpty(), r.errors.toString());
        return r;
    }

    boolean marker(String path) {
        FakeVault.Version v = vault.head(path);
        return v != null && !v.deleted() && v.folder();
    }

    static boolean emptyDir(Path p) throws IOException {
        if (!Files.isDirectory(p)) {
            return false;
        }
        try (var s = Files.list(p)) {
            return s.findAny().isEmpty();
        }
    }

    @Test
    void anEmptyFolderAndNestedEmptyFoldersArriveOnTheOtherDevice() throws Exception {
        Files.createDirectories(a.resolve("empty"));
        Files.createDirectories(a.resolve("deep/er/est"));
        Files.writeString(a.resolve("notes.txt"), "n");
        SyncReport ra = sync(a);
        assertEquals(List.of("deep/er/est/", "empty/", "notes.txt"), ra.pushed.stream().sorted().toList());
        assertTrue(marker("empty"));
        assertTrue(marker("deep/er/est"));
        assertNull(vault.head("deep/er"), "a folder holding a folder exists through it");
        assertEquals(0, vault.head("empty").size());

        SyncReport rb = sync(b);
        assertTrue(emptyDir(b.resolve("empty")), rb.toString());
        assertTrue(emptyDir(b.resolve("deep/er/est")));
        assertEquals("n", Files.readString(b.resolve("notes.txt")));
        // nothing more to do on either side
        assertTrue(sync(a).pushed.isEmpty());
        SyncReport again = sync(b);
        assertTrue(again.pushed.isEmpty() && again.pulled.isEmpty() && again.deletedRemote.isEmpty(), again.pushed.toString());
    }

    @Test
    void aRenamedAndADeletedEmptyFolderFollow() throws Exception {
        Files.createDirectories(a.resolve("old"));
        Files.createDirectories(a.resolve("gone"));
        for (int i = 0; i < 4; i++) {
            Files.writeString(a.resolve("f" + i + ".txt"), "f" + i);
        }
        sync(a);
        sync(b);
        assertTrue(emptyDir(b.resolve("old")));

        Files.move(a.resolve("old"), a.resolve("new"));
        Files.delete(a.resolve("gone"));
        SyncReport ra = sync(a);
        assertEquals(List.of("new/"), ra.pushed);
        assertEquals(List.of("gone/", "old/"), ra.deletedRemote.stream().sorted().toList());
        assertFalse(marker("old"));
        assertTrue(vault.head("old").deleted());

        SyncReport rb = sync(b);
        assertFalse(Files.exists(b.resolve("old")), rb.toString());
        assertFalse(Files.exists(b.resolve("gone")));
        assertTrue(emptyDir(b.resolve("new")));
        assertTrue(Files.isDirectory(b), "the sync root stays");
    }

    @Test
    void aFolderThatGetsAFileLosesItsMarkerAndStays() throws Exception {
        Files.createDirectories(a.resolve("docs"));
        sync(a);
        sync(b);
        Files.writeString(a.resolve("docs/readme.txt"), "hello");
        SyncReport ra = sync(a);
        assertEquals(List.of("docs/readme.txt"), ra.pushed);
        assertFalse(marker("docs"), "the folder exists through its file");

        sync(b);
        assertEquals("hello", Files.readString(b.resolve("docs/readme.txt")));
        assertFalse(marker("docs"));
        SyncReport again = sync(b);
        assertTrue(again.deletedLocal.isEmpty() && again.pushed.isEmpty(), again.deletedLocal.toString());
    }

    @Test
    void removingTheLastFileOfAFolderKeepsTheFolderOnBothDevices() throws Exception {
        Files.createDirectories(a.resolve("docs"));
        Files.writeString(a.resolve("docs/readme.txt"), "hello");
        sync(a);
        sync(b);
        Files.delete(a.resolve("docs/readme.txt"));
        SyncReport ra = sync(a);
        assertEquals(List.of("docs/readme.txt"), ra.deletedRemote);
        assertEquals(List.of("docs/"), ra.pushed);
        assertTrue(marker("docs"));

        sync(b);
        assertTrue(emptyDir(b.resolve("docs")), "the folder stays, as on the first device");
        // deleting the folder itself deletes it everywhere
        Files.delete(a.resolve("docs"));
        sync(a);
        sync(b);
        assertFalse(Files.exists(b.resolve("docs")));
    }

    @Test
    void aMarkerDeletedElsewhereWhileAFileWasAddedHereKeepsTheFile() throws Exception {
        Files.createDirectories(a.resolve("shared"));
        sync(a);
        sync(b);
        Files.delete(a.resolve("shared"));
        sync(a);
        assertFalse(marker("shared"));
        Files.writeString(b.resolve("shared/new.txt"), "mine");

        SyncReport rb = sync(b);
        assertEquals("mine", Files.readString(b.resolve("shared/new.txt")), rb.toString());
        assertEquals(List.of("shared/new.txt"), rb.pushed);
        sync(a);
        assertEquals("mine", Files.readString(a.resolve("shared/new.txt")));
    }

    @Test
    void aFileAndAnEmptyFolderAtOnePathTheFileWinsAndNothingIsLost() throws Exception {
        Files.createDirectories(a.resolve("x"));
        Files.writeString(a.resolve("keep.txt"), "k");
        sync(a);
        assertTrue(marker("x"));
        // a device that never synced has a file named x
        Files.writeString(b.resolve("x"), "a file");
        SyncReport rb = sync(b);
        assertTrue(rb.pushed.contains("x"), rb.pushed + " " + rb.warnings);
        assertFalse(marker("x"));
        assertEquals("a file", Files.readString(b.resolve("x")));

        SyncReport ra = sync(a);
        assertEquals("a file", Files.readString(a.resolve("x")), ra.warnings.toString());
        SyncReport again = sync(a);
        assertTrue(again.pushed.isEmpty() && again.deletedLocal.isEmpty() && again.deletedRemote.isEmpty(),
                again.deletedRemote.toString());
        assertEquals("a file", Files.readString(a.resolve("x")));
        sync(b);
        assertEquals("a file", Files.readString(b.resolve("x")));
    }

    @Test
    void aFolderHoldingOnlyIgnoredFilesIsAnEmptyFolder() throws Exception {
        Files.writeString(a.resolve(".chunkvaultignore"), "*.tmp\n");
        Files.createDirectories(a.resolve("scratch"));
        Files.writeString(a.resolve("scratch/x.tmp"), "t");
        sync(a);
        assertTrue(marker("scratch"));
        sync(b);
        assertTrue(emptyDir(b.resolve("scratch")));
    }

    @Test
    void aSyncedEmptyFolderIgnoredLaterIsForgottenHereAndKeptOnTheServer() throws Exception {
        Files.createDirectories(a.resolve("cache"));
        Files.writeString(a.resolve("keep.txt"), "k");
        sync(a);
        assertTrue(marker("cache"));
        Files.writeString(a.resolve(".chunkvaultignore"), "cache/\n");
        sync(a);
        assertTrue(marker("cache"), "ignored here is not deleted everywhere");
        assertTrue(Files.isDirectory(a.resolve("cache")));
    }

    @Test
    void theMassDeleteGuardCountsFoldersLikeFiles() throws Exception {
        for (int i = 0; i < 8; i++) {
            Files.createDirectories(a.resolve("d" + i));
        }
        Files.writeString(a.resolve("keep.txt"), "k");
        Files.writeString(a.resolve("keep2.txt"), "k");
        sync(a);
        sync(b);
        for (int i = 0; i < 8; i++) {
            Files.delete(a.resolve("d" + i));
        }
        // 8 of 10 tracked entries gone: over half, held back
        SyncReport held = sync(a);
        assertEquals(8, held.refusedDeletes.size(), held.refusedDeletes.toString());
        assertTrue(marker("d0"));
        SyncReport forced = sync(a, SyncEngine.Options.defaults("laptop").withForce(true));
        assertEquals(8, forced.deletedRemote.size());
        assertEquals(8, sync(b).refusedDeletes.size(), "the other device holds them back too");
        assertTrue(Files.isDirectory(b.resolve("d0")));
        sync(b, SyncEngine.Options.defaults("desktop").withForce(true));
        assertFalse(Files.exists(b.resolve("d0")));
        assertTrue(Files.exists(b.resolve("keep.txt")));
    }

    @Test
    void anEmptiedSyncRootIsStillHeldBackWithFoldersInIt() throws Exception {
        Files.createDirectories(a.resolve("empty"));
        Files.writeString(a.resolve("one.txt"), "1");
        Files.createDirectories(a.resolve("sub"));
        Files.writeString(a.resolve("sub/two.txt"), "2");
        sync(a);
        sync(b);
        Files.delete(a.resolve("one.txt"));
        Files.delete(a.resolve("sub/two.txt"));
        Files.delete(a.resolve("sub"));
        Files.delete(a.resolve("empty"));
        SyncReport held = sync(a);
        assertEquals(3, held.refusedDeletes.size(), held.refusedDeletes.toString());
        assertTrue(held.deletedRemote.isEmpty());
        assertTrue(marker("empty"));
        assertFalse(vault.head("one.txt").deleted());
    }

    @Test
    void aServiceWithoutMarkersIsWarnedAboutOnceAndFilesStillSync() throws Exception {
        vault.folderUnknown = true;
        Files.createDirectories(a.resolve("e1"));
        Files.createDirectories(a.resolve("e2"));
        Files.writeString(a.resolve("f.txt"), "f");
        SyncReport ra = sync(a);
        assertEquals(List.of("f.txt"), ra.pushed);
        assertEquals(1, ra.warnings.stream().filter(w -> w.contains("does not keep empty folders")).count(),
                ra.warnings.toString());
        assertEquals(1, vault.folderRefusals.get(), "no marker is sent again in the same run");
        sync(b);
        assertEquals("f", Files.readString(b.resolve("f.txt")));
    }
}
