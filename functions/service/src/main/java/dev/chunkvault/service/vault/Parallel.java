package dev.chunkvault.service.vault;

import dev.chunkvault.service.time.Deadline;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.function.Function;

/**
 * Runs independent store calls of one request concurrently on a shared pool, or inline when the
 * parallelism is 1 (deterministic simulation tests need every call on the caller's thread).
 */
public final class Parallel {
    private final ExecutorService pool;
    private final int parallelism;

    public Parallel(ExecutorService pool, int parallelism) {
        this.pool = pool;
        this.parallelism = pool == null ? 1 : parallelism;
    }

    public static Parallel inline() {
        return new Parallel(null, 1);
    }

    /**
     * A pool of its own with {@code n} threads, for work that itself uses this one: a task on the pool that waits for
     * tasks on the same pool could wait forever once all its threads wait. Inline stays inline (simulation tests).
     */
    public Parallel separate(int n, String threadName) {
        if (pool == null || n <= 1) {
            return inline();
        }
        java.util.concurrent.atomic.AtomicInteger count = new java.util.concurrent.atomic.AtomicInteger();
        ExecutorService own = java.util.concurrent.Executors.newFixedThreadPool(n, r -> {
            Thread t = new Thread(r, threadName + "-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        return new Parallel(own, n);
    }

    /** The same pool with at most {@code n} concurrent calls per {@link #map}. */
    public Parallel atMost(int n) {
        return new Parallel(pool, Math.max(1, Math.min(parallelism, n)));
    }

    /** {@code fn} applied to each input, results in input order; the first failure is rethrown. */
    public <T, R> List<R> map(List<T> inputs, Function<T, R> fn) {
        if (parallelism <= 1 || inputs.size() <= 1) {
            List<R> out = new ArrayList<>(inputs.size());
            for (T t : inputs) {
                out.add(fn.apply(t));
            }
            return out;
        }
        // `parallelism` tasks, task i taking inputs i, i+p, i+2p...: bounded in-flight calls, no waves.
        int tasks = Math.min(parallelism, inputs.size());
        @SuppressWarnings("unchecked")
        R[] results = (R[]) new Object[inputs.size()];
        List<Future<?>> futures = new ArrayList<>(tasks);
        Deadline deadline = Deadline.current(); // the request's, on the pool's threads too
        for (int t = 0; t < tasks; t++) {
            int first = t;
            futures.add(pool.submit(() -> deadline.run(() -> {
                for (int i = first; i < inputs.size(); i += tasks) {
                    results[i] = fn.apply(inputs.get(i));
                }
            })));
        }
        RuntimeException first = null;
        for (Future<?> f : futures) {
            try {
                join(f);
            } catch (RuntimeException e) {
                // Wait for every task before failing, so no call of this request outlives it.
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
        List<R> out = new ArrayList<>(inputs.size());
        for (R r : results) {
            out.add(r);
        }
        return out;
    }

    private static void join(Future<?> f) {
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Deadline.timedOut(); // the runtime is stopping this invocation
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        }
    }
}
