package dev.chunkvault.service.vault;

import static dev.chunkvault.service.store.Condition.and;
import static dev.chunkvault.service.store.Condition.eq;
import static dev.chunkvault.service.store.Condition.gt;
import static dev.chunkvault.service.store.Condition.lt;
import static dev.chunkvault.service.store.Condition.notExists;
import static dev.chunkvault.service.store.Condition.or;

import dev.chunkvault.service.store.ConditionFailedException;
import dev.chunkvault.service.store.Item;
import dev.chunkvault.service.store.ItemStore;
import dev.chunkvault.service.store.Key;
import dev.chunkvault.service.store.TransientStoreException;
import dev.chunkvault.service.store.Update;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * The GC lease: one run at a time, each with a fencing token larger than every earlier run's. The lease is short
 * ({@link Settings#leaseTtl()}, minutes) and a working run renews it every {@link Settings#leaseRenewEvery()}
 * ({@link #keepAlive()}), so a run that died frees it within minutes, not after the function's timeout. A run may
 * issue object deletes only while {@link #mayDelete()}: its own monotonic clock, read before it sent its last
 * successful take or renewal, says less than {@link Settings#deleteCutoff()} has passed since. The lease outlives
 * that by more than one store call plus a clock-skew margin; it is renewed only while it has not expired (so a run
 * that missed its renewals cannot come back), and it is taken over only after it expired. So no delete of an earlier
 * run can land after a later run started, or after a grant took back a chunk row of that run (docs/storage-model.md,
 * "Zombie deletes").
 */
public final class GcLease {
    static final String NAME = "gc-lease";
    static final String HOLDER = "holder";
    static final String TOKEN = "token";
    static final String EXPIRES_AT = "expiresAt";
    static final String EVENT_ID = "eventId";
    static final String COMPLETED_EVENT = "completedEvent";
    /** When the last run that did all its work ended (epoch millis). */
    static final String COMPLETED_AT = "completedAt";
    static final String CHECKPOINT_PREFIX = "ckpt_";

    private final ItemStore store;
    private final Clock clock;
    private final String runId;
    private final long token;
    private final long startedNanos;
    private final LongSupplier nanos;
    private final Settings settings;
    /** When (own monotonic clock) the last successful take or renewal was sent. */
    private volatile long renewedNanos;
    private volatile boolean lost;

    private GcLease(ItemStore store, Clock clock, String runId, long token, long startedNanos, LongSupplier nanos,
                    Settings settings) {
        this.store = store;
        this.clock = clock;
        this.runId = runId;
        this.token = token;
        this.startedNanos = startedNanos;
        this.renewedNanos = startedNanos;
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
            return new Acquired(new GcLease(store, clock, runId, after.number(TOKEN), started, nanos, settings), null);
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
        return !lost && nanos.getAsLong() - renewedNanos < settings.deleteCutoff().toNanos();
    }

    /**
     * Renews the lease if a renewal is due; says whether the run may go on. A renewal is refused once the lease has
     * expired (or was released or taken over): the run has lost it for good and must stop. A renewal that fails for
     * want of the store is tried again at the next call; meanwhile {@link #mayDelete()} keeps counting from the last
     * renewal that went through.
     */
    public boolean keepAlive() {
        if (lost) {
            return false;
        }
        long sent = nanos.getAsLong();
        if (sent - renewedNanos < settings.leaseRenewEvery().toNanos()) {
            return true;
        }
        long now = clock.millis();
        try {
            store.update(Tables.CONTROL, Key.of(NAME), Update.update().set(EXPIRES_AT, now + settings.leaseTtl().toMillis()),
                    and(held(), gt(EXPIRES_AT, now)));
            renewedNanos = sent;
        } catch (ConditionFailedException expired) {
            lost = true;
        } catch (TransientStoreException unavailable) {
            // tried again at the next call
        }
        return !lost;
    }

    /** {@link #keepAlive()}, and whether deletes may still be sent: what a phase asks before each piece of work. */
    public boolean alive() {
        return keepAlive() && mayDelete();
    }

    /**
     * Whether the run that holds (or held) {@code token} can no longer delete anything: a later run took the lease,
     * or the run released it, or its lease expired more than {@link Settings#leaseSkew()} ago (so it can no longer
     * be renewed, whatever the renewer's clock says). Every delete such a run sent has landed. Otherwise, empty
     * stands for "alive", with how long its lease may still last.
     */
    public static Optional<Duration> aliveFor(ItemStore store, Clock clock, Settings settings, long token) {
        Optional<Item> lease = store.get(Tables.CONTROL, Key.of(NAME));
        if (lease.isEmpty() || lease.get().numberOr(TOKEN, 0) != token || !lease.get().has(HOLDER)) {
            return Optional.empty();
        }
        long over = lease.get().numberOr(EXPIRES_AT, 0) + settings.leaseSkew().toMillis() - clock.millis();
        return over < 0 ? Optional.empty() : Optional.of(Duration.ofMillis(over));
    }

    /** The run's saved position in a phase, if any. */
    public Optional<String> checkpoint(String phase) {
        return store.get(Tables.CONTROL, Key.of(NAME)).map(i -> i.string(CHECKPOINT_PREFIX + phase));
    }

    /**
     * Saves (or, with null, clears) the position in a phase; fenced by the token.
     *
     * @return false if the lease is no longer this run's (taken over or released): the run has lost it and stops
     */
    public boolean saveCheckpoint(String phase, String value) {
        Update u = value == null ? Update.update().remove(CHECKPOINT_PREFIX + phase)
                : Update.update().set(CHECKPOINT_PREFIX + phase, value);
        try {
            store.update(Tables.CONTROL, Key.of(NAME), u, held());
            return true;
        } catch (ConditionFailedException taken) {
            lost = true;
            return false;
        }
    }

    /**
     * Gives the lease up; {@code completedEvent} (if any) marks that event's run as done. Runs to the end whatever
     * the invocation's deadline or an interrupt says (a few tries without waiting), so the next run need not wait for
     * the lease to expire; if the store stays unavailable, the lease simply expires.
     */
    public void release(String completedEvent) {
        release(completedEvent, completedEvent != null);
    }

    /** As {@link #release(String)}; {@code complete}: the run did all its work (stamped for {@link #lastCompletedAt}). */
    public void release(String completedEvent, boolean complete) {
        lost = true;
        Update u = Update.update().remove(HOLDER).remove(EXPIRES_AT);
        if (completedEvent != null) {
            u = u.set(COMPLETED_EVENT, completedEvent);
        }
        if (complete) {
            u = u.set(COMPLETED_AT, clock.millis());
        }
        Update release = u;
        boolean interrupted = Thread.interrupted();
        try {
            for (int attempt = 1; attempt <= 3; attempt++) {
                try {
                    dev.chunkvault.service.time.Deadline.none().call(() -> store.update(Tables.CONTROL, Key.of(NAME),
                            release, held()));
                    return;
                } catch (ConditionFailedException taken) {
                    return; // another run took over after our lease expired; nothing of ours to release
                } catch (TransientStoreException unavailable) {
                    if (attempt == 3) {
                        throw unavailable;
                    }
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Gives back the lease if run {@code runId} holds it — for a run whose taking of the lease ended without an answer
     * (out of time, or the store failing): the update may have gone through, and then no one else could run until it
     * expired. Not cut short by the deadline; a few attempts, then the lease expires as it would have.
     */
    public static void releaseIfHeldBy(ItemStore store, String runId) {
        for (int attempt = 1; attempt <= 3; attempt++) {
            try {
                dev.chunkvault.service.time.Deadline.none().call(() -> store.update(Tables.CONTROL, Key.of(NAME),
                        Update.update().remove(HOLDER).remove(EXPIRES_AT), eq(HOLDER, runId)));
                return;
            } catch (ConditionFailedException notOurs) {
                return; // never taken, or taken over since
            } catch (TransientStoreException unavailable) {
                if (attempt == 3) {
                    return;
                }
            }
        }
    }

    /** When the last complete run ended, if one ever did. */
    public static Optional<Long> lastCompletedAt(ItemStore store) {
        return store.get(Tables.CONTROL, Key.of(NAME)).filter(i -> i.has(COMPLETED_AT)).map(i -> i.number(COMPLETED_AT));
    }

    private dev.chunkvault.service.store.Condition held() {
        return and(eq(HOLDER, runId), eq(TOKEN, token));
    }
}
