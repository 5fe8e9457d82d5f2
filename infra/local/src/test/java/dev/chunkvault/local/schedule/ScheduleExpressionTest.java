package dev.chunkvault.local.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** EventBridge schedule expressions, in UTC (dates checked against a calendar). */
class ScheduleExpressionTest {
    @ParameterizedTest(name = "{0} after {1} -> {2}")
    @CsvSource(delimiter = '|', value = {
            "cron(0 3 * * ? *)        | 2026-12-01T18:27:00Z | 2026-12-02T03:00:00Z",
            "cron(0 3 * * ? *)        | 2026-12-02T02:59:59Z | 2026-12-02T03:00:00Z",
            "cron(0 3 * * ? *)        | 2026-12-02T03:00:00Z | 2026-12-03T03:00:00Z",
            "cron(0/15 * * * ? *)     | 2026-12-01T18:27:10Z | 2026-12-01T18:30:00Z",
            "cron(0 10 * * ? 2027)    | 2026-12-01T00:00:00Z | 2027-01-01T10:00:00Z",
            // 2026-12-01 is a Tuesday; MON-FRI at 08:00, and day-of-week numbers (2 = MON).
            "cron(0 8 ? * MON-FRI *)  | 2026-12-04T09:00:00Z | 2026-12-07T08:00:00Z",
            "cron(0 8 ? * 2 *)        | 2026-12-01T00:00:00Z | 2026-12-07T08:00:00Z",
            "cron(30 12 L * ? *)      | 2026-02-01T00:00:00Z | 2026-02-28T12:30:00Z",
            "cron(0 0 ? * 6L *)       | 2026-12-01T00:00:00Z | 2026-12-25T00:00:00Z",
            "cron(0 0 ? * 2#1 *)      | 2026-12-08T00:00:00Z | 2027-01-04T00:00:00Z",
            // 2026-08-15 is a Saturday: the nearest weekday is Friday the 14th.
            "cron(0 9 15W * ? *)      | 2026-08-01T00:00:00Z | 2026-08-14T09:00:00Z",
            "cron(0 0 1 JAN,JUL ? *)  | 2026-02-01T00:00:00Z | 2026-07-01T00:00:00Z",
            "rate(5 minutes)          | 2026-12-01T18:27:10Z | 2026-12-01T18:32:10Z",
            "rate(1 day)              | 2026-12-01T18:27:10Z | 2026-12-02T18:27:10Z",
    })
    void nextFiring(String expression, String after, String expected) {
        assertEquals(Instant.parse(expected), ScheduleExpression.parse(expression.trim()).next(Instant.parse(after.trim())));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "daily", "cron(0 3 * * * *)", "cron(0 3 ? * ? *)", "cron(0 3 * *)", "cron(61 3 * * ? *)",
            "cron(0 3 * 13 ? *)", "cron(0 3 ? * MOO *)", "cron(0 5-3 * * ? *)", "rate(0 minutes)", "rate(5 minute)",
            "rate(1 minutes)", "rate(2 weeks)", "rate(x hours)"})
    void invalidExpressionsAreRefused(String expression) {
        assertThrows(IllegalArgumentException.class, () -> ScheduleExpression.parse(expression));
    }
}
