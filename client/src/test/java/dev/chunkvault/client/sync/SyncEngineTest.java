package dev.chunkvault.client.sync;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.client.ApiException;
import dev.chunkvault.client.ChunkvaultClient;
import dev.chunkvault.client.FakeVault;
import dev.chunkvault.client.TestFiles;
import dev.chunkvault.core.paths.ConflictedCopies;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Two folders on one account, synced through the fake API. */
class SyncEngineTest extends TwoFolders {
    SyncReport sync(Path root, SyncEngine.Options o, SyncListener listener) throws IOException {
        try (StateStore st = StateStore.open(root)) {
            return new SyncEngine(client, st, o, listener).run();
        }
    }

    SyncReport sync(Path root, SyncListener listener) throws IOException {
        return sync(root, SyncEngine.Options.defaults(root.getFileName().toString()), listener);
    }

    /** A listener that runs {@code action} once the plan is made, before anything is applied. */
    static SyncListener beforeApplying(IoAction action) {
        return new SyncListener() {
            @Override
            public void plan(int files, long bytes) {
                try {
                    action.run();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        };
    }

    @FunctionalInterface
    interface IoAction {
        void run() throws IOException;
    }

    static void write(Path f, String s) throws IOException {
        Files.createDirectories(f.getParent());
        Files.writeString(f, s);
    }

    /** Gives an edit a new mtime even on coarse file systems. */
    static void edit(Path f, String s) throws IOException {
        FileTime before = Files.exists(f) ? Files.getLastModifiedTime(f) : FileTime.fromMillis(0);
        Files.writeString(f, s);
        Files.setLastModifiedTime(f, FileTime.fromMillis(before.toMillis() + 2000));
    }

    @Test
    void filesTravelBothWaysAndASecondSyncIsANoOp() throws Exception {
        write(a.resolve("notes/todo.txt"), "milk");
        write(b.resolve("photo.bin"), new String(new char[70_000]).replace('\0', 'x'));
        SyncReport ra = sync(a);
        assertEquals(List.of("notes/todo.txt"), ra.pushed);
        SyncReport rb = sync(b);
        assertEquals(List.of("photo.bin"), rb.pushed);
        assertEquals(List.of("notes/todo.txt"), rb.pulled);
        SyncReport ra2 = sync(a);
        assertEquals(List.of("photo.bin"), ra2.pulled);
        assertEquals("milk", Files.readString(b.resolve("notes/todo.txt")));
        assertTrue(sync(a).inSync());
        assertTrue(sync(b).inSync());
    }

    /** Many small files: their commits go in batches (fewer requests than files), each file committed once. */
    @Test
    void commitsOfManySmallFilesGoInBatches() throws Exception {
        for (int i = 0; i < 40; i++) {
            write(a.resolve("src/f" + i + ".txt"), "file " + i);
        }
        SyncReport r = sync(a);
        assertEquals(40, r.pushed.size());
        assertTrue(vault.commitBatches.get() >= 1, "batches sent");
        assertTrue(vault.commitsInBatches.get() >= 20, "most commits batched: " + vault.commitsInBatches.get());
        for (int i = 0; i < 40; i++) {
            assertEquals("file " + i, new String(vault.content("src/f" + i + ".txt"), java.nio.charset.StandardCharsets.UTF_8));
        }
        // Edit them all on another device: the batch holds stale commits too, each handled on its own.
        sync(b);
        for (int i = 0; i < 40; i += 2) {
            write(b.resolve("src/f" + i + ".txt"), "edited on b " + i);
        }
        sync(b);
        for (int i = 0; i < 40; i++) {
            write(a.resolve("src/f" + i + ".txt"), "edited on a " + i);
        }
        SyncReport both = sync(a);
        assertTrue(both.errors.isEmpty(), both.errors.toString());
        sync(b);
        // no edit lost: a file edited on both devices is there twice (the file and a conflicted copy), the others once
        java.util.Map<String, java.util.Set<String>> seen = new java.util.TreeMap<>();
        try (var files = Files.list(b.resolve("src"))) {
            for (Path p : files.toList()) {
                String name = p.getFileName().toString();
                String base = name.replaceAll(" \\(conflicted copy .*\\)", "");
                seen.computeIfAbsent(base, k -> new java.util.TreeSet<>()).add(Files.readString(p));
            }
        }
        assertEquals(40, seen.size(), seen.toString());
        for (int i = 0; i < 40; i++) {
            java.util.Set<String> expected = i % 2 == 0 ? java.util.Set.of("edited on a " + i, "edited on b " + i)
                    : java.util.Set.of("edited on a " + i);
            assertEquals(expected, seen.get("f" + i + ".txt"), "f" + i);
        }
    }

    private int calls(String route) {
        return vault.calls.getOrDefault(route, new java.util.concurrent.atomic.AtomicInteger()).get();
    }

    /** A folder's deletions travel in commit batches of up to 100: one request here, not one per file. */
    @Test
    void deletionsOfManyFilesGoInCommitBatches() throws Exception {
        for (int i = 0; i < 60; i++) {
            write(a.resolve("old/f" + i + ".txt"), "file " + i);
        }
        write(a.resolve("keep.txt"), "kept");
        sync(a);
        sync(b);
        int batchesBefore = calls("POST /v1/commit-batch");
        deleteTree(a.resolve("old"));
        // b edits f7 once a has planned its 60 deletions: the one of f7 is refused in the batch (stale), and the edit wins
        SyncListener editOnB = new SyncListener() {
            @Override
            public void plan(int files, long bytes) {
                try {
                    write(b.resolve("old/f7.txt"), "edited on b");
                    sync(b);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        };
        SyncReport r = sync(a, SyncEngine.Options.defaults("laptop").withForce(true), editOnB);
        assertTrue(r.errors.isEmpty(), r.errors.toString());
        assertEquals(0, calls("POST /v1/delete"), "no request of its own per deletion");
        assertEquals(60, vault.deletesInBatches.get(), "f7's deletion went too, and was refused as stale");
        assertEquals(1, calls("POST /v1/commit-batch") - batchesBefore, "one batch for 60 deletions");
        for (int i = 0; i < 60; i++) {
            assertEquals(i != 7, vault.isDeleted("old/f" + i + ".txt"), "f" + i);
        }
        assertEquals("edited on b", Files.readString(a.resolve("old/f7.txt")), "an edit is never lost to a deletion");
        sync(b, SyncEngine.Options.defaults("desktop").withForce(true)); // the guard holds back so many by default
        assertFalse(Files.exists(b.resolve("old/f0.txt")));
        assertEquals("edited on b", Files.readString(b.resolve("old/f7.txt")));
        assertEquals("kept", Files.readString(b.resolve("keep.txt")));
    }

    /** A service that refuses deletions in batches (from before they were batched): they go one by one, all done. */
    @Test
    void aServiceThatRefusesBatchedDeletionsGetsThemOneByOne() throws Exception {
        for (int i = 0; i < 12; i++) {
            write(a.resolve("old/g" + i + ".txt"), "g" + i);
        }
        sync(a);
        vault.batchDeletesRefused = true;
        deleteTree(a.resolve("old"));
        SyncReport r = sync(a, SyncEngine.Options.defaults("laptop").withForce(true));
        assertTrue(r.errors.isEmpty(), r.errors.toString());
        assertEquals(12, r.deletedRemote.size());
        assertEquals(0, vault.deletesInBatches.get());
        assertEquals(12, calls("POST /v1/delete"));
        for (int i = 0; i < 12; i++) {
            assertTrue(vault.isDeleted("old/g" + i + ".txt"), "g" + i);
        }
    }

    /** A service without the batch route (404 from the gateway): single commits, nothing lost. */
    @Test
    void withoutTheBatchRouteCommitsGoOneByOne() throws Exception {
        vault.batchRouteMissing = true;
        for (int i = 0; i < 12; i++) {
            write(a.resolve("g" + i + ".txt"), "g" + i);
        }
        SyncReport r = sync(a);
        assertEquals(12, r.pushed.size());
        assertEquals(0, vault.commitsInBatches.get());
        for (int i = 0; i < 12; i++) {
            assertEquals("g" + i, new String(vault.content("g" + i + ".txt"), java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    @Test
    void concurrentEditsOfTheSameFileKeepBothAsAConflictedCopy() throws Exception {
        write(a.resolve("doc.txt"), "base");
        sync(a);
        sync(b);
        edit(a.resolve("doc.txt"), "laptop edit");
        edit(b.resolve("doc.txt"), "desktop edit");
        sync(a);
        SyncReport rb = sync(b);
        assertEquals(1, rb.conflicts.size());
        String copy = rb.conflicts.get(0);
        assertTrue(ConflictedCopies.isConflictedCopy(copy), copy);
        assertEquals("laptop edit", Files.readString(b.resolve("doc.txt")));
        assertEquals("desktop edit", Files.readString(b.resolve(copy)));
        sync(a);
        assertEquals("desktop edit", Files.readString(a.resolve(copy)), "the copy reached the other side too");
        assertEquals("laptop edit", Files.readString(a.resolve("doc.txt")));
        assertTrue(sync(a).inSync());
        assertTrue(sync(b).inSync());
    }

    /**
     * Issue 15: a tree of small files syncs with requests shared across files — grants, commits and (on the second
     * device) download plans for many files each — where it took more than one API request per file.
     */
    @Test
    void aTreeOfSmallFilesTakesFewRequestsPerFile() throws Exception {
        int files = 300;
        for (int i = 0; i < files; i++) {
            TestFiles.write(a.resolve("src/d" + (i % 7) + "/f" + i + ".txt"), TestFiles.random(500 + i, 2_000 + i));
        }
        vault.calls.clear();
        SyncReport ra = sync(a);
        assertEquals(files, ra.pushed.size());
        int grants = vault.calls.getOrDefault("POST /v1/uploads", new java.util.concurrent.atomic.AtomicInteger()).get();
        int batches = vault.calls.getOrDefault("POST /v1/commit-batch", new java.util.concurrent.atomic.AtomicInteger()).get()
                + vault.calls.getOrDefault("POST /v1/commits", new java.util.concurrent.atomic.AtomicInteger()).get();
        // How many files share a request depends on how the transfer threads happen to meet (they are grouped as they
        // arrive, within a short linger): on a loaded machine a group is smaller. One request per file, which is what
        // this guards against, is 300; a quarter of that is far from it and leaves the scheduler room.
        assertTrue(grants <= files / 4, "grants shared across files: " + grants + " for " + files + " files");
        assertTrue(batches <= files / 4, "commits shared across files: " + batches + " for " + files + " files");

        vault.calls.clear();
        SyncReport rb = sync(b);
        assertEquals(files, rb.pulled.size());
        int plans = vault.calls.getOrDefault("POST /v1/download-batch", new java.util.concurrent.atomic.AtomicInteger()).get()
                + vault.calls.getOrDefault("POST /v1/downloads", new java.util.concurrent.atomic.AtomicInteger()).get();
        assertTrue(plans <= files / 4, "download plans shared across files: " + plans + " for " + files + " files");
        for (int i = 0; i < files; i += 37) {
            assertArrayEquals(TestFiles.random(500 + i, 2_000 + i), Files.readAllBytes(b.resolve("src/d" + (i % 7) + "/f" + i + ".txt")));
        }
        assertTrue(sync(a).inSync());
        assertTrue(sync(b).inSync());
    }

    @Test
    void disjointEditsOfALargeFileAreMerged() throws Exception {
        byte[] data = TestFiles.random(12, 3_000_000);
        TestFiles.write(a.resolve("m.bin"), data);
        sync(a);
        sync(b);
        byte[] left = data.clone();
        left[300_000] ^= 1;
        byte[] right = data.clone();
        right[2_700_000] ^= 1;
        Files.write(a.resolve("m.bin"), left);
        Files.setLastModifiedTime(a.resolve("m.bin"), FileTime.fromMillis(System.currentTimeMillis() + 5000));
        Files.write(b.resolve("m.bin"), right);
        Files.setLastModifiedTime(b.resolve("m.bin"), FileTime.fromMillis(System.currentTimeMillis() + 5000));
        sync(a);
        SyncReport rb = sync(b);
        assertEquals(List.of("m.bin"), rb.merged, "merged, not a conflicted copy: " + rb.conflicts);
        byte[] both = data.clone();
        both[300_000] ^= 1;
        both[2_700_000] ^= 1;
        assertArrayEquals(both, Files.readAllBytes(b.resolve("m.bin")));
        assertArrayEquals(both, vault.content("m.bin"));
        assertEquals(1, rb.backups.size(), "b's own version from before the merge is kept");
        assertArrayEquals(right, Files.readAllBytes(b.resolve(rb.backups.get(0))));
        assertTrue(rb.backups.get(0).startsWith(".chunkvault/backups/"), rb.backups.toString());
        sync(a);
        assertArrayEquals(both, Files.readAllBytes(a.resolve("m.bin")));
        assertTrue(sync(b).inSync());
    }

    /**
     * Devices editing disjoint parts of one file at once (issue 13): a merge whose commit finds that another device
     * committed first (its own merge) is checked and built again on the new head, not turned into a conflicted copy.
     */
    @Test
    void aMergeThatLosesTheRaceForTheHeadIsMergedAgainOnTheNewHead() throws Exception {
        Path c = Files.createDirectories(tmp.resolve("tablet"));
        byte[] data = TestFiles.random(15, 3_000_000);
        TestFiles.write(a.resolve("m.bin"), data);
        sync(a);
        sync(b);
        sync(c);
        int[] at = {300_000, 1_500_000, 2_700_000};
        Path[] devices = {a, b, c};
        for (int i = 0; i < 3; i++) {
            byte[] edited = data.clone();
            edited[at[i]] ^= 1;
            Files.write(devices[i].resolve("m.bin"), edited);
            Files.setLastModifiedTime(devices[i].resolve("m.bin"), FileTime.fromMillis(System.currentTimeMillis() + 5000));
        }
        sync(a);
        boolean[] once = {true};
        vault.hook = (route, body, query) -> {
            if (route.equals("POST /v1/commits") && once[0]) {
                once[0] = false; // b's merged commit is on its way: c's merge lands first
                SyncReport rc = sync(c);
                assertEquals(List.of("m.bin"), rc.merged, "c merged: " + rc.conflicts);
            }
        };
        SyncReport rb = sync(b);
        vault.hook = null;
        assertEquals(List.of("m.bin"), rb.merged, "merged on the new head, not a conflicted copy: " + rb.conflicts);
        assertTrue(rb.conflicts.isEmpty());
        byte[] all = data.clone();
        for (int offset : at) {
            all[offset] ^= 1;
        }
        assertArrayEquals(all, vault.content("m.bin"));
        assertArrayEquals(all, Files.readAllBytes(b.resolve("m.bin")));
        sync(a);
        sync(c);
        assertArrayEquals(all, Files.readAllBytes(a.resolve("m.bin")));
        assertArrayEquals(all, Files.readAllBytes(c.resolve("m.bin")));
    }

    @Test
    void withoutConflictCheckTheConflictStillKeepsBothEdits() throws Exception {
        vault.conflictCheckMissing = true;
        write(a.resolve("doc.txt"), "base");
        sync(a);
        sync(b);
        edit(a.resolve("doc.txt"), "A");
        edit(b.resolve("doc.txt"), "B");
        sync(a);
        SyncReport rb = sync(b);
        assertEquals(1, rb.conflicts.size());
        assertEquals("B", Files.readString(b.resolve(rb.conflicts.get(0))));
        assertEquals("A", Files.readString(b.resolve("doc.txt")));
    }

    @Test
    void deletionsPropagateBothWays() throws Exception {
        write(a.resolve("x.txt"), "x");
        write(a.resolve("d/y.txt"), "y");
        sync(a);
        sync(b);
        Files.delete(a.resolve("x.txt"));
        SyncReport ra = sync(a);
        assertEquals(List.of("x.txt"), ra.deletedRemote);
        SyncReport rb = sync(b);
        assertEquals(List.of("x.txt"), rb.deletedLocal);
        assertFalse(Files.exists(b.resolve("x.txt")));
        Files.delete(b.resolve("d/y.txt"));
        sync(b);
        sync(a);
        assertFalse(Files.exists(a.resolve("d/y.txt")));
        // The folder is still there (empty) on b: it stays on a too, as an empty folder (issue 21); deleting the folder
        // itself deletes it everywhere.
        assertTrue(Files.isDirectory(a.resolve("d")), "emptied folder kept, as on the device that emptied it");
        Files.delete(b.resolve("d"));
        sync(b);
        sync(a);
        assertFalse(Files.exists(a.resolve("d")), "deleted folder removed");
    }

    /**
     * A delete answered 404 by a service without the delete route (API Gateway's own answer, no error code) is not "the
     * file is already gone": the sync ends as for a failing service, the file stays tracked and on the server, and the
     * next sync against a service that has the route deletes it. (Every 404 counted as deleted: the deletion was
     * recorded here and never reached the server.)
     */
    @Test
    void aDeleteAnsweredByAMissingRouteIsAnErrorNotADeletion() throws Exception {
        write(a.resolve("x.txt"), "x");
        write(a.resolve("y.txt"), "y");
        sync(a);
        Files.delete(a.resolve("x.txt"));
        vault.missingRoutes.add("POST /v1/delete");
        ApiException e = assertThrows(ApiException.class, () -> sync(a));
        assertTrue(e.isNoSuchRoute(), e.toString());
        try (StateStore st = StateStore.open(a)) {
            assertTrue(st.get("x.txt").isPresent(), "still tracked: not recorded as deleted");
        }
        assertNotNull(vault.content("x.txt"), "still on the server");

        vault.missingRoutes.clear();
        SyncReport again = sync(a);
        assertEquals(List.of("x.txt"), again.deletedRemote);
        assertNull(vault.content("x.txt"));
    }

    /** A delete of a file the service says is gone (404 NOT_FOUND) is done: the deletion is recorded. */
    @Test
    void aDeleteOfAFileTheServiceNoLongerHasIsDone() throws Exception {
        write(a.resolve("x.txt"), "x");
        write(a.resolve("y.txt"), "y");
        sync(a);
        Files.delete(a.resolve("x.txt"));
        vault.failWith("POST /v1/delete", 404, "NOT_FOUND", 1);
        SyncReport r = sync(a);
        assertEquals(List.of("x.txt"), r.deletedRemote);
        try (StateStore st = StateStore.open(a)) {
            assertTrue(st.get("x.txt").isEmpty());
        }
    }

    @Test
    void anEditBeatsARemoteDeletion() throws Exception {
        write(a.resolve("keep.txt"), "v1");
        sync(a);
        sync(b);
        Files.delete(a.resolve("keep.txt"));
        sync(a);
        edit(b.resolve("keep.txt"), "v2 edited");
        SyncReport rb = sync(b);
        assertEquals(List.of("keep.txt"), rb.pushed);
        sync(a);
        assertEquals("v2 edited", Files.readString(a.resolve("keep.txt")));
    }

    @Test
    void massDeleteIsRefusedWithoutForce() throws Exception {
        for (int i = 0; i < 12; i++) {
            write(a.resolve("f" + i + ".txt"), "content " + i);
        }
        sync(a);
        for (int i = 0; i < 10; i++) {
            Files.delete(a.resolve("f" + i + ".txt"));
        }
        SyncReport r = sync(a);
        assertEquals(10, r.refusedDeletes.size());
        assertTrue(r.deletedRemote.isEmpty());
        assertNotNull(vault.head("f0.txt"));
        assertFalse(vault.head("f0.txt").deleted());
        SyncReport forced = sync(a, SyncEngine.Options.defaults("laptop").withForce(true));
        assertEquals(10, forced.deletedRemote.size());
        assertTrue(vault.head("f0.txt").deleted());
    }

    @Test
    void namesThatDifferOnlyByCaseInOneFolderAreBothSyncedAndArriveUnderTheirOwnNames() throws Exception {
        write(a.resolve("Report.txt"), "one");
        write(a.resolve("report.txt"), "two");
        write(a.resolve("other.txt"), "three");
        SyncReport r = sync(a);
        assertEquals(List.of(), r.collisions);
        assertEquals(List.of("report.txt -> report (Case Conflict).txt"), r.caseMarked);
        assertEquals(List.of("Report.txt", "other.txt", "report (Case Conflict).txt"), r.pushed.stream().sorted().toList());
        assertEquals("Report.txt", vault.head("report.txt").path());
        assertTrue(sync(a).caseMarked.isEmpty(), "reported once");
        sync(b);
        assertEquals("one", Files.readString(b.resolve("Report.txt")));
        assertEquals("two", Files.readString(b.resolve("report.txt")));
        assertFalse(Files.exists(b.resolve("report (Case Conflict).txt")));
    }

    @Test
    void aFileSpelledAsTheMarkedNameEndsTheAliasAndItsDeletionIsSynced() throws Exception {
        write(a.resolve("Report.txt"), "one");
        write(a.resolve("report.txt"), "two");
        sync(a);
        write(a.resolve("report (Case Conflict).txt"), "three");
        SyncReport r1 = sync(a);
        assertEquals(List.of("report.txt -> report (Case Conflict 2).txt"), r1.caseMarked);
        try (StateStore st = StateStore.open(a)) {
            assertEquals(Map.of("report (case conflict 2).txt", "report.txt"), st.aliases(), "the old alias ended");
        }
        assertEquals(null, vault.originalName("report (case conflict).txt"), "the server drops the name it had");
        assertEquals("report.txt", vault.originalName("report (case conflict 2).txt"));
        Path c = Files.createDirectories(tmp.resolve("third"));
        sync(c);
        assertEquals("two", Files.readString(c.resolve("report.txt")), "another device gets each file under its name");
        assertEquals("three", Files.readString(c.resolve("report (Case Conflict).txt")));
        assertFalse(Files.exists(c.resolve("report (Case Conflict 2).txt")));
        Files.delete(a.resolve("report (Case Conflict).txt"));
        SyncReport r = sync(a);
        assertEquals(List.of(), r.warnings);
        assertEquals(List.of("report (Case Conflict).txt"), r.deletedRemote);
        assertTrue(vault.head("report (case conflict).txt").deleted());
        assertEquals("two", Files.readString(a.resolve("report.txt")));
    }

    @Test
    void anIgnoredFileStoredUnderAMarkedNameIsNoLongerSyncedWithoutAWarning() throws Exception {
        write(a.resolve("Report.txt"), "one");
        write(a.resolve("report.txt"), "two");
        sync(a);
        write(a.resolve(".chunkvaultignore"), "/report.txt\n");
        SyncReport r = sync(a);
        assertEquals(List.of(), r.warnings);
        assertEquals(List.of(), r.deletedRemote);
        assertFalse(vault.head("report (case conflict).txt").deleted(), "the server's copy stays");
        try (StateStore st = StateStore.open(a)) {
            assertTrue(st.get("report (case conflict).txt").isEmpty(), "no longer synced here");
        }
    }

    @Test
    void aPulledFileWhoseAliasWasLostStaysTheSameFile() throws Exception {
        write(a.resolve("d/Report.txt"), "one");
        write(a.resolve("d/report.txt"), "two");
        sync(a);
        sync(b);
        try (StateStore st = StateStore.open(b)) {
            st.removeAlias("d/report (case conflict).txt"); // as a sync stopped between the record and the alias would
        }
        SyncReport r = sync(b);
        assertEquals(List.of(), r.pushed);
        assertEquals(List.of(), r.deletedRemote);
        sync(a);
        assertEquals("two", Files.readString(a.resolve("d/report.txt")));
        assertFalse(Files.exists(a.resolve("d/report (Case Conflict 2).txt")));
    }

    @Test
    void namesWhoseFoldersDifferOnlyByCaseAreReportedAndNotSynced() throws Exception {
        write(a.resolve("Docs/a.txt"), "one");
        write(a.resolve("docs/a.txt"), "two");
        write(a.resolve("other.txt"), "three");
        SyncReport r = sync(a);
        assertEquals(1, r.collisions.size());
        assertEquals(List.of("other.txt"), r.pushed);
        assertEquals(null, vault.head("docs/a.txt"));
    }

    @Test
    void ignoredFilesAndSymlinksAreNotSynced() throws Exception {
        write(a.resolve(".chunkvaultignore"), "*.tmp\nbuild/\n");
        write(a.resolve("a.tmp"), "scratch");
        write(a.resolve("build/out.o"), "obj");
        write(a.resolve("src/main.c"), "int main;");
        Files.createSymbolicLink(a.resolve("link"), Path.of("/etc"));
        SyncReport r = sync(a);
        assertEquals(List.of(".chunkvaultignore", "src/main.c"), r.pushed.stream().sorted().toList());
        assertTrue(r.warnings.stream().anyMatch(w -> w.contains("symbolic link")));
    }

    @Test
    void aRemoteEditOfALargeFilePullsOnlyTheChangedChunks() throws Exception {
        byte[] data = TestFiles.random(11, 3_000_000);
        TestFiles.write(a.resolve("big.bin"), data);
        sync(a);
        sync(b);
        data[1_500_000] ^= 7;
        Files.write(a.resolve("big.bin"), data);
        Files.setLastModifiedTime(a.resolve("big.bin"), FileTime.fromMillis(System.currentTimeMillis() + 5000));
        sync(a);
        int gets = vault.gets.get();
        SyncReport rb = sync(b);
        assertEquals(List.of("big.bin"), rb.pulled);
        assertArrayEquals(data, Files.readAllBytes(b.resolve("big.bin")));
        assertTrue(vault.gets.get() - gets <= 2, "only the edited chunk(s) downloaded");
        assertTrue(rb.bytesReused > 2_000_000);
    }

    @Test
    void aLocalEditMadeAfterTheScanIsNeverOverwritten() throws Exception {
        write(a.resolve("n.txt"), "v1");
        sync(a);
        sync(b);
        edit(a.resolve("n.txt"), "v2");
        sync(a);
        // b edits its copy too; the sync sees it as a conflict and keeps both
        edit(b.resolve("n.txt"), "b's unsynced edit");
        sync(b);
        try (Stream<Path> s = Files.list(b)) {
            assertTrue(s.anyMatch(p -> {
                try {
                    return Files.isRegularFile(p) && Files.readString(p).equals("b's unsynced edit");
                } catch (IOException e) {
                    return false;
                }
            }));
        }
    }

    @Test
    void anEditSavedWhileTheSameRemoteContentIsAdoptedIsNotRecordedAsSynced() throws Exception {
        write(a.resolve("n.txt"), "same bytes");
        sync(a);
        sync(b);
        String v1 = vault.head("n.txt").id();
        edit(a.resolve("n.txt"), "other bytes");
        sync(a);
        client.restore("n.txt", v1, null, ChunkvaultClient.newIdempotencyKey()); // a new version, b's content
        // b's copy is unchanged and the head has its content under a new version: b adopts the version. The user
        // saves the file after the scan, before the adoption is recorded.
        SyncReport r = sync(b, beforeApplying(() -> edit(b.resolve("n.txt"), "saved during the sync")));
        assertTrue(r.warnings.stream().anyMatch(w -> w.contains("n.txt")), r.warnings.toString());
        assertEquals("saved during the sync", Files.readString(b.resolve("n.txt")));
        SyncReport next = sync(b);
        assertEquals(List.of("n.txt"), next.pushed, "the edit is still seen as an edit");
        assertEquals("saved during the sync", new String(vault.content("n.txt"), java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void theSameContentUnderANewVersionIsAdoptedWithoutATransfer() throws Exception {
        write(a.resolve("n.txt"), "same bytes");
        sync(a);
        sync(b);
        String v1 = vault.head("n.txt").id();
        edit(a.resolve("n.txt"), "other bytes");
        sync(a);
        String v3 = client.restore("n.txt", v1, null, ChunkvaultClient.newIdempotencyKey()).version().versionId();
        SyncReport r = sync(b);
        assertTrue(r.pulled.isEmpty() && r.pushed.isEmpty(), r.pulled + " " + r.pushed);
        try (StateStore st = StateStore.open(b)) {
            assertEquals(v3, st.get("n.txt").orElseThrow().version());
        }
        assertTrue(sync(b).inSync());
    }

    // ---------------------------------------------------------------- a tracked file the scan did not list

    @Test
    void aNewIgnoreRuleStopsTrackingFilesButDeletesNothing() throws Exception {
        write(a.resolve("logs/x.log"), "log");
        write(a.resolve("a.log"), "another log");
        write(a.resolve("keep.txt"), "k");
        sync(a);
        sync(b);
        write(a.resolve(".chunkvaultignore"), "*.log\n");
        SyncReport r = sync(a);
        assertTrue(r.deletedRemote.isEmpty(), r.deletedRemote.toString());
        assertFalse(vault.head("logs/x.log").deleted());
        assertFalse(vault.head("a.log").deleted());
        SyncReport rb = sync(b);
        assertTrue(rb.deletedLocal.isEmpty(), rb.deletedLocal.toString());
        assertEquals("log", Files.readString(b.resolve("logs/x.log")));
        assertEquals("another log", Files.readString(a.resolve("a.log")));
        try (StateStore st = StateStore.open(a)) {
            assertTrue(st.get("a.log").isEmpty(), "no longer tracked here");
        }
        assertTrue(sync(a).inSync());
    }

    @Test
    void aTrackedFileOrFolderReplacedByASymbolicLinkIsNotADeletion() throws Exception {
        write(a.resolve("x.txt"), "x");
        write(a.resolve("docs/d.txt"), "d");
        write(a.resolve("gone.txt"), "really deleted");
        sync(a);
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.move(a.resolve("docs"), outside.resolve("docs"));
        Files.createSymbolicLink(a.resolve("docs"), outside.resolve("docs"));
        Files.move(a.resolve("x.txt"), outside.resolve("x.txt"));
        Files.createSymbolicLink(a.resolve("x.txt"), outside.resolve("x.txt"));
        Files.delete(a.resolve("gone.txt"));
        SyncReport r = sync(a);
        assertEquals(List.of("gone.txt"), r.deletedRemote, "only the real deletion");
        assertFalse(vault.head("x.txt").deleted());
        assertFalse(vault.head("docs/d.txt").deleted());
        assertTrue(r.warnings.stream().anyMatch(w -> w.contains("docs/d.txt")), r.warnings.toString());
    }

    @Test
    void aFolderRenamedToANameTheServiceRejectsIsNotADeletion() throws Exception {
        write(a.resolve("proj/a.txt"), "a");
        write(a.resolve("proj/sub/b.txt"), "b");
        write(a.resolve("z.txt"), "z");
        sync(a);
        Files.move(a.resolve("proj"), a.resolve("pro\\j")); // a backslash: not allowed in a name
        SyncReport r = sync(a);
        assertTrue(r.deletedRemote.isEmpty(), r.deletedRemote.toString());
        assertFalse(vault.head("proj/a.txt").deleted());
        assertFalse(vault.head("proj/sub/b.txt").deleted());
        assertTrue(r.warnings.stream().anyMatch(w -> w.contains("proj/sub/b.txt")), r.warnings.toString());
        Files.delete(a.resolve("z.txt"));
        assertEquals(List.of("z.txt"), sync(a).deletedRemote, "a real deletion next to it still syncs");
    }

    @Test
    void filesInAnUnreadableFolderAreNotDeletions() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeFalse("root".equals(System.getProperty("user.name")),
                "root reads any folder; see aPathUnderAFolderTheScanCouldNotReadIsNotDeleted");
        write(a.resolve("private/p.txt"), "p");
        write(a.resolve("q.txt"), "q");
        sync(a);
        Path dir = a.resolve("private");
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("---------"));
        try {
            SyncReport r = sync(a);
            assertTrue(r.deletedRemote.isEmpty(), r.deletedRemote.toString());
            assertFalse(vault.head("private/p.txt").deleted());
        } finally {
            Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        }
    }

    @Test
    void aPathUnderAFolderTheScanCouldNotReadIsNotDeleted() throws Exception {
        Files.createDirectories(a.resolve("private"));
        SyncRecord rec = new SyncRecord("private/p.txt", "private/p.txt", "0000000001-0000000000000001", 1, 1, "h",
                dev.chunkvault.core.manifest.Manifest.empty(FakeVault.PROFILE));
        LocalScanner.Scan scan = new LocalScanner.Scan(java.util.Map.of(), java.util.Map.of(), List.of(), 0,
                java.util.Map.of("private", new LocalScanner.Skipped(LocalScanner.Skip.UNREADABLE, true)));
        assertNotNull(SyncEngine.notDeleted(a, rec, scan));
        LocalScanner.Scan clean = new LocalScanner.Scan(java.util.Map.of(), java.util.Map.of(), List.of(), 0,
                java.util.Map.of());
        assertEquals(null, SyncEngine.notDeleted(a, rec, clean), "gone, and nothing stood in the way");
    }

    // ---------------------------------------------------------------- a folder belongs to one account

    ChunkvaultClient clientAs(java.net.URI endpoint, String token) {
        return new ChunkvaultClient(dev.chunkvault.client.ClientOptions.of(endpoint,
                dev.chunkvault.client.TokenProvider.of(token)).withRetry(new dev.chunkvault.client.RetryPolicy(2,
                java.time.Duration.ofMillis(1), java.time.Duration.ofMillis(1), java.time.Duration.ofSeconds(1), () -> 0.5),
                new TestFiles.RecordingSleeper()));
    }

    SyncReport syncWith(ChunkvaultClient c, Path root, SyncEngine.Options o) throws IOException {
        try (StateStore st = StateStore.open(root)) {
            return new SyncEngine(c, st, o, SyncListener.NONE).run();
        }
    }

    /**
     * The change feed is read on a thread of its own while the folder is scanned (issue 15, a sync with nothing to do):
     * what it throws still ends the sync as itself, after the scan, with nothing applied; the next sync goes on.
     */
    @Test
    void aChangeFeedReadBesideTheScanFailsTheSyncAsItself() throws Exception {
        write(a.resolve("x.txt"), "x");
        sync(a);
        write(a.resolve("y.txt"), "y");
        vault.missingRoutes.add("GET /v1/changes");
        ApiException e = assertThrows(ApiException.class, () -> sync(a));
        assertTrue(e.isNoSuchRoute(), e.toString());
        assertNull(vault.content("y.txt"), "nothing applied");
        vault.missingRoutes.clear();
        assertEquals(List.of("y.txt"), sync(a).pushed);
    }

    @Test
    void aFirstSyncThatNeverReachedTheServiceDoesNotBindTheFolder() throws Exception {
        // A mistyped endpoint or a refused token: nothing was synced, so the folder must not be taken as that
        // account's (it was, and the next sync, signed in properly, was refused: exit 7, "run sync --rebind").
        write(a.resolve("mine.txt"), "alice's");
        try (ChunkvaultClient nowhere = clientAs(java.net.URI.create("http://127.0.0.1:9"), vault.tokenFor("mallory"));
             ChunkvaultClient asAlice = clientAs(vault.endpoint(), vault.tokenFor("alice"))) {
            org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class,
                    () -> syncWith(nowhere, a, SyncEngine.Options.defaults("laptop")));
            SyncReport r = syncWith(asAlice, a, SyncEngine.Options.defaults("laptop"));
            assertEquals(List.of("mine.txt"), r.pushed);
            assertEquals("alice's", new String(vault.content("mine.txt"), java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    @Test
    void aFolderSyncedWithOneAccountIsNotSyncedWithAnotherUnlessRebound() throws Exception {
        String alice = vault.tokenFor("alice");
        String bob = vault.tokenFor("bob");
        write(a.resolve("mine.txt"), "alice's");
        try (ChunkvaultClient asAlice = clientAs(vault.endpoint(), alice);
             ChunkvaultClient asBob = clientAs(vault.endpoint(), bob)) {
            syncWith(asAlice, a, SyncEngine.Options.defaults("laptop"));
            int commits = vault.calls.get("POST /v1/commits").get();
            Files.delete(a.resolve("mine.txt"));
            SyncRefusedException refused = org.junit.jupiter.api.Assertions.assertThrows(SyncRefusedException.class,
                    () -> syncWith(asBob, a, SyncEngine.Options.defaults("laptop")));
            assertTrue(refused.getMessage().contains("'alice'") && refused.getMessage().contains("'bob'"),
                    refused.getMessage());
            assertTrue(refused.getMessage().contains("--rebind"), refused.getMessage());
            assertFalse(vault.head("mine.txt").deleted(), "nothing was done");
            assertEquals(commits, vault.calls.get("POST /v1/commits").get());
            org.junit.jupiter.api.Assertions.assertThrows(SyncRefusedException.class,
                    () -> syncWith(asBob, a, SyncEngine.Options.defaults("laptop").withDryRun(true)));
            // rebound: the state is forgotten, so the missing file is not a deletion; the server's copy comes back
            SyncReport r = syncWith(asBob, a, SyncEngine.Options.defaults("laptop").withRebind(true));
            assertTrue(r.rebound);
            assertTrue(r.deletedRemote.isEmpty());
            assertEquals(List.of("mine.txt"), r.pulled);
            assertTrue(syncWith(asBob, a, SyncEngine.Options.defaults("laptop")).inSync());
            org.junit.jupiter.api.Assertions.assertThrows(SyncRefusedException.class,
                    () -> syncWith(asAlice, a, SyncEngine.Options.defaults("laptop")), "bound to bob now");
        }
    }

    @Test
    void aFolderSyncedWithOneServiceIsNotSyncedWithAnother() throws Exception {
        write(a.resolve("x.txt"), "x");
        sync(a);
        try (FakeVault other = new FakeVault(); ChunkvaultClient c = clientAs(other.endpoint(), "test-token")) {
            SyncRefusedException refused = org.junit.jupiter.api.Assertions.assertThrows(SyncRefusedException.class,
                    () -> syncWith(c, a, SyncEngine.Options.defaults("laptop")));
            assertTrue(refused.getMessage().contains(other.endpoint().toString()), refused.getMessage());
            assertEquals(null, other.head("x.txt"));
        }
    }

    @Test
    void aFileTheServerHasNoTraceOfIsUploadedAgainNotDeletedHere() throws Exception {
        write(a.resolve("old.txt"), "kept for years");
        write(a.resolve("other.txt"), "o");
        sync(a);
        vault.purge("old.txt"); // e.g. collected after its retention period
        SyncReport r = sync(a, SyncEngine.Options.defaults("laptop").withFullListing(true));
        assertTrue(r.deletedLocal.isEmpty(), r.deletedLocal.toString());
        assertEquals("kept for years", Files.readString(a.resolve("old.txt")));
        assertEquals(List.of("old.txt"), r.pushed);
        assertEquals("kept for years", new String(vault.content("old.txt"), java.nio.charset.StandardCharsets.UTF_8));
        assertTrue(sync(a, SyncEngine.Options.defaults("laptop").withFullListing(true)).inSync());
    }

    // ---------------------------------------------------------------- mass-delete safeguard

    @Test
    void deletingEveryTrackedFileIsAMassDeleteEvenForAFew() throws Exception {
        for (int i = 0; i < 3; i++) {
            write(a.resolve("f" + i + ".txt"), "content " + i);
        }
        sync(a);
        for (int i = 0; i < 3; i++) {
            Files.delete(a.resolve("f" + i + ".txt"));
        }
        SyncReport r = sync(a);
        assertEquals(3, r.refusedDeletes.size(), r.refusedDeletes.toString());
        assertFalse(vault.head("f0.txt").deleted());
        assertEquals(3, sync(a, SyncEngine.Options.defaults("laptop").withForce(true)).deletedRemote.size());
    }

    @Test
    void emptyingManyFilesAtOnceIsHeldBackLikeAMassDelete() throws Exception {
        for (int i = 0; i < 8; i++) {
            write(a.resolve("f" + i + ".txt"), "content " + i);
        }
        sync(a);
        sync(b);
        for (int i = 0; i < 8; i++) {
            edit(a.resolve("f" + i + ".txt"), "");
        }
        SyncReport r = sync(a);
        assertEquals(8, r.refusedDeletes.size(), r.refusedDeletes.toString());
        assertTrue(r.refusedDeletes.get(0).startsWith("empty remote "), r.refusedDeletes.toString());
        assertEquals("content 0", new String(vault.content("f0.txt"), java.nio.charset.StandardCharsets.UTF_8));
        assertEquals(8, sync(a, SyncEngine.Options.defaults("laptop").withForce(true)).pushed.size());
        SyncReport rb = sync(b);
        assertEquals(8, rb.refusedDeletes.size(), "the other device holds them back too: " + rb.refusedDeletes);
        assertEquals("content 3", Files.readString(b.resolve("f3.txt")));
    }

    // ---------------------------------------------------------------- the safeguard counts what is gone (issue 13)

    static final String[] FIVE = {"f0.txt", "f1.txt", "f2.txt", "f3.txt", "f4.txt"};

    /** The five files on both devices, in step. */
    void fiveFilesOnBothDevices() throws IOException {
        for (String f : FIVE) {
            write(a.resolve(f), "content of " + f);
        }
        assertEquals(5, sync(a).pushed.size());
        assertEquals(5, sync(b).pulled.size());
    }

    /** Edits files on b and syncs them. */
    void editOnB(String... files) throws IOException {
        for (String f : files) {
            edit(b.resolve(f), "edited on b: " + f);
        }
        assertEquals(List.of(files), sync(b).pushed.stream().sorted().toList());
    }

    /** Deletes every file and folder of {@code root} but its {@code .chunkvault} (what {@code rm -r root/*} does). */
    static void empty(Path root) throws IOException {
        try (Stream<Path> s = Files.list(root)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (!p.getFileName().toString().equals(".chunkvault")) {
                    deleteTree(p);
                }
            }
        }
    }

    static void deleteTree(Path p) throws IOException {
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }

    String onServer(String path) {
        assertNotNull(vault.head(path), path);
        assertFalse(vault.head(path).deleted(), path + " deleted on the server");
        return new String(vault.content(path), java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The five files are on the server, each with {@code edited} ones as b saved them, the others as first written. */
    void serverStillHasAllFive(String... edited) {
        List<String> e = List.of(edited);
        for (String f : FIVE) {
            assertEquals((e.contains(f) ? "edited on b: " : "content of ") + f, onServer(f));
        }
    }

    /** b syncs and still has the five files, with its edits. */
    void bStillHasAllFive(String... edited) throws IOException {
        SyncReport rb = sync(b);
        assertTrue(rb.deletedLocal.isEmpty(), "b deleted " + rb.deletedLocal);
        List<String> e = List.of(edited);
        for (String f : FIVE) {
            assertEquals((e.contains(f) ? "edited on b: " : "content of ") + f, Files.readString(b.resolve(f)));
        }
    }

    /**
     * The reported case: 5 tracked files, the folder emptied on a while b edited one of them. The edit turns that
     * file's local deletion into a download, so only 4 deletions were planned, and 4 of 5 passed the thresholds:
     * they were deleted on the server and then on b. The safeguard counts the 5 files missing on disk.
     */
    @Test
    void anEmptiedFolderIsHeldBackEvenWhenAnotherDeviceEditedOneOfItsFiles() throws Exception {
        fiveFilesOnBothDevices();
        editOnB("f2.txt");
        empty(a);
        SyncReport r = sync(a);
        assertTrue(r.deletedRemote.isEmpty(), "deleted on the server: " + r.deletedRemote);
        serverStillHasAllFive("f2.txt");
        assertEquals(List.of("remote f0.txt", "remote f1.txt", "remote f3.txt", "remote f4.txt"), r.refusedDeletes);
        assertEquals(List.of("f2.txt"), r.heldDownloads, "the edit waits on the server while the folder is empty");
        assertTrue(r.heldBackBecause.contains("looks emptied or unmounted"), r.heldBackBecause);
        assertFalse(r.inSync());
        bStillHasAllFive("f2.txt");
        SyncReport again = sync(a);
        assertEquals(4, again.refusedDeletes.size(), "held back again, not forgotten: " + again.refusedDeletes);
        serverStillHasAllFive("f2.txt");
        // The folder comes back (restored, remounted): the edit comes down, nothing else changes.
        for (String f : FIVE) {
            write(a.resolve(f), "content of " + f);
        }
        SyncReport back = sync(a);
        assertEquals(List.of("f2.txt"), back.pulled);
        assertTrue(back.refusedDeletes.isEmpty() && back.deletedRemote.isEmpty() && back.pushed.isEmpty(),
                back.refusedDeletes + " " + back.deletedRemote + " " + back.pushed);
        assertEquals("edited on b: f2.txt", Files.readString(a.resolve("f2.txt")));
        serverStillHasAllFive("f2.txt");
    }

    @Test
    void anEmptiedFolderIsHeldBackWhenAnotherDeviceEditedSeveralOfItsFiles() throws Exception {
        fiveFilesOnBothDevices();
        editOnB("f1.txt", "f2.txt", "f3.txt");
        empty(a);
        SyncReport r = sync(a);
        assertTrue(r.deletedRemote.isEmpty(), "deleted on the server: " + r.deletedRemote);
        serverStillHasAllFive("f1.txt", "f2.txt", "f3.txt");
        assertEquals(List.of("remote f0.txt", "remote f4.txt"), r.refusedDeletes);
        assertEquals(List.of("f1.txt", "f2.txt", "f3.txt"), r.heldDownloads);
        bStillHasAllFive("f1.txt", "f2.txt", "f3.txt");
    }

    /** Even when every missing file was edited elsewhere (no deletion planned at all), the sync says it held back. */
    @Test
    void anEmptiedFolderWhoseFilesWereAllEditedElsewhereIsHeldBackToo() throws Exception {
        fiveFilesOnBothDevices();
        editOnB(FIVE);
        empty(a);
        SyncReport r = sync(a);
        assertTrue(r.refusedDeletes.isEmpty(), r.refusedDeletes.toString());
        assertEquals(List.of(FIVE), r.heldDownloads);
        assertTrue(r.pulled.isEmpty(), r.pulled.toString());
        assertFalse(r.inSync());
        serverStillHasAllFive(FIVE);
    }

    /** The folder on a disk that is not mounted: an empty mount point, or no folder at all (state kept elsewhere). */
    @Test
    void anUnmountedFolderIsHeldBackOrRefused() throws Exception {
        Path state = tmp.resolve("state-elsewhere/state.db");
        Files.createDirectories(state.getParent());
        for (String f : FIVE) {
            write(a.resolve(f), "content of " + f);
        }
        assertEquals(5, syncWithStateAt(a, state).pushed.size());
        sync(b);
        editOnB("f2.txt");
        deleteTree(a);
        Files.createDirectories(a); // the empty mount point
        SyncReport r = syncWithStateAt(a, state);
        assertTrue(r.deletedRemote.isEmpty(), "deleted on the server: " + r.deletedRemote);
        assertEquals(4, r.refusedDeletes.size(), r.refusedDeletes.toString());
        assertEquals(List.of("f2.txt"), r.heldDownloads);
        assertTrue(r.heldBackBecause.contains("looks emptied or unmounted"), r.heldBackBecause);
        serverStillHasAllFive("f2.txt");

        deleteTree(a); // not even the mount point
        SyncRefusedException refused = org.junit.jupiter.api.Assertions.assertThrows(SyncRefusedException.class,
                () -> syncWithStateAt(a, state));
        assertTrue(refused.getMessage().contains("not there"), refused.getMessage());
        assertFalse(Files.exists(a), "the folder is not created again");
        serverStillHasAllFive("f2.txt");
        bStillHasAllFive("f2.txt");
    }

    SyncReport syncWithStateAt(Path root, Path stateFile) throws IOException {
        try (StateStore st = StateStore.openFile(root, stateFile)) {
            return new SyncEngine(client, st, SyncEngine.Options.defaults("laptop"), SyncListener.NONE).run();
        }
    }

    /**
     * The other direction: b deleted every file (with --force) while a edited one of them. The edit wins there (it
     * is uploaded again), which left 4 local deletions, under the thresholds; the 5 files deleted on the server
     * count, and the local deletions are held back.
     */
    @Test
    void remoteDeletionsOfEveryFileAreHeldBackEvenWhenOneWasEditedHere() throws Exception {
        fiveFilesOnBothDevices();
        edit(a.resolve("f0.txt"), "edited on a");
        empty(b);
        assertEquals(5, sync(b, SyncEngine.Options.defaults("desktop").withForce(true)).deletedRemote.size());
        SyncReport r = sync(a);
        assertTrue(r.deletedLocal.isEmpty(), "deleted here: " + r.deletedLocal);
        assertEquals(List.of("local f1.txt", "local f2.txt", "local f3.txt", "local f4.txt"), r.refusedDeletes);
        for (String f : FIVE) {
            assertTrue(Files.exists(a.resolve(f)), f);
        }
        assertEquals(List.of("f0.txt"), r.pushed, "an edit is never held back: it brings the file back");
        assertEquals("edited on a", onServer("f0.txt"));
        SyncReport forced = sync(a, SyncEngine.Options.defaults("laptop").withForce(true));
        assertEquals(4, forced.deletedLocal.size(), forced.deletedLocal.toString());
        assertEquals("edited on a", Files.readString(a.resolve("f0.txt")));
    }

    /** --force applies the deletions of an emptied folder; the file edited elsewhere comes back (the edit wins). */
    @Test
    void forceDeletesWhatIsMissingAndTheEditElsewhereComesBack() throws Exception {
        fiveFilesOnBothDevices();
        editOnB("f2.txt");
        empty(a);
        SyncReport r = sync(a, SyncEngine.Options.defaults("laptop").withForce(true));
        assertTrue(r.refusedDeletes.isEmpty() && r.heldDownloads.isEmpty());
        assertEquals(List.of("f0.txt", "f1.txt", "f3.txt", "f4.txt"), r.deletedRemote.stream().sorted().toList());
        assertEquals(List.of("f2.txt"), r.pulled);
        assertEquals("edited on b: f2.txt", Files.readString(a.resolve("f2.txt")));
        assertTrue(vault.head("f0.txt").deleted());
        assertEquals("edited on b: f2.txt", onServer("f2.txt"));
        SyncReport rb = sync(b);
        assertEquals(4, rb.deletedLocal.size(), rb.deletedLocal.toString());
        assertEquals("edited on b: f2.txt", Files.readString(b.resolve("f2.txt")));
    }

    // ---------------------------------------------------------------- one file's trouble is that file's alone

    @Test
    void aFileThatVanishesBeforeItIsHashedIsSkippedAndTheRestSyncs() throws Exception {
        write(a.resolve("vanishing.txt"), "v1");
        write(a.resolve("stays.txt"), "s1");
        sync(a);
        edit(a.resolve("vanishing.txt"), "v2");
        edit(a.resolve("stays.txt"), "s2");
        vault.hook = (route, body, query) -> {
            if (route.equals("GET /v1/changes")) {
                Files.deleteIfExists(a.resolve("vanishing.txt")); // after the scan listed it, before it is hashed
            }
        };
        SyncReport r = sync(a);
        vault.hook = null;
        assertEquals(List.of("stays.txt"), r.pushed);
        assertTrue(r.warnings.stream().anyMatch(w -> w.contains("vanishing.txt")), r.warnings.toString());
        assertEquals("v1", new String(vault.content("vanishing.txt"), java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void aConflictedCopyWhoseNameIsTakenMeanwhileIsSkippedNotTheWholeSync() throws Exception {
        write(a.resolve("doc.txt"), "base");
        write(a.resolve("other.txt"), "o1");
        sync(a);
        sync(b);
        edit(a.resolve("doc.txt"), "laptop edit");
        sync(a);
        edit(b.resolve("doc.txt"), "desktop edit");
        edit(b.resolve("other.txt"), "o2");
        Path elsewhere = TestFiles.write(tmp.resolve("elsewhere.txt"), "someone else's".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        boolean[] once = {true};
        vault.hook = (route, body, query) -> {
            String path = body.path("path").asText();
            if (route.equals("POST /v1/commits") && ConflictedCopies.isConflictedCopy(path) && once[0]) {
                once[0] = false; // another device creates the very same name first
                new dev.chunkvault.client.FilePusher(client, dev.chunkvault.client.PushJournal.inMemory())
                        .push(dev.chunkvault.client.FilePusher.Request.of(elsewhere, path, null));
            }
        };
        SyncReport rb = sync(b);
        vault.hook = null;
        assertEquals(List.of("other.txt"), rb.pushed, "the rest synced");
        assertFalse(rb.warnings.isEmpty() && rb.errors.isEmpty(), "the conflict is reported");
        sync(b);
        sync(b);
        java.util.Set<String> contents = new java.util.HashSet<>();
        try (Stream<Path> files = Files.list(b)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                if (Files.isRegularFile(p)) {
                    contents.add(Files.readString(p));
                }
            }
        }
        assertTrue(contents.containsAll(List.of("laptop edit", "desktop edit", "someone else's")), contents.toString());
    }

    @Test
    void onWindowsNamesItCannotHoldAreSkippedWithAWarning() throws Exception {
        write(a.resolve("a:b.txt"), "colon");
        write(a.resolve("x:y/z.txt"), "in a folder");
        write(a.resolve("ok.txt"), "fine");
        sync(a);
        SyncReport r = sync(b, SyncEngine.Options.defaults("windows").withWindowsNames(true));
        assertEquals(List.of("ok.txt"), r.pulled);
        assertTrue(r.warnings.stream().anyMatch(w -> w.contains("a:b.txt")), r.warnings.toString());
        assertTrue(r.warnings.stream().anyMatch(w -> w.contains("x:y/z.txt")), r.warnings.toString());
        assertFalse(Files.exists(b.resolve("a:b.txt")));
    }

    // ---------------------------------------------------------------- the change cursor

    @Test
    void aRemoteChangeToACollidingNameIsNotSkippedForGood() throws Exception {
        write(a.resolve("report.txt"), "r1");
        sync(a);
        sync(b);
        Files.createDirectories(b.resolve("REPORT.txt")); // an empty folder whose name differs only by case
        edit(a.resolve("report.txt"), "r2");
        sync(a);
        SyncReport rb = sync(b);
        assertEquals(1, rb.collisions.size());
        Files.delete(b.resolve("REPORT.txt")); // the user resolves the collision
        sync(b);
        assertEquals("r2", Files.readString(b.resolve("report.txt")), "the edit made meanwhile arrives");
    }

    // ---------------------------------------------------------------- merges

    @Test
    void disjointEditsOfAZipContainerAreKeptAsBothNotMerged() throws Exception {
        byte[] data = TestFiles.random(13, 3_000_000);
        data[0] = 'P';
        data[1] = 'K';
        data[2] = 3;
        data[3] = 4;
        TestFiles.write(a.resolve("book.xlsx"), data);
        sync(a);
        sync(b);
        byte[] left = data.clone();
        left[300_000] ^= 1;
        byte[] right = data.clone();
        right[2_700_000] ^= 1;
        Files.write(a.resolve("book.xlsx"), left);
        Files.setLastModifiedTime(a.resolve("book.xlsx"), FileTime.fromMillis(System.currentTimeMillis() + 5000));
        Files.write(b.resolve("book.xlsx"), right);
        Files.setLastModifiedTime(b.resolve("book.xlsx"), FileTime.fromMillis(System.currentTimeMillis() + 5000));
        sync(a);
        SyncReport rb = sync(b);
        assertTrue(rb.merged.isEmpty(), "a byte-wise merge of a ZIP would be a broken file");
        assertEquals(1, rb.conflicts.size());
        assertArrayEquals(left, Files.readAllBytes(b.resolve("book.xlsx")));
        assertArrayEquals(right, Files.readAllBytes(b.resolve(rb.conflicts.get(0))));
    }

    @Test
    void oldBackupsArePruned() throws Exception {
        write(a.resolve("x.txt"), "x");
        Path old = Files.createDirectories(a.resolve(".chunkvault/backups/20200101-000000"));
        Files.writeString(old.resolve("x.txt"), "from long ago");
        java.time.LocalDateTime recent = java.time.LocalDateTime.now().minusDays(1);
        Path kept = Files.createDirectories(a.resolve(".chunkvault/backups/" + LocalBackups.BACKUP_DIR_NAME.format(recent)));
        Files.writeString(kept.resolve("x.txt"), "yesterday");
        sync(a);
        assertFalse(Files.exists(old), "older than " + LocalBackups.KEEP_BACKUPS);
        assertTrue(Files.exists(kept.resolve("x.txt")));
    }

    // ---------------------------------------------------------------- racily clean files

    /** Counts the files hashed by a sync. */
    static final class Hashes implements SyncListener {
        final List<String> hashed = java.util.Collections.synchronizedList(new java.util.ArrayList<>());

        @Override
        public dev.chunkvault.client.TransferListener transfer(String path) {
            return new dev.chunkvault.client.TransferListener() {
                @Override
                public void start(String phase, String name, long totalBytes) {
                    if (phase.equals("hash")) {
                        hashed.add(path);
                    }
                }
            };
        }
    }

    @Test
    void aSameSizeEditWithinTheTimestampGranularityOfTheLastSyncIsNoticed() throws Exception {
        Path f = a.resolve("r.txt");
        write(f, "aaaa");
        sync(a); // records the stat right after the file was written
        FileTime recorded = Files.getLastModifiedTime(f);
        Files.writeString(f, "bbbb"); // an edit so quick (or a file system so coarse) that the mtime stays
        Files.setLastModifiedTime(f, recorded);
        SyncReport r = sync(a);
        assertEquals(List.of("r.txt"), r.pushed, "re-hashed: its recorded mtime was too close to the sync");
        assertEquals("bbbb", new String(vault.content("r.txt"), java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void aFileLastModifiedWellBeforeItWasRecordedIsNotHashedAgain() throws Exception {
        Path f = a.resolve("old.txt");
        write(f, "old");
        Files.setLastModifiedTime(f, FileTime.fromMillis(System.currentTimeMillis() - 60_000));
        sync(a);
        Hashes h = new Hashes();
        assertTrue(sync(a, h).inSync());
        assertTrue(h.hashed.isEmpty(), h.hashed.toString());
    }

    // ---------------------------------------------------------------- conflicted copies

    /** Both sides edit doc.txt; b's edit has an old mtime (so no racy re-hash covers up a wrong record). */
    void conflictingEdits() throws IOException {
        write(a.resolve("doc.txt"), "base");
        sync(a);
        sync(b);
        edit(a.resolve("doc.txt"), "laptop edit");
        sync(a);
        Files.writeString(b.resolve("doc.txt"), "desktop edit");
        Files.setLastModifiedTime(b.resolve("doc.txt"), FileTime.fromMillis(System.currentTimeMillis() - 60_000));
    }

    @Test
    void anEditOfTheConflictedCopyWhileItIsCommittedStaysAnEdit() throws Exception {
        conflictingEdits();
        vault.hook = (route, body, query) -> {
            String path = body.path("path").asText();
            if (route.equals("POST /v1/commits") && ConflictedCopies.isConflictedCopy(path)) {
                Path copy = b.resolve(path);
                Files.writeString(copy, "DESKTOP EDIT"); // same size, saved while the copy is being committed
                Files.setLastModifiedTime(copy, FileTime.fromMillis(System.currentTimeMillis() - 30_000));
            }
        };
        SyncReport rb = sync(b);
        vault.hook = null;
        String copy = rb.conflicts.get(0);
        SyncReport next = sync(b);
        assertEquals(List.of(copy), next.pushed, "the copy's new edit is pushed");
        assertEquals("DESKTOP EDIT", new String(vault.content(copy), java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void aConflictedCopyNeverReplacesAFileThatAppearedUnderItsName() throws Exception {
        conflictingEdits();
        String[] taken = {null};
        vault.hook = (route, body, query) -> {
            String path = query.get("path");
            if (route.equals("GET /v1/file") && taken[0] == null && path != null && ConflictedCopies.isConflictedCopy(path)) {
                taken[0] = path; // another program writes that very name just after the engine looked
                Files.writeString(b.resolve(path), "not yours to replace");
            }
        };
        SyncReport rb = sync(b);
        vault.hook = null;
        assertNotNull(taken[0]);
        assertEquals("not yours to replace", Files.readString(b.resolve(taken[0])));
        assertEquals(1, rb.conflicts.size());
        assertFalse(rb.conflicts.get(0).equals(taken[0]), rb.conflicts.toString());
        assertEquals("desktop edit", Files.readString(b.resolve(rb.conflicts.get(0))));
        assertEquals("laptop edit", Files.readString(b.resolve("doc.txt")));
    }

    @Test
    void aFailingConflictCheckEndsTheSyncInsteadOfRenamingTheFile() throws Exception {
        conflictingEdits();
        vault.fail("POST /v1/conflict-check", 503, 4); // every attempt the client makes
        dev.chunkvault.client.ApiException down = org.junit.jupiter.api.Assertions.assertThrows(
                dev.chunkvault.client.ApiException.class, () -> sync(b));
        assertEquals(503, down.status());
        assertEquals("desktop edit", Files.readString(b.resolve("doc.txt")), "the user's file stays where it is");
        try (Stream<Path> files = Files.list(b)) {
            assertFalse(files.anyMatch(p -> ConflictedCopies.isConflictedCopy(p.getFileName().toString())));
        }
        SyncReport rb = sync(b); // the service is back: the real verdict decides
        assertEquals(1, rb.conflicts.size());
        assertEquals("desktop edit", Files.readString(b.resolve(rb.conflicts.get(0))));
    }

    @Test
    void aConflictCheckAgainstAnExpiredBaseAsksAgainWithTheWholeManifest() throws Exception {
        byte[] data = TestFiles.random(14, 20_000_000); // more than 64 chunks: the question is a manifest delta
        TestFiles.write(a.resolve("big.bin"), data);
        sync(a);
        sync(b);
        String base = vault.head("big.bin").id();
        byte[] left = data.clone();
        left[1_000_000] ^= 1;
        byte[] right = data.clone();
        right[1_000_001] ^= 1; // the same chunk: a real conflict
        Files.write(a.resolve("big.bin"), left);
        Files.setLastModifiedTime(a.resolve("big.bin"), FileTime.fromMillis(System.currentTimeMillis() + 5000));
        sync(a);
        vault.expire("big.bin", base);
        Files.write(b.resolve("big.bin"), right);
        Files.setLastModifiedTime(b.resolve("big.bin"), FileTime.fromMillis(System.currentTimeMillis() + 5000));
        SyncReport rb = sync(b);
        assertTrue(rb.errors.isEmpty(), rb.errors.toString());
        assertEquals(1, rb.conflicts.size());
        assertArrayEquals(right, Files.readAllBytes(b.resolve(rb.conflicts.get(0))));
        assertArrayEquals(left, Files.readAllBytes(b.resolve("big.bin")));
    }

    // ---------------------------------------------------------------- one sync of a folder at a time

    @Test
    void aSecondSyncOfAFolderIsRefusedAndADryRunLeavesTheRunningSyncsFilesAlone() throws Exception {
        write(a.resolve("x.txt"), "x");
        sync(a);
        edit(a.resolve("x.txt"), "x2");
        Path part = a.resolve(".chunkvault/tmp/.cv-download-in-progress.part");
        boolean[] checked = {false};
        SyncReport r = sync(a, beforeApplying(() -> {
            Files.writeString(part, "half a download"); // as if the running sync were writing it
            SyncBusyException busy = org.junit.jupiter.api.Assertions.assertThrows(SyncBusyException.class, () -> sync(a));
            assertTrue(busy.getMessage().contains("Another sync"), busy.getMessage());
            SyncReport status = sync(a, SyncEngine.Options.defaults("laptop").withDryRun(true));
            assertEquals(List.of(new SyncReport.Planned("x.txt", "PUSH")), status.planned);
            assertTrue(Files.exists(part), "a dry run does not clean a running sync's temporary files");
            checked[0] = true;
        }));
        assertTrue(checked[0]);
        assertEquals(List.of("x.txt"), r.pushed);
        Files.deleteIfExists(part);
        assertTrue(sync(a).inSync(), "the lock is released");
    }

    @Test
    void aRemoteFileInTheStateFolderSpelledInAnotherCaseIsNeverPulled() throws Exception {
        Path evil = TestFiles.write(tmp.resolve("state.db"), "not a database".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        new dev.chunkvault.client.FilePusher(client, dev.chunkvault.client.PushJournal.inMemory())
                .push(dev.chunkvault.client.FilePusher.Request.of(evil, ".Chunkvault/state.db", null));
        write(a.resolve("ok.txt"), "ok");
        sync(a);
        SyncReport r = sync(b);
        assertEquals(List.of("ok.txt"), r.pulled);
        assertFalse(Files.exists(b.resolve(".Chunkvault"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void aRemoteFileInTheStateFolderSpelledWithMoreThan64CharactersIsNeverPulled() throws Exception {
        // Zero-width non-joiners fold away (the server holds this name as the state folder's), and HFS+ ignores them.
        String folder = ".chunk" + "\u200C".repeat(60) + "vault";
        Path evil = TestFiles.write(tmp.resolve("state.db"), "not a database".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        new dev.chunkvault.client.FilePusher(client, dev.chunkvault.client.PushJournal.inMemory())
                .push(dev.chunkvault.client.FilePusher.Request.of(evil, folder + "/state.db", null));
        write(a.resolve("ok.txt"), "ok");
        sync(a);
        SyncReport r = sync(b);
        assertEquals(List.of("ok.txt"), r.pulled);
        assertFalse(Files.exists(b.resolve(folder), java.nio.file.LinkOption.NOFOLLOW_LINKS));
    }

    // ---------------------------------------------------------------- issue 14: names from a hostile service

    @Test
    void aHostileListingWritesNothingOutsideTheFolderAndItsBadNamesAreSkippedWithAWarning() throws Exception {
        write(a.resolve("ok.txt"), "ok");
        write(a.resolve("payload.txt"), "EVIL");
        sync(a);
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.createSymbolicLink(b.resolve("link"), outside);
        List<String> hostile = List.of("../escaped.txt", "a/../../escaped.txt", "..\\escaped.txt", "/etc/escaped.txt",
                "C:escaped.txt", "C:\\escaped.txt", "nul\u0000.txt", "new\nline.txt", ".chunkvault/state.db",
                ".chunk" + "\u200C".repeat(60) + "vault/state.db", "link/escaped.txt");
        hostile.forEach(n -> vault.hostileNames.put(n, "payload.txt"));
        SyncReport r = sync(b);
        assertEquals(List.of("ok.txt", "payload.txt"), r.pulled.stream().sorted().toList());
        try (Stream<Path> top = Files.list(b)) {
            assertEquals(List.of(".chunkvault", "link", "ok.txt", "payload.txt"),
                    top.map(p -> p.getFileName().toString()).sorted().toList());
        }
        try (Stream<Path> out = Files.list(outside); Stream<Path> beside = Files.list(tmp)) {
            assertEquals(List.of(), out.toList());
            assertFalse(beside.anyMatch(p -> p.getFileName().toString().contains("escaped")));
        }
        for (String shown : List.of("/etc/escaped.txt", "C:escaped.txt", "link/escaped.txt")) {
            assertTrue(r.warnings.stream().anyMatch(w -> w.contains("'" + shown + "'")), shown + ": " + r.warnings);
        }
        assertTrue(r.errors.isEmpty(), r.errors.toString());
        assertFalse(sync(b).warnings.isEmpty(), "skipped again, never written");
        assertEquals("EVIL", Files.readString(b.resolve("payload.txt")));
    }

    /** Issue 14: a folder swapped for a link while a download is on its way is not written through. */
    @Test
    void aFolderSwappedForALinkDuringADownloadIsNotWrittenThrough() throws Exception {
        write(a.resolve("docs/new.txt"), "new");
        sync(a);
        Files.createDirectories(b.resolve("docs"));
        Path outside = tmp.resolve("outside");
        vault.hook = (route, body, q) -> {
            if ((route.equals("POST /v1/downloads") || route.equals("POST /v1/download-batch"))
                    && !Files.isSymbolicLink(b.resolve("docs"))) {
                Files.move(b.resolve("docs"), outside); // another program, between the check and the write
                Files.createSymbolicLink(b.resolve("docs"), outside);
            }
        };
        SyncReport r = sync(b);
        vault.hook = null;
        assertTrue(Files.isSymbolicLink(b.resolve("docs")), "the swap happened");
        assertFalse(Files.exists(outside.resolve("new.txt")), "written through the link");
        assertEquals(List.of(), r.pulled);
        assertTrue(r.warnings.stream().anyMatch(w -> w.contains("symbolic link")), r.warnings.toString());
    }
}
