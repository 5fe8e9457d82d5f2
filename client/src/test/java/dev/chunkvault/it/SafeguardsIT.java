package dev.chunkvault.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.cli.Cli;
import dev.chunkvault.cli.ExitCodes;
import dev.chunkvault.local.LocalCloud;
import dev.chunkvault.local.LocalCloudExtension;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The CLI on the real local cloud: the mass-delete safeguard, and a plain round trip of every command. */
@ExtendWith(LocalCloudExtension.class)
class SafeguardsIT {
    @TempDir
    Path tmp;
    Map<String, String> env = new HashMap<>();
    String out;
    String err;

    @BeforeEach
    void env(LocalCloud cloud) {
        env.put("CHUNKVAULT_CONFIG_DIR", tmp.resolve("config").toString());
        env.put("CHUNKVAULT_ENDPOINT", cloud.apiEndpoint().toString());
        env.put("CHUNKVAULT_TOKEN", cloud.mintToken(CloudClients.newUser("cli")));
        env.put("CHUNKVAULT_DEVICE", "it");
    }

    int run(Path cwd, String... args) {
        return runWith(env, cwd, args);
    }

    int runWith(Map<String, String> deviceEnv, Path cwd, String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int code = new Cli(deviceEnv, new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true,
                StandardCharsets.UTF_8), false).withCwd(cwd).run(args);
        out = o.toString(StandardCharsets.UTF_8);
        err = e.toString(StandardCharsets.UTF_8);
        return code;
    }

    @Test
    void massDeleteIsRefusedWithoutForce() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("folder"));
        for (int i = 0; i < 60; i++) {
            Files.writeString(dir.resolve("file-" + i + ".txt"), "content " + i);
        }
        assertEquals(0, run(dir, "sync", "--full"), err);
        for (int i = 0; i < 55; i++) {
            Files.delete(dir.resolve("file-" + i + ".txt"));
        }
        assertEquals(ExitCodes.REFUSED, run(dir, "sync", "--full"), out + err);
        assertTrue(out.contains("Held back 55 deletions"), out);
        assertEquals(0, run(dir, "--json", "ls"));
        assertTrue(out.contains("file-0.txt"), "nothing was deleted on the server");
        assertEquals(0, run(dir, "sync", "--full", "--force"), err);
        assertEquals(0, run(dir, "--json", "ls"));
        assertFalse(out.contains("\"file-0.txt\""), out);
        assertTrue(out.contains("file-59.txt"));
    }

    /**
     * Issue 13 on the real service, two devices of one account: a's folder of 5 files is emptied while b edits one
     * of them. The edit made a's plan 4 deletions and a download, under the thresholds: a exited 0 after deleting 4
     * files on the server, and b deleted them too. Now a holds everything back (exit 7) and nothing is lost.
     */
    @Test
    void anEmptiedFolderIsHeldBackWhenAnotherDeviceEditedOneOfItsFiles() throws Exception {
        Map<String, String> envA = device("device-a");
        Map<String, String> envB = device("device-b");
        Path a = Files.createDirectories(tmp.resolve("device-a"));
        Path b = Files.createDirectories(tmp.resolve("device-b"));
        for (int i = 0; i < 5; i++) {
            Files.writeString(a.resolve("f" + i + ".txt"), "content " + i);
        }
        assertEquals(0, runWith(envA, a, "sync", "--full"), out + err);
        assertEquals(0, runWith(envB, b, "sync", "--full"), out + err);
        assertEquals("content 2", Files.readString(b.resolve("f2.txt")));
        Files.writeString(b.resolve("f2.txt"), "edited on b");
        Files.setLastModifiedTime(b.resolve("f2.txt"), java.nio.file.attribute.FileTime.fromMillis(
                Files.getLastModifiedTime(b.resolve("f2.txt")).toMillis() + 2000));
        assertEquals(0, runWith(envB, b, "sync", "--full"), out + err);
        for (int i = 0; i < 5; i++) {
            Files.delete(a.resolve("f" + i + ".txt"));
        }

        assertEquals(ExitCodes.REFUSED, runWith(envA, a, "sync", "--full"), out + err);
        assertTrue(out.contains("looks emptied or unmounted"), out);
        assertTrue(out.contains("Held back 4 deletions"), out);
        assertTrue(out.contains("1 file edited elsewhere"), out);
        assertEquals(ExitCodes.REFUSED, runWith(envA, a, "--json", "sync", "--full"), out + err);
        com.fasterxml.jackson.databind.JsonNode report = com.fasterxml.jackson.databind.json.JsonMapper.builder().build()
                .readTree(out).path("report");
        assertEquals(4, report.path("refusedDeletes").size(), out);
        assertEquals("f2.txt", report.path("heldDownloads").path(0).asText(), out);
        assertEquals(0, report.path("deletedRemote").size(), out);

        assertEquals(0, runWith(envA, a, "--json", "ls"), err);
        for (int i = 0; i < 5; i++) {
            assertTrue(out.contains("\"f" + i + ".txt\""), "f" + i + ".txt still on the server: " + out);
        }
        Path check = Files.createDirectories(tmp.resolve("check"));
        assertEquals(0, runWith(envA, check, "pull", "f2.txt"), err);
        assertEquals("edited on b", Files.readString(check.resolve("f2.txt")), "b's edit is the server's head");

        assertEquals(0, runWith(envB, b, "sync", "--full"), out + err);
        for (int i = 0; i < 5; i++) {
            assertEquals(i == 2 ? "edited on b" : "content " + i, Files.readString(b.resolve("f" + i + ".txt")));
        }
    }

    /**
     * Issue 16: right after `restore` or `rm`, the CLI says to run `sync`; that sync (the change feed, not a full
     * listing) said "Everything is in sync" while the local file was still the old one, because the feed hid the last
     * 10 s. Now the very next sync brings the restore and the removal down.
     */
    @Test
    void aSyncRightAfterRestoreOrRmBringsItDown() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("feed"));
        Files.writeString(dir.resolve("notes.txt"), "first");
        Files.writeString(dir.resolve("gone.txt"), "to be removed");
        assertEquals(0, run(dir, "sync"), out + err);
        assertEquals(0, run(dir, "--json", "history", "notes.txt"), err);
        String first = com.fasterxml.jackson.databind.json.JsonMapper.builder().build().readTree(out)
                .path("versions").path(0).path("versionId").asText();
        Files.writeString(dir.resolve("notes.txt"), "second");
        Files.setLastModifiedTime(dir.resolve("notes.txt"), java.nio.file.attribute.FileTime.fromMillis(
                Files.getLastModifiedTime(dir.resolve("notes.txt")).toMillis() + 2000));
        assertEquals(0, run(dir, "sync"), out + err);

        assertEquals(0, run(dir, "restore", "notes.txt", "--version", first), out + err);
        assertEquals(0, run(dir, "sync"), out + err);
        assertFalse(out.contains("Everything is in sync"), out);
        assertEquals("first", Files.readString(dir.resolve("notes.txt")), "the restore came down at once");

        assertEquals(0, run(tmp, "rm", "gone.txt"), out + err); // from outside the folder: on the server only
        assertEquals(0, run(dir, "sync"), out + err);
        assertFalse(Files.exists(dir.resolve("gone.txt")), "the removal came down at once: " + out);
        assertEquals(0, run(dir, "sync"), out + err);
        assertTrue(out.contains("Everything is in sync"), out);
    }

    /** Another device of the same account: its own config and device name. */
    Map<String, String> device(String name) {
        Map<String, String> e = new HashMap<>(env);
        e.put("CHUNKVAULT_CONFIG_DIR", tmp.resolve("config-" + name).toString());
        e.put("CHUNKVAULT_DEVICE", name);
        return e;
    }

    @Test
    void aFolderSyncedAsOneUserIsRefusedToAnotherUntilRebound(LocalCloud cloud) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("shared-laptop"));
        Files.writeString(dir.resolve("alice.txt"), "alice's file");
        Files.writeString(dir.resolve("notes.txt"), "alice's notes");
        assertEquals(0, run(dir, "sync"), err);
        env.put("CHUNKVAULT_TOKEN", cloud.mintToken(CloudClients.newUser("bob")));
        Files.delete(dir.resolve("notes.txt"));
        assertEquals(ExitCodes.REFUSED, run(dir, "sync"), out + err);
        assertTrue(err.contains("--rebind"), err);
        assertEquals(0, run(dir, "--json", "ls"));
        assertFalse(out.contains("alice.txt"), "nothing reached bob's account: " + out);
        assertEquals(0, run(dir, "sync", "--rebind"), out + err);
        assertEquals(0, run(dir, "--json", "ls"));
        assertTrue(out.contains("alice.txt"), "rebound: the folder's files are bob's now: " + out);
        assertFalse(out.contains("notes.txt"), out);
        assertEquals(0, run(dir, "sync"), out + err);
    }

    /**
     * `chunkvault usage` and the quota on the real service (issue 14, item 7): the template's default quota, the
     * numbers after a push, an operator's quota set with `chunkvault quota`, a push past it refused with what to do
     * (exit 1, nothing uploaded to the head), a sync that uploads the rest and says which files it could not.
     */
    @Test
    void usageAndTheQuotaOnTheRealService(LocalCloud cloud) throws Exception {
        String user = CloudClients.newUser("quota");
        env.put("CHUNKVAULT_TOKEN", cloud.mintToken(user));
        String sub = dev.chunkvault.local.auth.LocalIssuer.subjectOf(user);
        Path work = Files.createDirectories(tmp.resolve("work"));
        byte[] data = new byte[300_000];
        new java.util.Random(11).nextBytes(data);
        Files.write(work.resolve("a.bin"), data);
        assertEquals(0, run(work, "push", "a.bin"), err);
        assertEquals(0, run(work, "usage"), err);
        assertTrue(out.startsWith("293 KiB of 100 GiB used (0 %), 1 file, 1 version kept."), out);
        assertEquals(0, run(work, "--json", "usage"), err);
        com.fasterxml.jackson.databind.JsonNode u = com.fasterxml.jackson.databind.json.JsonMapper.builder().build()
                .readTree(out);
        assertEquals(300_000, u.path("logicalBytes").asLong(), out);
        assertEquals(100L << 30, u.path("quota").asLong(), out);

        assertEquals(0, run(work, "quota", sub, "400000"), err);
        assertTrue(out.startsWith("Quota of " + sub + ": 391 KiB."), out);
        Files.write(work.resolve("b.bin"), new byte[200_000]);
        assertEquals(ExitCodes.ERROR, run(work, "push", "b.bin"), out + err);
        assertTrue(err.contains("Over your storage quota: this needs 195 KiB more, and 293 KiB of your 391 KiB are used"
                + " (97.7 KiB free). Nothing was changed."), err);
        assertEquals(0, run(work, "usage"), err);
        assertTrue(out.startsWith("293 KiB of 391 KiB used (75 %), 1 file, 1 version kept."), out);

        Path folder = Files.createDirectories(tmp.resolve("synced"));
        Files.write(folder.resolve("small.txt"), new byte[50_000]);
        Files.write(folder.resolve("big.bin"), new byte[90_000]);
        assertEquals(ExitCodes.ERROR, run(folder, "sync"), out + err);
        assertTrue(out.contains("Over your storage quota (") && out.contains("1 file not uploaded"), out);
        assertEquals(0, run(folder, "--json", "ls"), err);
        assertTrue(out.contains("small.txt") != out.contains("big.bin"), "one of the two fits: " + out);

        assertEquals(0, run(work, "quota", sub, "--default"), err);
        assertEquals(0, run(folder, "sync"), out + err);
        assertEquals(0, run(folder, "--json", "ls"), err);
        assertTrue(out.contains("small.txt") && out.contains("big.bin"), out);
    }

    @Test
    void everyCommandOnTheRealService() throws Exception {
        Path work = Files.createDirectories(tmp.resolve("work"));
        byte[] data = new byte[2_000_000];
        new java.util.Random(7).nextBytes(data);
        Files.write(work.resolve("a.bin"), data);
        assertEquals(0, run(work, "push", "a.bin", "--to", "x/a.bin"), err);
        data[5] ^= 1;
        Files.write(work.resolve("a.bin"), data);
        assertEquals(0, run(work, "--json", "push", "a.bin", "--to", "x/a.bin"), err);
        assertTrue(out.contains("\"chunksUploaded\" : 0") || out.contains("\"chunksDelta\" : 1"), out);
        assertEquals(0, run(work, "ls", "-r", "-l"), err);
        assertTrue(out.contains("x/a.bin"), out);
        assertEquals(0, run(work, "--json", "history", "x/a.bin"), err);
        String oldest = com.fasterxml.jackson.databind.json.JsonMapper.builder().build().readTree(out).path("versions")
                .get(1).path("versionId").asText();
        Path dest = Files.createDirectories(tmp.resolve("dest"));
        assertEquals(0, run(dest, "pull", "x/a.bin"), err);
        assertArrayEquals(data, Files.readAllBytes(dest.resolve("a.bin")));
        assertEquals(0, run(work, "restore", "x/a.bin", "--version", oldest), err);
        assertEquals(0, run(dest, "pull", "x/a.bin", "--force"), err);
        data[5] ^= 1;
        assertArrayEquals(data, Files.readAllBytes(dest.resolve("a.bin")));
        assertEquals(0, run(work, "rm", "x/a.bin"), err);
        assertEquals(ExitCodes.ERROR, run(dest, "pull", "x/a.bin"));
        assertEquals(0, run(work, "--json", "ls", "--deleted", "-r"));
        assertTrue(out.contains("\"deleted\" : true"), out);
    }
}
