package dev.chunkvault.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.chunkvault.client.ChunkvaultClient;
import dev.chunkvault.client.FileModes;
import dev.chunkvault.client.sync.SyncReport;
import dev.chunkvault.local.LocalCloud;
import dev.chunkvault.local.LocalCloudExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A folder arrives whole on a second device of the real local cloud: executable bits (issue 21). */
@ExtendWith(LocalCloudExtension.class)
class FileModesIT {
    @TempDir
    Path tmp;

    @Test
    void anExecutableScriptArrivesExecutableAndAChmodAloneFollows(LocalCloud cloud) throws Exception {
        assumeTrue(FileModes.kept(tmp), "this file system keeps no executable bit");
        String user = CloudClients.newUser("modes");
        Path a = Files.createDirectories(tmp.resolve("a"));
        Path b = Files.createDirectories(tmp.resolve("b"));
        Path script = a.resolve("tools/build.sh");
        Files.createDirectories(script.getParent());
        Files.writeString(script, "#!/bin/sh\necho built\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(a.resolve("README"), "read me");
        Files.setPosixFilePermissions(a.resolve("README"), PosixFilePermissions.fromString("rw-r--r--"));
        try (ChunkvaultClient ca = CloudClients.client(cloud, user, null);
             ChunkvaultClient cb = CloudClients.client(cloud, user, null)) {
            assertEquals(2, CloudClients.sync(ca, a, "a", false).pushed.size());
            assertEquals(Boolean.TRUE, ca.file("tools/build.sh", false).orElseThrow().executable());
            assertEquals(Boolean.FALSE, ca.file("README", false).orElseThrow().executable());
            assertEquals(2, CloudClients.sync(cb, b, "b", false).pulled.size());
            Path there = b.resolve("tools/build.sh");
            assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(there)));
            assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(b.resolve("README"))));

            // chmod -x on A only (the mtime stays): a new version with the same chunks, no byte uploaded; B follows
            FileTime mtime = Files.getLastModifiedTime(script);
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rw-r--r--"));
            assertEquals(mtime, Files.getLastModifiedTime(script));
            String before = ca.file("tools/build.sh", false).orElseThrow().version();
            SyncReport ra = CloudClients.sync(ca, a, "a", false);
            assertEquals(List.of("tools/build.sh"), ra.pushed);
            assertEquals(0, ra.bytesUploaded);
            var head = ca.file("tools/build.sh", false).orElseThrow();
            assertFalse(head.executable());
            assertFalse(before.equals(head.version()));
            assertEquals(2, ca.history("tools/build.sh", null, null).versions().size());
            SyncReport rb = CloudClients.sync(cb, b, "b", false);
            assertEquals(List.of("tools/build.sh"), rb.pulled);
            assertEquals(0, rb.bytesDownloaded);
            assertFalse(Files.isExecutable(there));
            assertEquals(Files.readString(script), Files.readString(there));
            assertTrue(CloudClients.sync(ca, a, "a", false).pushed.isEmpty());
            assertTrue(CloudClients.sync(cb, b, "b", false).pulled.isEmpty());
        }
    }
}
