package dev.chunkvault.client.watch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The watch loop's signals and the folder watcher that feeds them (bounded waits, no timing assertions). */
class SignalsTest {
    @TempDir
    Path tmp;

    @Test
    void signalsCoalesceAndNothingIsATimeout() throws Exception {
        Signals s = new Signals(Duration.ofMillis(20), Duration.ofMillis(200));
        assertEquals(EnumSet.of(Wake.TIMEOUT), s.await(Duration.ofMillis(10)));
        s.signal(Wake.REMOTE);
        s.signal(Wake.REMOTE);
        s.signal(Wake.LOCAL);
        assertEquals(EnumSet.of(Wake.REMOTE, Wake.LOCAL), s.await(Duration.ofSeconds(5)), "all pending at once");
        assertEquals(EnumSet.of(Wake.TIMEOUT), s.await(Duration.ofMillis(10)), "taken: nothing left");
        s.signal(Wake.LOCAL);
        assertEquals(EnumSet.of(Wake.LOCAL), s.await(Duration.ofSeconds(5)), "a local change alone, once quiet");
    }

    @Test
    void aBurstOfLocalChangesIsOneWakeEvenWhileItGoesOn() throws Exception {
        Signals s = new Signals(Duration.ofMillis(50), Duration.ofMillis(300));
        Thread writer = new Thread(() -> {
            for (int i = 0; i < 200; i++) {
                s.signal(Wake.LOCAL);
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        writer.start();
        Set<Wake> first = s.await(Duration.ofSeconds(10));
        assertEquals(EnumSet.of(Wake.LOCAL), first, "the max delay ends a wait that the burst would keep open");
        writer.join();
    }

    @Test
    void theFolderWatcherSignalsChangesInNewFoldersButNotInTheStateFolder() throws Exception {
        Files.createDirectories(tmp.resolve(".chunkvault"));
        Files.createDirectories(tmp.resolve("a/b"));
        Signals s = new Signals(Duration.ofMillis(20), Duration.ofMillis(200));
        try (FolderWatcher w = new FolderWatcher(tmp, s, m -> { })) {
            w.start();
            assertEquals(3, w.folders(), "the root, a and a/b; not .chunkvault");
            Files.writeString(tmp.resolve(".chunkvault/state.db"), "x");
            assertEquals(EnumSet.of(Wake.TIMEOUT), s.await(Duration.ofMillis(300)), "the state folder is not watched");
            Files.writeString(tmp.resolve("a/b/f.txt"), "x");
            assertEquals(EnumSet.of(Wake.LOCAL), s.await(Duration.ofSeconds(10)));
            Files.createDirectories(tmp.resolve("new"));
            assertEquals(EnumSet.of(Wake.LOCAL), s.await(Duration.ofSeconds(10)));
            long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (w.folders() < 4 && System.nanoTime() < end) {
                Thread.sleep(10);
            }
            Files.writeString(tmp.resolve("new/g.txt"), "y");
            assertEquals(EnumSet.of(Wake.LOCAL), s.await(Duration.ofSeconds(10)), "a folder made later is watched");
        }
    }
}
