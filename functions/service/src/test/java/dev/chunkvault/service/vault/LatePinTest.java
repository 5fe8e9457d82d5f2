package dev.chunkvault.service.vault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.service.error.ServiceException;
import dev.chunkvault.service.sim.FakeClient;
import dev.chunkvault.service.sim.FakeClient.Content;
import dev.chunkvault.service.sim.TestVault;
import dev.chunkvault.service.store.Item;
import dev.chunkvault.service.store.ItemStore;
import dev.chunkvault.service.store.TxAction;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * A large commit's pin that arrives after GC rolled its abandoned PENDING version back (marked ABORTED, unpinned,
 * deleted) writes nothing: every pin transaction checks that the version is still PENDING ({@link RefOps#stillPending}),
 * and the commit re-reads. Before, the late pin left an edge of a version that is gone and its counters one up, for
 * good: nothing would ever roll it back (the audit reported EDGES drift).
 */
class LatePinTest {
    /** A zero budget: each request verifies and pins one slice, and then stops (COMMIT_IN_PROGRESS). */
    private static final Settings SETTINGS = Settings.DEFAULTS.withParallelism(1).withCommitBudget(Duration.ZERO);

    /** Runs once, just before the first pin transaction (one that puts a run edge) goes to the store. */
    private Runnable beforePin;

    private final TestVault v = new TestVault(SETTINGS, true, this::hooked, UnaryOperator.identity(), Retry.immediate(3));
    private final FakeClient alice = new FakeClient(v, "alice");

    private ItemStore hooked(ItemStore inner) {
        return new GcOrphansTest.Delegating(inner) {
            @Override
            public void transact(List<TxAction> actions) {
                Runnable hook = beforePin;
                if (hook != null && actions.stream().anyMatch(a -> a instanceof TxAction.Put p && p.table().equals(Tables.REFS))) {
                    beforePin = null;
                    hook.run();
                }
                super.transact(actions);
            }
        };
    }

    @Test
    void aPinThatArrivesAfterTheVersionWasRolledBackLeavesNoEdgeAndNoCount() {
        Content big = Content.random(new Random(20261203L), CommitService.COMMIT_SLICE_CHUNKS + 10, 200);
        alice.upload(big);
        GcService.Tally first = new GcService.Tally();
        beforePin = () -> {
            // The version is written PENDING, then its commit stalls past the pending grace: GC takes it for abandoned.
            v.clock.advance(SETTINGS.pendingGrace().plusMinutes(1));
            v.gc.expire(() -> true, first);
        };

        ServiceException e = assertThrows(ServiceException.class, () -> alice.commit("big.bin", null, big, "key-late-pin-1"));
        assertEquals("COMMIT_IN_PROGRESS", e.code());
        assertEquals(1, first.pendingRolledBack, "GC rolled the version back before its first pin arrived");
        assertEquals(List.of(), edgesWithoutAVersion(), "no edge stands for a version that is gone");
        new Oracle(v).countsMatchRecount();

        // The client gives up: once the pending grace has passed, GC rolls back whatever is PENDING, and nothing is left.
        v.clock.advance(SETTINGS.pendingGrace().plusMinutes(1));
        v.gc.expire(() -> true, new GcService.Tally());
        assertTrue(v.items.items(Tables.VERSIONS).isEmpty(), "no version is left");
        assertEquals(0, edges().size(), "no edge is left");
        for (ChunkId id : big.manifest().distinctIds()) {
            assertEquals(0, ChunkRow.from(v.items.get(Tables.CHUNKS, ChunkRow.key(id)).orElseThrow()).refs(), "refs of " + id);
            assertEquals(0, v.items.get(Tables.REFS, Refs.holding(alice.owner, id)).map(i -> i.numberOr(Refs.COUNT, 0)).orElse(0L),
                    "holding of " + id);
        }
        new Oracle(v).countsMatchRecount();
    }

    private List<Item> edges() {
        return v.items.items(Tables.REFS).stream().filter(i -> !Refs.HOLDING.equals(i.string(Refs.EDGE))).toList();
    }

    /** Edges ({@code <fileId>#<versionId>}) whose version row does not exist. */
    private List<String> edgesWithoutAVersion() {
        List<String> out = new ArrayList<>();
        for (Item edge : edges()) {
            String[] run = edge.string(Refs.EDGE).split("#", 2);
            if (v.items.get(Tables.VERSIONS, VersionRow.key(run[0], run[1])).isEmpty()) {
                out.add(edge.string(Refs.REF) + " " + edge.string(Refs.EDGE));
            }
        }
        return out.size() > 3 ? List.of(out.size() + " edges, e.g. " + out.subList(0, 3)) : out;
    }
}
