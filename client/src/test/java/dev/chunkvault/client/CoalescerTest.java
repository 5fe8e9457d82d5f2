package dev.chunkvault.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Requests of many threads grouped into shared batches, each caller with its own answer or failure. */
class CoalescerTest {
    @Test
    void concurrentCallsShareBatchesAndEachGetsItsOwnAnswer() throws Exception {
        AtomicInteger sent = new AtomicInteger();
        Coalescer<Integer, Integer> c = new Coalescer<>(reqs -> {
            sent.incrementAndGet();
            return reqs.stream().map(r -> r == 13 ? Coalescer.Answer.<Integer>failed(new IllegalStateException("13"))
                    : Coalescer.Answer.of(r * 2)).toList();
        }, r -> 1, 10, 1000, Duration.ofMillis(200));
        ExecutorService pool = Executors.newFixedThreadPool(40);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Integer>> answers = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            int n = i;
            answers.add(pool.submit(() -> {
                start.await();
                return c.call(n);
            }));
        }
        start.countDown();
        for (int i = 0; i < 40; i++) {
            if (i == 13) {
                int k = i;
                var e = assertThrows(java.util.concurrent.ExecutionException.class, () -> answers.get(k).get());
                assertEquals("13", e.getCause().getMessage(), "a failure of its own reaches that caller only");
            } else {
                assertEquals(2 * i, answers.get(i).get());
            }
        }
        pool.shutdown();
        assertEquals(4, sent.get(), "40 calls in batches of 10");
        assertEquals(40, c.stats()[1]);
    }

    @Test
    void aLoneCallGoesAfterTheLingerAndTheWeightLimitSplitsBatches() {
        List<List<Integer>> batches = new ArrayList<>();
        Coalescer<Integer, Integer> c = new Coalescer<>(reqs -> {
            batches.add(reqs);
            return reqs.stream().map(Coalescer.Answer::of).toList();
        }, r -> r, 100, 10, Duration.ofMillis(5));
        assertEquals(7, c.call(7));
        assertEquals(List.of(List.of(7)), batches, "alone, it is sent once the linger is over");
        assertEquals(12, c.call(12), "heavier than a whole batch: it goes alone");
    }

    @Test
    void whileTheBatchesInFlightAreAtTheirBoundCallersGatherIntoTheNextBatch() throws Exception {
        List<Integer> sizes = java.util.Collections.synchronizedList(new ArrayList<>());
        CountDownLatch release = new CountDownLatch(1);
        Coalescer<Integer, Integer> c = new Coalescer<>(reqs -> {
            sizes.add(reqs.size());
            if (sizes.size() == 1) {
                try {
                    release.await(); // the first batch is still being sent
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return reqs.stream().map(Coalescer.Answer::of).toList();
        }, r -> 1, 100, 1000, Duration.ofMillis(10), 1);
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            Future<Integer> first = pool.submit(() -> c.call(0));
            while (sizes.isEmpty()) {
                Thread.sleep(5);
            }
            List<Future<Integer>> later = new ArrayList<>();
            for (int i = 1; i <= 5; i++) {
                int n = i;
                later.add(pool.submit(() -> c.call(n)));
            }
            while (c.waiting() < 5) {
                Thread.sleep(5);
            }
            Thread.sleep(50); // several lingers pass: still no second batch while the first is in flight
            assertEquals(List.of(1), sizes);
            release.countDown();
            assertEquals(0, first.get());
            for (int i = 0; i < 5; i++) {
                assertEquals(i + 1, later.get(i).get());
            }
            assertEquals(List.of(1, 5), sizes, "the five that arrived meanwhile went as one batch");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aFailedBatchFailsEveryCallerInIt() {
        Coalescer<Integer, Integer> c = new Coalescer<>(reqs -> {
            throw new TransportException("down", null);
        }, r -> 1, 10, 10, Duration.ofMillis(5));
        assertThrows(TransportException.class, () -> c.call(1));
        assertTrue(c.stats()[0] >= 1);
    }
}
