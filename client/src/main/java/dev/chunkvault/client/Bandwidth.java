package dev.chunkvault.client;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * A limit on the bytes per second of all transfers in one direction together (every transfer thread draws from the
 * same bucket), like rclone's {@code --bwlimit}: a token bucket holding at most a quarter second of traffic (at least
 * 64 KiB), into which a thread that takes more than there is goes into debt and waits it off — so concurrent
 * transfers share the rate fairly and the average never exceeds it.
 */
public final class Bandwidth {
    private static final long MIN_BURST = 64 << 10;
    private final long bytesPerSecond;
    private final long burst;
    private final LongSupplier nanos;
    private final Sleeper sleeper;
    private double tokens;
    private long last;
    private final java.util.concurrent.atomic.AtomicLong counted = new java.util.concurrent.atomic.AtomicLong();

    /** Up and down limits; either may be null (unlimited). */
    public record Limits(Bandwidth up, Bandwidth down) {
        public static final Limits NONE = new Limits(null, null);

        /**
         * rclone's syntax: {@code RATE} for both directions or {@code UP:DOWN}; a rate is a number with an optional unit
         * {@code B}, {@code K}, {@code M} or {@code G} (powers of 1024; K when none is given, as rclone), or {@code off}.
         *
         * @throws IllegalArgumentException for anything else
         */
        public static Limits parse(String spec) {
            String s = spec.strip();
            if (s.isEmpty() || s.equalsIgnoreCase("off")) {
                return NONE;
            }
            String[] parts = s.split(":", -1);
            if (parts.length > 2) {
                throw new IllegalArgumentException("a bandwidth limit is RATE or UP:DOWN");
            }
            long up = rate(parts[0]);
            long down = parts.length == 2 ? rate(parts[1]) : up;
            return new Limits(up > 0 ? new Bandwidth(up) : null, down > 0 ? new Bandwidth(down) : null);
        }
    }

    public Bandwidth(long bytesPerSecond) {
        this(bytesPerSecond, System::nanoTime, Sleeper.SYSTEM);
    }

    public Bandwidth(long bytesPerSecond, LongSupplier nanos, Sleeper sleeper) {
        if (bytesPerSecond < 1) {
            throw new IllegalArgumentException("a bandwidth limit is at least 1 byte per second");
        }
        this.bytesPerSecond = bytesPerSecond;
        this.burst = Math.max(MIN_BURST, bytesPerSecond / 4);
        this.nanos = nanos;
        this.sleeper = sleeper;
        this.tokens = burst;
        this.last = nanos.getAsLong();
    }

    public long bytesPerSecond() {
        return bytesPerSecond;
    }

    /** Bytes that went through this limit so far. */
    public long bytes() {
        return counted.get();
    }

    /** Takes {@code n} bytes' worth, waiting as long as the limit requires. */
    public void acquire(long n) throws InterruptedIOException {
        counted.addAndGet(n);
        long waitNanos;
        synchronized (this) {
            long now = nanos.getAsLong();
            tokens = Math.min(burst, tokens + (now - last) * (double) bytesPerSecond / 1e9);
            last = now;
            tokens -= n;
            waitNanos = tokens < 0 ? (long) Math.ceil(-tokens * 1e9 / bytesPerSecond) : 0;
        }
        if (waitNanos > 0) {
            try {
                sleeper.sleep(Duration.ofNanos(waitNanos));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while keeping to the bandwidth limit");
            }
        }
    }

    /** {@code in}, read no faster than this limit. */
    public InputStream throttle(InputStream in) {
        return new FilterInputStream(in) {
            @Override
            public int read() throws IOException {
                int b = super.read();
                if (b >= 0) {
                    acquire(1);
                }
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, (int) Math.min(len, Math.max(1, burst)));
                if (n > 0) {
                    acquire(n);
                }
                return n;
            }
        };
    }

    static long rate(String s) {
        String t = s.strip().toUpperCase(Locale.ROOT);
        if (t.equals("OFF") || t.isEmpty()) {
            return 0;
        }
        long unit = 1024;
        char last = t.charAt(t.length() - 1);
        if (Character.isLetter(last)) {
            unit = switch (last) {
                case 'B' -> 1;
                case 'K' -> 1024;
                case 'M' -> 1024 * 1024;
                case 'G' -> 1024L * 1024 * 1024;
                default -> throw new IllegalArgumentException("unknown unit '" + last + "' (B, K, M or G)");
            };
            t = t.substring(0, t.length() - 1);
        }
        double v;
        try {
            v = Double.parseDouble(t);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + s + "' is not a rate such as 10M or 512K");
        }
        if (!(v > 0) || v * unit > Long.MAX_VALUE / 2) {
            throw new IllegalArgumentException("'" + s + "' is not a positive rate");
        }
        return Math.max(1, (long) (v * unit));
    }
}
