package dev.chunkvault.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class TransferMemoryTest {
    @Test
    void aTransferWaitsUntilTheMemoryItNeedsIsGivenBack() throws Exception {
        TransferMemory m = new TransferMemory(12 << 20);
        TransferMemory.Lease first = m.acquire(8 << 20);
        AtomicBoolean second = new AtomicBoolean();
        CountDownLatch got = new CountDownLatch(1);
        Thread t = new Thread(() -> {
            try (TransferMemory.Lease l = m.acquire(8 << 20)) {
                second.set(true);
                got.countDown();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        t.start();
        assertFalse(got.await(200, TimeUnit.MILLISECONDS), "4 MiB free: the second 8 MiB transfer waits");
        first.close();
        assertTrue(got.await(10, TimeUnit.SECONDS));
        t.join();
        assertTrue(second.get());
    }

    @Test
    void aChunkLargerThanTheBudgetGoesAloneAndEverythingIsGivenBack() throws Exception {
        TransferMemory m = new TransferMemory(4 << 20);
        try (TransferMemory.Lease big = m.acquire(8 << 20)) {
            assertEquals(4 << 20, m.capacityBytes());
        }
        try (TransferMemory.Lease a = m.acquire(2 << 20); TransferMemory.Lease b = m.acquire(2 << 20)) {
            assertEquals(4 << 20, m.capacityBytes());
        }
        try (TransferMemory.Lease all = m.acquire(4 << 20)) {
            assertTrue(m.capacityBytes() > 0);
        }
    }

    @Test
    void theBudgetIsAQuarterOfTheHeapAtMost128MiB() {
        long expected = Math.min(TransferMemory.MAX_BYTES, Runtime.getRuntime().maxMemory() / 4) >> 10 << 10;
        assertEquals(expected, TransferMemory.forHeap().capacityBytes());
    }
}
