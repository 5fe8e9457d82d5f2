package dev.chunkvault.service.vault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.service.sim.FakeClient;
import dev.chunkvault.service.sim.FakeClient.Content;
import dev.chunkvault.service.sim.TestVault;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Which sub-folders a folder's listing names, when some hold only deleted files. */
class DeletedFoldersListingTest {
    private final Random random = new Random(4141);

    @Test
    void aFolderWhoseFilesAreAllDeletedIsNotListedAndTheTrashNamesOnlyFoldersWithDeletedFiles() {
        TestVault v = new TestVault();
        FakeClient c = new FakeClient(v, "alice");
        Content content = Content.random(random, 1, 300);
        c.upload(content);
        int k = 0;
        for (String p : List.of("gone/a.txt", "gone/deeper/b.txt", "mixed/a.txt", "mixed/b.txt", "live/a.txt", "top.txt")) {
            c.commit(p, null, content, "key-listing-" + k++);
        }
        for (String p : List.of("gone/a.txt", "gone/deeper/b.txt", "mixed/a.txt")) {
            c.delete(p, v.reads.file(c.owner, p, false).version(), "key-listing-" + k++);
        }
        assertEquals(List.of("live", "mixed"), v.reads.list(c.owner, "", false, false, null, 100).folders());
        assertEquals(List.of(), v.reads.list(c.owner, "gone", false, false, null, 100).folders());
        assertEquals(List.of("gone", "live", "mixed"), v.reads.list(c.owner, "", false, true, null, 100).folders());
        // The trash: deleted files only, and the folders that hold one.
        ReadService.Listing trash = v.reads.list(c.owner, "", false, ReadService.Shown.DELETED, null, 100);
        assertEquals(List.of("gone", "mixed"), trash.folders());
        assertEquals(List.of(), trash.files());
        assertEquals(List.of("mixed/a.txt"),
                v.reads.list(c.owner, "mixed", false, ReadService.Shown.DELETED, null, 100).files().stream().map(ReadService.FileEntry::path).toList());
        assertEquals(List.of("gone/deeper"), v.reads.list(c.owner, "gone", false, ReadService.Shown.DELETED, null, 100).folders());
    }

    @Test
    void aSubFolderOfMoreDeletedFilesThanOneRequestReadsCostsMorePagesAndStillListsRight() {
        TestVault v = new TestVault();
        FakeClient c = new FakeClient(v, "bob");
        Content content = Content.random(random, 1, 300);
        c.upload(content);
        int n = ReadService.LIST_SCAN_BUDGET + 150;
        List<String> paths = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            paths.add(String.format("big/old/f%05d.txt", i));
        }
        paths.add("big/old/zz-live.txt");
        paths.add("big/purged/a.txt");
        paths.add("big/z.txt");
        for (int i = 0; i < paths.size(); i += 100) {
            List<CommitService.CommitRequest> batch = new ArrayList<>();
            for (String p : paths.subList(i, Math.min(paths.size(), i + 100))) {
                batch.add(c.request(p, null, content, "key-put-" + p.hashCode() + "-" + p.length()));
            }
            c.commitBatch(batch).forEach(b -> assertEquals(null, b.error()));
        }
        for (int i = 0; i < paths.size(); i += 100) {
            List<CommitService.CommitRequest> batch = new ArrayList<>();
            for (String p : paths.subList(i, Math.min(paths.size(), i + 100))) {
                if (p.equals("big/old/zz-live.txt") || p.equals("big/z.txt")) {
                    continue;
                }
                String head = v.reads.file(c.owner, p, false).version();
                batch.add(new CommitService.CommitRequest(c.owner, p, head, new CommitService.Source.Tombstone(), 0, null, 0,
                        "key-del-" + p.hashCode() + "-" + p.length()));
            }
            c.commitBatch(batch).forEach(b -> assertEquals(null, b.error()));
        }
        // "old" holds one live file behind more deleted rows than a request reads; "purged" none.
        List<String> folders = new ArrayList<>();
        List<String> files = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            ReadService.Listing page = v.reads.list(c.owner, "big", false, false, cursor, 1000);
            folders.addAll(page.folders());
            page.files().forEach(f -> files.add(f.path()));
            cursor = page.cursor();
            pages++;
        } while (cursor != null);
        assertEquals(List.of("big/old"), folders);
        assertEquals(List.of("big/z.txt"), files);
        assertTrue(pages >= 2, "the deleted rows took more than one request: " + pages);
    }
}
