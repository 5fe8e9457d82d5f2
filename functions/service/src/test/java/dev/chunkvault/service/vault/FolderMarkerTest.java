package dev.chunkvault.service.vault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.core.chunking.ChunkingProfile;
import dev.chunkvault.core.manifest.Manifest;
import dev.chunkvault.service.error.ErrorKind;
import dev.chunkvault.service.error.ServiceException;
import dev.chunkvault.service.sim.FakeClient;
import dev.chunkvault.service.sim.FakeClient.Content;
import dev.chunkvault.service.sim.TestVault;
import dev.chunkvault.service.store.Item;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Empty folders (issue 21 item 3): a version marked {@code folder} has no content and marks an empty folder at its path;
 * stored on the version and file rows only when set, returned by every read that tells a version.
 */
class FolderMarkerTest {
    static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    private final Random random = new Random(2103);

    private static CommitService.CommitRequest marker(FakeClient c, String path, String parent, String key) {
        return new CommitService.CommitRequest(c.owner, path, parent,
                new CommitService.Source.Full(Manifest.empty(ChunkingProfile.DEFAULT.name())), 0, EMPTY_SHA256, 0, key,
                false, false, true);
    }

    @Test
    void aMarkerIsStoredAndReturnedByEveryRead() {
        TestVault v = new TestVault();
        FakeClient c = new FakeClient(v, "alice");
        String feed = v.reads.list(c.owner, "", true, true, null, 100).changeCursor();
        CommitService.CommitResult r = v.commits.commit(marker(c, "photos/2024", null, "key-dir-00001"));
        assertEquals(CommitService.Outcome.CREATED, r.outcome());
        assertTrue(r.version().folder());
        assertFalse(r.version().link());
        assertEquals(0, r.version().size());

        FileRow file = v.reads.fileRow(c.owner, CommitService.parsePath("photos/2024")).orElseThrow();
        assertTrue(file.folder());
        assertTrue(VersionRow.from(v.items.get(Tables.VERSIONS, VersionRow.key(file.fileId(), r.version().versionId()))
                .orElseThrow()).folder());
        assertTrue(v.reads.file(c.owner, "photos/2024", false).folder());
        assertTrue(v.reads.list(c.owner, "", true, false, null, 100).files().get(0).folder());
        assertTrue(v.reads.history(c.owner, "photos/2024", null, 10).versions().get(0).folder());
        assertTrue(v.reads.download(c.owner, "photos/2024", null, null).version().folder());
        v.clock.advance(ReadService.CHANGE_SETTLE.plusSeconds(1));
        assertTrue(v.reads.changes(c.owner, feed, 100).changes().get(0).folder());

        // the same marker again changes nothing; deleting it is a plain delete
        Map<String, List<Item>> before = v.items.snapshot();
        assertEquals(CommitService.Outcome.UNCHANGED,
                v.commits.commit(marker(c, "photos/2024", r.version().versionId(), "key-dir-00002")).outcome());
        assertEquals(before, v.items.snapshot());
        CommitService.CommitResult deleted = c.delete("photos/2024", r.version().versionId(), "key-dir-00003");
        assertFalse(deleted.version().folder());
        assertTrue(v.reads.fileRow(c.owner, CommitService.parsePath("photos/2024")).orElseThrow().deleted());

        // a regular file's rows carry no attribute for it, as rows from before folders
        Content plain = Content.random(random, 1, 500);
        c.upload(plain);
        c.commit("notes.txt", null, plain, "key-plain-001");
        assertFalse(v.items.get(Tables.FILES, FileRow.key(c.owner, "notes.txt")).orElseThrow().has(FileRow.FOLDER));
        assertFalse(v.reads.file(c.owner, "notes.txt", false).folder());
    }

    @Test
    void anEmptyFileAndAnEmptyFolderAtOnePathAreDifferentVersions() {
        TestVault v = new TestVault();
        FakeClient c = new FakeClient(v, "alice");
        Content empty = new Content(List.of());
        String v1 = c.commit("x", null, empty, "key-flip-0001").version().versionId();
        CommitService.CommitResult asFolder = v.commits.commit(marker(c, "x", v1, "key-flip-0002"));
        assertEquals(CommitService.Outcome.CREATED, asFolder.outcome());
        assertTrue(asFolder.version().folder());
        CommitService.CommitResult back = c.commit("x", asFolder.version().versionId(), empty, "key-flip-0003");
        assertEquals(CommitService.Outcome.CREATED, back.outcome());
        assertFalse(back.version().folder());
        assertTrue(c.restore("x", asFolder.version().versionId(), "key-flip-0004").version().folder());
        new Oracle(v).countsMatchRecount();
    }

    @Test
    void aMarkerWithContentOrExecutableOrALinkIsRefusedAndChangesNothing() {
        TestVault v = new TestVault();
        FakeClient c = new FakeClient(v, "alice");
        Content some = Content.random(random, 1, 30);
        c.upload(some);
        Manifest empty = Manifest.empty(ChunkingProfile.DEFAULT.name());
        Map<String, List<Item>> before = v.items.snapshot();
        for (CommitService.CommitRequest bad : List.of(
                new CommitService.CommitRequest(c.owner, "a", null, new CommitService.Source.Full(some.manifest()),
                        some.size(), some.sha256(), 0, "key-bad-00001", false, false, true),
                new CommitService.CommitRequest(c.owner, "b", null, new CommitService.Source.Full(empty), 0, EMPTY_SHA256,
                        0, "key-bad-00002", true, false, true),
                new CommitService.CommitRequest(c.owner, "c", null, new CommitService.Source.Full(empty), 0, EMPTY_SHA256,
                        0, "key-bad-00003", false, true, true),
                new CommitService.CommitRequest(c.owner, "d", null, new CommitService.Source.Full(empty), 5, EMPTY_SHA256,
                        0, "key-bad-00004", false, false, true),
                new CommitService.CommitRequest(c.owner, "e", null, new CommitService.Source.Tombstone(), 0, null, 0,
                        "key-bad-00005", false, false, true))) {
            ServiceException e = assertThrows(ServiceException.class, () -> v.commits.commit(bad));
            assertEquals(ErrorKind.BAD_REQUEST, e.kind(), e.getMessage());
            assertEquals("INVALID_FIELD", e.code());
            ServiceException inBatch = assertThrows(ServiceException.class, () -> v.commits.commitBatch(List.of(bad)));
            assertEquals("INVALID_FIELD", inBatch.code());
        }
        assertEquals(before, v.items.snapshot());
    }
}
