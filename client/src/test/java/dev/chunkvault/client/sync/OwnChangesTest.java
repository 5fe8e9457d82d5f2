package dev.chunkvault.client.sync;

import static dev.chunkvault.client.sync.SyncEngineTest.edit;
import static dev.chunkvault.client.sync.SyncEngineTest.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.client.ChunkvaultClient;
import dev.chunkvault.client.FilePusher;
import dev.chunkvault.client.PushJournal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A sync folder is a replica with an id of its own: its commits name it, and the change feed it reads leaves them out
 * (issue 15: a device re-read the list of what it had just written). Two folders synced through one client are two
 * replicas; a copied folder is another; a commit that landed but was not recorded is still found.
 */
class OwnChangesTest extends TwoFolders {
    /** The folder's latest sync runs' ids, oldest first. */
    static List<String> runsOf(Path root) {
        try (StateStore st = StateStore.open(root)) {
            return st.recentRuns();
        }
    }

    /** A run of a sync of {@code root} that stops after its commits (as killed): a client that writes as it. */
    ChunkvaultClient stoppedRun(Path root) {
        try (StateStore st = StateStore.open(root)) {
            String id = StateStore.newRunId();
            st.recordRun(id);
            return client.writingAs(id, st.recentRuns());
        }
    }

    @Test
    void aFolderReadsNoneOfItsOwnCommitsAndAllOfTheOthers() throws Exception {
        for (int i = 0; i < 5; i++) {
            write(a.resolve("docs/" + i + ".txt"), "file " + i);
        }
        sync(a);
        List<String> first = runsOf(a);
        assertEquals(1, first.size());
        assertTrue(vault.writersSeen.contains(first.get(0)), "the commits named the run: " + vault.writersSeen);
        vault.feedEntries.set(0);
        assertTrue(sync(a).inSync());
        assertEquals(0, vault.feedEntries.get(), "the folder's own five commits are not listed to it again");
        assertEquals(2, runsOf(a).size(), "each run is a replica of its own");
        assertNotEquals(first.get(0), runsOf(a).get(1));

        // Another folder through the same client is another replica: it gets all five.
        SyncReport firstOfB = sync(b);
        assertTrue(runsOf(b).stream().noneMatch(runsOf(a)::contains), runsOf(a) + " " + runsOf(b));
        assertEquals(5, firstOfB.pulled.size(), firstOfB.pulled.toString());
        edit(b.resolve("docs/3.txt"), "edited on the desktop");
        sync(b);
        vault.feedEntries.set(0);
        SyncReport back = sync(a);
        assertEquals(List.of("docs/3.txt"), back.pulled);
        assertEquals(1, vault.feedEntries.get(), "only the other replica's edit is listed");
        assertEquals("edited on the desktop", Files.readString(a.resolve("docs/3.txt")));
        assertTrue(sync(a).inSync() && sync(b).inSync());
    }

    /** A folder copied with its state (to a new machine, or back from a backup) must not take the original's commits for its own. */
    @Test
    void aCopiedFolderIsAnotherReplicaAndSeesTheOriginalsCommits() throws Exception {
        write(a.resolve("n.txt"), "first");
        sync(a);
        Path copy = tmp.resolve("copy");
        try (Stream<Path> all = Files.walk(a)) {
            for (Path p : all.toList()) {
                Path to = copy.resolve(a.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(p, to);
                }
            }
        }
        assertEquals(runsOf(a), runsOf(copy), "the copy starts with the original's runs");

        edit(a.resolve("n.txt"), "second, from the original");
        sync(a);
        SyncReport r = sync(copy);
        assertEquals(List.of("n.txt"), r.pulled, "the original's commit reaches the copy");
        assertEquals("second, from the original", Files.readString(copy.resolve("n.txt")));
        write(copy.resolve("m.txt"), "new in the copy");
        sync(copy);
        SyncReport back = sync(a);
        assertEquals(List.of("m.txt"), back.pulled, "and the copy's reaches the original");
    }

    /**
     * Stopped between the service's write of a commit and the state's record of it (a kill, a power cut): the service
     * has the local bytes as a new version, the state still names the one before. The next sync finds it by sending it
     * again (a stale parent whose head holds the same bytes), or in its feed when the commit named no run of the
     * folder's. Nothing is sent twice, no conflicted copy.
     */
    @Test
    void anOwnCommitThatLandedButWasNotRecordedIsAdoptedByTheNextSync() throws Exception {
        landedButNotRecorded(stoppedRun(a), true);
    }

    /** The same with a commit that named no run (a client from before runs were named): found in the feed. */
    @Test
    void aCommitThatLandedButWasNotRecordedIsAdoptedByTheNextSync() throws Exception {
        landedButNotRecorded(client, false);
    }

