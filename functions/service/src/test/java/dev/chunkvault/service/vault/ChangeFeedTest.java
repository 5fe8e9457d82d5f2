package dev.chunkvault.service.vault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.service.sim.FakeClient;
import dev.chunkvault.service.sim.FakeClient.Content;
import dev.chunkvault.service.sim.TestVault;
import dev.chunkvault.service.store.ItemStore;
import dev.chunkvault.service.store.TxAction;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** The change feed never skips a commit, however long the commit takes. */
class ChangeFeedTest {
    /**
     * A large commit pins its chunks in many transactions; here each takes a simulated minute, and another device
     * polls the feed in the middle (its cursor moves on to "now − settle"). After the publish, polling from that
     * cursor must show the file: its change key is the publish time, not the time the commit began.
     */
    @Test
    void aDevicePollingDuringALongCommitStillSeesIt() {
        AtomicReference<TestVault> vault = new AtomicReference<>();
        AtomicReference<String> midCursor = new AtomicReference<>();
        List<Integer> seenMid = new ArrayList<>();
        Owner[] owner = new Owner[1];
        UnaryOperator<ItemStore> slowPins = inner -> new GcOrphansTest.Delegating(inner) {
            private int transactions;

            @Override
            public void transact(List<TxAction> actions) {
                super.transact(actions);
                TestVault v = vault.get();
                if (v != null && owner[0] != null && ++transactions == 1) {
                    v.clock.advance(Duration.ofMinutes(5));
                    String start = v.reads.list(owner[0], "", true, false, null, 10).changeCursor();
                    ReadService.Changes mid = v.reads.changes(owner[0], start, 100);
                    seenMid.add(mid.changes().size());
                    midCursor.set(mid.cursor());
                }
            }
        };
        TestVault v = new TestVault(Settings.DEFAULTS.withParallelism(1).withSmallCommitChunks(2), true, slowPins,
                UnaryOperator.identity(), Retry.immediate(3));
        FakeClient alice = new FakeClient(v, "alice");
        Random random = new Random(3);
        List<byte[]> chunks = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            byte[] b = new byte[500];
            random.nextBytes(b);
            chunks.add(b);
        }
        Content content = new Content(chunks);
        alice.upload(content);
        owner[0] = alice.owner;
        vault.set(v);
        CommitService.CommitResult r = alice.commit("big/file.bin", null, content, "feed-key-0001");
        assertTrue(r.large(), "the commit took the large path (pinned in batches)");
        assertEquals(List.of(0), seenMid, "mid-commit the file is not visible yet");
        v.clock.advance(ReadService.CHANGE_SETTLE.plusSeconds(1));
        ReadService.Changes after = v.reads.changes(alice.owner, midCursor.get(), 100);
        assertEquals(List.of("big/file.bin"), after.changes().stream().map(ReadService.FileEntry::path).toList(),
                "the change shows up after the cursor a device got while the commit ran");
    }

    private static Content content(long seed) {
        byte[] b = new byte[700];
        new Random(seed).nextBytes(b);
        return new Content(List.of(b));
    }

    private static List<String> paths(ReadService.Changes c) {
        return c.changes().stream().map(ReadService.FileEntry::path).toList();
    }

    /** Issue 16: the feed hid the last 10 s, so a sync right after a restore or an rm said "in sync". */
    @Test
    void anAcknowledgedCommitIsInTheVeryNextCall() {
        TestVault v = new TestVault();
        FakeClient alice = new FakeClient(v, "alice");
        String cursor = v.reads.list(alice.owner, "", true, false, null, 10).changeCursor();
        Content c = content(1);
        alice.upload(c);
        String version = alice.commit("now.bin", null, c, "feed-now-0001").version().versionId();
        ReadService.Changes seen = v.reads.changes(alice.owner, cursor, 100);
        assertEquals(List.of("now.bin"), paths(seen), "no blind spot");
        assertEquals(version, seen.changes().get(0).version());
        alice.delete("now.bin", version, "feed-now-0002");
        ReadService.Changes again = v.reads.changes(alice.owner, seen.cursor(), 100);
        assertTrue(again.changes().stream().anyMatch(e -> e.deleted()), "the deletion at once too");
    }

    /**
     * A commit whose change key was taken on a clock behind the reader's (or before a slow transaction) lands behind
     * a position the reader already had: the reader's next call still shows it.
     */
    @Test
    void aChangeThatLandsLateBehindAReadersPositionIsStillSeen() {
        TestVault v = new TestVault();
        FakeClient alice = new FakeClient(v, "alice");
        CommitService behind = new CommitService(v.itemPort, v.blobPort,
                java.time.Clock.offset(v.clock, Duration.ofSeconds(-45)), v.settings, Parallel.inline(), Retry.immediate(3));
        String cursor = v.reads.list(alice.owner, "", true, false, null, 10).changeCursor();
        Content first = content(2);
        alice.upload(first);
        alice.commit("a.bin", null, first, "feed-late-0001");
        v.clock.advance(Duration.ofSeconds(20));
        ReadService.Changes poll = v.reads.changes(alice.owner, cursor, 100);
        assertEquals(List.of("a.bin"), paths(poll));
        Content late = content(3);
        alice.upload(late);
        behind.commit(new CommitService.CommitRequest(alice.owner, "late.bin", null,
                new CommitService.Source.Full(late.manifest()), late.size(), late.sha256(), 0, "feed-late-0002"));
        ReadService.Changes next = v.reads.changes(alice.owner, poll.cursor(), 100);
        assertTrue(paths(next).contains("late.bin"), "a change keyed behind the reader's last answer: " + paths(next));
    }

    /** A round of pages reads everything; recent changes come again next round; settled ones only once. */
    @Test
    void aRoundReadsEverythingAndOnlyRecentChangesComeAgain() {
        TestVault v = new TestVault();
        FakeClient alice = new FakeClient(v, "alice");
        String cursor = v.reads.list(alice.owner, "", true, false, null, 10).changeCursor();
        for (int i = 0; i < 5; i++) {
            Content c = content(10 + i);
            alice.upload(c);
            alice.commit("f" + i + ".bin", null, c, "feed-settle-000" + i);
            v.clock.advance(Duration.ofSeconds(1));
        }
        List<String> first = new ArrayList<>();
        String end = round(v, alice.owner, cursor, first);
        assertEquals(List.of("f0.bin", "f1.bin", "f2.bin", "f3.bin", "f4.bin"), first, "all five in pages of two");
        List<String> again = new ArrayList<>();
        round(v, alice.owner, end, again);
        assertEquals(first, again, "within the settle window the next round reads them again");

        v.clock.advance(ReadService.CHANGE_SETTLE.plusSeconds(1));
        List<String> settledRound = new ArrayList<>();
        String past = round(v, alice.owner, end, settledRound);
        assertEquals(first, settledRound, "once more, now settled");
        List<String> none = new ArrayList<>();
        round(v, alice.owner, past, none);
        assertTrue(none.isEmpty(), "settled changes come only once: " + none);
    }

    static final String LAPTOP = "laptop-replica-0001";
    static final String DESKTOP = "desktop-replica-001";

    private static CommitService.CommitResult commitAs(TestVault v, FakeClient who, String writer, String path,
                                                        String parent, long seed, String key) {
        Content c = content(seed);
        who.upload(c);
        v.clock.advance(Duration.ofMillis(5)); // the feed's order is the commits' order
        return v.commits.commit(who.request(path, parent, c, key).withWriter(writer));
    }

    /**
     * A sync replica is spared its own commits: the feed leaves out the files whose head it wrote, and shows them again
     * once another writer (another replica, or one that names none: the console, a CLI put) moves their head.
     */
    @Test
    void aReplicasOwnCommitsAreLeftOutOfItsFeedUntilAnotherWriterMovesTheHead() {
        TestVault v = new TestVault();
        FakeClient alice = new FakeClient(v, "alice");
        String cursor = v.reads.list(alice.owner, "", true, false, null, 10).changeCursor();
        String mine = commitAs(v, alice, LAPTOP, "mine.txt", null, 40, "feed-own-0001").version().versionId();
        commitAs(v, alice, DESKTOP, "theirs.txt", null, 41, "feed-own-0002");
        commitAs(v, alice, null, "console.txt", null, 42, "feed-own-0003");
        assertEquals(List.of("theirs.txt", "console.txt"), paths(v.reads.changes(alice.owner, cursor, 100, java.util.Set.of(LAPTOP))));
        assertEquals(List.of("mine.txt", "console.txt"), paths(v.reads.changes(alice.owner, cursor, 100, java.util.Set.of(DESKTOP))));
        assertEquals(List.of("mine.txt", "theirs.txt", "console.txt"), paths(v.reads.changes(alice.owner, cursor, 100)),
                "a reader that names no replica sees every change");

        String edited = commitAs(v, alice, DESKTOP, "mine.txt", mine, 43, "feed-own-0004").version().versionId();
        ReadService.Changes laptop = v.reads.changes(alice.owner, cursor, 100, java.util.Set.of(LAPTOP));
        assertTrue(paths(laptop).contains("mine.txt"), "another replica's edit of the laptop's file: " + paths(laptop));
        assertEquals(edited, laptop.changes().stream().filter(e -> e.path().equals("mine.txt")).findFirst().orElseThrow()
                .version());
        String deleted = alice.delete("mine.txt", edited, "feed-own-0005").version().versionId();
        ReadService.Changes desktop = v.reads.changes(alice.owner, cursor, 100, java.util.Set.of(DESKTOP));
        assertTrue(desktop.changes().stream().anyMatch(e -> e.path().equals("mine.txt") && e.deleted()
                && e.version().equals(deleted)), "a deletion by no replica reaches the replica that wrote the file");
    }

    /**
     * Left-out rows move the positions as any other: a replica's poll after its own large sync takes a few calls with
     * nothing in them, then its cursor is past them; a settled change by another replica, behind them, is still seen.
     */
    @Test
    void aReplicasOwnLargeSyncCostsItAFewEmptyCallsAndItsCursorMovesPast() {
        TestVault v = new TestVault();
        FakeClient alice = new FakeClient(v, "alice");
        String cursor = v.reads.list(alice.owner, "", true, false, null, 10).changeCursor();
        commitAs(v, alice, DESKTOP, "before.txt", null, 50, "feed-skip-0000");
        List<CommitService.CommitRequest> batch = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            Content c = content(100 + i);
            alice.upload(c);
            batch.add(alice.request("own/" + i + ".txt", null, c, "feed-skip-" + (1000 + i)).withWriter(LAPTOP));
        }
        v.clock.advance(Duration.ofMillis(5));
        alice.commitBatch(batch).forEach(b -> assertTrue(b.error() == null, String.valueOf(b.error())));
        commitAs(v, alice, DESKTOP, "after.txt", null, 51, "feed-skip-0001");

        List<String> seen = new ArrayList<>();
        int[] calls = new int[1];
        String c = round(v, alice.owner, cursor, 4, java.util.Set.of(LAPTOP), seen, calls);
        assertEquals(List.of("before.txt", "after.txt"), seen);
        assertTrue(calls[0] <= 3, "pages of own rows are read on within one call, not one call each: " + calls[0]);

        v.clock.advance(ReadService.CHANGE_SETTLE.plusSeconds(1));
        List<String> settled = new ArrayList<>();
        String past = round(v, alice.owner, c, 4, java.util.Set.of(LAPTOP), settled, calls);
        assertEquals(List.of("before.txt", "after.txt"), settled, "read once more within the settle window");
        List<String> none = new ArrayList<>();
        round(v, alice.owner, past, 4, java.util.Set.of(LAPTOP), none, calls);
        assertTrue(none.isEmpty(), "settled: " + none);
    }

    /** A sync leaves out its folder's recent runs' commits: each run names itself anew, the feed read names them all. */
    @Test
    void theCommitsOfSeveralRunsOfOneFolderAreLeftOutTogether() {
        TestVault v = new TestVault();
        FakeClient alice = new FakeClient(v, "alice");
        String cursor = v.reads.list(alice.owner, "", true, false, null, 10).changeCursor();
        commitAs(v, alice, LAPTOP, "run1.txt", null, 70, "feed-runs-0001");
        commitAs(v, alice, LAPTOP + "-2", "run2.txt", null, 71, "feed-runs-0002");
        commitAs(v, alice, DESKTOP, "other.txt", null, 72, "feed-runs-0003");
        assertEquals(List.of("other.txt"), paths(v.reads.changes(alice.owner, cursor, 100,
                Writers.checkAll(LAPTOP + "," + LAPTOP + "-2", "exceptWriter"))));
        StringBuilder many = new StringBuilder(LAPTOP);
        for (int i = 0; i < Writers.MAX_EXCEPT; i++) {
            many.append(",").append(LAPTOP).append(i);
        }
        dev.chunkvault.service.error.ServiceException e = org.junit.jupiter.api.Assertions.assertThrows(
                dev.chunkvault.service.error.ServiceException.class, () -> Writers.checkAll(many.toString(), "exceptWriter"));
        assertEquals("INVALID_WRITER", e.code());
        for (String bad : List.of(",", LAPTOP + ",", "," + LAPTOP)) {
            assertEquals("INVALID_WRITER", org.junit.jupiter.api.Assertions.assertThrows(
                    dev.chunkvault.service.error.ServiceException.class, () -> Writers.checkAll(bad, "exceptWriter")).code(),
                    bad);
        }
    }

    @Test
    void aWriterIdThatIsNotOneIsRefusedAndNothingIsWritten() {
        TestVault v = new TestVault();
        FakeClient alice = new FakeClient(v, "alice");
        String cursor = v.reads.list(alice.owner, "", true, false, null, 10).changeCursor();
        for (String bad : List.of("short", "has space in it ok", "x".repeat(65), "semi;colon-0000000")) {
            Content c = content(60);
            alice.upload(c);
            CommitService.CommitRequest r = alice.request("bad.txt", null, c, "feed-bad-0001").withWriter(bad);
            dev.chunkvault.service.error.ServiceException e = org.junit.jupiter.api.Assertions.assertThrows(
                    dev.chunkvault.service.error.ServiceException.class, () -> v.commits.commit(r));
            assertEquals("INVALID_WRITER", e.code(), bad);
            e = org.junit.jupiter.api.Assertions.assertThrows(dev.chunkvault.service.error.ServiceException.class,
                    () -> Writers.checkAll(LAPTOP + "," + bad, "exceptWriter"));
            assertEquals("INVALID_WRITER", e.code(), bad);
        }
        assertTrue(v.reads.changes(alice.owner, cursor, 100).changes().isEmpty(), "nothing was committed");
    }

    /** Calls while {@code more}, pages of two; returns the cursor to keep. */
    private static String round(TestVault v, Owner owner, String cursor, List<String> into) {
        return round(v, owner, cursor, 2, java.util.Set.of(), into, new int[1]);
    }

    /** Calls while {@code more}, pages of {@code limit}, as {@code writer}; counts the calls in {@code calls[0]}. */
    private static String round(TestVault v, Owner owner, String cursor, int limit, java.util.Set<String> writers,
                                List<String> into, int[] calls) {
        ReadService.Changes page;
        calls[0] = 0;
        do {
            page = v.reads.changes(owner, cursor, limit, writers);
            into.addAll(paths(page));
            cursor = page.cursor();
            assertTrue(++calls[0] < 20, "a round ends");
        } while (page.more());
        return cursor;
    }
}
