package dev.chunkvault.cli;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A point in time given on the command line: an ISO-8601 instant ({@code 2026-12-01T10:00:00Z}, or with an offset), a
 * local date-time ({@code 2026-12-01T10:00}, {@code 2026-12-01 10:00:30}) or date ({@code 2026-12-01}, its start) in the
 * local time zone, or a time ago: {@code 90s}, {@code 30m}, {@code 2h}, {@code 3d}, {@code 1w}, combined as
 * {@code 1d12h}, optionally followed by {@code ago}.
 */
final class TimeArgument {
    private static final Pattern RELATIVE = Pattern.compile("((?:\\d+[smhdw])+)(?:\\s*ago)?");
    private static final Pattern PART = Pattern.compile("(\\d+)([smhdw])");

    private TimeArgument() {}

    /** The instant {@code text} names, relative to {@code now} and in {@code zone} where it needs them. */
    static Instant parse(String text, Instant now, ZoneId zone) {
        String t = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
        Matcher m = RELATIVE.matcher(t);
        if (m.matches()) {
            Duration ago = Duration.ZERO;
            Matcher p = PART.matcher(m.group(1));
            try {
                while (p.find()) {
                    long n = Long.parseLong(p.group(1));
                    ago = ago.plus(switch (p.group(2)) {
                        case "s" -> Duration.ofSeconds(n);
                        case "m" -> Duration.ofMinutes(n);
                        case "h" -> Duration.ofHours(n);
                        case "d" -> Duration.ofDays(n);
                        default -> Duration.ofDays(Math.multiplyExact(n, 7));
                    });
                }
                return now.minus(ago);
            } catch (ArithmeticException | NumberFormatException | DateTimeException e) {
                throw invalid(text);
            }
        }
        String iso = text == null ? "" : text.strip().replace(' ', 'T');
        try {
            return OffsetDateTime.parse(iso).toInstant();
        } catch (DateTimeException notAnInstant) {
            // a local date-time or date, next
        }
        try {
            return LocalDateTime.parse(iso).atZone(zone).toInstant();
        } catch (DateTimeException notALocalTime) {
            // a date, next
        }
        try {
            return LocalDate.parse(iso).atStartOfDay(zone).toInstant();
        } catch (DateTimeException e) {
            throw invalid(text);
        }
    }

    private static CliException invalid(String text) {
        return CliException.usage("'" + text + "' is not a time: give an instant (2026-12-01T10:00:00Z), a local"
                + " date-time or date (2026-12-01T10:00, 2026-12-01), or a time ago (30m, 2h, 3d, 1w).");
    }
}
