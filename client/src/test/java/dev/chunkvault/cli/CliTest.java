package dev.chunkvault.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chunkvault.client.ClientJson;
import dev.chunkvault.client.FakeVault;
import dev.chunkvault.client.TestFiles;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI in-process against the fake API: parsing, config, commands and exit codes. */
class CliTest {
    @TempDir
    Path tmp;
    FakeVault vault;
    Map<String, String> env;
    String out;
    String err;

    @BeforeEach
    void start() throws Exception {
        vault = new FakeVault();
        env = new HashMap<>();
        env.put("CHUNKVAULT_CONFIG_DIR", tmp.resolve("config").toString());
        env.put("CHUNKVAULT_DEVICE", "testbox");
    }

    @AfterEach
    void stop() {
        vault.close();
    }

    int run(Path cwd, String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int code = new Cli(env, new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true,
                StandardCharsets.UTF_8), false).withCwd(cwd).run(args);
        out = o.toString(StandardCharsets.UTF_8);
        err = e.toString(StandardCharsets.UTF_8);
        return code;
    }

    @Test
    void auditTellsChangesInFlightFromDriftInItsExitCode() throws Exception {
        assertEquals(0, login());
        // Counters that changed while being audited (commits at work) are not integrity errors (issue 13): exit 0.
        vault.auditReport = "{\"chunks\":10,\"edges\":12,\"holdings\":10,\"versions\":4,\"driftCount\":0,"
                + "\"drifts\":[],\"fixed\":0,\"complete\":true,\"inFlight\":3,\"inFlightSample\":[{\"kind\":\"REFS\","
                + "\"chunk\":\"ab\",\"owner\":\"o\",\"fileId\":null,\"stored\":1,\"expected\":2}]}";
        assertEquals(ExitCodes.OK, run(tmp, "audit"), err);
        assertTrue(out.contains("3 counts changed while being audited"), out);
        // A difference proven against a counter that did not change is drift: exit 6.
        vault.auditReport = vault.auditReport.replace("\"driftCount\":0,\"drifts\":[]", "\"driftCount\":1,\"drifts\":"
                + "[{\"kind\":\"REFS\",\"chunk\":\"cd\",\"owner\":\"o\",\"fileId\":null,\"stored\":0,\"expected\":1}]");
        assertEquals(ExitCodes.INTEGRITY, run(tmp, "audit"), out + err);
        assertEquals(ExitCodes.INTEGRITY, run(tmp, "audit", "--json"), out + err);
        assertTrue(out.contains("\"driftCount\" : 1") || out.contains("\"driftCount\":1"), out);
    }

    int login() {
        return run(tmp, "login", "--local", "alice", "--endpoint", vault.endpoint().toString());
    }

    @Test
    void loginStoresAPrivateConfigAndLogoutForgetsTheToken() throws Exception {
        assertEquals(0, login(), err);
        Path cfg = tmp.resolve("config/config.json");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(cfg)));
        JsonNode c = ClientJson.MAPPER.readTree(cfg.toFile());
        assertEquals("test-token", c.path("token").asText());
        assertEquals("alice", c.path("localUser").asText());
        assertEquals(0, run(tmp, "logout"));
        assertFalse(ClientJson.MAPPER.readTree(cfg.toFile()).has("token"));
        assertEquals(ExitCodes.AUTH, run(tmp, "ls"));
        assertTrue(err.contains("chunkvault login"), err);
    }

    @Test
    void usageErrorsExitWith2() {
        assertEquals(ExitCodes.USAGE, run(tmp, "push"));
        assertEquals(ExitCodes.USAGE, run(tmp, "frobnicate"));
        assertEquals(ExitCodes.USAGE, run(tmp, "sync", "--max-delete", "many"));
        assertEquals(ExitCodes.USAGE, run(tmp));
    }

    /** Small chunks go in packs where the service offers them, unless CHUNKVAULT_PACKS=off; a bad value is a usage error. */
    @Test
    void packsAreUsedWhereOfferedAndCanBeTurnedOff() throws Exception {
        vault.enablePacks();
        env.put("CHUNKVAULT_ENDPOINT", vault.endpoint().toString());
        env.put("CHUNKVAULT_TOKEN", "test-token");
        java.nio.file.Files.write(tmp.resolve("a.txt"), dev.chunkvault.client.TestFiles.random(1, 5_000));
        java.nio.file.Files.write(tmp.resolve("b.txt"), dev.chunkvault.client.TestFiles.random(2, 5_000));
        assertEquals(0, run(tmp, "push", "a.txt"), err);
        assertEquals(1, vault.packsSealed.get());
        assertEquals(0, vault.puts.get());
        env.put("CHUNKVAULT_PACKS", "off");
        assertEquals(0, run(tmp, "push", "b.txt"), err);
        assertEquals(1, vault.packsSealed.get(), "no pack");
        assertEquals(1, vault.puts.get(), "the chunk on its own");
        env.put("CHUNKVAULT_PACKS", "sometimes");
        assertEquals(ExitCodes.USAGE, run(tmp, "ls"));
        assertTrue(err.contains("CHUNKVAULT_PACKS"), err);
    }

    @Test
    void envOverridesTheConfig() throws Exception {
        env.put("CHUNKVAULT_ENDPOINT", vault.endpoint().toString());
        env.put("CHUNKVAULT_TOKEN", "test-token");
        assertEquals(0, run(tmp, "--json", "ls"), err);
        assertTrue(ClientJson.MAPPER.readTree(out).path("files").isArray());
        env.put("CHUNKVAULT_TOKEN", "wrong");
        assertEquals(ExitCodes.AUTH, run(tmp, "ls"));
    }

    @Test
    void anUnreachableServiceExitsWith5WithoutAStackTrace() {
        env.put("CHUNKVAULT_ENDPOINT", "http://127.0.0.1:1");
        env.put("CHUNKVAULT_TOKEN", "t");
        assertEquals(ExitCodes.UNAVAILABLE, run(tmp, "ls"));
        assertFalse(err.contains("\tat "), err);
        assertEquals(ExitCodes.UNAVAILABLE, run(tmp, "--debug", "ls"));
        assertTrue(err.contains("\tat "), "--debug shows the stack");
    }

    @Test
    void pushLsHistoryRestorePullRm() throws Exception {
        assertEquals(0, login());
        byte[] data = TestFiles.random(21, 400_000);
        Path f = TestFiles.write(tmp.resolve("work/report.bin"), data);
        assertEquals(0, run(tmp.resolve("work"), "push", "report.bin", "--to", "docs/report.bin"), err);
        Files.write(f, TestFiles.random(22, 1000));
        assertEquals(0, run(tmp.resolve("work"), "--json", "push", "report.bin", "--to", "docs/report.bin"), err);
        assertEquals(0, run(tmp, "ls", "-r"));
        assertTrue(out.contains("docs/report.bin"), out);
        assertEquals(0, run(tmp, "--json", "history", "docs/report.bin"));
        JsonNode h = ClientJson.MAPPER.readTree(out);
        assertEquals(2, h.path("versions").size());
        String first = h.path("versions").get(1).path("versionId").asText();
        assertEquals(0, run(tmp, "restore", "docs/report.bin", "--version", first), err);
        Path dest = Files.createDirectories(tmp.resolve("dest"));
        assertEquals(0, run(dest, "pull", "docs/report.bin"), err);
        assertArrayEquals(data, Files.readAllBytes(dest.resolve("report.bin")));
        // a different local file is not replaced without --force
        Files.writeString(dest.resolve("report.bin"), "mine");
        assertEquals(ExitCodes.REFUSED, run(dest, "pull", "docs/report.bin"));
        assertEquals("mine", Files.readString(dest.resolve("report.bin")));
        assertEquals(0, run(dest, "pull", "docs/report.bin", "--force"));
        assertArrayEquals(data, Files.readAllBytes(dest.resolve("report.bin")));
        assertEquals(0, run(tmp, "rm", "docs/report.bin"));
        assertTrue(vault.head("docs/report.bin").deleted());
        assertEquals(ExitCodes.ERROR, run(tmp, "pull", "docs/report.bin"));
    }

    /** `chunkvault usage`: what counts toward the quota and the rest, for people and (--json) for scripts. */
    @Test
    void usageShowsTheQuotaAndWhatCounts() throws Exception {
        assertEquals(0, login());
        TestFiles.write(tmp.resolve("work/a.bin"), TestFiles.random(31, 300_000));
        assertEquals(0, run(tmp.resolve("work"), "push", "a.bin"), err);
        Files.write(tmp.resolve("work/a.bin"), TestFiles.random(32, 200_000));
        assertEquals(0, run(tmp.resolve("work"), "push", "a.bin"), err);
        assertEquals(0, run(tmp, "usage"), err);
        assertTrue(out.startsWith("195 KiB used (no quota), 1 file, 2 versions kept."), out);
        assertTrue(out.contains("Earlier versions: 293 KiB (not counted toward the quota)."), out);

        vault.quota = 1_000_000L;
        assertEquals(0, run(tmp, "usage"), err);
        assertTrue(out.startsWith("195 KiB of 977 KiB used (20 %), 1 file, 2 versions kept."), out);
        assertTrue(out.contains("781 KiB free."), out);
        assertEquals(0, run(tmp, "--json", "usage"), err);
        JsonNode j = ClientJson.MAPPER.readTree(out);
        assertEquals(200_000, j.path("logicalBytes").asLong());
        assertEquals(1_000_000, j.path("quota").asLong());
        assertEquals(300_000, j.path("historyBytes").asLong());

        assertEquals(0, run(tmp, "quota", "someone", "50GiB"), err);
        assertEquals(50L << 30, vault.quota);
        assertTrue(out.startsWith("Quota of someone: 50.0 GiB."), out);
        assertEquals(0, run(tmp, "quota", "someone", "--default"), err);
        assertEquals(null, vault.quota);
        assertEquals(ExitCodes.USAGE, run(tmp, "quota", "someone", "lots"));
        assertEquals(ExitCodes.USAGE, run(tmp, "quota", "someone"));
    }

    /**
     * A push past the quota says what happened and what to do, not "sign in again"; a sync uploads what it can't no
     * more, still deletes and downloads, and tells how to make room.
     */
    @Test
    void overTheQuotaTheCliSaysWhatToDo() throws Exception {
        assertEquals(0, login());
        vault.quota = 500_000L;
        TestFiles.write(tmp.resolve("work/big.bin"), TestFiles.random(41, 600_000));
        assertEquals(ExitCodes.ERROR, run(tmp.resolve("work"), "push", "big.bin"));
        assertTrue(err.contains("Over your storage quota: this needs 586 KiB more, and 0 B of your 488 KiB are used"),
                err);
        assertTrue(err.contains("chunkvault usage") && !err.contains("chunkvault login"), err);

        Path a = Files.createDirectories(tmp.resolve("a"));
        Files.write(a.resolve("small.bin"), TestFiles.random(42, 100_000));
        Files.write(a.resolve("old.bin"), TestFiles.random(43, 100_000));
        assertEquals(0, run(a, "sync"), err);
        Files.write(a.resolve("large.bin"), TestFiles.random(44, 400_000));
        Files.write(a.resolve("larger.bin"), TestFiles.random(45, 450_000));
        Files.delete(a.resolve("old.bin"));
        assertEquals(ExitCodes.ERROR, run(a, "sync"), out + err);
        assertTrue(out.contains("Over your storage quota (195 KiB of 488 KiB used): 2 files not uploaded"), out);
        assertTrue(out.contains("Delete files you no longer need"), out);
        assertTrue(vault.head("old.bin").deleted(), "the deletion went through");
        assertEquals(null, vault.head("large.bin"));
        Files.delete(a.resolve("larger.bin"));
        assertEquals(0, run(a, "sync"), out + err);
        assertTrue(!vault.head("large.bin").deleted(), "with room, the next sync uploads it");
    }

    /** A file past its hourly limit of new versions is left for the next sync, with a warning; the rest is synced. */
    @Test
    void aFileChangedTooOftenWaitsForTheNextSync() throws Exception {
        assertEquals(0, login());
        Path a = Files.createDirectories(tmp.resolve("a"));
        Files.writeString(a.resolve("hot.txt"), "v1");
        assertEquals(0, run(a, "sync"), err);
        Files.writeString(a.resolve("hot.txt"), "v2, saved again");
        Files.writeString(a.resolve("cold.txt"), "new");
        vault.busy.add("hot.txt");
        assertEquals(0, run(a, "sync"), out + err);
        assertTrue((out + err).contains("hot.txt changed too often (its limit of new versions this hour); it will be"
                + " synced next time"), out + err);
        assertTrue(vault.content("cold.txt") != null, "the other file was synced");
        vault.busy.clear();
        assertEquals(0, run(a, "sync"), out + err);
        assertEquals("v2, saved again", new String(vault.content("hot.txt"), StandardCharsets.UTF_8));
    }

    /**
     * A sync whose delete meets a service without the delete route fails as a service failure (exit 5), naming the
     * route; the file stays tracked and is deleted by the next sync once the route is there.
     */
    @Test
    void aSyncMeetingAMissingRouteExitsWith5AndDeletesNothingItCouldNot() throws Exception {
        assertEquals(0, login());
        Path a = Files.createDirectories(tmp.resolve("a"));
        Files.writeString(a.resolve("x.txt"), "x");
        Files.writeString(a.resolve("y.txt"), "y");
        assertEquals(0, run(a, "sync"), err);
        Files.delete(a.resolve("x.txt"));
        vault.missingRoutes.add("POST /v1/delete");
        assertEquals(ExitCodes.UNAVAILABLE, run(a, "sync"), err);
        assertTrue(err.contains("POST /v1/delete"), err);
        vault.missingRoutes.clear();
        assertEquals(0, run(a, "sync"), err);
        assertTrue(vault.head("x.txt").deleted(), "deleted by the sync that could");
    }

    /** Empty folders (issue 21): ls shows one as name/, pull makes it, verify counts it. */
    @Test
    void anEmptyFolderIsListedPulledAndVerified() throws Exception {
        assertEquals(0, login());
        Path a = Files.createDirectories(tmp.resolve("a"));
        Files.createDirectories(a.resolve("docs/empty"));
        Files.writeString(a.resolve("docs/x.txt"), "x");
        assertEquals(0, run(a, "sync"), err);
        assertTrue(vault.head("docs/empty").folder());
        assertEquals(0, run(tmp, "ls", "-r"), err);
        assertTrue(out.lines().anyMatch(l -> l.equals("docs/empty/")), out);
        assertEquals(0, run(a, "verify"), err);
        assertTrue(out.contains("1 file and 1 empty folder match the server."), out);
        Path dest = Files.createDirectories(tmp.resolve("dest"));
        assertEquals(0, run(dest, "pull", "docs"), err);
        assertTrue(Files.isDirectory(dest.resolve("empty")), out);
        assertEquals("x", Files.readString(dest.resolve("x.txt")));
        Path one = Files.createDirectories(tmp.resolve("one"));
        assertEquals(0, run(one, "pull", "docs/empty"), err);
        assertTrue(Files.isDirectory(one.resolve("empty")), "the folder itself, pulled by its path, is a folder");
        assertEquals(0, run(one, "pull", "docs/empty", "made-here"), err);
        assertTrue(Files.isDirectory(one.resolve("made-here")), "or made where the destination names");
        Files.delete(a.resolve("docs/empty"));
        assertEquals(ExitCodes.INTEGRITY, run(a, "verify"));
        assertTrue(out.contains("missing locally: docs/empty/"), out);
    }

    /** Issue 21: names that differ only by case are synced, said once, exit 0, and verify and conflicts find them fine. */
    @Test
    void namesDifferingOnlyByCaseSyncVerifyAndAreNoConflict() throws Exception {
        assertEquals(0, login());
        Path a = Files.createDirectories(tmp.resolve("a"));
        Files.writeString(a.resolve("xt_CONNMARK.h"), "upper");
        Files.writeString(a.resolve("xt_connmark.h"), "lower");
        assertEquals(0, run(a, "sync"), out + err);
        assertTrue(out.contains("case conflict: 'xt_connmark.h' is stored as 'xt_connmark (Case Conflict).h' on the server"),
                out);
        assertEquals(0, run(a, "sync"), out + err);
        assertFalse(out.contains("case conflict"), "said once: " + out);
        assertEquals(0, run(a, "verify"), out + err);
        assertTrue(out.contains("2 files match the server."), out);
        assertEquals(0, run(a, "conflicts"), out + err);
        Files.writeString(a.resolve("xt_connmark.h"), "tampered");
        assertEquals(ExitCodes.INTEGRITY, run(a, "verify"));
        assertTrue(out.contains("content differs from the server's head"), out);
    }

    @Test
    void syncStatusConflictsAndVerify() throws Exception {
        assertEquals(0, login());
        Path a = Files.createDirectories(tmp.resolve("a"));
        Path b = Files.createDirectories(tmp.resolve("b"));
        Files.writeString(a.resolve("x.txt"), "base");
        assertEquals(0, run(a, "sync"), err);
        assertEquals(0, run(tmp, "sync", "b"), err);
        assertEquals("base", Files.readString(b.resolve("x.txt")));
        Files.writeString(a.resolve("x.txt"), "from a");
        Files.setLastModifiedTime(a.resolve("x.txt"), java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 3000));
        Files.writeString(b.resolve("x.txt"), "from b");
        Files.setLastModifiedTime(b.resolve("x.txt"), java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 3000));
        assertEquals(0, run(a, "--json", "status"));
        assertTrue(out.contains("PUSH"), out);
        assertEquals(0, run(a, "sync"));
        assertEquals(ExitCodes.CONFLICTS, run(b, "sync"), out + err);
        assertEquals(ExitCodes.CONFLICTS, run(b, "conflicts"));
        assertTrue(out.contains("conflicted copy"), out);
        assertEquals(0, run(a, "sync"));
        assertEquals(0, run(a, "verify"), out);
        Files.writeString(a.resolve("x.txt"), "tampered");
        assertEquals(ExitCodes.INTEGRITY, run(a, "verify"));
    }

    /** Issue 13: an emptied folder of 5 files, one of them edited on another device, exited 0 after deleting 4. */
    @Test
    void anEmptiedFolderExitsWith7WhenAnotherDeviceEditedOneOfItsFiles() throws Exception {
        assertEquals(0, login());
        Path a = Files.createDirectories(tmp.resolve("a"));
        Path b = Files.createDirectories(tmp.resolve("b"));
        for (int i = 0; i < 5; i++) {
            Files.writeString(a.resolve("f" + i + ".txt"), "content " + i);
        }
        assertEquals(0, run(a, "sync"), err);
        assertEquals(0, run(b, "sync"), err);
        editLater(b.resolve("f2.txt"), "edited on b");
        assertEquals(0, run(b, "sync"), err);
        for (int i = 0; i < 5; i++) {
            Files.delete(a.resolve("f" + i + ".txt"));
        }
        assertEquals(ExitCodes.REFUSED, run(a, "sync"), out + err);
        assertTrue(out.contains("looks emptied or unmounted"), out);
        assertTrue(out.contains("Held back 4 deletions"), out);
        assertTrue(out.contains("1 file edited elsewhere"), out);
        for (int i = 0; i < 5; i++) {
            assertFalse(vault.head("f" + i + ".txt").deleted(), "f" + i + ".txt deleted on the server");
        }
        assertEquals("edited on b", new String(vault.content("f2.txt"), StandardCharsets.UTF_8));
    }

    /** No deletion planned at all (every missing file was edited elsewhere): still held back, and still exit 7. */
    @Test
    void anEmptiedFolderWhoseFilesWereAllEditedElsewhereExitsWith7() throws Exception {
        assertEquals(0, login());
        Path a = Files.createDirectories(tmp.resolve("a"));
        Path b = Files.createDirectories(tmp.resolve("b"));
        Files.writeString(a.resolve("x.txt"), "x");
        Files.writeString(a.resolve("y.txt"), "y");
        assertEquals(0, run(a, "sync"), err);
        assertEquals(0, run(b, "sync"), err);
        editLater(b.resolve("x.txt"), "x edited on b");
        editLater(b.resolve("y.txt"), "y edited on b");
        assertEquals(0, run(b, "sync"), err);
        Files.delete(a.resolve("x.txt"));
        Files.delete(a.resolve("y.txt"));
        assertEquals(ExitCodes.REFUSED, run(a, "--json", "sync"), out + err);
        JsonNode report = ClientJson.MAPPER.readTree(out).path("report");
        assertEquals(2, report.path("heldDownloads").size(), out);
        assertEquals(ExitCodes.REFUSED, run(a, "sync"), out + err);
        assertTrue(out.contains("2 files edited elsewhere"), out);
    }

    /**
     * Issue 14: a push to another name from inside a sync folder recorded that name in the folder's state, as if its
     * file were here; the next sync took the missing file for a deletion and deleted it on the server.
     */
    @Test
    void aPushUnderAnotherNameInsideASyncFolderRecordsNothingForThatName() throws Exception {
        assertEquals(0, login());
        Path a = Files.createDirectories(tmp.resolve("a"));
        Files.writeString(a.resolve("x.txt"), "x");
        assertEquals(0, run(a, "sync"), err);
        assertEquals(0, run(a, "push", "x.txt", "--to", "other/y.txt"), err);
        assertEquals(0, run(a, "sync"), out + err);
        assertFalse(vault.head("other/y.txt").deleted(), "the next sync deleted the pushed file");
        assertEquals("x", Files.readString(a.resolve("other/y.txt")), "it comes down like any file new on the server");
        // pushed over a synced file of the folder: its synced version is the parent, and the file here follows
        Files.writeString(a.resolve("z.txt"), "z");
        assertEquals(0, run(a, "push", "z.txt", "--to", "x.txt"), err);
        assertEquals(0, run(a, "sync"), out + err);
        assertEquals("z", Files.readString(a.resolve("x.txt")));
        assertEquals("z", new String(vault.content("x.txt"), StandardCharsets.UTF_8));
        assertEquals(0, run(a, "sync"), out + err);
        assertTrue(out.contains("Everything is in sync."), out);
    }

    static void editLater(Path f, String s) throws java.io.IOException {
        Files.writeString(f, s);
        Files.setLastModifiedTime(f, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 3000));
    }

    @Test
    void gcNeedsNow() {
        assertEquals(0, login());
        assertEquals(ExitCodes.USAGE, run(tmp, "gc"));
        assertEquals(0, run(tmp, "gc", "--now"), err);
        assertTrue(out.contains("GC complete"), out);
    }

    @Test
    void aFolderOfAnotherAccountIsRefusedWithExit7UntilRebound() throws Exception {
        env.put("CHUNKVAULT_ENDPOINT", vault.endpoint().toString());
        env.put("CHUNKVAULT_TOKEN", vault.tokenFor("alice"));
        Path a = Files.createDirectories(tmp.resolve("a"));
        Files.writeString(a.resolve("x.txt"), "alice's");
        assertEquals(0, run(a, "sync"), err);
        env.put("CHUNKVAULT_TOKEN", vault.tokenFor("bob"));
        Files.delete(a.resolve("x.txt"));
        assertEquals(ExitCodes.REFUSED, run(a, "sync"), out + err);
        assertTrue(err.contains("--rebind"), err);
        assertEquals(ExitCodes.REFUSED, run(a, "status"), out + err);
        Files.writeString(a.resolve("y.txt"), "y");
        assertEquals(ExitCodes.REFUSED, run(a, "push", "y.txt"), err);
        assertEquals(null, vault.head("y.txt"));
        assertFalse(vault.head("x.txt").deleted());
        assertEquals(ExitCodes.USAGE, run(a, "sync", "--rebind", "--dry-run"));
        assertEquals(0, run(a, "sync", "--rebind"), out + err);
        assertEquals("alice's", Files.readString(a.resolve("x.txt")), "nothing deleted: the server's copy came back");
        assertEquals(0, run(a, "sync"), out + err);
    }

    @Test
    void watchForcesOnlyTheFirstSync() throws Exception {
        java.util.List<Boolean> forced = new java.util.ArrayList<>();
        java.util.List<Boolean> rebound = new java.util.ArrayList<>();
        int[] runs = {0};
        int[] sleeps = {0};
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            SyncCommand.watch((force, rebind) -> {
                if (runs[0]++ == 0) {
                    throw new dev.chunkvault.client.TransportException("unreachable", null);
                }
                forced.add(force);
                rebound.add(rebind);
                return ExitCodes.OK;
            }, true, true, java.time.Duration.ofSeconds(30), d -> {
                if (++sleeps[0] == 4) {
                    throw new InterruptedException();
                }
            }, new PrintStream(e, true, StandardCharsets.UTF_8));
        } finally {
            assertTrue(Thread.interrupted(), "the interrupt ended the watch");
        }
        assertEquals(java.util.List.of(true, false, false), forced, "the first sync that ran, only");
        assertEquals(java.util.List.of(true, false, false), rebound);
        assertTrue(e.toString(StandardCharsets.UTF_8).contains("retrying in 30 s"), e.toString(StandardCharsets.UTF_8));
    }

    /**
     * A watching sync answers a notification alone with a look at the feed: no sync when it holds only what the folder
     * knows (its own pushes are announced to it too); a sync when it holds more, when the look fails, and for any other
     * reason to sync, without a look.
     */
    @Test
    void watchAnswersANotificationOfItsOwnChangesWithALookNotASync() throws Exception {
        java.util.Deque<java.util.Set<dev.chunkvault.client.watch.Wake>> wakes = new java.util.ArrayDeque<>(java.util.List.of(
                java.util.EnumSet.of(dev.chunkvault.client.watch.Wake.REMOTE),
                java.util.EnumSet.of(dev.chunkvault.client.watch.Wake.REMOTE),
                java.util.EnumSet.of(dev.chunkvault.client.watch.Wake.LOCAL),
                java.util.EnumSet.of(dev.chunkvault.client.watch.Wake.REMOTE, dev.chunkvault.client.watch.Wake.LOCAL),
                java.util.EnumSet.of(dev.chunkvault.client.watch.Wake.REMOTE)));
        java.util.Deque<Object> looks = new java.util.ArrayDeque<>(java.util.List.of(true, false, new java.io.IOException("down")));
        java.util.List<String> events = new java.util.ArrayList<>();
        try {
            SyncCommand.watch((force, rebind) -> {
                events.add("sync");
                return ExitCodes.OK;
            }, false, false, () -> {
                if (wakes.isEmpty()) {
                    throw new InterruptedException();
                }
                return wakes.poll();
            }, () -> {
                events.add("look");
                Object next = looks.poll();
                if (next instanceof java.io.IOException e) {
                    throw e;
                }
                return (Boolean) next;
            }, java.time.Duration.ofSeconds(1), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        } finally {
            assertTrue(Thread.interrupted(), "the interrupt ended the watch");
        }
        assertEquals(java.util.List.of("sync", "look", "look", "sync", "sync", "sync", "look", "sync"), events,
                "own changes only: no sync; something new: a sync; a local change: a sync without a look; a failed look: a sync");
    }

    @Test
    void pushPullAndRmHaveDryRunsAndExcludesLikeSync() throws Exception {
        assertEquals(0, login());
        Path src = Files.createDirectories(tmp.resolve("src/sub"));
        Files.writeString(tmp.resolve("src/a.txt"), "a");
        Files.writeString(tmp.resolve("src/debug.log"), "log");
        Files.writeString(src.resolve("b.txt"), "b");
        assertEquals(0, run(tmp, "push", "src", "--to", "docs", "--dry-run", "--exclude", "*.log"), err);
        assertTrue(out.contains("would upload") && out.contains("docs/a.txt") && out.contains("docs/sub/b.txt"), out);
        assertFalse(out.contains("debug.log"), out);
        assertEquals(0, run(tmp, "ls", "-r"), err);
        assertFalse(out.contains("a.txt"), "a dry run sends nothing: " + out);

        assertEquals(0, run(tmp, "push", "src", "--to", "docs", "--exclude", "*.log"), err);
        assertEquals(0, run(tmp, "ls", "-r"), err);
        assertTrue(out.contains("a.txt") && out.contains("b.txt") && !out.contains("debug.log"), out);

        Path dest = Files.createDirectories(tmp.resolve("dest"));
        assertEquals(0, run(dest, "pull", "docs", ".", "--dry-run"), err);
        assertTrue(out.contains("would download") && out.contains("docs/sub/b.txt"), out);
        assertFalse(Files.exists(dest.resolve("a.txt")), "a dry run writes nothing");
        assertEquals(0, run(dest, "pull", "docs", ".", "--exclude", "sub/"), err);
        assertEquals("a", Files.readString(dest.resolve("a.txt")));
        assertFalse(Files.exists(dest.resolve("sub")), "the excluded folder is not pulled");

        assertEquals(0, run(tmp, "rm", "docs/a.txt", "docs/nothing.txt", "--dry-run"), err);
        assertTrue(out.contains("would delete  docs/a.txt") && out.contains("not on the server  docs/nothing.txt"), out);
        assertEquals(0, run(tmp, "rm", "docs/a.txt", "docs/sub/b.txt", "--exclude", "sub/"), err);
        assertEquals(0, run(tmp, "ls", "-r"), err);
        assertTrue(!out.contains("a.txt") && out.contains("b.txt"), "only the file not excluded is deleted: " + out);

        Path vault = Files.createDirectories(tmp.resolve("vault"));
        Files.writeString(vault.resolve("keep.txt"), "k");
        Files.writeString(vault.resolve("scratch.tmp"), "t");
        assertEquals(0, run(tmp, "sync", "vault", "--exclude", "*.tmp"), err);
        assertEquals(0, run(tmp, "ls", "-r"), err);
        assertTrue(out.contains("keep.txt") && !out.contains("scratch.tmp"), out);
    }

    @Test
    void completionAndTheManualComeFromTheCommandDefinitions() throws Exception {
        assertEquals(0, run(tmp, "completion", "bash"), err);
        assertTrue(out.contains("complete -F") && out.contains("smoke-test") && out.contains("--exclude")
                && out.contains("--dry-run"), "every command and option completes");
        assertEquals(2, run(tmp, "completion", "fish"), "an unknown shell is a usage error");
        assertEquals(0, run(tmp, "man"), err);
        assertTrue(out.startsWith(".TH CHUNKVAULT 1"), out.substring(0, Math.min(200, out.length())));
        for (String s : java.util.List.of(".SS sync", ".SS push LOCAL", "\\-\\-exclude", "\\-\\-watch", ".SH EXIT STATUS", "130 interrupted")) {
            assertTrue(out.contains(s), s);
        }
        assertFalse(out.lines().anyMatch(l -> l.startsWith(".") && !l.matches("\\.(TH|SH|SS|TP|B|I) ?.*")),
                "every line that starts with a dot is a request this page means");
    }

    @Test
    void linksAreKeptAsLinksOnlyWithTheOptionAndTheManualSaysSo() throws Exception {
        assertEquals(0, login(), err);
        Path src = Files.createDirectories(tmp.resolve("tree"));
        Files.writeString(src.resolve("real.txt"), "real");
        Files.createSymbolicLink(src.resolve("alias"), Path.of("real.txt"));
        assertEquals(ExitCodes.ERROR, run(src, "push", "alias"));
        assertTrue(err.contains("--links"), err);
        assertEquals(0, run(tmp, "push", "tree", "--to", "t"), err); // the link skipped with a warning
        assertTrue(err.contains("symbolic link 'alias'"), err);
        assertEquals(null, vault.head("t/alias"));
        assertEquals(0, run(tmp, "push", "tree", "--to", "t", "--links"), err);
        assertTrue(vault.head("t/alias").link());

        Path dest = Files.createDirectories(tmp.resolve("dest"));
        assertEquals(ExitCodes.REFUSED, run(dest, "pull", "t", "."), "a link not made is a name skipped");
        assertFalse(Files.exists(dest.resolve("alias"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
        assertTrue(err.contains("--links"), err);
        assertEquals(0, run(dest, "pull", "t", ".", "--links", "--force"), err);
        assertEquals("real.txt", Files.readSymbolicLink(dest.resolve("alias")).toString());

        Path folder = Files.createDirectories(tmp.resolve("synced"));
        Files.createSymbolicLink(folder.resolve("l"), Path.of("elsewhere"));
        assertEquals(ExitCodes.USAGE, run(folder, "sync", "--links", "--no-links"));
        assertEquals(0, run(folder, "sync", "--links"), err);
        assertTrue(vault.head("l").link());
        Files.delete(folder.resolve("l"));
        Files.createSymbolicLink(folder.resolve("l"), Path.of("moved"));
        assertEquals(0, run(folder, "sync"), err); // the folder kept the choice
        assertEquals("moved".length(), vault.head("l").size());
        assertEquals(0, run(folder, "verify"), out + err); // the link compared by its target, as a link

        assertEquals(0, run(tmp, "completion", "bash"), err);
        assertTrue(out.contains("--links") && out.contains("--no-links"), "the new options complete");
        assertEquals(0, run(tmp, "man"), err);
        assertTrue(out.contains("\\-\\-links") && out.contains("\\-\\-no\\-links"), "the manual lists them");
    }

    @Test
    void bwlimitTakesRclonesRatesAndRefusesOthers() throws Exception {
        assertEquals(0, login(), err);
        Path a = Files.createDirectories(tmp.resolve("limited"));
        Files.write(a.resolve("x.bin"), new byte[300_000]);
        assertEquals(0, run(a, "--bwlimit", "8M:4M", "sync"), err);
        assertEquals(2, run(a, "--bwlimit", "fast", "sync"));
        assertTrue(err.contains("--bwlimit") && err.contains("10M:2M"), err);
        env.put("CHUNKVAULT_BWLIMIT", "1X");
        assertEquals(2, run(a, "sync"), "the variable is checked the same way");
        assertEquals(0, run(a, "--bwlimit", "off", "sync"), "the option wins over the variable: " + err);
        env.remove("CHUNKVAULT_BWLIMIT");
    }

    @Test
    void profilesKeepAccountsSideBySide() throws Exception {
        assertEquals(0, login(), err);
        assertEquals(0, run(tmp, "--profile", "work", "login", "--local", "bob", "--endpoint", vault.endpoint().toString()), err);
        Path config = tmp.resolve("config");
        assertTrue(Files.readString(config.resolve("profiles/work/config.json")).contains("bob"), "the work profile's own sign-in");
        assertFalse(Files.readString(config.resolve("config.json")).contains("bob"), "the default profile is untouched");
        assertEquals(0, run(tmp, "--profile", "work", "logout"), err);
        assertEquals(4, run(tmp, "--profile", "work", "usage"), "signed out of work only");
        assertEquals(0, run(tmp, "usage"), err);
        env.put("CHUNKVAULT_PROFILE", "work");
        assertEquals(4, run(tmp, "usage"), "CHUNKVAULT_PROFILE picks the profile too");
        assertEquals(0, run(tmp, "--profile", "default", "usage"), "--profile wins over CHUNKVAULT_PROFILE: " + err);
        env.remove("CHUNKVAULT_PROFILE");
        assertEquals(2, run(tmp, "--profile", "../escape", "usage"), "a profile is a name, not a path");
        assertFalse(Files.exists(tmp.resolve("escape")));
    }

    private static String jwt(long exp) {
        java.util.Base64.Encoder b = java.util.Base64.getUrlEncoder().withoutPadding();
        return b.encodeToString("{\"alg\":\"RS256\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + b.encodeToString(("{\"sub\":\"headless\",\"exp\":" + exp + "}").getBytes(StandardCharsets.UTF_8)) + ".c2ln";
    }

    @Test
    void headlessSignInWithARefreshTokenAndABareTokenSaysWhenItExpires() throws Exception {
        long now = System.currentTimeMillis() / 1000;
        assertEquals(0, run(tmp, "login", "--endpoint", vault.endpoint().toString(), "--token", jwt(now + 3600)), err);
        assertTrue(err.contains("expires at") && err.contains("cannot be refreshed"), err);
        assertEquals(0, run(tmp, "login", "--endpoint", vault.endpoint().toString(), "--token", jwt(now - 60)), err);
        assertTrue(err.contains("Warning: this token expired"), err);

        java.util.concurrent.atomic.AtomicReference<String> form = new java.util.concurrent.atomic.AtomicReference<>();
        com.sun.net.httpserver.HttpServer idp = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        String access = jwt(now + 3600);
        idp.createContext("/oauth2/token", ex -> {
            form.set(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            byte[] b = ("{\"access_token\":\"" + access + "\",\"expires_in\":3600}").getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, b.length);
            try (java.io.OutputStream o = ex.getResponseBody()) {
                o.write(b);
            }
        });
        idp.start();
        try {
            assertEquals(0, run(tmp, "login", "--endpoint", vault.endpoint().toString(), "--cognito-domain",
                    "http://127.0.0.1:" + idp.getAddress().getPort(), "--client-id", "cli-client", "--refresh-token", "RT-1"), err);
        } finally {
            idp.stop(0);
        }
        assertTrue(form.get().contains("grant_type=refresh_token") && form.get().contains("refresh_token=RT-1"), form.get());
        String config = Files.readString(tmp.resolve("config/config.json"));
        assertTrue(config.contains("RT-1") && config.contains(access), "kept for the next refresh: " + config);
        assertEquals(2, run(tmp, "--profile", "fresh", "login", "--endpoint", vault.endpoint().toString(), "--refresh-token",
                "RT-2"), "a refresh token needs the pool's domain and client (from the config or the command line)");
    }

    @Test
    void aSecondDevicesFirstSyncMakesItsFolderWhenTheParentExists() throws Exception {
        assertEquals(0, login());
        Path a = Files.createDirectories(tmp.resolve("a"));
        Files.writeString(a.resolve("x.txt"), "from a");
        assertEquals(0, run(a, "sync"), err);
        assertEquals(1, run(tmp, "sync", "--dry-run", "Vault2"), "a dry run makes nothing");
        assertTrue(err.contains("does not exist yet"), err);
        assertFalse(Files.exists(tmp.resolve("Vault2")));
        assertEquals(0, run(tmp, "sync", "Vault2"), err);
        assertTrue(err.contains("Created " + tmp.resolve("Vault2")), err);
        assertEquals("from a", Files.readString(tmp.resolve("Vault2/x.txt")));
        assertEquals(1, run(tmp, "sync", "no/such/parent"), "no parent: nothing is made");
        assertTrue(err.contains("does not exist, nor does the folder"), err);
        assertFalse(Files.exists(tmp.resolve("no")));
        Files.writeString(tmp.resolve("file.txt"), "x");
        assertEquals(1, run(tmp, "sync", "file.txt"));
        assertTrue(err.contains("is not a folder"), err);
    }

    @Test
    void aSyncOfAFolderThatIsBeingSyncedExitsWith8() throws Exception {
        assertEquals(0, login());
        Path a = Files.createDirectories(tmp.resolve("a"));
        Files.writeString(a.resolve("x.txt"), "x");
        assertEquals(0, run(a, "sync"), err);
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(a.resolve(".chunkvault/lock"),
                java.nio.file.StandardOpenOption.WRITE); java.nio.channels.FileLock held = ch.lock()) {
            assertTrue(held.isValid());
            assertEquals(ExitCodes.BUSY, run(a, "sync"), out + err);
            assertTrue(err.contains("Another sync"), err);
            assertEquals(0, run(a, "status"), "status reads without the lock: " + err);
        }
        assertEquals(0, run(a, "sync"), err);
    }
}
