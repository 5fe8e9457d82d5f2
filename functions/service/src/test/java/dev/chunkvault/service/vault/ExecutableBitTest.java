package dev.chunkvault.service.vault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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
 * The executable bit of a version (issue 21): stored on the version and file rows, returned by every read that tells a
 * client a file's version, and a change of the bit alone is a new version with the same chunks.
 */
class ExecutableBitTest {
    private final Random random = new Random(2121);

    private Content content(int chunks) {
        return Content.random(random, chunks, 700);
    }

    private static CommitService.CommitRequest request(FakeClient c, String path, String parent, Content content,
                                                       String key, boolean executable) {
        return new CommitService.CommitRequest(c.owner, path, parent, new CommitService.Source.Full(content.manifest()),
                content.size(), content.sha256(), 0, key, executable);
    }

    @Test
    void theBitIsStoredAndReturnedByEveryRead() {
        TestVault v = new TestVault();
        FakeClient c = new FakeClient(v, "alice");
        Content script = content(3);
        c.upload(script);
        String feed = v.reads.list(c.owner, "", true, true, null, 100).changeCursor();
        CommitService.CommitResult r = v.commits.commit(request(c, "bin/run.sh", null, script, "key-exec-0001", true));
        assertEquals(CommitService.Outcome.CREATED, r.outcome());
        assertTrue(r.version().executable());

        VersionRow row = VersionRow.from(v.items.get(Tables.VERSIONS,
                VersionRow.key(v.reads.fileRow(c.owner, CommitService.parsePath("bin/run.sh")).orElseThrow().fileId(),
                        r.version().versionId())).orElseThrow());
        assertTrue(row.executable());
        assertTrue(v.reads.file(c.owner, "bin/run.sh", false).executable());
        assertTrue(v.reads.list(c.owner, "", true, false, null, 100).files().get(0).executable());
        assertTrue(v.reads.history(c.owner, "bin/run.sh", null, 10).versions().get(0).executable());
        assertTrue(v.reads.download(c.owner, "bin/run.sh", null, null).version().executable());
        assertTrue(v.reads.downloadBatch(c.owner, List.of(new ReadService.FileRequest("bin/run.sh", null, null)))
                .get(0).plan().version().executable());
        v.clock.advance(ReadService.CHANGE_SETTLE.plusSeconds(1));
        assertTrue(v.reads.changes(c.owner, feed, 100).changes().get(0).executable());

        // A plain file is not executable, and its rows carry no attribute for it (as rows from before the bit).
        Content plain = content(2);
        c.upload(plain);
        c.commit("notes.txt", null, plain, "key-plain-001");
        assertFalse(v.reads.file(c.owner, "notes.txt", false).executable());
        Item fileItem = v.items.get(Tables.FILES, FileRow.key(c.owner, "notes.txt")).orElseThrow();
        assertFalse(fileItem.has(FileRow.EXECUTABLE));
        assertFalse(FileRow.from(fileItem).executable());
    }

    @Test
    void aChangeOfTheBitAloneIsANewVersionWithTheSameChunksAndAnUnchangedBitIsNot() {
        TestVault v = new TestVault();
        FakeClient c = new FakeClient(v, "alice");
        Content script = content(4);
        c.upload(script);
        String v1 = c.commit("run.sh", null, script, "key-mode-0001").version().versionId();

        // chmod +x: the same manifest, sent as an empty delta, is a new version that adds no chunk
        CommitService.CommitRequest chmod = new CommitService.CommitRequest(c.owner, "run.sh", v1,
                new CommitService.Source.Delta(ManifestDelta.compute(script.manifest(), script.manifest())),
                script.size(), script.sha256(), 0, "key-mode-0002", true);
        CommitService.CommitResult plusX = v.commits.commit(chmod);
        assertEquals(CommitService.Outcome.CREATED, plusX.outcome());
        assertEquals(0, plusX.addedChunks());
        assertTrue(plusX.version().executable());
        assertEquals(script.sha256(), plusX.version().contentHash());
        String v2 = plusX.version().versionId();

        // the same bit again changes nothing
        Map<String, List<Item>> before = v.items.snapshot();
        CommitService.CommitResult same = v.commits.commit(request(c, "run.sh", v2, script, "key-mode-0003", true));
        assertEquals(CommitService.Outcome.UNCHANGED, same.outcome());
        assertEquals(v2, same.version().versionId());
        assertEquals(before, v.items.snapshot());

        // chmod -x: a new version again
        CommitService.CommitResult minusX = c.commit("run.sh", v2, script, "key-mode-0004");
        assertEquals(CommitService.Outcome.CREATED, minusX.outcome());
        assertFalse(minusX.version().executable());
        assertFalse(v.reads.file(c.owner, "run.sh", false).executable());

        // a retry is the same version; the same key with the other bit is another request
        assertEquals(CommitService.Outcome.REPLAYED, v.commits.commit(chmod).outcome());
        ServiceException reused = assertThrows(ServiceException.class, () -> v.commits.commit(
                new CommitService.CommitRequest(c.owner, "run.sh", v1, chmod.source(), script.size(), script.sha256(), 0,
                        "key-mode-0002", false)));
        assertEquals("IDEMPOTENCY_KEY_REUSED", reused.code());

        // a restore takes the restored version's bit
        CommitService.CommitResult restored = c.restore("run.sh", v2, "key-mode-0005");
        assertTrue(restored.version().executable());
        assertNotEquals(v2, restored.version().versionId());
        new Oracle(v).countsMatchRecount();
    }

    @Test
    void aBatchKeepsEachFilesBit() {
        TestVault v = new TestVault();
        FakeClient c = new FakeClient(v, "alice");
        Content a = content(2);
        Content b = content(2);
        c.upload(a);
        c.upload(b);
        List<CommitService.BatchItem> out = c.commitBatch(List.of(request(c, "a.sh", null, a, "key-batch-001", true),
                request(c, "b.txt", null, b, "key-batch-002", false)));
        assertTrue(out.get(0).result().version().executable());
        assertFalse(out.get(1).result().version().executable());
        assertTrue(v.reads.file(c.owner, "a.sh", false).executable());
        assertFalse(v.reads.file(c.owner, "b.txt", false).executable());
    }
}
