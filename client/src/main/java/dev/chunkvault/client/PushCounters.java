package dev.chunkvault.client;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** What one file's push sent and skipped, counted by the stages as they go (uploads count from transfer threads). */
final class PushCounters {
    /** Chunks sent by presigned PUT. */
    final AtomicInteger uploaded = new AtomicInteger();
    /** Chunks sent as a binary delta. */
    final AtomicInteger deltas = new AtomicInteger();
    /** New chunks not sent: journaled recently, or the service already holds them. */
    final AtomicInteger skipped = new AtomicInteger();
    /** Chunk and delta bytes sent. */
    final AtomicLong bytes = new AtomicLong();
}
