package dev.chunkvault.client.watch;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;

/**
 * Where the watchers (file system, notification socket) tell the sync loop to run, and where it waits for them.
 * Signals coalesce: however many arrive while a sync runs, the next wait returns at once with all of them. Local
 * changes are debounced (an editor's save is several events; a copy of a folder, thousands): a wait that saw one
 * returns after {@code quiet} without another, or {@code maxDelay} after the first, whichever comes first.
 */
public final class Signals {
    private final Duration quiet;
    private final Duration maxDelay;
    private final EnumSet<Wake> pending = EnumSet.noneOf(Wake.class);
    private long firstLocal;
    private long lastLocal;

    public Signals(Duration quiet, Duration maxDelay) {
        this.quiet = quiet;
        this.maxDelay = maxDelay;
    }

    /** A debounce of 200 ms, at most 2 s. */
    public static Signals standard() {
        return new Signals(Duration.ofMillis(200), Duration.ofSeconds(2));
    }

    public synchronized void signal(Wake w) {
        long now = System.nanoTime();
        if (w == Wake.LOCAL) {
            if (!pending.contains(Wake.LOCAL)) {
                firstLocal = now;
            }
            lastLocal = now;
        }
        pending.add(w);
        notifyAll();
    }

    /**
     * Waits up to {@code max} for a reason to sync and returns the reasons ({@link Wake#TIMEOUT} alone when there
     * was none); local changes are debounced as the class says.
     */
    public synchronized Set<Wake> await(Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (true) {
            long now = System.nanoTime();
            boolean other = pending.stream().anyMatch(w -> w != Wake.LOCAL);
            if (other) {
                return take();
            }
            if (pending.contains(Wake.LOCAL)) {
                long ready = Math.min(lastLocal + quiet.toNanos(), firstLocal + maxDelay.toNanos());
                if (now >= ready) {
                    return take();
                }
                wait(Math.max(1, (ready - now) / 1_000_000));
                continue;
            }
            if (now >= deadline) {
                return EnumSet.of(Wake.TIMEOUT);
            }
            wait(Math.max(1, (deadline - now) / 1_000_000));
        }
    }

    private Set<Wake> take() {
        Set<Wake> out = EnumSet.copyOf(pending);
        pending.clear();
        return out;
    }
}
