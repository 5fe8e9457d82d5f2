package dev.chunkvault.core.paths;

import java.text.Normalizer;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Names for conflicted copies: {@code name (conflicted copy <device> <YYYY-MM-DD HHMMSS>).ext}.
 *
 * <h2>Never nested</h2>
 * A name that already carries a marker has it <em>replaced</em>: conflicting
 * {@code "a (conflicted copy laptop 2026-01-02 030405).txt"} again from {@code phone} gives
 * {@code "a (conflicted copy phone 2026-02-03 040506).txt"}, never two markers. Any base ending in
 * {@code " (conflicted copy <anything> <dddd-dd-dd> <dddddd>[ <n>])"} counts as a marker.
 *
 * <h2>Where the marker goes</h2>
 * Before the extension, so the copy still opens with the same application. The extension is the text
 * from the last dot of the name, provided that
 * <ul>
 *   <li>the dot is not the first character ({@code ".bashrc"} has none; {@code ".bashrc.bak"} has
 *       {@code .bak}), and</li>
 *   <li>1 to {@value #MAX_EXTENSION_CODE_POINTS} characters follow it, none a space or parenthesis, so
 *       {@code "v1.2 notes"} and {@code "file."} have none, and neither has a name whose marker
 *       contains a device name with a dot.</li>
 * </ul>
 * A compressed tarball keeps both parts: {@code "backup.tar.gz"} becomes
 * {@code "backup (conflicted copy …).tar.gz"}; other double extensions keep only the last part
 * ({@code "photo.backup.jpg"} → {@code "photo.backup (conflicted copy …).jpg"}).
 *
 * <h2>Length and devices</h2>
 * The result is always a {@linkplain FileNames valid name} of at most 255 UTF-8 bytes: when needed the base
 * is cut on a code point boundary, never the marker or the extension. Device names are normalised to NFC,
 * stripped of characters that are invalid or awkward in names (controls, format characters, slashes,
 * parentheses, Windows-forbidden punctuation), whitespace-collapsed, trimmed, cut to
 * {@value #MAX_DEVICE_BYTES} UTF-8 bytes, and replaced by {@code "unknown device"} when nothing is left.
 *
 * <p>The time is the wall-clock time of the device that made the copy, as in Dropbox; callers without a
 * device clock (the service) pass UTC.
 */
public final class ConflictedCopies {
    public static final int MAX_DEVICE_BYTES = 40;
    static final int MAX_EXTENSION_CODE_POINTS = 16;

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd HHmmss", Locale.ROOT);
    private static final Pattern MARKED =
            Pattern.compile("(.*) \\(conflicted copy .+ \\d{4}-\\d{2}-\\d{2} \\d{6}(?: \\d+)?\\)");
    private static final Set<String> COMPRESSION = Set.of("gz", "bz2", "xz", "zst", "lz", "lz4", "lzma", "z", "br");
    private static final String DEVICE_FORBIDDEN = "/\\()<>:\"|?*";

    private ConflictedCopies() {}

    /** The conflicted-copy name of {@code name} made by {@code device} at {@code time}. */
    public static String name(String name, String device, LocalDateTime time) {
        return name(name, device, time, 1);
    }

    /**
     * As {@link #name(String, String, LocalDateTime)}, numbered for when that name is taken too: number 1
     * is the plain name, 2 and up add the number inside the marker,
     * {@code "a (conflicted copy phone 2026-02-03 040506 2).txt"}.
     *
     * @throws InvalidFilePathException if {@code name} is not a valid name
     * @throws IllegalArgumentException if {@code number < 1} or the year is outside 0000–9999
     */
    public static String name(String name, String device, LocalDateTime time, int number) {
        if (number < 1) {
            throw new IllegalArgumentException("conflicted copies are numbered from 1");
        }
        if (time.getYear() < 0 || time.getYear() > 9999) {
            throw new IllegalArgumentException("year outside 0000-9999");
        }
        String[] parts = split(FileNames.normalize(name));
        String marker = " (conflicted copy " + sanitizeDevice(device) + " " + TIME.format(time)
                + (number == 1 ? "" : " " + number) + ")";
        int budget = FileNames.MAX_NAME_BYTES - FileNames.utf8Length(marker) - FileNames.utf8Length(parts[1]);
        return FileNames.normalize(truncate(originalBase(parts[0]), budget) + marker + parts[1]);
    }

    /** Whether {@code name} carries a conflicted-copy marker. */
    public static boolean isConflictedCopy(String name) {
        return MARKED.matcher(split(name)[0]).matches();
    }

    /** {@code name} without its conflicted-copy marker, if it has one. */
    public static String originalName(String name) {
        String[] parts = split(name);
        return originalBase(parts[0]) + parts[1];
    }

    /** The device name as it appears in markers. */
    static String sanitizeDevice(String device) {
        StringBuilder kept = new StringBuilder();
        Normalizer.normalize(device == null ? "" : device, Normalizer.Form.NFC).codePoints().forEach(cp -> {
            int type = Character.getType(cp);
            boolean drop = type == Character.CONTROL || type == Character.FORMAT || type == Character.SURROGATE
                    || DEVICE_FORBIDDEN.indexOf(cp) >= 0;
            kept.appendCodePoint(drop || Character.isWhitespace(cp) || Character.isSpaceChar(cp) ? ' ' : cp);
        });
        String collapsed = kept.toString().trim().replaceAll(" +", " ");
        String cut = truncate(collapsed, MAX_DEVICE_BYTES).trim();
        return cut.isEmpty() ? "unknown device" : cut;
    }

    private static String originalBase(String base) {
        Matcher m = MARKED.matcher(base);
        return m.matches() ? m.group(1) : base;
    }

    /** {@code [base, extension]}; the extension includes its dot and may be empty. */
    private static String[] split(String name) {
        int dot = name.lastIndexOf('.');
        if (dot <= 0 || !isExtension(name.substring(dot + 1))) {
            return new String[] {name, ""};
        }
        String base = name.substring(0, dot);
        if (COMPRESSION.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT))
                && base.length() > 4 && base.regionMatches(true, base.length() - 4, ".tar", 0, 4)) {
            dot -= 4;
        }
        return new String[] {name.substring(0, dot), name.substring(dot)};
    }

    private static boolean isExtension(String s) {
        int n = s.codePointCount(0, s.length());
        return n >= 1 && n <= MAX_EXTENSION_CODE_POINTS
                && s.codePoints().noneMatch(cp -> Character.isWhitespace(cp) || Character.isSpaceChar(cp)
                        || cp == '(' || cp == ')');
    }

    /** The longest prefix of {@code s} that fits {@code maxBytes} of UTF-8, cut between code points. */
    private static String truncate(String s, int maxBytes) {
        int bytes = 0;
        int i = 0;
        while (i < s.length()) {
            int cp = s.codePointAt(i);
            int size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (bytes + size > maxBytes) {
                break;
            }
            bytes += size;
            i += Character.charCount(cp);
        }
        return s.substring(0, i);
    }
}
