package dev.chunkvault.service.vault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
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
import dev.chunkvault.service.store.ItemStore;
import dev.chunkvault.service.store.Page;
import dev.chunkvault.service.store.Query;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Rewind (issue 19 item 3): a folder back to how it was at an instant, as new versions, page by page. */
class RewindServiceTest {
    static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    private final Random random = new Random(1903);

    private Content upload(FakeClient c, int chunks) {
        Content content = Content.random(random, chunks, 700);
        c.upload(content);
        return content;
    }

    private static String head(TestVault v, FakeClient c, String path) {
        return v.reads.file(c.owner, path, true).version();
    }

    private static ReadService.FileEntry entry(TestVault v, FakeClient c, String path) {
        return v.reads.file(c.owner, path, true);
    }

    private static RewindService service(TestVault v, ItemStore store) {
        return new RewindService(store, v.commits, v.clock, v.settings, Retry.immediate(3));
    }

    private static RewindService.Request request(FakeClient c, String folder, Instant to, boolean dryRun, String key) {
        return new RewindService.Request(c.owner, folder, to, dryRun, key, null, RewindService.MAX_CHANGES);
    }

    private static Map<String, RewindService.Change> byPath(RewindService.Result r) {
        return r.changes().stream().collect(Collectors.toMap(RewindService.Change::path, x -> x));
    }

