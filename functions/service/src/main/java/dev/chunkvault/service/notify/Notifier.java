package dev.chunkvault.service.notify;

import dev.chunkvault.service.vault.Owner;
import dev.chunkvault.service.vault.Parallel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Tells an account's open connections that its files changed: fed with the changes of a batch of the files table's
 * stream, it coalesces them to one message per account — {@code {"type":"changed","upTo":MILLIS}}, where
 * {@code MILLIS} is the change time of the latest change in the batch (the time part of the change feed's key) — and
 * sends it to each live connection of the account. A message is only a hint to read the change feed from the
 * client's own cursor, never the change itself: a lost or late one delays a change until the client's next catch-up
 * (on reconnect, or its periodic one) and can lose nothing; the feed stays the only source of truth.
 *
 * <p>A connection found gone loses its row. A push that fails otherwise is counted and left (its client catches up);
 * it does not fail the batch, whose retry would send every other account its message again.
 */
public final class Notifier {
    private final Connections connections;
    private final Pusher pusher;
    private final Parallel parallel;

    /** One change of the files table: whose, and its change-feed key ({@code <13-digit millis>#<fileId>}). */
    public record Change(String owner, String changeKey) {}

    /** What one batch came to. */
    public record Report(int changes, int accounts, int sent, int gone, int failed, String firstFailure) {}

    public Notifier(Connections connections, Pusher pusher, Parallel parallel) {
        this.connections = connections;
        this.pusher = pusher;
        this.parallel = parallel;
    }

    public Report notify(List<Change> changes) {
        Map<String, Long> latest = new LinkedHashMap<>();
        for (Change c : changes) {
            if (c.owner() == null || c.owner().isEmpty()) {
                continue;
            }
            latest.merge(c.owner(), changeMillis(c.changeKey()), Math::max);
        }
        record Push(Owner owner, String connectionId, String message) {}
        List<Push> pushes = new ArrayList<>();
        for (Map.Entry<String, Long> e : latest.entrySet()) {
            Owner owner = new Owner(e.getKey());
            String message = "{\"type\":\"changed\",\"upTo\":" + e.getValue() + "}";
            for (Connections.Connection c : connections.live(owner, Connections.MAX_PER_OWNER)) {
                pushes.add(new Push(owner, c.connectionId(), message));
            }
        }
        java.util.concurrent.atomic.AtomicReference<String> firstFailure = new java.util.concurrent.atomic.AtomicReference<>();
        List<Integer> outcomes = parallel.map(pushes, p -> {
            try {
                if (pusher.push(p.connectionId(), p.message()) == Pusher.Outcome.GONE) {
                    connections.disconnect(p.owner(), p.connectionId());
                    return 1;
                }
                return 0;
            } catch (RuntimeException e) {
                firstFailure.compareAndSet(null, e.getClass().getSimpleName());
                return 2;
            }
        });
        int sent = (int) outcomes.stream().filter(o -> o == 0).count();
        int gone = (int) outcomes.stream().filter(o -> o == 1).count();
        return new Report(changes.size(), latest.size(), sent, gone, outcomes.size() - sent - gone, firstFailure.get());
    }

    /** The time part of a change key; 0 for a row without one (its message still says "changed"). */
    static long changeMillis(String changeKey) {
        if (changeKey == null) {
            return 0;
        }
        int hash = changeKey.indexOf('#');
        try {
            return Long.parseLong(hash < 0 ? changeKey : changeKey.substring(0, hash));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
