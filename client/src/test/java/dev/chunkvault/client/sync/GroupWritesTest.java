package dev.chunkvault.client.sync;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link GroupWrites} against a fake connection that keeps what each transaction committed: writes that arrive while a
 * group is written go together in the next one; a write that fails is rolled back alone and only its caller hears of
 * it; each caller returns only once its write is committed. The order of events is set by latches, not by time.
 */
class GroupWritesTest {
    /** A connection's transactions: writes go to a transaction's rows, kept by commit, dropped by rollback. */
    private static final class FakeDb implements GroupWrites.Transactions {
        final List<List<String>> committed = new ArrayList<>();
        List<String> open;
        int rollbacks;

        @Override
        public void begin() {
            assertEquals(null, open, "no transaction is left open");
            open = new ArrayList<>();
        }

        @Override
        public void commit() {
            committed.add(open);
            open = null;
        }

        @Override
        public void rollback() {
            rollbacks++;
            open = null;
        }

        @Override
        public void end() {
            assertEquals(null, open, "a group ends committed or rolled back");
        }

        void row(String r) throws SQLException {
            if (r.startsWith("bad")) {
                throw new SQLException("constraint failed: " + r);
            }
            open.add(r);
        }

        List<String> rows() {
            List<String> all = new ArrayList<>();
            committed.forEach(all::addAll);
            return all;
        }
    }

    private final FakeDb db = new FakeDb();
    private final GroupWrites writes = new GroupWrites(db, db);
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        threads.shutdownNow();
    }

    /** A first write holding its group open (being written) until {@code release} counts down. */
    private record Held(Future<?> first, CountDownLatch release) {}

    /** Starts a first write that holds its group open; returns once it is being written. */
    private Held holdAGroupOpen() throws InterruptedException {
        CountDownLatch inGroup = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Future<?> first = threads.submit(() -> {
            writes.write(() -> {
                db.row("first");
                inGroup.countDown();
                await(release);
            });
            return null;
        });
        assertTrue(inGroup.await(10, TimeUnit.SECONDS));
        return new Held(first, release);
    }

    private Future<?> writeOf(String row) {
        return threads.submit(() -> {
            writes.write(() -> db.row(row));
            return null;
        });
    }

    private void awaitQueued(int n) throws InterruptedException {
        while (writes.queued() < n) {
            Thread.sleep(1);
        }
    }

    @Test
    void aLoneWriteIsItsOwnTransaction() throws Exception {
        writes.write(() -> db.row("a"));
        writes.write(() -> db.row("b"));
        assertEquals(List.of(List.of("a"), List.of("b")), db.committed);
        assertArrayEquals(new long[] {2, 2}, writes.stats());
    }

    @Test
    void writesThatArriveWhileAGroupIsWrittenGoTogetherInTheNext() throws Exception {
        Held held = holdAGroupOpen();
        List<Future<?>> others = new ArrayList<>();
        for (String r : List.of("b", "c", "d")) {
            others.add(writeOf(r));
        }
        awaitQueued(3);
        for (Future<?> f : others) {
            assertTrue(!f.isDone(), "no write returns before it is committed");
        }
        held.release().countDown();
        held.first().get(10, TimeUnit.SECONDS);
        for (Future<?> f : others) {
            f.get(10, TimeUnit.SECONDS);
        }
        assertEquals(2, db.committed.size(), "two transactions for four writes: " + db.committed);
        assertEquals(List.of("first"), db.committed.get(0));
        assertEquals(3, db.committed.get(1).size());
        assertTrue(db.committed.get(1).containsAll(List.of("b", "c", "d")));
        assertArrayEquals(new long[] {2, 4}, writes.stats());
    }

    @Test
    void aWriteThatFailsItsGroupFailsAloneAndTheOthersAreKept() throws Exception {
        Held held = holdAGroupOpen();
        Future<?> b = writeOf("b");
        awaitQueued(1);
        Future<?> bad = writeOf("bad-1");
        awaitQueued(2);
        Future<?> c = writeOf("c");
        awaitQueued(3);
        held.release().countDown();
        held.first().get(10, TimeUnit.SECONDS);
        b.get(10, TimeUnit.SECONDS);
        c.get(10, TimeUnit.SECONDS);
        java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> bad.get(10, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof SQLException && e.getCause().getMessage().contains("bad-1"), e.toString());
        assertEquals(List.of("first", "b", "c"), db.rows(), "the failed write kept nothing, the others everything");
        assertEquals(2, db.rollbacks, "the group's transaction, then the failing write's own");
    }

    @Test
    void aRuntimeFailureIsTheCallersAlone() throws Exception {
        IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> writes.write(() -> {
            db.row("half");
            throw new IllegalStateException("encode failed");
        }));
        assertEquals("encode failed", thrown.getMessage());
        writes.write(() -> db.row("next"));
        assertEquals(List.of("next"), db.rows());
    }

    @Test
    void anInterruptedWaiterStillHasItsWriteCommittedAndKeepsTheInterrupt() throws Exception {
        Held held = holdAGroupOpen();
        Thread[] waiter = new Thread[1];
        boolean[] interruptedAfter = new boolean[1];
        CountDownLatch returned = new CountDownLatch(1);
        waiter[0] = new Thread(() -> {
            try {
                writes.write(() -> db.row("w"));
                interruptedAfter[0] = Thread.currentThread().isInterrupted();
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            } finally {
                returned.countDown();
            }
        });
        waiter[0].start();
        awaitQueued(1);
        waiter[0].interrupt();
        assertEquals(1, writes.queued(), "still waiting for its group");
        held.release().countDown();
        held.first().get(10, TimeUnit.SECONDS);
        assertTrue(returned.await(10, TimeUnit.SECONDS));
        assertEquals(List.of("first", "w"), db.rows());
        assertTrue(interruptedAfter[0]);
    }

    private static void await(CountDownLatch latch) {
        try {
            assertTrue(latch.await(10, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
