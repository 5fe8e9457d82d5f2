package dev.chunkvault.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * {@link DirSync}: one fsync serves every thread that asked before it began, and none returns on an fsync that began
 * before its call (the rename it made may not be in that one). Ordered by latches, not by time.
 */
class DirSyncTest {
    private final Path dir = Path.of("/tmp/folder");

    /** Spins until {@code n} threads wait on the folder (a synchronisation point, not a timing assertion). */
    private static void untilWaiting(DirSync s, Path dir, int n) throws InterruptedException {
        while (s.waiting(dir) < n) {
            Thread.sleep(1);
        }
    }

    @Test
    void callersThatArriveDuringAnFsyncWaitForTheNextOneAndShareIt() throws Exception {
        CountDownLatch firstStarted = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        AtomicInteger fsyncs = new AtomicInteger();
        List<String> events = Collections.synchronizedList(new ArrayList<>());
        DirSync s = new DirSync(d -> {
            int n = fsyncs.incrementAndGet();
            events.add("fsync " + n + " begins");
            if (n == 1) {
                firstStarted.countDown();
                try {
                    releaseFirst.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }
            events.add("fsync " + n + " ends");
        });
        Thread a = new Thread(() -> {
            s.sync(dir);
            events.add("a returns");
        });
        a.start();
        firstStarted.await();
        List<Thread> late = new ArrayList<>();
        for (String name : List.of("b", "c", "d")) {
            Thread t = new Thread(() -> {
                s.sync(dir);
                events.add(name + " returns");
            });
            late.add(t);
            t.start();
        }
        untilWaiting(s, dir, 3);
        releaseFirst.countDown();
        a.join();
        for (Thread t : late) {
            t.join();
        }

        assertEquals(2, fsyncs.get(), () -> "one fsync for a, one shared by b, c and d: " + events);
        int secondEnds = events.indexOf("fsync 2 ends");
        for (String name : List.of("b", "c", "d")) {
            assertTrue(events.indexOf(name + " returns") > secondEnds, () -> name + " returned on the fsync begun before"
                    + " its call: " + events);
        }
        assertTrue(events.indexOf("a returns") > events.indexOf("fsync 1 ends"));
        assertEquals(0, s.waiting(dir), "nothing kept for an idle folder");
    }

    @Test
    void aFailedFsyncCoversNobodyAndTheNextCallerTriesAgain() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        DirSync s = new DirSync(d -> {
            if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("disk error");
            }
        });
        try {
            s.sync(dir);
        } catch (IllegalStateException expected) {
            // the first caller learns its fsync failed
        }
        s.sync(dir);
        assertEquals(2, calls.get(), "the second caller is not covered by the failed fsync");
        s.sync(Path.of("/tmp/other"));
        assertEquals(3, calls.get(), "another folder has its own fsync");
    }
}
