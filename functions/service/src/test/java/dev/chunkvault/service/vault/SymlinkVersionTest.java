package dev.chunkvault.service.vault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.core.manifest.ManifestDelta;
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
 * Symbolic links kept as links (issue 20 item 6): a version marked {@code link} holds the target path's bytes, stored on
 * the version and file rows only when set, returned by every read that tells a version, never interpreted.
 */
class SymlinkVersionTest {
    private final Random random = new Random(2006);

    private static CommitService.CommitRequest request(FakeClient c, String path, String parent, Content content,
                                                       String key, boolean executable, boolean link) {
        return new CommitService.CommitRequest(c.owner, path, parent, new CommitService.Source.Full(content.manifest()),
                content.size(), content.sha256(), 0, key, executable, link);
    }

    @Test
    void aLinkIsStoredAndReturnedByEveryRead() {
        TestVault v = new TestVault();
        FakeClient c = new FakeClient(v, "alice");
        Content target = Content.random(random, 1, 20); // the target's bytes, like "../lib/libfoo.so.1"
        c.upload(target);
        String feed = v.reads.list(c.owner, "", true, true, null, 100).changeCursor();
        CommitService.CommitResult r = v.commits.commit(request(c, "lib/libfoo.so", null, target, "key-link-0001", false,
                true));
        assertEquals(CommitService.Outcome.CREATED, r.outcome());
        assertTrue(r.version().link());
        assertFalse(r.version().executable());

        FileRow file = v.reads.fileRow(c.owner, CommitService.parsePath("lib/libfoo.so")).orElseThrow();
        assertTrue(file.link());
        assertTrue(VersionRow.from(v.items.get(Tables.VERSIONS, VersionRow.key(file.fileId(), r.version().versionId()))
                .orElseThrow()).link());
        assertTrue(v.reads.file(c.owner, "lib/libfoo.so", false).link());
        assertTrue(v.reads.list(c.owner, "", true, false, null, 100).files().get(0).link());
        assertTrue(v.reads.history(c.owner, "lib/libfoo.so", null, 10).versions().get(0).link());
        assertTrue(v.reads.download(c.owner, "lib/libfoo.so", null, null).version().link());
        assertTrue(v.reads.downloadBatch(c.owner, List.of(new ReadService.FileRequest("lib/libfoo.so", null, null)))
                .get(0).plan().version().link());
        v.clock.advance(ReadService.CHANGE_SETTLE.plusSeconds(1));
        assertTrue(v.reads.changes(c.owner, feed, 100).changes().get(0).link());

        // A regular file's rows carry no attribute for it, as rows from before links.
        Content plain = Content.random(random, 2, 500);
        c.upload(plain);
        c.commit("notes.txt", null, plain, "key-plain-001");
        Item fileItem = v.items.get(Tables.FILES, FileRow.key(c.owner, "notes.txt")).orElseThrow();
        assertFalse(fileItem.has(FileRow.LINK));
        assertFalse(v.reads.file(c.owner, "notes.txt", false).link());
    }

    @Test
    void aFileBecomingALinkWithTheSameBytesIsANewVersionAndBackAgain() {
        TestVault v = new TestVault();
        FakeClient c = new FakeClient(v, "alice");
        Content bytes = Content.random(random, 1, 12);
        c.upload(bytes);
        String v1 = c.commit("x", null, bytes, "key-flip-0001").version().versionId();
        CommitService.CommitResult asLink = v.commits.commit(new CommitService.CommitRequest(c.owner, "x", v1,
                new CommitService.Source.Delta(ManifestDelta.compute(bytes.manifest(), bytes.manifest())), bytes.size(),
                bytes.sha256(), 0, "key-flip-0002", false, true));
        assertEquals(CommitService.Outcome.CREATED, asLink.outcome());
        assertEquals(0, asLink.addedChunks());
        assertTrue(asLink.version().link());
        String v2 = asLink.version().versionId();

        Map<String, List<Item>> before = v.items.snapshot();
        assertEquals(CommitService.Outcome.UNCHANGED,
                v.commits.commit(request(c, "x", v2, bytes, "key-flip-0003", false, true)).outcome());
        assertEquals(before, v.items.snapshot());

        CommitService.CommitResult back = c.commit("x", v2, bytes, "key-flip-0004");
        assertEquals(CommitService.Outcome.CREATED, back.outcome());
        assertFalse(back.version().link());

        // the same key with the other kind is another request
        ServiceException reused = assertThrows(ServiceException.class, () -> v.commits.commit(
                request(c, "x", v1, bytes, "key-flip-0002", false, false)));
        assertEquals("IDEMPOTENCY_KEY_REUSED", reused.code());

        // a restore takes the restored version's kind
        assertTrue(c.restore("x", v2, "key-flip-0005").version().link());
        new Oracle(v).countsMatchRecount();
    }

    @Test
    void aLinkThatIsExecutableOrTooLongOrADeletionIsRefusedAndChangesNothing() {
        TestVault v = new TestVault();
        FakeClient c = new FakeClient(v, "alice");
        Content small = Content.random(random, 1, 30);
        Content big = Content.random(random, 1, CommitService.MAX_LINK_TARGET_BYTES + 1);
        c.upload(small);
        c.upload(big);
        Map<String, List<Item>> before = v.items.snapshot();
        for (CommitService.CommitRequest bad : List.of(
                request(c, "a", null, small, "key-bad-00001", true, true),
                request(c, "b", null, big, "key-bad-00002", false, true),
                new CommitService.CommitRequest(c.owner, "c", null, new CommitService.Source.Tombstone(), 0, null, 0,
                        "key-bad-00003", false, true))) {
            ServiceException e = assertThrows(ServiceException.class, () -> v.commits.commit(bad));
            assertEquals(dev.chunkvault.service.error.ErrorKind.BAD_REQUEST, e.kind(), e.getMessage());
            assertEquals("INVALID_FIELD", e.code());
            ServiceException inBatch = assertThrows(ServiceException.class, () -> v.commits.commitBatch(List.of(bad)));
            assertEquals("INVALID_FIELD", inBatch.code());
        }
        assertEquals(before, v.items.snapshot());
        // exactly the limit is a link
        Content limit = Content.random(random, 1, CommitService.MAX_LINK_TARGET_BYTES);
        c.upload(limit);
        assertTrue(v.commits.commit(request(c, "d", null, limit, "key-ok-000001", false, true)).version().link());
    }
}
