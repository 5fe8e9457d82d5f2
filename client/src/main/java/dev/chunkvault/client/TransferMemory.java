package dev.chunkvault.client;

import java.util.concurrent.Semaphore;

/**
 * Bounds the chunk bytes that presigned transfers hold in memory at once. A transfer holds its whole chunk (an upload
 * reads it from the file, a download receives it and checks its SHA-256 before writing it), so with the large-file
 * profile's chunks of up to 8 MiB, eight parallel transfers could hold 64 MiB: on a small heap the transfers queue for
 * memory instead of exhausting it. A chunk larger than the whole budget still goes, alone.
 */
final class TransferMemory {
    /** The budget on a large heap. */
    static final long MAX_BYTES = 128L << 20;

    private final int capacityKib;
    private final Semaphore permits;

    TransferMemory(long bytes) {
        this.capacityKib = (int) Math.max(1, Math.min(Integer.MAX_VALUE, bytes >> 10));
        this.permits = new Semaphore(capacityKib, true);
    }

    /** A quarter of the maximum heap, at most {@link #MAX_BYTES}. */
    static TransferMemory forHeap() {
        return new TransferMemory(Math.min(MAX_BYTES, Runtime.getRuntime().maxMemory() / 4));
    }

    /** One transfer's hold on memory; closing it gives the memory back. */
    interface Lease extends AutoCloseable {
        @Override
        void close();
    }

    /** Waits until {@code bytes} (or the whole budget, if more) are free and holds them. */
    Lease acquire(int bytes) throws InterruptedException {
        int kib = (int) Math.min(capacityKib, Math.max(1, ((long) bytes + 1023) >> 10));
        permits.acquire(kib);
        return () -> permits.release(kib);
    }

    long capacityBytes() {
        return (long) capacityKib << 10;
    }
}
