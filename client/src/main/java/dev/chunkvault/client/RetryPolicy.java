package dev.chunkvault.client;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.function.DoubleSupplier;

/**
 * Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"): before retry
 * {@code n} (1-based) wait a uniformly random time in {@code [0, min(cap, base · 2^(n-1))]}. A server's
 * {@code Retry-After} is a floor: the wait is never shorter than what the server asked for. A Retry-After longer
 * than {@code maxRetryAfter} is not waited for: the call fails, so a CLI does not hang for an hour.
 *
 * @param maxAttempts   attempts in total, the first included (1 = no retries)
 * @param base          the first backoff ceiling
 * @param cap           the largest backoff ceiling
 * @param maxRetryAfter the longest server-requested wait that is honoured
 * @param random        uniform in [0, 1); injectable for tests
 */
public record RetryPolicy(int maxAttempts, Duration base, Duration cap, Duration maxRetryAfter, DoubleSupplier random) {
    public RetryPolicy {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1");
        }
        Objects.requireNonNull(base, "base");
        Objects.requireNonNull(cap, "cap");
        Objects.requireNonNull(maxRetryAfter, "maxRetryAfter");
        Objects.requireNonNull(random, "random");
    }

    /** 7 attempts, 200 ms doubling to at most 20 s, Retry-After honoured up to 2 minutes. */
    public static RetryPolicy defaults() {
        Random r = new Random();
        return new RetryPolicy(7, Duration.ofMillis(200), Duration.ofSeconds(20), Duration.ofMinutes(2), r::nextDouble);
    }

    public static RetryPolicy none() {
        return new RetryPolicy(1, Duration.ZERO, Duration.ZERO, Duration.ZERO, () -> 0);
    }

    public RetryPolicy withMaxAttempts(int n) {
        return new RetryPolicy(n, base, cap, maxRetryAfter, random);
    }

    /** Whether another attempt may follow attempt {@code attempt} (1-based). */
    public boolean canRetry(int attempt) {
        return attempt < maxAttempts;
    }

    /**
     * The wait before the attempt after {@code attempt}, or empty when the server asked for a wait longer than
     * {@link #maxRetryAfter()} (then the caller gives up).
     */
    public Optional<Duration> delay(int attempt, Duration retryAfter) {
        if (retryAfter != null && retryAfter.compareTo(maxRetryAfter) > 0) {
            return Optional.empty();
        }
        double ceiling = Math.min(cap.toNanos(), base.toNanos() * Math.pow(2, Math.max(0, attempt - 1)));
        Duration jitter = Duration.ofNanos((long) (random.getAsDouble() * ceiling));
        if (retryAfter != null && retryAfter.compareTo(jitter) > 0) {
            return Optional.of(retryAfter);
        }
        return Optional.of(jitter);
    }

    /** Parses a Retry-After header: delta-seconds or an HTTP date. Unparseable values count as absent. */
    public static Duration parseRetryAfter(String value, java.time.Clock clock) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String v = value.trim();
        try {
            long s = Long.parseLong(v);
            return s < 0 ? null : Duration.ofSeconds(s);
        } catch (NumberFormatException notSeconds) {
            try {
                java.time.ZonedDateTime at = java.time.ZonedDateTime.parse(v,
                        java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME);
                Duration d = Duration.between(clock.instant(), at.toInstant());
                return d.isNegative() ? Duration.ZERO : d;
            } catch (java.time.format.DateTimeParseException notDate) {
                return null;
            }
        }
    }
}
