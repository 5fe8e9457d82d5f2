package dev.chunkvault.core.paths;

import dev.chunkvault.core.paths.InvalidFilePathException.Reason;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.Locale;
import java.util.Set;

/**
 * The rules for one name (one path segment), shared by server and client.
 *
 * <h2>What a valid name is</h2>
 * Names are stored in Unicode NFC, so {@code "cafe\u0301"} (NFD, as macOS produces) and {@code "café"}
 * are the same name. After NFC a name must:
 * <ul>
 *   <li>be non-empty and not {@code .} or {@code ..};</li>
 *   <li>be at most {@value #MAX_NAME_BYTES} bytes of UTF-8 (the limit of ext4, APFS and NTFS alike);</li>
 *   <li>contain no control character: C0 (including NUL), DEL, C1, nor U+2028/U+2029, which act as line
 *       breaks in logs, terminals and JSON consumers;</li>
 *   <li>contain no {@code /} and no {@code \}. A backslash is legal on Linux, but a separator on Windows: a
 *       Windows client joining {@code "..\..\x"} onto its folder would escape it. Rejecting it here removes
 *       that class of bug from every client at once, at the cost of the rare Linux name that uses one;</li>
 *   <li>contain no bidirectional embedding, override or isolate (U+202A–U+202E, U+2066–U+2069). The
 *       right-to-left override is the classic spoof ({@code "invoice\u202Efdp.exe"} displays as
 *       {@code invoicexe.pdf}). The implicit marks LRM, RLM and ALM stay allowed: they are needed in
 *       mixed-direction Arabic and Hebrew names and cannot reorder a run;</li>
 *   <li>be valid Unicode (no unpaired surrogate) and hold no noncharacter (U+FDD0–U+FDEF, U+xxFFFE, U+xxFFFF:
 *       reserved for programs' internal use; U+10FFFF is the key listings use as their upper bound);</li>
 *   <li>not consist only of invisible format characters. Zero-width characters are otherwise allowed:
 *       ZWJ builds emoji sequences and ZWNJ is required in Persian and Indic spellings. Their spoofing
 *       potential is handled by {@link #foldKey}, which ignores them, so {@code "report\u200B.pdf"} collides
 *       with {@code "report.pdf"} in the same folder instead of passing as a different file.</li>
 * </ul>
 *
 * <h2>Windows</h2>
 * Names that Windows cannot hold are <em>accepted</em>: a Mac or Linux user may legitimately have
 * {@code "a:b.txt"}, {@code "CON.txt"} or {@code "notes."}, and rejecting them would stop their whole folder
 * from syncing. {@link #isWindowsPortable} flags them; a Windows client skips such a file and warns,
 * as Dropbox does, instead of writing it (where {@code "a:b"} would become an alternate data stream).
 */
public final class FileNames {
    /** The longest name, in UTF-8 bytes after NFC. */
    public static final int MAX_NAME_BYTES = 255;

    /**
     * NFC shrinks UTF-8 by at most 3:1 (three Hangul jamo become one syllable), and a string never has
     * more chars than UTF-8 bytes; so input with more chars than this cannot be a valid name, and is
     * rejected before normalisation, whose cost grows with the square of a run of combining marks.
     */
    static final int MAX_RAW_FACTOR = 4;

    private static final Set<String> WINDOWS_RESERVED = Set.of(
            "con", "prn", "aux", "nul",
            "com0", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8", "com9",
            "com\u00b9", "com\u00b2", "com\u00b3",
            "lpt0", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
            "lpt\u00b9", "lpt\u00b2", "lpt\u00b3");
    private static final String WINDOWS_FORBIDDEN = "<>:\"|?*";

    private FileNames() {}

