package dev.chunkvault.local.schedule;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAdjusters;
import java.util.BitSet;
import java.util.Locale;
import java.util.Map;

/**
 * An EventBridge schedule expression, in UTC: {@code rate(5 minutes)} or {@code cron(min hour day-of-month month
 * day-of-week year)} with {@code * ? , - /}, month and weekday names, {@code L} (last day of the month, or the last
 * given weekday of the month as {@code 5L}), {@code W} (nearest weekday, {@code 15W}) and {@code #} (the n-th
 * weekday, {@code 2#1}). Exactly one of day-of-month and day-of-week must be {@code ?}, as EventBridge requires.
 * Days of the week are 1-7 = SUN-SAT.
 */
public final class ScheduleExpression {
    private static final Map<String, Integer> MONTHS = Map.ofEntries(Map.entry("JAN", 1), Map.entry("FEB", 2),
            Map.entry("MAR", 3), Map.entry("APR", 4), Map.entry("MAY", 5), Map.entry("JUN", 6), Map.entry("JUL", 7),
            Map.entry("AUG", 8), Map.entry("SEP", 9), Map.entry("OCT", 10), Map.entry("NOV", 11), Map.entry("DEC", 12));
    private static final Map<String, Integer> DAYS = Map.of("SUN", 1, "MON", 2, "TUE", 3, "WED", 4, "THU", 5,
            "FRI", 6, "SAT", 7);
    /** No schedule fires more rarely than this (EventBridge accepts years up to 2199). */
    private static final int HORIZON_YEARS = 200;

    private final String text;
    private final Duration rate;
    private final BitSet minutes;
    private final BitSet hours;
    private final String dayOfMonth;
    private final BitSet months;
    private final String dayOfWeek;
    private final BitSet years;

    private ScheduleExpression(String text, Duration rate, BitSet minutes, BitSet hours, String dayOfMonth,
                               BitSet months, String dayOfWeek, BitSet years) {
        this.text = text;
        this.rate = rate;
        this.minutes = minutes;
        this.hours = hours;
        this.dayOfMonth = dayOfMonth;
        this.months = months;
        this.dayOfWeek = dayOfWeek;
        this.years = years;
    }

    public static ScheduleExpression parse(String expression) {
        String e = expression == null ? "" : expression.trim();
        if (e.startsWith("rate(") && e.endsWith(")")) {
            return rate(e);
        }
        if (e.startsWith("cron(") && e.endsWith(")")) {
            return cron(e);
        }
        throw new IllegalArgumentException("not an EventBridge schedule expression: '" + expression + "'");
    }

    private static ScheduleExpression rate(String e) {
        String[] parts = e.substring(5, e.length() - 1).trim().split("\\s+");
        if (parts.length != 2) {
            throw new IllegalArgumentException("rate() takes 'value unit': " + e);
        }
        long n;
        try {
            n = Long.parseLong(parts[0]);
        } catch (NumberFormatException ex) {
            throw new IllegalArgumentException("rate() value must be a whole number: " + e);
        }
        if (n < 1) {
            throw new IllegalArgumentException("rate() value must be positive: " + e);
        }
        String unit = parts[1];
        if (n == 1 != !unit.endsWith("s")) {
            throw new IllegalArgumentException("rate() says '1 minute' but '5 minutes': " + e);
        }
        Duration d = switch (unit.replaceAll("s$", "")) {
            case "minute" -> Duration.ofMinutes(n);
            case "hour" -> Duration.ofHours(n);
            case "day" -> Duration.ofDays(n);
            default -> throw new IllegalArgumentException("rate() unit is minute(s), hour(s) or day(s): " + e);
        };
        return new ScheduleExpression(e, d, null, null, null, null, null, null);
    }

    private static ScheduleExpression cron(String e) {
        String[] f = e.substring(5, e.length() - 1).trim().toUpperCase(Locale.ROOT).split("\\s+");
        if (f.length != 6) {
            throw new IllegalArgumentException("cron() has 6 fields (minutes hours day-of-month month day-of-week year): " + e);
        }
        boolean domAny = f[2].equals("?");
        boolean dowAny = f[4].equals("?");
        if (domAny == dowAny) {
            throw new IllegalArgumentException("cron(): exactly one of day-of-month and day-of-week must be '?': " + e);
        }
        BitSet minutes = field(f[0], 0, 59, Map.of(), e);
        BitSet hours = field(f[1], 0, 23, Map.of(), e);
        BitSet months = field(f[3], 1, 12, MONTHS, e);
        BitSet years = field(f[5], 1970, 2199, Map.of(), e);
        if (!domAny) {
            checkDayOfMonth(f[2], e);
        }
        if (!dowAny) {
            checkDayOfWeek(f[4], e);
        }
        return new ScheduleExpression(e, null, minutes, hours, f[2], months, f[4], years);
    }

    private static BitSet field(String spec, int min, int max, Map<String, Integer> names, String e) {
        BitSet out = new BitSet(max + 1);
        for (String part : spec.split(",")) {
            int step = 1;
            String range = part;
            int slash = part.indexOf('/');
            if (slash >= 0) {
                step = number(part.substring(slash + 1), 1, max, Map.of(), e);
                range = part.substring(0, slash);
            }
            int lo;
            int hi;
            if (range.equals("*")) {
                lo = min;
                hi = max;
            } else if (range.contains("-")) {
                String[] b = range.split("-", 2);
                lo = number(b[0], min, max, names, e);
                hi = number(b[1], min, max, names, e);
                if (hi < lo) {
                    throw new IllegalArgumentException("cron(): range " + range + " runs backwards: " + e);
                }
            } else {
                lo = number(range, min, max, names, e);
                hi = slash >= 0 ? max : lo;
            }
            for (int v = lo; v <= hi; v += step) {
                out.set(v);
            }
        }
        return out;
    }

