package dev.chunkvault.client.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.client.sync.SyncPlanner.Action;
import dev.chunkvault.client.sync.SyncPlanner.Local;
import dev.chunkvault.client.sync.SyncPlanner.Remote;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The decision table, row by row. */
class SyncPlannerTest {
    @ParameterizedTest(name = "local {0}, remote {1}, same content {2} -> {3}")
    @CsvSource({
            "UNCHANGED, UNCHANGED, false, NONE",
            "UNCHANGED, MODIFIED,  false, PULL",
            "UNCHANGED, DELETED,   false, DELETE_LOCAL",
            "MODIFIED,  UNCHANGED, false, PUSH",
            "MODIFIED,  MODIFIED,  false, CONFLICT",
            "MODIFIED,  MODIFIED,  true,  ADOPT",
            "MODIFIED,  DELETED,   false, PUSH",
            "DELETED,   UNCHANGED, false, DELETE_REMOTE",
            "DELETED,   MODIFIED,  false, PULL",
            "DELETED,   DELETED,   false, FORGET",
            "UNCHANGED, UNKNOWN,   false, PUSH",
            "MODIFIED,  UNKNOWN,   false, PUSH",
            "DELETED,   UNKNOWN,   false, FORGET",
            "ADDED,     ADDED,     false, CONFLICT",
            "ADDED,     ADDED,     true,  ADOPT",
            "ADDED,     ABSENT,    false, PUSH",
            "ABSENT,    ADDED,     false, PULL",
            "ABSENT,    ABSENT,    false, NONE",
    })
    void decides(Local local, Remote remote, boolean same, Action expected) {
        assertEquals(expected, SyncPlanner.decide(local, remote, same));
    }

    @Test
    void aBaseOnOneSideOnlyIsABug() {
        assertThrows(IllegalArgumentException.class, () -> SyncPlanner.decide(Local.ADDED, Remote.UNCHANGED, false));
        assertThrows(IllegalArgumentException.class, () -> SyncPlanner.decide(Local.UNCHANGED, Remote.ABSENT, false));
    }

    @Test
    void noEditIsEverDeleted() {
        for (Local l : Local.values()) {
            for (Remote r : Remote.values()) {
                Action a;
                try {
                    a = SyncPlanner.decide(l, r, false);
                } catch (IllegalArgumentException impossible) {
                    continue;
                }
                if (l == Local.MODIFIED || l == Local.ADDED) {
                    assertFalse(a == Action.DELETE_LOCAL || a == Action.PULL, l + "/" + r + " -> " + a);
                }
                if (r == Remote.MODIFIED || r == Remote.ADDED) {
                    assertFalse(a == Action.DELETE_REMOTE || a == Action.PUSH, l + "/" + r + " -> " + a);
                }
            }
        }
    }

    @Test
    void massDeleteThresholds() {
        assertFalse(SyncPlanner.isMassDelete(50, 1000, 50, 0.5));
        assertTrue(SyncPlanner.isMassDelete(51, 1000, 50, 0.5));
        assertFalse(SyncPlanner.isMassDelete(3, 4, 50, 0.5), "a handful is not a mass delete");
        assertTrue(SyncPlanner.isMassDelete(2, 2, 50, 0.5), "but every tracked file is");
        assertTrue(SyncPlanner.isMassDelete(4, 4, 50, 0.5));
        assertFalse(SyncPlanner.isMassDelete(1, 1, 50, 0.5), "one file alone is not");
        assertTrue(SyncPlanner.isMassDelete(6, 10, 50, 0.5));
        assertFalse(SyncPlanner.isMassDelete(6, 12, 50, 0.5));
    }
}
