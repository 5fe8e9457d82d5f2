package dev.chunkvault.service.vault;

import dev.chunkvault.service.blob.BlobStoreException;
import dev.chunkvault.service.store.TransientStoreException;
import dev.chunkvault.service.time.Deadline;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * Retries an idempotent step on transient store failures with capped exponential backoff and full jitter,
 * then lets the last failure through (the API answers it with 503/429 and Retry-After). It keeps to the invocation's
 * {@link Deadline}: no attempt starts after it and no back-off sleeps past it; either, and an interrupt of the
 * waiting thread, ends the step with the 503 {@link Deadline#TIMED_OUT} answer (never a 500: the outcome of what was
 * sent is unknown, and the caller's retry with the same request resolves it).
 */
public final class Retry {
    /** How to wait; tests that simulate time pass one that does not sleep. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(long millis) throws InterruptedException;
    }

    private final int attempts;
    private final long baseMillis;
    private final long capMillis;
    private final Sleeper sleeper;

    public Retry(int attempts, long baseMillis, long capMillis, Sleeper sleeper) {
        if (attempts < 1) {
            throw new IllegalArgumentException("at least one attempt");
        }
        this.attempts = attempts;
        this.baseMillis = baseMillis;
        this.capMillis = capMillis;
        this.sleeper = sleeper;
    }

    public static Retry standard() {
        return new Retry(4, 25, 400, Thread::sleep);
    }

    /** No waiting between attempts (deterministic tests). */
    public static Retry immediate(int attempts) {
        return new Retry(attempts, 0, 0, ms -> { });
    }

    public <T> T call(Supplier<T> step) {
        Deadline deadline = Deadline.current();
        for (int attempt = 1; ; attempt++) {
            deadline.check();
            try {
                return step.get();
            } catch (TransientStoreException | BlobStoreException e) {
                if (attempt >= attempts) {
                    throw e;
                }
                backoff(attempt, deadline);
            }
        }
    }

    public void run(Runnable step) {
        call(() -> {
            step.run();
            return null;
        });
    }

    private void backoff(int attempt, Deadline deadline) {
        long ceiling = Math.min(capMillis, baseMillis << Math.min(attempt, 20));
        if (ceiling <= 0) {
            return;
        }
        long pause = ThreadLocalRandom.current().nextLong(ceiling + 1);
        if (deadline.remaining().toMillis() <= pause) {
            throw Deadline.timedOut();
        }
        try {
            sleeper.sleep(pause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Deadline.timedOut();
        }
    }
}
