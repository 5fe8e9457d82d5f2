package dev.chunkvault.service.vault;

import static dev.chunkvault.service.store.Condition.and;
import static dev.chunkvault.service.store.Condition.eq;
import static dev.chunkvault.service.store.Condition.lt;
import static dev.chunkvault.service.store.Condition.notExists;
import static dev.chunkvault.service.store.Condition.or;

import dev.chunkvault.service.store.ConditionFailedException;
import dev.chunkvault.service.store.Item;
import dev.chunkvault.service.store.ItemStore;
import dev.chunkvault.service.store.Key;
import dev.chunkvault.service.store.Update;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * The GC lease: one run at a time, each with a fencing token larger than every earlier run's. A run may
 * issue object deletes only while {@link #mayDelete()}: its own monotonic clock, started before it asked
 * for the lease, says less than {@link Settings#deleteCutoff()} has passed. The lease outlives that by more
 * than one store call, and is taken over only after it expired, so no delete of an earlier run can land
 * after a later run started (docs/storage-model.md, "Zombie deletes").
 */
public final class GcLease {
    static final String NAME = "gc-lease";
    static final String HOLDER = "holder";
    static final String TOKEN = "token";
    static final String EXPIRES_AT = "expiresAt";
    static final String EVENT_ID = "eventId";
    static final String COMPLETED_EVENT = "completedEvent";
    static final String CHECKPOINT_PREFIX = "ckpt_";

    private final ItemStore store;
    private final String runId;
    private final long token;
    private final long startedNanos;
    private final LongSupplier nanos;
    private final Settings settings;

    private GcLease(ItemStore store, String runId, long token, long startedNanos, LongSupplier nanos, Settings settings) {
        this.store = store;
        this.runId = runId;
        this.token = token;
        this.startedNanos = startedNanos;
        this.nanos = nanos;
        this.settings = settings;
    }

    /** Why no lease was granted. */
    public enum Refusal { HELD_BY_ANOTHER_RUN, DUPLICATE_EVENT }

    /** A lease, or why there is none. */
    public record Acquired(GcLease lease, Refusal refusal) {
        public boolean granted() {
            return lease != null;
        }
    }

    /**
     * Takes the lease for {@code runId} if no live run holds it. {@code eventId} is the schedule event's id:
     * a duplicate delivery of an event whose run already completed is refused.
     */
    public static Acquired acquire(ItemStore store, Clock clock, LongSupplier nanos, Settings settings, String runId,
                                   String eventId) {
        long started = nanos.getAsLong();
        Key key = Key.of(NAME);
        if (eventId != null) {
            Optional<Item> current = store.get(Tables.CONTROL, key);
            if (current.isPresent() && eventId.equals(current.get().string(COMPLETED_EVENT))) {
                return new Acquired(null, Refusal.DUPLICATE_EVENT);
            }
        }
        long now = clock.millis();
        Update u = Update.update().add(TOKEN, 1).set(HOLDER, runId)
                .set(EXPIRES_AT, now + settings.leaseTtl().toMillis());
        if (eventId != null) {
            u = u.set(EVENT_ID, eventId);
        }
        try {
            // eq(HOLDER, runId): a retry after a lost answer finds its own lease (the token moves on, harmlessly).
            Item after = store.update(Tables.CONTROL, key, u, or(notExists(HOLDER), lt(EXPIRES_AT, now), eq(HOLDER, runId)));
            return new Acquired(new GcLease(store, runId, after.number(TOKEN), started, nanos, settings), null);
        } catch (ConditionFailedException held) {
            return new Acquired(null, Refusal.HELD_BY_ANOTHER_RUN);
        }
    }

    public long token() {
        return token;
    }

    public String runId() {
        return runId;
    }

    /** Time this run has had since it asked for the lease, on its own clock. */
    public Duration elapsed() {
        return Duration.ofNanos(nanos.getAsLong() - startedNanos);
    }

    /** Whether an object delete sent now is sure to land while this lease is still valid. */
    public boolean mayDelete() {
        return elapsed().compareTo(settings.deleteCutoff()) < 0;
    }

    /** The run's saved position in a phase, if any. */
    public Optional<String> checkpoint(String phase) {
        return store.get(Tables.CONTROL, Key.of(NAME)).map(i -> i.string(CHECKPOINT_PREFIX + phase));
    }

    /** Saves (or, with null, clears) the position in a phase; fenced by the token. */
    public void saveCheckpoint(String phase, String value) {
        Update u = value == null ? Update.update().remove(CHECKPOINT_PREFIX + phase)
                : Update.update().set(CHECKPOINT_PREFIX + phase, value);
        store.update(Tables.CONTROL, Key.of(NAME), u, held());
    }

    /** Gives the lease up; {@code completedEvent} (if any) marks that event's run as done. */
    public void release(String completedEvent) {
        Update u = Update.update().remove(HOLDER).remove(EXPIRES_AT);
        if (completedEvent != null) {
            u = u.set(COMPLETED_EVENT, completedEvent);
        }
        try {
            store.update(Tables.CONTROL, Key.of(NAME), u, held());
        } catch (ConditionFailedException lost) {
            // Another run took over after our lease expired; nothing of ours to release.
        }
    }

    private dev.chunkvault.service.store.Condition held() {
        return and(eq(HOLDER, runId), eq(TOKEN, token));
    }
}
