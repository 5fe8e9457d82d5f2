package dev.chunkvault.service.vault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.core.paths.FilePath;
import dev.chunkvault.service.error.ErrorKind;
import dev.chunkvault.service.error.ServiceException;
import dev.chunkvault.service.sim.FakeClient;
import dev.chunkvault.service.sim.FakeClient.Content;
import dev.chunkvault.service.sim.TestVault;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Paths and cursors whose keys DynamoDB cannot hold (sort keys are at most 1,024 bytes, in items and key conditions)
 * are the caller's 400s, refused before any store call — not store errors (a 500). The in-memory store refuses such
 * keys like DynamoDB, so these run on the fake.
 */
class KeyLimitsTest {
    private final TestVault v = new TestVault();
    private final FakeClient alice = new FakeClient(v, "alice");

    private static ServiceException fails(ErrorKind kind, String code, Runnable r) {
        ServiceException e = assertThrows(ServiceException.class, r::run);
        assertEquals(kind, e.kind(), e.code() + ": " + e.getMessage());
        assertEquals(code, e.code());
        return e;
    }

    /** A valid FilePath (under its 4,096 bytes) whose key is {@code bytes} long. */
    private static String pathOfKeyBytes(int bytes) {
        StringBuilder b = new StringBuilder();
        while (b.length() + 201 < bytes) {
            b.append("s".repeat(200)).append('/');
        }
        b.append("t".repeat(bytes - b.length()));
        String p = b.toString();
        assertEquals(bytes, FilePath.parse(p).foldKey().getBytes(StandardCharsets.UTF_8).length);
        return p;
    }

    @Test
    void thePathKeyLimitIsDynamoDbsLessTheListingBound() {
        Content one = new Content(List.of("x".getBytes(StandardCharsets.UTF_8)));
        String longest = pathOfKeyBytes(Limits.MAX_PATH_KEY_BYTES);
        alice.upload(one);
        assertEquals(CommitService.Outcome.CREATED, alice.commit(longest, null, one, "key-longest-1").outcome());
        assertEquals(longest, v.reads.file(alice.owner, longest, false).path());
        // Its folder lists it, and paging past it works (the cursor key is the path key plus one byte).
        String folder = longest.substring(0, longest.lastIndexOf('/'));
        ReadService.Listing page = v.reads.list(alice.owner, folder, false, false, null, 1);
        assertEquals(List.of(longest), page.files().stream().map(ReadService.FileEntry::path).toList());
        if (page.cursor() != null) {
            assertTrue(v.reads.list(alice.owner, folder, false, false, page.cursor(), 1).files().isEmpty());
        }

        String over = pathOfKeyBytes(Limits.MAX_PATH_KEY_BYTES + 1);
        Map<String, List<dev.chunkvault.service.store.Item>> before = v.items.snapshot();
        fails(ErrorKind.BAD_REQUEST, "INVALID_PATH", () -> alice.commit(over, null, one, "key-over-1"));
        fails(ErrorKind.BAD_REQUEST, "INVALID_PATH", () -> v.reads.file(alice.owner, over, false));
        fails(ErrorKind.BAD_REQUEST, "INVALID_PATH", () -> v.reads.history(alice.owner, over, null, 10));
        fails(ErrorKind.BAD_REQUEST, "INVALID_PATH", () -> v.reads.download(alice.owner, over, null, null));
        fails(ErrorKind.BAD_REQUEST, "INVALID_PATH", () -> v.conflicts.check(alice.owner, over, null,
                new ConflictService.LocalState.Deleted(), null, null, null));
        assertEquals(before, v.items.snapshot());
    }

    @Test
    void caseFoldingCanMakeAShortPathsKeyTooLong() {
        // "İ" (2 bytes) folds to "i̇" (3 bytes): this path is 800 bytes as written and 1,200 as a key.
        String p = ("\u0130".repeat(100) + "/").repeat(3) + "\u0130".repeat(100);
        assertTrue(p.getBytes(StandardCharsets.UTF_8).length < Limits.MAX_PATH_KEY_BYTES);
        fails(ErrorKind.BAD_REQUEST, "INVALID_PATH", () -> alice.commit(p, null,
                new Content(List.of(new byte[] {1})), "key-fold-1"));
        fails(ErrorKind.BAD_REQUEST, "INVALID_PATH", () -> v.reads.file(alice.owner, p, false));
    }

    @Test
    void aFolderTooDeepForAnyFileListsEmpty() {
        String folder = pathOfKeyBytes(Limits.MAX_PATH_KEY_BYTES);
        ReadService.Listing l = v.reads.list(alice.owner, folder, true, true, null, 10);
        assertTrue(l.files().isEmpty() && l.folders().isEmpty());
        assertNull(l.cursor());
    }

    @Test
    void cursorsCarryOnlyKeysTheServiceHandsOut() {
        Content one = new Content(List.of(new byte[] {2}));
        alice.upload(one);
        alice.commit("docs/a.txt", null, one, "key-cursor-1");
        fails(ErrorKind.BAD_REQUEST, "INVALID_CURSOR", () -> v.reads.list(alice.owner, "", false, false,
                cursor("l", "k".repeat(1500)), 10));
        for (String key : List.of("k".repeat(1500), "", "docs/a.txt", "0000000001#../x", "123#abc")) {
            fails(ErrorKind.BAD_REQUEST, "INVALID_CURSOR", () -> v.reads.changes(alice.owner, cursor("c", key), 10));
            fails(ErrorKind.BAD_REQUEST, "INVALID_CURSOR", () -> v.reads.history(alice.owner, "docs/a.txt", cursor("h", key), 10));
        }
        // The cursors the service does hand out still work.
        String feed = v.reads.list(alice.owner, "", false, false, null, 10).changeCursor();
        v.reads.changes(alice.owner, feed, 10);
        String version = v.reads.history(alice.owner, "docs/a.txt", null, 10).versions().get(0).versionId();
        assertTrue(v.reads.history(alice.owner, "docs/a.txt", cursor("h", version), 10).versions().isEmpty());
    }

    private static String cursor(String kind, String key) {
        return kind + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(key.getBytes(StandardCharsets.UTF_8));
    }
}
