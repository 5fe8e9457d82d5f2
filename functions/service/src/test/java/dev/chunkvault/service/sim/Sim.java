package dev.chunkvault.service.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Semaphore;
import java.util.function.Consumer;

/**
 * Deterministic simulation of concurrent actors: every actor runs on its own thread, but only one runs at a
 * time; at each {@link #yieldPoint()} (every store call) the scheduler picks, with a seeded random generator,
 * which actor continues. The same seed gives the same interleaving, so any failure reproduces exactly.
 */
public final class Sim {
    private final Random random;
    private final List<Actor> actors = new ArrayList<>();
    private final Semaphore scheduler = new Semaphore(0);
    private final ThreadLocal<Actor> current = new ThreadLocal<>();
    private volatile Throwable failure;
    private Runnable onSwitch = () -> { };
    private int checkEvery = 1;
    private volatile boolean stepDone;
    private long switches;
    private final java.util.concurrent.atomic.AtomicLong calls = new java.util.concurrent.atomic.AtomicLong();

    public Sim(long seed) {
        this.random = new Random(seed);
    }

    private final class Actor {
        final String name;
        final Semaphore baton = new Semaphore(0);
        final Thread thread;
        volatile boolean done;

        Actor(String name, Runnable body) {
            this.name = name;
            this.thread = new Thread(() -> {
                current.set(this);
                baton.acquireUninterruptibly();
                try {
                    body.run();
                } catch (Throwable t) {
                    if (failure == null) {
                        failure = new AssertionError("actor " + name + " failed", t);
                    }
                } finally {
                    done = true;
                    scheduler.release();
                }
            }, "sim-" + name);
            this.thread.setDaemon(true);
        }
    }

    /** Adds an actor; {@code body} gets the actor's own seeded random generator. */
    public void actor(String name, Consumer<Random> body) {
        Random own = new Random(random.nextLong());
        actors.add(new Actor(name, () -> body.accept(own)));
    }

    /**
     * Runs {@code check} on the scheduler's thread while no actor runs: after every completed operation (see
     * {@link #stepDone()}) and at every {@code every}-th scheduling point in between (mid-operation states).
     */
    public void onSwitch(Runnable check, int every) {
        this.onSwitch = check;
        this.checkEvery = every;
    }

    /** An actor finished one operation: check the invariants before anyone continues. */
    public void stepDone() {
        stepDone = true;
        yieldPoint();
    }

    /** Called by the actors' store calls: lets the scheduler pick who runs next. No-op outside the simulation. */
    public void yieldPoint() {
        Actor me = current.get();
        if (me == null) {
            return;
        }
        calls.incrementAndGet();
        scheduler.release();
        me.baton.acquireUninterruptibly();
    }

    /** Runs all actors to completion; rethrows the first failure (of an actor or of a check). */
    public void run() {
        actors.forEach(a -> a.thread.start());
        while (true) {
            List<Actor> live = actors.stream().filter(a -> !a.done).toList();
            if (live.isEmpty() || failure != null) {
                break;
            }
            Actor next = live.get(random.nextInt(live.size()));
            next.baton.release();
            scheduler.acquireUninterruptibly();
            switches++;
            if (!stepDone && switches % checkEvery != 0) {
                continue;
            }
            stepDone = false;
            try {
                onSwitch.run();
            } catch (Throwable t) {
                failure = new AssertionError("invariant broken after " + switches + " scheduling steps", t);
            }
        }
        if (failure != null) {
            actors.forEach(a -> a.thread.interrupt());
            if (failure instanceof AssertionError e) {
                throw e;
            }
            throw new AssertionError(failure);
        }
    }

    /**
     * Scheduling points the actors reached so far: a clock that moves with the simulated work (deadlines that pass
     * after a given amount of it run on this).
     */
    public long calls() {
        return calls.get();
    }

    public long switches() {
        return switches;
    }
}
