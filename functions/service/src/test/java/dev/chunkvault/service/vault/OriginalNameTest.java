package dev.chunkvault.service.vault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.chunkvault.service.error.ErrorKind;
import dev.chunkvault.service.error.ServiceException;
import dev.chunkvault.service.sim.FakeClient;
import dev.chunkvault.service.sim.FakeClient.Content;
import dev.chunkvault.service.sim.TestVault;
import dev.chunkvault.service.store.Item;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A version's original name (issue 21): a file whose name differs from a sibling's only by case is stored under a marked
 * name, and the name it has on the device that wrote it travels with it, so a device that can hold both names uses it.
 */
class OriginalNameTest {
    private static final String MARKED = "include/xt_connmark (Case Conflict).h";
    private final Random random = new Random(2101);

    private static CommitService.CommitRequest request(FakeClient c, String path, String parent, Content content,
                                                       String key, String originalName) {
        return new CommitService.CommitRequest(c.owner, path, parent, new CommitService.Source.Full(content.manifest()),
                content.size(), content.sha256(), 0, key, false, false, false, originalName);
    }

    @Test
    void theNameIsStoredReturnedKeptByEditsAndRestoresAndDroppedByADelete() {
        TestVault v = new TestVault();
        FakeClient c = new FakeClient(v, "alice");
        Content one = Content.random(random, 2, 500);
        c.upload(one);
        String feed = v.reads.list(c.owner, "", true, true, null, 100).changeCursor();
        String v1 = v.commits.commit(request(c, MARKED, null, one, "key-orig-0001", "xt_connmark.h")).version().versionId();

        assertEquals("xt_connmark.h", v.reads.file(c.owner, MARKED, false).originalName());
        assertEquals("xt_connmark.h", v.reads.list(c.owner, "include", false, false, null, 10).files().get(0).originalName());
        assertEquals("xt_connmark.h", v.reads.history(c.owner, MARKED, null, 10).versions().get(0).originalName());
        assertEquals("xt_connmark.h", v.reads.download(c.owner, MARKED, null, null).version().originalName());
        v.clock.advance(ReadService.CHANGE_SETTLE.plusSeconds(1));
        assertEquals("xt_connmark.h", v.reads.changes(c.owner, feed, 100).changes().get(0).originalName());

        // An edit from a device that does not know the name keeps it.
        Content two = Content.random(random, 3, 500);
        c.upload(two);
        String v2 = c.commit(MARKED, v1, two, "key-orig-0002").version().versionId();
        assertEquals("xt_connmark.h", v.reads.file(c.owner, MARKED, false).originalName());

        // A delete is no file, and names none; a restore takes the restored version's.
        c.delete(MARKED, v2, "key-orig-0003");
        assertNull(v.reads.history(c.owner, MARKED, null, 10).versions().get(0).originalName());
        assertEquals("xt_connmark.h", c.restore(MARKED, v2, "key-orig-0004").version().originalName());

        // Every other file's rows carry nothing for it.
        c.commit("plain.txt", null, one, "key-orig-0005");
        Item row = v.items.get(Tables.FILES, FileRow.key(c.owner, "plain.txt")).orElseThrow();
        assertFalse(row.has(FileRow.ORIGINAL_NAME));
        assertNull(v.reads.file(c.owner, "plain.txt", false).originalName());
    }

    @Test
    void aNameOnlyAddedIsANewVersionAndARetryWithAnotherNameIsRefused() {
        TestVault v = new TestVault();
        FakeClient c = new FakeClient(v, "alice");
        Content one = Content.random(random, 2, 500);
        c.upload(one);
        String v1 = c.commit(MARKED, null, one, "key-orig-0011").version().versionId();
        CommitService.CommitResult named = v.commits.commit(request(c, MARKED, v1, one, "key-orig-0012", "xt_connmark.h"));
        assertEquals(CommitService.Outcome.CREATED, named.outcome());
        assertEquals("xt_connmark.h", named.version().originalName());
        ServiceException reused = assertThrows(ServiceException.class,
                () -> v.commits.commit(request(c, MARKED, v1, one, "key-orig-0012", "XT_connmark.h")));
        assertEquals("IDEMPOTENCY_KEY_REUSED", reused.code());
    }

    @Test
    void badNamesAreRefusedAndChangeNothing() {
        TestVault v = new TestVault();
        FakeClient c = new FakeClient(v, "alice");
        Content one = Content.random(random, 2, 500);
        c.upload(one);
        for (String bad : new String[] {"a/b.h", "", "..", "xt_connmark (case conflict).h", "x".repeat(300), "nul\u0000.h"}) {
            ServiceException e = assertThrows(ServiceException.class,
                    () -> v.commits.commit(request(c, MARKED, null, one, "key-orig-0021", bad)), bad);
            assertEquals(ErrorKind.BAD_REQUEST, e.kind(), bad);
            assertEquals("INVALID_FIELD", e.code(), bad);
        }
        assertFalse(v.reads.fileRow(c.owner, CommitService.parsePath(MARKED)).isPresent());
    }

    @Test
    void thePathsOwnNameExactlyDropsTheName() {
        TestVault v = new TestVault();
        FakeClient c = new FakeClient(v, "alice");
        Content one = Content.random(random, 2, 500);
        Content two = Content.random(random, 2, 500);
        c.upload(one);
        c.upload(two);
        String v1 = v.commits.commit(request(c, MARKED, null, one, "key-orig-0031", "xt_connmark.h")).version().versionId();
        CommitService.CommitResult dropped = v.commits.commit(request(c, MARKED, v1, two, "key-orig-0032",
                "xt_connmark (Case Conflict).h"));
        assertEquals(CommitService.Outcome.CREATED, dropped.outcome());
        assertNull(dropped.version().originalName());
        assertNull(v.reads.file(c.owner, MARKED, false).originalName());
        String v3 = c.commit(MARKED, dropped.version().versionId(), one, "key-orig-0033").version().versionId();
        assertNull(v.reads.history(c.owner, MARKED, null, 10).versions().get(0).originalName(), v3 + " keeps none");
    }
}