    @Test
    void aFolderComesBackAsItWasAndNothingIsLost() {
        TestVault v = new TestVault();
        FakeClient c = new FakeClient(v, "alice");
        Content a1 = upload(c, 2);
        Content b1 = upload(c, 1);
        Content s1 = upload(c, 1);
        String aV1 = c.commit("docs/a.txt", null, a1, "key-a-000001").version().versionId();
        String bV1 = c.commit("docs/b.txt", null, b1, "key-b-000001").version().versionId();
        String keepV1 = c.commit("docs/keep.txt", null, upload(c, 1), "key-keep-0001").version().versionId();
        String sV1 = v.commits.commit(new CommitService.CommitRequest(c.owner, "docs/run.sh", null,
                new CommitService.Source.Full(s1.manifest()), s1.size(), s1.sha256(), 0, "key-sh-000001", true))
                .version().versionId();
        String markerV1 = v.commits.commit(new CommitService.CommitRequest(c.owner, "docs/empty", null,
                new CommitService.Source.Full(Manifest.empty(ChunkingProfile.DEFAULT.name())), 0, EMPTY_SHA256, 0,
                "key-dir-00001", false, false, true)).version().versionId();
        String outsideV1 = c.commit("other/o.txt", null, upload(c, 1), "key-o-000001").version().versionId();
        String goneV1 = c.commit("docs/gone.txt", null, upload(c, 1), "key-g-000001").version().versionId();
        String goneV2 = c.delete("docs/gone.txt", goneV1, "key-g-000002").version().versionId();

        v.clock.advance(Duration.ofMinutes(1));
        Instant then = v.clock.instant();
        v.clock.advance(Duration.ofMinutes(1));

        String aV2 = c.commit("docs/a.txt", aV1, upload(c, 2), "key-a-000002").version().versionId();
        c.delete("docs/b.txt", bV1, "key-b-000002");
        c.commit("docs/new.txt", null, upload(c, 1), "key-new-00001");
        c.commit("docs/sub/deep.txt", null, upload(c, 1), "key-deep-0001");
        c.delete("docs/empty", markerV1, "key-dir-00002");
        c.commit("docs/empty/f.txt", null, upload(c, 1), "key-dir-00003");
        c.commit("docs/run.sh", sV1, s1, "key-sh-000002"); // the same bytes, not executable any more
        c.commit("other/o.txt", outsideV1, upload(c, 1), "key-o-000002");
        v.clock.advance(Duration.ofMinutes(1));

        // A dry run says what would change and writes nothing.
        Map<String, List<Item>> before = v.items.snapshot();
        RewindService rewind = service(v, v.itemPort);
        RewindService.Result dry = rewind.rewind(request(c, "docs", then, true, null));
        assertEquals(before, v.items.snapshot());
        assertNull(dry.cursor());
        Map<String, RewindService.Change> planned = byPath(dry);
        assertEquals(Map.of("docs/a.txt", RewindService.Action.RESTORE, "docs/b.txt", RewindService.Action.UNDELETE,
                "docs/new.txt", RewindService.Action.DELETE, "docs/sub/deep.txt", RewindService.Action.DELETE,
                "docs/empty", RewindService.Action.UNDELETE, "docs/empty/f.txt", RewindService.Action.DELETE,
                "docs/run.sh", RewindService.Action.RESTORE), planned.entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().action())));
        planned.values().forEach(ch -> assertEquals(RewindService.Status.PLANNED, ch.status()));
        assertEquals(aV1, planned.get("docs/a.txt").toVersion());
        assertEquals(aV2, planned.get("docs/a.txt").fromVersion());
        assertEquals(2, dry.unchanged(), "keep.txt, and gone.txt (deleted then and now)");

        // The rewind: every change is a new version.
        RewindService.Result done = rewind.rewind(request(c, "docs", then, false, "rewind-key-0001"));
        assertNull(done.cursor());
        assertEquals(planned.keySet(), byPath(done).keySet());
        done.changes().forEach(ch -> assertEquals(RewindService.Status.DONE, ch.status(), ch.toString()));
        assertEquals(a1.sha256(), entry(v, c, "docs/a.txt").contentHash());
        assertFalse(entry(v, c, "docs/b.txt").deleted());
        assertEquals(b1.sha256(), entry(v, c, "docs/b.txt").contentHash());
        assertTrue(entry(v, c, "docs/new.txt").deleted());
        assertTrue(entry(v, c, "docs/sub/deep.txt").deleted());
        assertTrue(entry(v, c, "docs/empty").folder());
        assertFalse(entry(v, c, "docs/empty").deleted());
        assertTrue(entry(v, c, "docs/empty/f.txt").deleted());
        assertTrue(entry(v, c, "docs/run.sh").executable());
        assertEquals(keepV1, head(v, c, "docs/keep.txt"));
        assertEquals(goneV2, head(v, c, "docs/gone.txt"));
        assertNotEquals(outsideV1, head(v, c, "other/o.txt"), "outside the folder: untouched");
        // Nothing is lost: the versions in between are history, and the new heads are new versions.
        List<String> history = v.reads.history(c.owner, "docs/a.txt", null, 100).versions().stream()
                .map(VersionView::versionId).toList();
        assertEquals(3, history.size());
        assertTrue(history.containsAll(List.of(aV1, aV2)));
        assertNotEquals(aV1, head(v, c, "docs/a.txt"));

        // The same page again (a retry): no second version of anything, each file answered as done again.
        Map<String, List<Item>> after = v.items.snapshot();
        RewindService.Result again = rewind.rewind(request(c, "docs", then, false, "rewind-key-0001"));
        assertEquals(after, v.items.snapshot());
        assertEquals(byPath(done).keySet(), byPath(again).keySet());
        again.changes().forEach(ch -> {
            assertEquals(RewindService.Status.DONE, ch.status(), ch.toString());
            assertEquals(byPath(done).get(ch.path()).newVersion(), ch.newVersion());
            assertEquals(byPath(done).get(ch.path()).action(), ch.action());
        });
        // Another rewind to the same instant finds everything as it was.
        RewindService.Result other = rewind.rewind(request(c, "docs", then, false, "rewind-key-0002"));
        assertTrue(other.changes().isEmpty(), other.toString());
        assertEquals(after, v.items.snapshot());
        new Oracle(v).countsMatchRecount();
    }

    @Test
    void aFolderWithAHotFileComesBackAsItWasInPagesOfTwo() {
        dev.chunkvault.service.TestClock clock = new dev.chunkvault.service.TestClock();
        new RewindScenarios(dev.chunkvault.service.sim.Backend.inMemory(clock, true), clock)
                .aFolderWithAHotFileComesBackAsItWas();
    }

    @Test
    void theRootIsAFolderToo() {
        TestVault v = new TestVault();
        FakeClient c = new FakeClient(v, "alice");
        Content x1 = upload(c, 1);
        String xV1 = c.commit("x.txt", null, x1, "key-x-000001").version().versionId();
        v.clock.advance(Duration.ofSeconds(5));
        Instant then = v.clock.instant();
        v.clock.advance(Duration.ofSeconds(5));
        c.commit("x.txt", xV1, upload(c, 1), "key-x-000002");
        c.commit("deep/y.txt", null, upload(c, 1), "key-y-000001");
        RewindService.Result r = service(v, v.itemPort).rewind(request(c, "", then, false, "rewind-root-01"));
        assertEquals(2, r.changes().size());
        assertEquals(x1.sha256(), entry(v, c, "x.txt").contentHash());
        assertTrue(entry(v, c, "deep/y.txt").deleted());
    }

    @Test
    void aFileChangedMeanwhileIsSkippedNotOverwritten() {
        TestVault v = new TestVault();
        FakeClient c = new FakeClient(v, "alice");
        String aV1 = c.commit("d/a.txt", null, upload(c, 1), "key-a-000001").version().versionId();
        String bV1 = c.commit("d/b.txt", null, upload(c, 1), "key-b-000001").version().versionId();
        v.clock.advance(Duration.ofSeconds(5));
        Instant then = v.clock.instant();
        v.clock.advance(Duration.ofSeconds(5));
        String aV2 = c.commit("d/a.txt", aV1, upload(c, 1), "key-a-000002").version().versionId();
        c.commit("d/b.txt", bV1, upload(c, 1), "key-b-000002");
        Content theirs = upload(c, 1);
        String aFileId = v.reads.fileRow(c.owner, CommitService.parsePath("d/a.txt")).orElseThrow().fileId();
        List<String> edits = new ArrayList<>();
        // Another device edits a.txt after the rewind read its versions, before it commits.
        ItemStore racing = new Hooked(v.itemPort, q -> {
            if (q.table().equals(Tables.VERSIONS) && q.partition().equals(aFileId) && edits.isEmpty()) {
                edits.add(c.commit("d/a.txt", aV2, theirs, "key-a-000003").version().versionId());
            }
        });
        RewindService.Result r = service(v, racing).rewind(request(c, "d", then, false, "rewind-race-01"));
        Map<String, RewindService.Change> changes = byPath(r);
        assertEquals(RewindService.Status.SKIPPED, changes.get("d/a.txt").status());
        assertEquals("STALE_PARENT", changes.get("d/a.txt").reason());
        assertEquals(RewindService.Status.DONE, changes.get("d/b.txt").status());
        assertEquals(edits.get(0), head(v, c, "d/a.txt"), "their edit stays the head");
        assertEquals(theirs.sha256(), entry(v, c, "d/a.txt").contentHash());
    }

    @Test
    void badInputIsRefusedAndChangesNothing() {
        TestVault v = new TestVault();
        FakeClient c = new FakeClient(v, "alice");
        c.commit("d/a.txt", null, upload(c, 1), "key-a-000001");
        v.clock.advance(Duration.ofSeconds(5));
        Map<String, List<Item>> before = v.items.snapshot();
        RewindService rewind = service(v, v.itemPort);
        Instant past = v.clock.instant().minusSeconds(1);
        for (RewindService.Request bad : List.of(
                request(c, "d", v.clock.instant().plusSeconds(60), true, null),
                request(c, "d", past, false, null),
                request(c, "d", past, false, "short"),
                request(c, "../x", past, true, null),
                new RewindService.Request(c.owner, "d", past, true, null, "w.bm9wZQ", 10),
                new RewindService.Request(c.owner, "d", past, true, null, "junk", 10),
                new RewindService.Request(c.owner, "d", past, true, null, null, 0),
                new RewindService.Request(c.owner, "d", past, true, null, null, RewindService.MAX_CHANGES + 1),
                new RewindService.Request(c.owner, "d", null, true, null, null, 10))) {
            ServiceException e = assertThrows(ServiceException.class, () -> rewind.rewind(bad), bad.toString());
            assertEquals(ErrorKind.BAD_REQUEST, e.kind(), e.getMessage());
        }
        ServiceException future = assertThrows(ServiceException.class,
                () -> rewind.rewind(request(c, "d", v.clock.instant().plusSeconds(60), false, "rewind-key-0001")));
        assertEquals("TIME_IN_FUTURE", future.code());
        assertEquals(before, v.items.snapshot());
    }

    @Test
    void aLargeFolderGoesAPageAtATimeWithBoundedChangesPerPage() {
        TestVault v = new TestVault();
        FakeClient c = new FakeClient(v, "alice");
        Content shared = upload(c, 1);
        List<CommitService.CommitRequest> batch = new ArrayList<>();
        for (int i = 0; i < 1_300; i++) {
            batch.add(c.request(String.format("big/f%04d.txt", i), null, shared, String.format("key-old-%05d", i)));
            if (batch.size() == CommitService.MAX_BATCH_COMMITS) {
                c.commitBatch(batch).forEach(item -> assertNull(item.error()));
                batch.clear();
            }
        }
        v.clock.advance(Duration.ofSeconds(5));
        Instant then = v.clock.instant();
        v.clock.advance(Duration.ofSeconds(5));
        for (int i = 0; i < 250; i++) {
            batch.add(c.request(String.format("big/new%04d.txt", i), null, shared, String.format("key-new-%05d", i)));
            if (batch.size() == CommitService.MAX_BATCH_COMMITS) {
                c.commitBatch(batch).forEach(item -> assertNull(item.error()));
                batch.clear();
            }
        }
        c.commitBatch(batch).forEach(item -> assertNull(item.error()));
        for (boolean dryRun : new boolean[] {true, false}) {
            String cursor = null;
            int pages = 0;
            int deleted = 0;
            int examined = 0;
            do {
                RewindService.Result page = service(v, v.itemPort).rewind(new RewindService.Request(c.owner, "big", then,
                        dryRun, "rewind-big-001", cursor, 40));
                assertTrue(page.changes().size() <= 40, "bounded per page");
                assertTrue(page.examined() <= RewindService.MAX_EXAMINED);
                deleted += (int) page.changes().stream().filter(ch -> ch.action() == RewindService.Action.DELETE
                        && ch.status() == (dryRun ? RewindService.Status.PLANNED : RewindService.Status.DONE)).count();
                examined += page.examined();
                cursor = page.cursor();
                pages++;
            } while (cursor != null && pages < 100);
            assertNull(cursor);
            assertEquals(250, deleted);
            assertEquals(1_550, examined, "each file looked at once");
            assertTrue(pages >= 7, "250 changes at 40 a page, " + pages);
        }
        assertEquals(1_300, v.reads.list(c.owner, "big", true, false, null, 1000).files().size()
                + v.reads.list(c.owner, "big", true, false, v.reads.list(c.owner, "big", true, false, null, 1000).cursor(),
                1000).files().size());
    }

    @Test
    void aFileWithManyVersionsSinceIsSearchedByItsSequence() {
        TestVault v = new TestVault();
        FakeClient c = new FakeClient(v, "alice");
        List<Content> contents = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            contents.add(upload(c, 1));
        }
        String parent = null;
        List<String> before = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            parent = c.commit("h/hot.txt", parent, contents.get(i % 3), String.format("key-hot-%05d", i)).version().versionId();
            before.add(parent);
            v.clock.advance(Duration.ofSeconds(1));
        }
        Instant then = v.clock.instant();
        String atThen = parent;
        v.clock.advance(Duration.ofSeconds(1));
        String other = null;
        for (int i = 30; i < 100; i++) {
            Content next = i == 99 ? contents.get(4) : contents.get(i % 3 == 2 ? 3 : i % 2); // the last: like no other
            parent = c.commit("h/hot.txt", parent, next, String.format("key-hot-%05d", i)).version().versionId();
            other = c.commit("h/new.txt", other, contents.get(i % 2), String.format("key-new-%05d", i)).version().versionId();
            v.clock.advance(Duration.ofSeconds(1));
        }
        RewindService.Result dry = service(v, v.itemPort).rewind(request(c, "h", then, true, null));
        Map<String, RewindService.Change> changes = byPath(dry);
        assertEquals(atThen, changes.get("h/hot.txt").toVersion(), "the version of then, found among 100");
        assertEquals(RewindService.Action.RESTORE, changes.get("h/hot.txt").action());
        assertEquals(RewindService.Action.DELETE, changes.get("h/new.txt").action(), "its first version came later");
        // Every instant picks the version that was the head then.
        for (int k = 0; k < before.size(); k += 7) {
            Instant at = Instant.parse("2026-01-01T00:00:00Z").plusSeconds(k).plusMillis(500);
            RewindService.Result r = service(v, v.itemPort).rewind(request(c, "h", at, true, null));
            assertEquals(before.get(k), byPath(r).get("h/hot.txt").toVersion(), "at " + at);
        }
        service(v, v.itemPort).rewind(request(c, "h", then, false, "rewind-hot-001"));
        assertEquals(contents.get(29 % 3).sha256(), entry(v, c, "h/hot.txt").contentHash());
        assertTrue(entry(v, c, "h/new.txt").deleted());
    }

    @Test
    void pastTheRetentionPeriodOnlyWhatIsStillKnownIsRewound() {
        TestVault v = new TestVault(Settings.DEFAULTS.withParallelism(1).withRetention(Duration.ofDays(1)));
        FakeClient c = new FakeClient(v, "alice");
        String fV1 = c.commit("r/f.txt", null, upload(c, 1), "key-f-000001").version().versionId();
        String keptV1 = c.commit("r/kept.txt", null, upload(c, 1), "key-k-000001").version().versionId();
        v.clock.advance(Duration.ofMinutes(1));
        Instant then = v.clock.instant();
        v.clock.advance(Duration.ofMinutes(1));
        c.commit("r/f.txt", fV1, upload(c, 1), "key-f-000002"); // f's version of then expires a day from now
        v.clock.advance(Duration.ofHours(12));
        c.commit("r/soon.txt", null, upload(c, 1), "key-s-000001"); // within a retention period after then
        v.clock.advance(Duration.ofHours(36));
        c.commit("r/late.txt", null, upload(c, 1), "key-l-000001"); // a purged file might have been here then
        v.clock.advance(Duration.ofMinutes(1));

        RewindService.Result r = service(v, v.itemPort).rewind(request(c, "r", then, false, "rewind-old-001"));
        Map<String, RewindService.Change> changes = byPath(r);
        assertEquals(RewindService.NOT_RETAINED, changes.get("r/f.txt").reason());
        assertEquals(RewindService.Status.SKIPPED, changes.get("r/f.txt").status());
        assertEquals(RewindService.NOT_RETAINED, changes.get("r/late.txt").reason());
        assertEquals(RewindService.Action.DELETE, changes.get("r/soon.txt").action());
        assertEquals(RewindService.Status.DONE, changes.get("r/soon.txt").status());
        assertFalse(changes.containsKey("r/kept.txt"));
        assertEquals(keptV1, head(v, c, "r/kept.txt"));
        assertFalse(entry(v, c, "r/f.txt").deleted());
        assertFalse(entry(v, c, "r/late.txt").deleted());
        assertTrue(entry(v, c, "r/soon.txt").deleted());
        assertTrue(r.retainedSince().isAfter(then));
    }

    /** An item store that tells a hook about each query after answering it (GcOrphansTest's delegating store). */
    private static final class Hooked extends GcOrphansTest.Delegating {
        private final Consumer<Query> afterQuery;

        Hooked(ItemStore inner, Consumer<Query> afterQuery) {
            super(inner);
            this.afterQuery = afterQuery;
        }

        @Override
        public Page<Item> query(Query query) {
            Page<Item> p = super.query(query);
            afterQuery.accept(query);
            return p;
        }
    }
}