    private static int number(String s, int min, int max, Map<String, Integer> names, String e) {
        Integer named = names.get(s);
        int v;
        if (named != null) {
            v = named;
        } else {
            try {
                v = Integer.parseInt(s);
            } catch (NumberFormatException ex) {
                throw new IllegalArgumentException("cron(): '" + s + "' is not a value here: " + e);
            }
        }
        if (v < min || v > max) {
            throw new IllegalArgumentException("cron(): " + v + " is outside " + min + "-" + max + ": " + e);
        }
        return v;
    }

    private static void checkDayOfMonth(String spec, String e) {
        if (spec.equals("L") || spec.matches("\\d{1,2}W")) {
            if (!spec.equals("L")) {
                number(spec.substring(0, spec.length() - 1), 1, 31, Map.of(), e);
            }
            return;
        }
        field(spec, 1, 31, Map.of(), e);
    }

    private static void checkDayOfWeek(String spec, String e) {
        if (spec.matches("[1-7A-Z]{1,3}L")) {
            number(spec.substring(0, spec.length() - 1), 1, 7, DAYS, e);
        } else if (spec.matches("[1-7A-Z]{1,3}#[1-5]")) {
            number(spec.substring(0, spec.indexOf('#')), 1, 7, DAYS, e);
        } else {
            field(spec, 1, 7, DAYS, e);
        }
    }

    /** The first time strictly after {@code after} at which the schedule fires ({@code rate}: counted from {@code after}). */
    public Instant next(Instant after) {
        if (rate != null) {
            return after.plus(rate);
        }
        ZonedDateTime t = after.atZone(ZoneOffset.UTC).truncatedTo(ChronoUnit.MINUTES).plusMinutes(1);
        ZonedDateTime horizon = t.plusYears(HORIZON_YEARS);
        while (t.isBefore(horizon)) {
            if (!years.get(t.getYear())) {
                t = t.plusYears(1).withDayOfYear(1).withHour(0).withMinute(0);
                continue;
            }
            if (!months.get(t.getMonthValue())) {
                t = t.plusMonths(1).withDayOfMonth(1).withHour(0).withMinute(0);
                continue;
            }
            if (!dayMatches(t.toLocalDate())) {
                t = t.plusDays(1).withHour(0).withMinute(0);
                continue;
            }
            if (!hours.get(t.getHour())) {
                t = t.plusHours(1).withMinute(0);
                continue;
            }
            if (!minutes.get(t.getMinute())) {
                t = t.plusMinutes(1);
                continue;
            }
            return t.toInstant();
        }
        throw new IllegalStateException("the schedule " + text + " never fires");
    }

    private boolean dayMatches(LocalDate d) {
        if (!dayOfMonth.equals("?")) {
            if (dayOfMonth.equals("L")) {
                return d.getDayOfMonth() == d.lengthOfMonth();
            }
            if (dayOfMonth.endsWith("W")) {
                return d.equals(nearestWeekday(d, Integer.parseInt(dayOfMonth.substring(0, dayOfMonth.length() - 1))));
            }
            return field(dayOfMonth, 1, 31, Map.of(), text).get(d.getDayOfMonth());
        }
        int dow = d.getDayOfWeek().getValue() % 7 + 1; // java MONDAY=1..SUNDAY=7 → EventBridge SUN=1..SAT=7
        if (dayOfWeek.endsWith("L") && dayOfWeek.length() > 1) {
            int want = number(dayOfWeek.substring(0, dayOfWeek.length() - 1), 1, 7, DAYS, text);
            return dow == want && d.plusWeeks(1).getMonthValue() != d.getMonthValue();
        }
        int hash = dayOfWeek.indexOf('#');
        if (hash > 0) {
            int want = number(dayOfWeek.substring(0, hash), 1, 7, DAYS, text);
            int nth = Integer.parseInt(dayOfWeek.substring(hash + 1));
            return dow == want && (d.getDayOfMonth() - 1) / 7 + 1 == nth;
        }
        return field(dayOfWeek, 1, 7, DAYS, text).get(dow);
    }

    private static LocalDate nearestWeekday(LocalDate inMonth, int day) {
        LocalDate target = inMonth.withDayOfMonth(Math.min(day, inMonth.lengthOfMonth()));
        DayOfWeek w = target.getDayOfWeek();
        if (w == DayOfWeek.SATURDAY) {
            LocalDate friday = target.minusDays(1);
            return friday.getMonthValue() == target.getMonthValue() ? friday : target.plusDays(2);
        }
        if (w == DayOfWeek.SUNDAY) {
            LocalDate monday = target.plusDays(1);
            return monday.getMonthValue() == target.getMonthValue() ? monday
                    : target.with(TemporalAdjusters.previous(DayOfWeek.FRIDAY));
        }
        return target;
    }

    @Override
    public String toString() {
        return text;
    }
}
