package dev.chunkvault.service.vault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.core.chunking.ChunkingProfile;
import dev.chunkvault.core.manifest.Manifest;
import dev.chunkvault.service.TestClock;
import dev.chunkvault.service.sim.Backend;
import dev.chunkvault.service.sim.FakeClient;
import dev.chunkvault.service.sim.FakeClient.Content;
import dev.chunkvault.service.sim.TestVault;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Rewind on any {@link Backend}: RewindServiceTest runs it on the in-memory fakes, RewindDynamoIT on DynamoDB Local and
 * s3proxy through the real adapters (key-range queries over the files table, the search of a file's versions by seq).
 */
public final class RewindScenarios {
    private final TestVault vault;
    private final FakeClient client;
    private final Random random = new Random(20261207L);

    public RewindScenarios(Backend backend, TestClock clock) {
        this.vault = new TestVault(backend, clock, Settings.DEFAULTS.withParallelism(1), items -> items, blobs -> blobs,
                Retry.immediate(3));
        this.client = new FakeClient(vault, "alice");
    }

    private Content upload() {
        Content c = Content.random(random, 1, 900);
        client.upload(c);
        return c;
    }

    /** Every file of the tenant, deleted ones too: path → head. */
    private Map<String, String> heads() {
        Map<String, String> out = new HashMap<>();
        String cursor = null;
        do {
            ReadService.Listing l = vault.reads.list(client.owner, "", true, true, cursor, 1000);
            l.files().forEach(f -> out.put(f.path(), f.version()));
            cursor = l.cursor();
        } while (cursor != null);
        return out;
    }

    private RewindService rewinds() {
        return new RewindService(vault.itemPort, vault.commits, vault.clock, vault.settings, Retry.immediate(3));
    }

    /**
     * Pages of at most two changes to make until the folder is done: the changes of all of them (files a page finds
     * already rewound by the same key are answered besides, as they cost no write).
     */
    private List<RewindService.Change> all(Instant to, boolean dryRun, String key) {
        List<RewindService.Change> out = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            RewindService.Result page = rewinds().rewind(new RewindService.Request(client.owner, "w", to, dryRun, key,
                    cursor, 2));
            long made = page.changes().stream().filter(c -> c.fromVersion() != null).count(); // not answered again
            assertTrue(made <= 2 + 1, page.toString()); // + the folder's own marker on the first page
            out.addAll(page.changes());
            cursor = page.cursor();
            assertTrue(++pages < 50, "the pages end");
        } while (cursor != null);
        return out;
    }

    /**
     * A folder with a file edited 40 times since the instant, one edited, one deleted, one created and an empty folder
     * that got a file: the dry run writes nothing; the rewind, in pages of two, brings each back as it was, as new
     * versions; the same rewind sent again writes nothing and answers each file as done.
     */
    public void aFolderWithAHotFileComesBackAsItWas() {
        Content hot0 = upload();
        String hot = null;
        for (int i = 0; i < 5; i++) {
            hot = client.commit("w/hot.txt", hot, i % 2 == 0 ? hot0 : upload(), "key-hot-" + (1000 + i)).version().versionId();
            vault.clock.advance(Duration.ofSeconds(1));
        }
        String hotThen = hot;
        Content a1 = upload();
        String a = client.commit("w/a.txt", null, a1, "key-a-00001").version().versionId();
        String b = client.commit("w/b.txt", null, upload(), "key-b-00001").version().versionId();
        String keep = client.commit("w/keep.txt", null, upload(), "key-keep-001").version().versionId();
        String marker = vault.commits.commit(new CommitService.CommitRequest(client.owner, "w/empty", null,
                new CommitService.Source.Full(Manifest.empty(ChunkingProfile.DEFAULT.name())),
                0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", 0, "key-dir-0001", false, false,
                true)).version().versionId();
        vault.clock.advance(Duration.ofSeconds(1));
        Instant then = vault.clock.instant();
        vault.clock.advance(Duration.ofSeconds(1));

        for (int i = 5; i < 45; i++) {
            hot = client.commit("w/hot.txt", hot, upload(), "key-hot-" + (1000 + i)).version().versionId();
        }
        String editedA = client.commit("w/a.txt", a, upload(), "key-a-00002").version().versionId();
        client.delete("w/b.txt", b, "key-b-00002");
        client.commit("w/new.txt", null, upload(), "key-new-0001");
        client.delete("w/empty", marker, "key-dir-0002");
        client.commit("w/empty/f.txt", null, upload(), "key-dir-0003");
        vault.clock.advance(Duration.ofSeconds(1));

        Map<String, String> before = heads();
        List<RewindService.Change> planned = all(then, true, null);
        assertEquals(before, heads(), "a dry run writes nothing");
        Map<String, RewindService.Action> actions = new HashMap<>();
        planned.forEach(c -> actions.put(c.path(), c.action()));
        assertEquals(Map.of("w/hot.txt", RewindService.Action.RESTORE, "w/a.txt", RewindService.Action.RESTORE,
                "w/b.txt", RewindService.Action.UNDELETE, "w/new.txt", RewindService.Action.DELETE,
                "w/empty", RewindService.Action.UNDELETE, "w/empty/f.txt", RewindService.Action.DELETE), actions);
        assertEquals(hotThen, planned.stream().filter(c -> c.path().equals("w/hot.txt")).findFirst().orElseThrow()
                .toVersion(), "the version of then, among 45");

        List<RewindService.Change> done = all(then, false, "rewind-scenario-1");
        done.forEach(c -> assertEquals(RewindService.Status.DONE, c.status(), c.toString()));
        assertEquals(actions.keySet(), new java.util.HashSet<>(done.stream().map(RewindService.Change::path).toList()));
        assertEquals(hot0.sha256(), vault.reads.file(client.owner, "w/hot.txt", false).contentHash());
        assertEquals(a1.sha256(), vault.reads.file(client.owner, "w/a.txt", false).contentHash());
        assertFalse(vault.reads.file(client.owner, "w/b.txt", true).deleted());
        assertTrue(vault.reads.file(client.owner, "w/new.txt", true).deleted());
        assertTrue(vault.reads.file(client.owner, "w/empty", false).folder());
        assertTrue(vault.reads.file(client.owner, "w/empty/f.txt", true).deleted());
        assertEquals(keep, vault.reads.file(client.owner, "w/keep.txt", false).version());
        List<String> history = vault.reads.history(client.owner, "w/a.txt", null, 100).versions().stream()
                .map(VersionView::versionId).toList();
        assertTrue(history.containsAll(List.of(a, editedA)) && history.size() == 3, history.toString());
        assertEquals(46, vault.reads.history(client.owner, "w/hot.txt", null, 100).versions().size());
        assertNotEquals(a, vault.reads.file(client.owner, "w/a.txt", false).version(), "a new version");

        Map<String, String> after = heads();
        List<RewindService.Change> again = all(then, false, "rewind-scenario-1");
        assertEquals(after, heads(), "the same rewind again writes nothing");
        assertEquals(done.size(), again.size());
        again.forEach(c -> assertEquals(RewindService.Status.DONE, c.status(), c.toString()));
    }
}