    private void landedButNotRecorded(ChunkvaultClient committer, boolean leftOutOfTheFeed) throws Exception {
        write(a.resolve("n.txt"), "first");
        sync(a);
        String v1 = vault.head("n.txt").id();
        edit(a.resolve("n.txt"), "second, committed but not recorded");
        String v2 = new FilePusher(committer, PushJournal.inMemory())
                .push(FilePusher.Request.of(a.resolve("n.txt"), "n.txt", v1)).commit().version().versionId();
        try (StateStore st = StateStore.open(a)) {
            assertEquals(v1, st.get("n.txt").orElseThrow().version(), "the state does not know the commit");
        }
        vault.feedEntries.set(0);
        SyncReport r = sync(a);
        if (leftOutOfTheFeed) {
            assertEquals(0, vault.feedEntries.get(), "the commit is the folder's own: not in its feed");
        }
        assertTrue(r.pushed.isEmpty() && r.pulled.isEmpty() && r.conflicts.isEmpty(), r.pushed + " " + r.pulled + " "
                + r.conflicts);
        assertEquals(v2, vault.head("n.txt").id(), "no second version of the same bytes");
        try (StateStore st = StateStore.open(a)) {
            assertEquals(v2, st.get("n.txt").orElseThrow().version(), "the version is recorded now");
        }
        try (Stream<Path> files = Files.list(a)) {
            assertEquals(1, files.filter(Files::isRegularFile).count(), "no conflicted copy");
        }
        assertEquals("second, committed but not recorded", Files.readString(a.resolve("n.txt")));
        assertTrue(sync(a).inSync());
    }

    /** The same for a deletion: the file stays deleted, its record goes, and the other folder deletes it too. */
    @Test
    void anOwnDeletionThatLandedButWasNotRecordedIsTakenAsDone() throws Exception {
        write(a.resolve("gone.txt"), "to be deleted");
        write(a.resolve("kept.txt"), "kept");
        sync(a);
        sync(b);
        Files.delete(a.resolve("gone.txt"));
        stoppedRun(a).delete("gone.txt", vault.head("gone.txt").id(), ChunkvaultClient.newIdempotencyKey());
        SyncReport r = sync(a);
        assertTrue(r.pulled.isEmpty() && r.conflicts.isEmpty(), r.pulled + " " + r.conflicts);
        assertFalse(Files.exists(a.resolve("gone.txt")), "the deletion is not undone");
        assertTrue(vault.head("gone.txt").deleted());
        try (StateStore st = StateStore.open(a)) {
            assertTrue(st.get("gone.txt").isEmpty(), "the record is gone");
        }
        sync(b);
        assertFalse(Files.exists(b.resolve("gone.txt")));
        assertTrue(Files.exists(b.resolve("kept.txt")));
    }

    @Test
    void aDryRunNamesNoReplicaAndWritesNoId() throws Exception {
        write(a.resolve("n.txt"), "first");
        try (StateStore st = StateStore.open(a)) {
            new SyncEngine(client, st, SyncEngine.Options.defaults("laptop").withDryRun(true), null).run();
            assertTrue(st.meta(StateStore.WRITERS).isEmpty(), "a dry run writes nothing, not even an id");
        }
    }

    static boolean nothingNew(ChunkvaultClient client, Path root) {
        try (StateStore st = StateStore.open(root)) {
            return SyncEngine.nothingNewRemotely(client, st);
        }
    }

    /** What a watching sync looks at when a notification comes alone: its own pushes are nothing new; others' are. */
    @Test
    void aFolderFindsNothingNewAfterItsOwnPushesAndSomethingAfterAnothers() throws Exception {
        assertFalse(nothingNew(client, a), "no cursor yet: a sync is needed");
        write(a.resolve("n.txt"), "first");
        sync(a);
        sync(b);
        assertTrue(nothingNew(client, a));
        edit(a.resolve("n.txt"), "second");
        sync(a);
        assertTrue(nothingNew(client, a), "its own push");
        assertFalse(nothingNew(client, b), "the other folder has something new");
        sync(b);
        assertTrue(nothingNew(client, b), "once applied, nothing");
        write(b.resolve("m.txt"), "from b");
        Files.delete(b.resolve("n.txt"));
        sync(b);
        assertFalse(nothingNew(client, a), "a new file and a deletion from the other folder");
        int before = vault.feedEntries.get();
        assertFalse(nothingNew(client, a), "looking applies nothing: still new");
        assertTrue(vault.feedEntries.get() > before);
        sync(a);
        assertTrue(nothingNew(client, a));
        assertFalse(Files.exists(a.resolve("n.txt")));
    }

    @Test
    void aFolderKeepsItsLatestRunsIdsOnly() throws Exception {
        try (StateStore st = StateStore.open(a)) {
            for (int i = 0; i < StateStore.RECENT_RUNS + 5; i++) {
                List<String> before = st.recentRuns();
                String id = StateStore.newRunId();
                assertFalse(before.contains(id), "a new id each run");
                st.recordRun(id);
                List<String> after = st.recentRuns();
                assertEquals(Math.min(i + 1, StateStore.RECENT_RUNS), after.size());
                assertEquals(id, after.get(after.size() - 1));
                assertEquals(before.subList(Math.max(0, before.size() - StateStore.RECENT_RUNS + 1), before.size()),
                        after.subList(0, after.size() - 1), "the earlier ones kept, oldest dropped first");
            }
        }
        // A sync of a folder with 16 runs already names 16 in its feed read (the service takes at most 16).
        write(a.resolve("n.txt"), "n");
        assertTrue(sync(a).errors.isEmpty());
        assertEquals(StateStore.RECENT_RUNS, runsOf(a).size());
        assertTrue(sync(a).inSync());
    }

    /** A sync refused (a folder bound to another service) records no run. */
    @Test
    void aRefusedSyncRecordsNoRun() throws Exception {
        write(a.resolve("n.txt"), "n");
        sync(a);
        try (StateStore st = StateStore.open(a)) {
            st.putMeta(SyncBinding.ENDPOINT, "http://elsewhere.example:1");
        }
        List<String> before = runsOf(a);
        org.junit.jupiter.api.Assertions.assertThrows(SyncRefusedException.class, () -> sync(a));
        assertEquals(before, runsOf(a));
    }
}
