package dev.chunkvault.client.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.chunkvault.client.FakeVault;
import dev.chunkvault.client.FileModes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The executable bit between two folders through the fake API (issue 21): kept, and a chmod alone is a change. */
class ExecutableBitSyncTest extends TwoFolders {
    @BeforeEach
    void needsModes() {
        assumeTrue(FileModes.kept(tmp), "this file system keeps no executable bit");
    }

    static String mode(Path f) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(f));
    }

    static void chmod(Path f, String perms) throws IOException {
        FileTime mtime = Files.getLastModifiedTime(f);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(perms));
        assertEquals(mtime, Files.getLastModifiedTime(f)); // a chmod alone: the stat a scan compares is the same
    }

    @Test
    void aServiceOlderThanTheBitStillGetsTheFilesWithoutItAndTheSyncSaysSo() throws Exception {
        vault.executableUnknown = true;
        for (int i = 0; i < 3; i++) {
            Path script = a.resolve("bin/tool" + i + ".sh");
            Files.createDirectories(script.getParent());
            Files.writeString(script, "#!/bin/sh\necho " + i + "\n");
            chmod(script, "rwxr-xr-x");
        }
        Files.writeString(a.resolve("notes.txt"), "plain");

        SyncReport first = sync(a);
        assertEquals(4, first.pushed.size(), first.errors.toString());
        assertTrue(first.errors.isEmpty(), first.errors.toString());
        assertTrue(client.executableBitsRefused());
        int refusals = vault.executableRefusals.get();
        assertTrue(refusals >= 1, "refused (once per request in flight when the first answer came), then left out");
        assertFalse(vault.head("bin/tool0.sh").executable());
        assertTrue(Files.isExecutable(a.resolve("bin/tool0.sh")), "the local file keeps its bit");
        SyncReport again = sync(a);
        assertTrue(again.pushed.isEmpty() && again.errors.isEmpty(), "nothing left to send: " + again.pushed);
        assertEquals(refusals, vault.executableRefusals.get(), "the bit is not sent again to this service");
        assertEquals(4, sync(b).pulled.size());
        assertFalse(Files.isExecutable(b.resolve("bin/tool1.sh")), "the service kept no bit to give");
    }

    @Test
    void anExecutableArrivesExecutableAndAChmodAloneIsSyncedWithoutUploadingBytes() throws Exception {
        Path script = a.resolve("bin/run.sh");
        Files.createDirectories(script.getParent());
        Files.writeString(script, "#!/bin/sh\necho hi\n".repeat(5000));
        chmod(script, "rwxr-x---");
        Files.writeString(a.resolve("notes.txt"), "plain");
        chmod(a.resolve("notes.txt"), "rw-r--r--");

        assertEquals(2, sync(a).pushed.size());
        assertTrue(vault.head("bin/run.sh").executable());
        assertFalse(vault.head("notes.txt").executable());
        assertEquals(2, sync(b).pulled.size());
        Path there = b.resolve("bin/run.sh");
        assertTrue(Files.isExecutable(there));
        // x wherever r is, as git checks out 0755 under the usual umask
        String m = mode(there);
        assertEquals(m.charAt(0) == 'r', m.charAt(2) == 'x', m);
        assertEquals(m.charAt(3) == 'r', m.charAt(5) == 'x', m);
        assertEquals(m.charAt(6) == 'r', m.charAt(8) == 'x', m);
        assertFalse(Files.isExecutable(b.resolve("notes.txt")));
        assertTrue(sync(a).pushed.isEmpty());
        assertTrue(sync(b).pulled.isEmpty());

        // chmod -x on A only: a new version with the same chunks, no byte sent; B follows.
        int puts = vault.puts.get();
        String before = vault.head("bin/run.sh").id();
        chmod(script, "rw-r-----");
        SyncReport ra = sync(a);
        assertEquals(List.of("bin/run.sh"), ra.pushed);
        assertEquals(puts, vault.puts.get());
        assertEquals(0, ra.bytesUploaded);
        FakeVault.Version after = vault.head("bin/run.sh");
        assertFalse(after.executable());
        assertFalse(before.equals(after.id()));
        assertEquals(List.of("bin/run.sh"), sync(b).pulled);
        assertFalse(Files.isExecutable(there));
        assertEquals(Files.readString(script), Files.readString(there));
        assertTrue(sync(a).pushed.isEmpty());
        assertTrue(sync(b).pulled.isEmpty());

        // and back: chmod +x on B, A follows
        chmod(there, "rwxr-xr-x");
        assertEquals(List.of("bin/run.sh"), sync(b).pushed);
        assertTrue(vault.head("bin/run.sh").executable());
        assertEquals(List.of("bin/run.sh"), sync(a).pulled);
        assertTrue(Files.isExecutable(script));
        assertEquals("rwxr-x---", mode(script));
    }

    @Test
    void anEditOfAnExecutableKeepsItsBitAndTheStateRemembersIt() throws Exception {
        Path tool = a.resolve("tool");
        Files.writeString(tool, "v1");
        chmod(tool, "rwxr-xr-x");
        sync(a);
        sync(b);
        Files.writeString(tool, "v2 longer");
        Files.setLastModifiedTime(tool, FileTime.fromMillis(Files.getLastModifiedTime(tool).toMillis() + 2000));
        assertEquals(List.of("tool"), sync(a).pushed);
        assertTrue(vault.head("tool").executable());
        sync(b);
        assertEquals("v2 longer", Files.readString(b.resolve("tool")));
        assertTrue(Files.isExecutable(b.resolve("tool")));
        try (StateStore st = StateStore.open(b)) {
            assertTrue(st.get("tool").orElseThrow().executable());
        }
    }

    @Test
    void aFileWhoseBitIsUnknownHereKeepsTheBitItWasSyncedWith() {
        SyncRecord rec = new SyncRecord("x", "x", "0000000001-0000000000000001", 1, 1, "h", null, true);
        SyncItem unknown = new SyncItem("x", rec, new LocalScanner.LocalFile("x", "x", Path.of("x"), 1, 1, null), null);
        assertTrue(SyncItem.localBit(unknown));
        assertFalse(unknown.localBitChanged());
        SyncItem cleared = new SyncItem("x", rec, new LocalScanner.LocalFile("x", "x", Path.of("x"), 1, 1, false), null);
        assertFalse(SyncItem.localBit(cleared));
        assertTrue(cleared.localBitChanged());
        // a remote entry from a service that does not say is no change of the bit
        SyncItem old = new SyncItem("x", rec, null, new dev.chunkvault.client.model.FileEntry("x",
                "0000000002-0000000000000002", 1, "h", false, null, null));
        assertFalse(old.remoteBitChanged());
    }
}
