package dev.chunkvault.cli;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** Human-readable sizes, rates and times. */
public final class Human {
    private Human() {}

    private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
            .withZone(ZoneId.systemDefault());

    /** 0 B, 999 B, 1.0 KiB, 1.5 MiB, 10 GiB. */
    public static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        double v = n;
        int u = 0;
        while (v >= 1024 && u < UNITS.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, v >= 100 ? "%.0f %s" : "%.1f %s", v, UNITS[u]);
    }

    /** Bytes per second over {@code nanos}. */
    public static String rate(long bytes, long nanos) {
        if (nanos <= 0) {
            return "-";
        }
        return bytes(Math.round(bytes / (nanos / 1e9))) + "/s";
    }

    /** 850 ms, 1.8 s, 24 s, 2 min 5 s. */
    public static String duration(long nanos) {
        long ms = nanos / 1_000_000;
        if (ms < 1000) {
            return ms + " ms";
        }
        if (ms < 10_000) {
            return String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
        }
        long s = Math.round(ms / 1000.0);
        return s < 120 ? s + " s" : s / 60 + " min " + s % 60 + " s";
    }

    public static String time(Instant t) {
        return t == null ? "-" : TIME.format(t);
    }

    public static String plural(long n, String word) {
        return n + " " + word + (n == 1 ? "" : "s");
    }
}
