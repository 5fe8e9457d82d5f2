package dev.chunkvault.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.client.ChunkvaultClient;
import dev.chunkvault.client.sync.StateStore;
import dev.chunkvault.client.sync.SyncEngine;
import dev.chunkvault.client.sync.SyncListener;
import dev.chunkvault.client.sync.SyncReport;
import dev.chunkvault.local.LocalCloud;
import dev.chunkvault.local.LocalCloudExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Empty folders are created, renamed and deleted on a second device of the real local cloud (issue 21 item 3). */
@ExtendWith(LocalCloudExtension.class)
class EmptyFoldersIT {
    @TempDir
    Path tmp;

    private static SyncReport sync(ChunkvaultClient client, Path root, String device) throws IOException {
        try (StateStore st = StateStore.open(root)) {
            SyncEngine.Options o = SyncEngine.Options.defaults(device).withFullListing(true);
            SyncReport r = new SyncEngine(client, st, o, SyncListener.NONE).run();
            assertTrue(r.errors.isEmpty(), r.errors.toString());
            return r;
        }
    }

    private static boolean emptyDir(Path p) throws IOException {
        if (!Files.isDirectory(p)) {
            return false;
        }
        try (var s = Files.list(p)) {
            return s.findAny().isEmpty();
        }
    }

    @Test
    void emptyFoldersArriveAreRenamedAndDeletedOnTheOtherDevice(LocalCloud cloud) throws Exception {
        String user = CloudClients.newUser("folders");
        Path a = Files.createDirectories(tmp.resolve("a"));
        Path b = Files.createDirectories(tmp.resolve("b"));
        Files.createDirectories(a.resolve("build/out"));
        Files.createDirectories(a.resolve("logs"));
        Files.createDirectories(a.resolve("src"));
        for (int i = 0; i < 4; i++) {
            Files.writeString(a.resolve("src/f" + i + ".c"), "int f" + i + ";");
        }
        try (ChunkvaultClient ca = CloudClients.client(cloud, user, null);
             ChunkvaultClient cb = CloudClients.client(cloud, user, null)) {
            SyncReport ra = sync(ca, a, "a");
            assertEquals(List.of("build/out/", "logs/"), ra.pushed.stream().filter(p -> p.endsWith("/")).sorted().toList(),
                    ra.warnings.toString());
            assertEquals(Boolean.TRUE, ca.file("logs", false).orElseThrow().folder());
            assertEquals(0, ca.file("logs", false).orElseThrow().size());

            sync(cb, b, "b");
            assertTrue(emptyDir(b.resolve("build/out")));
            assertTrue(emptyDir(b.resolve("logs")));
            assertEquals("int f0;", Files.readString(b.resolve("src/f0.c")));

            // renamed and deleted on B, a file into another: A follows
            Files.move(b.resolve("logs"), b.resolve("journal"));
            Files.delete(b.resolve("build/out"));
            sync(cb, b, "b");
            assertTrue(emptyDir(b.resolve("build")), "an emptied parent stays here, and is kept as an empty folder");
            sync(ca, a, "a");
            assertFalse(Files.exists(a.resolve("logs")));
            assertTrue(emptyDir(a.resolve("journal")));
            assertFalse(Files.exists(a.resolve("build/out")));
            assertTrue(emptyDir(a.resolve("build")));

            // the last file of a folder removed on A: the folder stays on both
            for (int i = 0; i < 4; i++) {
                Files.delete(a.resolve("src/f" + i + ".c"));
            }
            sync(ca, a, "a", true);
            sync(cb, b, "b", true);
            assertTrue(emptyDir(b.resolve("src")));
            assertTrue(sync(ca, a, "a").pushed.isEmpty());
            assertTrue(sync(cb, b, "b").pulled.isEmpty());
        }
    }

    private static SyncReport sync(ChunkvaultClient client, Path root, String device, boolean force) throws IOException {
        try (StateStore st = StateStore.open(root)) {
            SyncEngine.Options o = SyncEngine.Options.defaults(device).withFullListing(true).withForce(force);
            SyncReport r = new SyncEngine(client, st, o, SyncListener.NONE).run();
            assertTrue(r.errors.isEmpty(), r.errors.toString());
            return r;
        }
    }
}
