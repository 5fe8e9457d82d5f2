package dev.chunkvault.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The token bucket's accounting on a fake clock (what it makes callers wait, computed, never timed). */
class BandwidthTest {
    private final AtomicLong now = new AtomicLong();
    private final AtomicLong slept = new AtomicLong();
    /** Sleeping moves the fake clock on, as real sleeping would. */
    private final Sleeper sleeper = d -> {
        slept.addAndGet(d.toNanos());
        now.addAndGet(d.toNanos());
    };

    @Test
    void aBurstGoesAtOnceAndTheRestAtTheRate() throws Exception {
        Bandwidth b = new Bandwidth(1 << 20, now::get, sleeper); // 1 MiB/s, burst 256 KiB
        b.acquire(256 << 10);
        assertEquals(0, slept.get(), "the burst is free");
        b.acquire(1 << 20);
        assertEquals(Duration.ofSeconds(1).toNanos(), slept.get(), 1_000_000, "a MiB more costs a second");
        now.addAndGet(Duration.ofSeconds(10).toNanos());
        slept.set(0);
        b.acquire(512 << 10);
        assertEquals(Duration.ofMillis(250).toNanos(), slept.get(), 1_000_000,
                "ten idle seconds refill only the burst (256 KiB): the other 256 KiB wait a quarter second");
    }

    @Test
    void aThrottledStreamIsCopiedWholeAtTheRate() throws Exception {
        Bandwidth b = new Bandwidth(100_000, now::get, sleeper);
        byte[] data = new byte[1_000_000];
        new java.util.Random(3).nextBytes(data);
        try (InputStream in = b.throttle(new ByteArrayInputStream(data))) {
            assertArrayEquals(data, in.readAllBytes());
        }
        double seconds = slept.get() / 1e9;
        assertTrue(seconds > (1_000_000 - 65_536) / 100_000.0 - 0.01 && seconds < 10.01, "about 9.3 s of waiting: " + seconds);
    }

    @Test
    void limitsParseLikeRclones() {
        Bandwidth.Limits both = Bandwidth.Limits.parse("10M");
        assertEquals(10L << 20, both.up().bytesPerSecond());
        assertEquals(10L << 20, both.down().bytesPerSecond());
        Bandwidth.Limits split = Bandwidth.Limits.parse("1.5M:512K");
        assertEquals((long) (1.5 * (1 << 20)), split.up().bytesPerSecond());
        assertEquals(512L << 10, split.down().bytesPerSecond());
        assertEquals(100L << 10, Bandwidth.Limits.parse("100").up().bytesPerSecond(), "no unit: KiB/s, as rclone");
        Bandwidth.Limits upOnly = Bandwidth.Limits.parse("2M:off");
        assertNull(upOnly.down());
        assertEquals(Bandwidth.Limits.NONE, Bandwidth.Limits.parse("off"));
        for (String bad : new String[] {"fast", "-1M", "0", "1X", "1M:2M:3M", "NaNM"}) {
            assertThrows(IllegalArgumentException.class, () -> Bandwidth.Limits.parse(bad), bad);
        }
    }

    @Test
    void everyUploadAndDownloadOfTheClientGoesThroughItsLimits(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
            throws Exception {
        Bandwidth up = new Bandwidth(4 << 20, now::get, sleeper); // burst 1 MiB: a 3 MiB file waits
        Bandwidth down = new Bandwidth(4 << 20, now::get, sleeper);
        byte[] data = new byte[3 << 20];
        new java.util.Random(5).nextBytes(data);
        java.nio.file.Path f = tmp.resolve("a.bin");
        java.nio.file.Files.write(f, data);
        try (FakeVault vault = new FakeVault(); ChunkvaultClient client = new ChunkvaultClient(ClientOptions.of(vault.endpoint(),
                TokenProvider.of("test-token")).withParallelism(4).withBandwidth(new Bandwidth.Limits(up, down)))) {
            new FilePusher(client, PushJournal.inMemory()).push(FilePusher.Request.of(f, "docs/a.bin", null));
            assertTrue(up.bytes() >= data.length, "every uploaded byte counted: " + up.bytes());
            assertEquals(0, down.bytes());
            java.nio.file.Path out = tmp.resolve("b.bin");
            new FilePuller(client).pull(FilePuller.Request.of("docs/a.bin", out));
            assertArrayEquals(data, java.nio.file.Files.readAllBytes(out));
            assertTrue(down.bytes() >= data.length, "every downloaded byte counted: " + down.bytes());
        }
        assertTrue(slept.get() > 0, "past the bursts, the transfers waited");
    }
}
