package dev.chunkvault.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
    private static RetryPolicy policy(double random) {
        return new RetryPolicy(5, Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofSeconds(30), () -> random);
    }

    @Test
    void fullJitterStaysUnderAnExponentialCeilingWithACap() {
        RetryPolicy max = policy(0.999999);
        assertEquals(99, max.delay(1, null).orElseThrow().toMillis());
        assertEquals(199, max.delay(2, null).orElseThrow().toMillis());
        assertEquals(399, max.delay(3, null).orElseThrow().toMillis());
        assertEquals(999, max.delay(10, null).orElseThrow().toMillis(), "capped");
        assertEquals(Duration.ZERO, policy(0).delay(3, null).orElseThrow(), "full jitter reaches zero");
        assertEquals(100, policy(0.5).delay(2, null).orElseThrow().toMillis());
    }

    @Test
    void retryAfterIsAFloorAndAnOverlongOneGivesUp() {
        RetryPolicy p = policy(0.5);
        assertEquals(Duration.ofSeconds(3), p.delay(1, Duration.ofSeconds(3)).orElseThrow());
        assertEquals(100, p.delay(2, Duration.ofMillis(10)).orElseThrow().toMillis());
        assertTrue(p.delay(1, Duration.ofMinutes(5)).isEmpty());
    }

    @Test
    void attemptsAreBounded() {
        RetryPolicy p = policy(0.5);
        assertTrue(p.canRetry(4));
        assertFalse(p.canRetry(5));
    }

    @Test
    void parsesRetryAfterSecondsAndDates() {
        Clock clock = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
        assertEquals(Duration.ofSeconds(7), RetryPolicy.parseRetryAfter("7", clock));
        assertEquals(Duration.ofSeconds(90), RetryPolicy.parseRetryAfter("Thu, 01 Jan 2026 00:01:30 GMT", clock));
        assertEquals(null, RetryPolicy.parseRetryAfter("soon", clock));
        assertEquals(null, RetryPolicy.parseRetryAfter(null, clock));
    }
}