    /**
     * Validates one name and returns its NFC form.
     *
     * @throws InvalidFilePathException when the name breaks a rule above
     */
    public static String normalize(String name) {
        if (name.isEmpty()) {
            throw new InvalidFilePathException(Reason.EMPTY_SEGMENT, "empty name");
        }
        if (name.length() > MAX_RAW_FACTOR * MAX_NAME_BYTES) {
            throw new InvalidFilePathException(Reason.SEGMENT_TOO_LONG, name.length() + " chars");
        }
        String nfc = Normalizer.normalize(name, Normalizer.Form.NFC);
        boolean visible = false;
        for (int i = 0; i < nfc.length(); ) {
            int cp = nfc.codePointAt(i);
            if (Character.getType(cp) == Character.SURROGATE) {
                throw reject(Reason.INVALID_UNICODE, cp, i);
            } else if (Character.getType(cp) == Character.CONTROL || cp == 0x2028 || cp == 0x2029) {
                throw reject(Reason.CONTROL_CHAR, cp, i);
            } else if (cp == '\\') {
                throw reject(Reason.BACKSLASH, cp, i);
            } else if (cp == '/') {
                throw reject(Reason.SLASH, cp, i);
            } else if ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069)) {
                throw reject(Reason.BIDI_CONTROL, cp, i);
            } else if (isNoncharacter(cp)) {
                throw reject(Reason.NONCHARACTER, cp, i);
            }
            visible |= Character.getType(cp) != Character.FORMAT;
            i += Character.charCount(cp);
        }
        if (nfc.equals(".") || nfc.equals("..")) {
            throw new InvalidFilePathException(Reason.DOT_SEGMENT, "'.' and '..' are not names");
        }
        int bytes = utf8Length(nfc);
        if (bytes > MAX_NAME_BYTES) {
            throw new InvalidFilePathException(Reason.SEGMENT_TOO_LONG, bytes + " UTF-8 bytes");
        }
        if (!visible) {
            throw new InvalidFilePathException(Reason.INVISIBLE, "only invisible format characters");
        }
        return nfc;
    }

    /**
     * The key under which names collide in one folder: two names with equal keys must not be siblings,
     * because a case-insensitive file system (macOS, Windows) would store them as one file.
     *
     * <p>Computed as NFC(lower(upper(name))) after dropping format characters (general category Cf:
     * zero-width space/joiners, LRM/RLM, soft hyphen, BOM). Upper-then-lower with {@link Locale#ROOT}
     * approximates Unicode full case folding without ICU: {@code "ß"} and {@code "SS"}, {@code "ﬁ"} and
     * {@code "FI"}, {@code "ς"} and {@code "Σ"} collide, and so do NFD and NFC spellings. It is slightly
     * wider than case folding ({@code "ı"} collides with {@code "i"}, as on NTFS), which only ever adds a
     * rename, never loses a file. It is deliberately not NFKC: fullwidth {@code "ｆｉｌｅ"} and {@code "file"},
     * or {@code "x²"} and {@code "x2"}, are different files on every file system, so not a collision.
     *
     * @param name a valid name (as returned by {@link #normalize})
     */
    public static String foldKey(String name) {
        if (isAscii(name)) {
            return name.toLowerCase(Locale.ROOT); // the same as below for ASCII, without the code point walk and NFC
        }
        StringBuilder visible = new StringBuilder(name.length());
        name.codePoints().filter(cp -> Character.getType(cp) != Character.FORMAT).forEach(visible::appendCodePoint);
        String folded = visible.toString().toUpperCase(Locale.ROOT).toLowerCase(Locale.ROOT);
        return Normalizer.normalize(folded, Normalizer.Form.NFC);
    }

    /** Whether every character of {@code s} is ASCII (such a name folds to one of the same length). */
    public static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether Windows can hold this name: none of {@code < > : " | ? *}, no trailing dot or space, and not a
     * reserved device name ({@code CON PRN AUX NUL COM0-9 COM¹²³ LPT0-9 LPT¹²³}, in any case, alone or
     * followed by an extension: {@code "nul.tar.gz"} is reserved too). The server accepts such names;
     * clients use this to warn (see the class comment).
     *
     * @param name a valid name (as returned by {@link #normalize})
     */
    public static boolean isWindowsPortable(String name) {
        for (int i = 0; i < name.length(); i++) {
            if (WINDOWS_FORBIDDEN.indexOf(name.charAt(i)) >= 0) {
                return false;
            }
        }
        char last = name.charAt(name.length() - 1);
        if (last == '.' || last == ' ') {
            return false;
        }
        int dot = name.indexOf('.');
        String stem = (dot < 0 ? name : name.substring(0, dot)).stripTrailing();
        return !WINDOWS_RESERVED.contains(stem.toLowerCase(Locale.ROOT));
    }

    static int utf8Length(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    /**
     * Unicode's 66 noncharacters (U+FDD0..U+FDEF and the last two code points of every plane), reserved for a
     * program's internal use and never for interchange. Refusing them also keeps U+10FFFF free as the key that sorts
     * after every name, which listings use as their upper bound.
     */
    static boolean isNoncharacter(int cp) {
        return (cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE;
    }

    private static InvalidFilePathException reject(Reason reason, int codePoint, int index) {
        return new InvalidFilePathException(reason, String.format("U+%04X at index %d", codePoint, index));
    }
}
