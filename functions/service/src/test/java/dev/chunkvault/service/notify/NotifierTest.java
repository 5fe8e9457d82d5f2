package dev.chunkvault.service.notify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.service.store.FaultyItemStore;
import dev.chunkvault.service.store.InMemoryItemStore;
import dev.chunkvault.service.store.ItemStore;
import dev.chunkvault.service.store.StoreException;
import dev.chunkvault.service.vault.Owner;
import dev.chunkvault.service.vault.Parallel;
import dev.chunkvault.service.vault.Retry;
import dev.chunkvault.service.vault.Tables;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The notifier and the connections it reads, on the in-memory store: coalescing, isolation, gone and failed pushes. */
class NotifierTest {
    private final Instant now = Instant.parse("2026-12-06T12:00:00Z");
    private final Clock clock = Clock.fixed(now, ZoneOffset.UTC);
    private final ItemStore store = new InMemoryItemStore(Tables.all());
    private final Connections connections = new Connections(store, clock, Retry.immediate(1));
    private final Owner alice = new Owner("alice-sub");
    private final Owner bob = new Owner("bob-sub");

    /** Records what it was asked to send; some connections are gone, some fail. */
    private static final class RecordingPusher implements Pusher {
        final List<String> sent = Collections.synchronizedList(new ArrayList<>());
        final Set<String> gone = new HashSet<>();
        final Set<String> failing = new HashSet<>();

        @Override
        public Outcome push(String connectionId, String message) {
            if (failing.contains(connectionId)) {
                throw new IllegalStateException("throttled");
            }
            if (gone.contains(connectionId)) {
                return Outcome.GONE;
            }
            sent.add(connectionId + " " + message);
            return Outcome.SENT;
        }
    }

    @Test
    void aBatchBecomesOneMessagePerAccountToEachOfItsConnectionsOnly() {
        connections.connect(alice, "A1");
        connections.connect(alice, "A2");
        connections.connect(bob, "B1");
        RecordingPusher pusher = new RecordingPusher();
        Notifier.Report r = new Notifier(connections, pusher, Parallel.inline()).notify(List.of(
                new Notifier.Change(alice.sub(), "1765022400100#f1"), new Notifier.Change(alice.sub(), "1765022400300#f2"),
                new Notifier.Change(alice.sub(), "1765022400200#f3")));
        assertEquals(List.of("A1 {\"type\":\"changed\",\"upTo\":1765022400300}", "A2 {\"type\":\"changed\",\"upTo\":1765022400300}"),
                pusher.sent.stream().sorted().toList());
        assertEquals(new Notifier.Report(3, 1, 2, 0, 0, null), r);
    }

    @Test
    void aGoneConnectionLosesItsRowAndAFailedPushKeepsItWithoutFailingTheOthers() {
        connections.connect(alice, "A1");
        connections.connect(alice, "A2");
        connections.connect(alice, "A3");
        RecordingPusher pusher = new RecordingPusher();
        pusher.gone.add("A2");
        pusher.failing.add("A3");
        Notifier.Report r = new Notifier(connections, pusher, Parallel.inline())
                .notify(List.of(new Notifier.Change(alice.sub(), "1765022400100#f1")));
        assertEquals(1, r.sent());
        assertEquals(1, r.gone());
        assertEquals(1, r.failed());
        assertEquals("IllegalStateException", r.firstFailure());
        assertEquals(List.of("A1", "A3"), connections.live(alice, 10).stream().map(Connections.Connection::connectionId).sorted().toList());
    }

    @Test
    void expiredRowsAreNotConnectionsAndAnAccountHoldsAtMostFifty() {
        connections.connect(alice, "Old1");
        Connections later = new Connections(store, Clock.offset(clock, Connections.ROW_LIFETIME.plusSeconds(1)), Retry.immediate(1));
        assertEquals(List.of(), later.live(alice, 10), "a row past its connection's longest life");
        for (int i = 0; i < Connections.MAX_PER_OWNER; i++) {
            assertEquals(Connections.Admission.ADMITTED, later.connect(alice, "C" + i));
        }
        assertEquals(Connections.Admission.TOO_MANY, later.connect(alice, "One-too-many"));
        assertEquals(Connections.Admission.ADMITTED, later.connect(alice, "C7"), "the same connection again");
        assertEquals(Connections.Admission.ADMITTED, later.connect(bob, "B1"), "another account's own limit");
        later.disconnect(alice, "C0");
        assertEquals(Connections.Admission.ADMITTED, later.connect(alice, "After-a-disconnect"));
    }

    @Test
    void aFailureToReadConnectionsFailsTheBatchSoTheMappingRetriesIt() {
        connections.connect(alice, "A1");
        FaultyItemStore broken = new FaultyItemStore(store, 1, 1.0);
        RecordingPusher pusher = new RecordingPusher();
        Notifier n = new Notifier(new Connections(broken, clock, Retry.immediate(1)), pusher, Parallel.inline());
        assertThrows(StoreException.class, () -> n.notify(List.of(new Notifier.Change(alice.sub(), "1#f"))));
        assertEquals(List.of(), pusher.sent);
    }

    @Test
    void connectionIdsAreApiGatewaysAndChangeKeysMayBeMissing() {
        assertThrows(IllegalArgumentException.class, () -> connections.connect(alice, "a b"));
        assertThrows(IllegalArgumentException.class, () -> connections.connect(alice, ""));
        assertEquals(0, Notifier.changeMillis(null));
        assertEquals(0, Notifier.changeMillis("junk#x"));
        assertEquals(1765022400100L, Notifier.changeMillis("1765022400100#f1"));
        connections.connect(alice, "A1");
        RecordingPusher pusher = new RecordingPusher();
        new Notifier(connections, pusher, Parallel.inline()).notify(List.of(new Notifier.Change(alice.sub(), null),
                new Notifier.Change("", "1#x")));
        assertEquals(List.of("A1 {\"type\":\"changed\",\"upTo\":0}"), pusher.sent);
        assertTrue(Duration.ofHours(2).compareTo(Connections.ROW_LIFETIME) < 0);
    }
}
