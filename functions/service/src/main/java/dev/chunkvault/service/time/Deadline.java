package dev.chunkvault.service.time;

import dev.chunkvault.service.error.ServiceException;
import java.time.Duration;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * How long the work of one invocation may go on: the function's remaining time less a margin to answer in. Handlers
 * open one per invocation ({@link #call}); it is the current deadline of that thread and of the threads the request's
 * store calls fan out to ({@code Parallel} carries it over). Store calls are retried only while it allows
 * ({@code Retry}), none starts after it ({@link #check()}), and the adapters bound each call's own timeout by it, so a
 * request that runs out of time answers a clear 503 {@link #TIMED_OUT} before the platform kills it, instead of an
 * anonymous 500 after. Every protocol step is idempotent, so that answer is as safe as a crash: the caller sends the
 * same request again (a commit with the same idempotency key) and learns the one outcome.
 */
public final class Deadline {
    /** The code of the answer a request gets when it runs out of time. */
    public static final String TIMED_OUT = "TIMED_OUT";

    private static final Deadline NONE = new Deadline(Long.MAX_VALUE, System::nanoTime);
    private static final ThreadLocal<Deadline> CURRENT = new ThreadLocal<>();

    private final long atNanos;
    private final LongSupplier nanos;

    private Deadline(long atNanos, LongSupplier nanos) {
        this.atNanos = atNanos;
        this.nanos = nanos;
    }

    /** No deadline (tests, tools, and what the GC does to give its lease back). */
    public static Deadline none() {
        return NONE;
    }

    /** {@code left} from now on the system's monotonic clock. */
    public static Deadline in(Duration left) {
        return in(left, System::nanoTime);
    }

    /** {@code left} from now on {@code nanos} (tests pass a simulated clock). */
    public static Deadline in(Duration left, LongSupplier nanos) {
        long now = nanos.getAsLong();
        return new Deadline(now + Math.max(0, left.toNanos()), nanos);
    }

    /** The deadline of the work on this thread ({@link #none()} outside any). */
    public static Deadline current() {
        Deadline d = CURRENT.get();
        return d == null ? NONE : d;
    }

    public boolean isNone() {
        return this == NONE;
    }

    /** Time left; zero once passed; very long for {@link #none()}. */
    public Duration remaining() {
        if (isNone()) {
            return Duration.ofNanos(Long.MAX_VALUE);
        }
        return Duration.ofNanos(Math.max(0, atNanos - nanos.getAsLong()));
    }

    public boolean passed() {
        return !isNone() && atNanos - nanos.getAsLong() <= 0;
    }

    /** Throws the 503 {@link #TIMED_OUT} answer if the deadline has passed. */
    public void check() {
        if (passed()) {
            throw timedOut();
        }
    }

    /** The answer to a request that ran out of time (or whose thread the runtime stopped). */
    public static ServiceException timedOut() {
        return ServiceException.unavailable(TIMED_OUT, "The request ran out of time before it finished. Nothing is lost:"
                + " send the same request again (a commit with the same idempotency key).", Duration.ofSeconds(1), null);
    }

    /** Runs {@code work} with this as the thread's current deadline, then restores the previous one. */
    public <T> T call(Supplier<T> work) {
        Deadline previous = CURRENT.get();
        CURRENT.set(this);
        try {
            return work.get();
        } finally {
            if (previous == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(previous);
            }
        }
    }

    public void run(Runnable work) {
        call(() -> {
            work.run();
            return null;
        });
    }

    @Override
    public String toString() {
        return isNone() ? "Deadline[none]" : "Deadline[" + remaining().toMillis() + " ms left]";
    }
}
