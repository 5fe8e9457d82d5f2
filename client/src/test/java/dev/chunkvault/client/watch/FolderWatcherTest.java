package dev.chunkvault.client.watch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the folder watcher makes of events (issue 16): lost events (the system's queue overflowed) ask for a rescan of
 * everything (every wake of the loop is a sync, whose scan stats the whole folder); changes in the state folder are not
 * changes; a new folder is watched too.
 */
class FolderWatcherTest {
    @TempDir
    Path root;

    @Test
    void anOverflowAsksForAFullRescanAtOnce() throws Exception {
        Signals signals = new Signals(Duration.ofSeconds(30), Duration.ofSeconds(60));
        List<String> warnings = new ArrayList<>();
        try (FolderWatcher w = new FolderWatcher(root, signals, warnings::add)) {
            w.handle(null, StandardWatchEventKinds.OVERFLOW, null);
            assertEquals(Set.of(Wake.RESCAN), signals.await(Duration.ofSeconds(120)), "a rescan, not the debounce of a change");
        }
        assertTrue(warnings.isEmpty(), warnings.toString());
    }

    @Test
    void aChangeIsLocalAndTheStateFolderIsNotWatchedForChanges() throws Exception {
        Files.createDirectories(root.resolve(".chunkvault/tmp"));
        Files.createDirectories(root.resolve("docs"));
        Signals signals = new Signals(Duration.ofMillis(1), Duration.ofMillis(1));
        try (FolderWatcher w = new FolderWatcher(root, signals, m -> { })) {
            w.handle(root, StandardWatchEventKinds.ENTRY_MODIFY, Path.of(".chunkvault"));
            w.handle(root.resolve(".chunkvault"), StandardWatchEventKinds.ENTRY_CREATE, Path.of("state.db-journal"));
            assertEquals(Set.of(Wake.TIMEOUT), signals.await(Duration.ofMillis(50)), "the state folder's own writes wake nothing");
            int before = w.folders();
            Path made = Files.createDirectories(root.resolve("docs/new"));
            w.handle(made.getParent(), StandardWatchEventKinds.ENTRY_CREATE, made.getFileName());
            assertEquals(Set.of(Wake.LOCAL), signals.await(Duration.ofSeconds(10)));
            assertEquals(before + 1, w.folders(), "a new folder is watched too");
        }
    }
}
