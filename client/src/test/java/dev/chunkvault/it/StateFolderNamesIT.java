package dev.chunkvault.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.client.ApiException;
import dev.chunkvault.client.ChunkvaultClient;
import dev.chunkvault.client.FilePusher;
import dev.chunkvault.client.PushJournal;
import dev.chunkvault.client.StaleParentException;
import dev.chunkvault.client.sync.SyncReport;
import dev.chunkvault.local.LocalCloud;
import dev.chunkvault.local.LocalCloudExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files on the server whose names spell a device's state folder are never pulled into it (issue 14, item 8), on the
 * real local cloud: however the name is spelled (plain, a case variant, or with more than 64 characters of zero-width
 * joiners that fold away and that HFS+ ignores), the state database and the state folder stay as they were.
 */
@ExtendWith(LocalCloudExtension.class)
class StateFolderNamesIT {
    @TempDir
    Path tmp;

    @Test
    void aFileWhoseNameSpellsTheStateFolderIsNeverPulledIntoIt(LocalCloud cloud) throws Exception {
        String user = CloudClients.newUser("statefolder");
        Path a = Files.createDirectories(tmp.resolve("a"));
        Path b = Files.createDirectories(tmp.resolve("b"));
        Files.writeString(a.resolve("ok.txt"), "ok");
        Path evil = Files.write(tmp.resolve("evil.db"), "not a database".getBytes(StandardCharsets.UTF_8));
        List<String> names = List.of(".chunkvault/state.db", ".ChunkVault/state.db",
                ".chunk" + "\u200C".repeat(60) + "vault/state.db", ".chunk\u200Dvault/state.db");
        try (ChunkvaultClient ca = CloudClients.client(cloud, user, null);
             ChunkvaultClient cb = CloudClients.client(cloud, user, null)) {
            assertEquals(List.of("ok.txt"), CloudClients.sync(ca, a, "a", false).pushed);
            assertEquals(List.of("ok.txt"), CloudClients.sync(cb, b, "b", false).pulled);

            // Another client of the account (or a hostile one) stores files under those names: the service takes what
            // its path rules allow, refusing the rest with a 4xx.
            List<String> stored = new ArrayList<>();
            for (String name : names) {
                try {
                    new FilePusher(ca, PushJournal.inMemory()).push(FilePusher.Request.of(evil, name, null));
                    stored.add(name);
                } catch (StaleParentException sameFile) {
                    stored.add(name); // the service folds it to a name stored already: the same file
                } catch (ApiException refused) {
                    assertTrue(refused.status() >= 400 && refused.status() < 500, name + ": " + refused.status());
                }
            }
            assertFalse(stored.isEmpty(), "the test needs at least one such name on the server");

            SyncReport rb = CloudClients.sync(cb, b, "b", false);
            assertTrue(rb.pulled.isEmpty(), "pulled: " + rb.pulled);
            try (Stream<Path> top = Files.list(b)) {
                assertEquals(List.of(".chunkvault", "ok.txt"), top.map(p -> p.getFileName().toString()).sorted().toList(),
                        "nothing new at the top of the folder");
            }
            try (Stream<Path> state = Files.walk(b.resolve(".chunkvault"))) {
                assertTrue(state.noneMatch(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && sameBytes(p, evil)),
                        "the stored bytes were written nowhere in the state folder");
            }
            assertEquals("ok", Files.readString(b.resolve("ok.txt")));
            assertTrue(CloudClients.sync(cb, b, "b", false).errors.isEmpty());
        }
    }

    private static boolean sameBytes(Path p, Path q) {
        try {
            return Files.size(p) == Files.size(q) && java.util.Arrays.equals(Files.readAllBytes(p), Files.readAllBytes(q));
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
