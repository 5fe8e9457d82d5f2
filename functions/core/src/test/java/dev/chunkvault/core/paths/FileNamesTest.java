package dev.chunkvault.core.paths;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.core.paths.InvalidFilePathException.Reason;
import java.text.Normalizer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class FileNamesTest {

    static Stream<Arguments> goodNames() {
        return Stream.of(
                unchanged("a"),
                unchanged("report.pdf"),
                unchanged(".bashrc"),
                unchanged("..."),
                unchanged(" leading and trailing "),
                named("NFD input", "cafe\u0301", "caf\u00e9"),
                named("NFC input", "caf\u00e9", "caf\u00e9"),
                named("Angstrom sign singleton", "\u212b", "\u00c5"),
                named("Hangul jamo compose", "\u1112\u1161\u11ab", "\ud55c"),
                named("CJK", "日本語のファイル.txt", "日本語のファイル.txt"),
                named("emoji", "\ud83d\ude00.png", "\ud83d\ude00.png"),
                named("ZWJ emoji sequence", "\ud83d\udc68\u200d\ud83d\udc69\u200d\ud83d\udc67.jpg",
                        "\ud83d\udc68\u200d\ud83d\udc69\u200d\ud83d\udc67.jpg"),
                named("Persian ZWNJ", "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",
                        "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"),
                named("RLM is allowed", "\u05e2\u05d1\u05e8\u05d9\u05ea\u200f.txt",
                        "\u05e2\u05d1\u05e8\u05d9\u05ea\u200f.txt"),
                named("zero width space inside", "a\u200bb", "a\u200bb"),
                named("Windows reserved is accepted", "CON", "CON"),
                named("U+FFFD replacement character is accepted", "a\ufffd", "a\ufffd"),
                named("private use U+10FFFD is accepted", "\udbff\udffd", "\udbff\udffd"),
                named("Windows punctuation is accepted", "a:b?.txt", "a:b?.txt"),
                named("trailing dot is accepted", "notes.", "notes."),
                named("NBSP", "\u00a0x", "\u00a0x"),
                named("255 ASCII bytes", "x".repeat(255), "x".repeat(255)),
                named("255 bytes of CJK", "日".repeat(85), "日".repeat(85)),
                named("255 bytes with emoji", "\ud83d\ude00".repeat(63) + "abc", "\ud83d\ude00".repeat(63) + "abc"),
                named("NFD over 255 bytes, NFC exactly 255", "e\u0301".repeat(127) + "a",
                        "\u00e9".repeat(127) + "a"));
    }

    private static Arguments unchanged(String name) {
        return Arguments.of(name, name, name);
    }

    private static Arguments named(String label, String input, String expected) {
        return Arguments.of(label, input, expected);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goodNames")
    void acceptsAndNormalises(String label, String input, String expected) {
        assertEquals(expected, FileNames.normalize(input));
    }

    static Stream<Arguments> badNames() {
        return Stream.of(
                Arguments.of("empty", "", Reason.EMPTY_SEGMENT),
                Arguments.of("dot", ".", Reason.DOT_SEGMENT),
                Arguments.of("dot dot", "..", Reason.DOT_SEGMENT),
                Arguments.of("NUL", "a\u0000b", Reason.CONTROL_CHAR),
                Arguments.of("newline", "a\nb", Reason.CONTROL_CHAR),
                Arguments.of("tab", "a\tb", Reason.CONTROL_CHAR),
                Arguments.of("DEL", "\u007f", Reason.CONTROL_CHAR),
                Arguments.of("C1 NEL", "a\u0085", Reason.CONTROL_CHAR),
                Arguments.of("C1 CSI", "\u009bx", Reason.CONTROL_CHAR),
                Arguments.of("line separator", "a\u2028b", Reason.CONTROL_CHAR),
                Arguments.of("paragraph separator", "a\u2029b", Reason.CONTROL_CHAR),
                Arguments.of("backslash", "a\\b", Reason.BACKSLASH),
                Arguments.of("backslash traversal", "..\\..\\x", Reason.BACKSLASH),
                Arguments.of("slash", "a/b", Reason.SLASH),
                Arguments.of("RTL override", "invoice\u202efdp.exe", Reason.BIDI_CONTROL),
                Arguments.of("noncharacter U+FFFE", "a\ufffe", Reason.NONCHARACTER),
                Arguments.of("noncharacter U+FDD0", "\ufdd0b", Reason.NONCHARACTER),
                Arguments.of("noncharacter U+1FFFF", "x\ud83f\udfffy", Reason.NONCHARACTER),
                Arguments.of("U+10FFFF, the listings' upper bound", "\udbff\udfffz", Reason.NONCHARACTER),
                Arguments.of("LTR embedding", "\u202ax", Reason.BIDI_CONTROL),
                Arguments.of("pop directional", "x\u202c", Reason.BIDI_CONTROL),
                Arguments.of("first strong isolate", "\u2068x\u2069", Reason.BIDI_CONTROL),
                Arguments.of("LTR isolate", "\u2066x", Reason.BIDI_CONTROL),
                Arguments.of("unpaired high surrogate", "\ud800x", Reason.INVALID_UNICODE),
                Arguments.of("unpaired low surrogate", "x\udc00", Reason.INVALID_UNICODE),
                Arguments.of("only zero width space", "\u200b", Reason.INVISIBLE),
                Arguments.of("only format characters", "\u200b\u200d\ufeff\u00ad", Reason.INVISIBLE),
                Arguments.of("256 ASCII bytes", "x".repeat(256), Reason.SEGMENT_TOO_LONG),
                Arguments.of("258 bytes of CJK", "日".repeat(86), Reason.SEGMENT_TOO_LONG),
                Arguments.of("256 bytes of emoji", "\ud83d\ude00".repeat(64), Reason.SEGMENT_TOO_LONG),
                Arguments.of("NFD, 256 bytes after NFC", "e\u0301".repeat(128), Reason.SEGMENT_TOO_LONG),
                Arguments.of("huge combining run", "e" + "\u0301\u0323".repeat(5_000), Reason.SEGMENT_TOO_LONG));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badNames")
    void rejectsWithAReason(String label, String input, Reason reason) {
        InvalidFilePathException e = assertThrows(InvalidFilePathException.class, () -> FileNames.normalize(input));
        assertEquals(reason, e.reason(), e.getMessage());
    }

    @Test
    void rejectionMessagesDoNotEchoTheName() {
        InvalidFilePathException e = assertThrows(InvalidFilePathException.class,
                () -> FileNames.normalize("secret\u0000name"));
        assertTrue(!e.getMessage().contains("secret"), e.getMessage());
    }

    @Test
    void rawLengthGuardNeverRejectsAValidName() {
        // The guard assumes any spelling of a name has at most 3 chars per UTF-8 byte of its NFC form
        // (MAX_RAW_FACTOR leaves margin on top). Check the worst case of every code point: its full
        // decomposition against its composition.
        for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
            if (Character.getType(cp) == Character.SURROGATE) {
                continue;
            }
            String decomposed = Normalizer.normalize(new String(Character.toChars(cp)), Normalizer.Form.NFD);
            String composed = Normalizer.normalize(decomposed, Normalizer.Form.NFC);
            assertTrue(decomposed.length() <= 3 * FileNames.utf8Length(composed), String.format("U+%04X", cp));
        }
    }

    static Stream<Arguments> collisions() {
        return Stream.of(
                Arguments.of("Readme.md", "README.md"),
                Arguments.of("readme.MD", "README.md"),
                Arguments.of("cafe\u0301.txt", "CAF\u00c9.TXT"),
                Arguments.of("\u212b", "\u00e5"),
                Arguments.of("stra\u00dfe", "STRASSE"),
                Arguments.of("\u03a3\u038a\u03a3\u03a5\u03a6\u039f\u03a3", // ΣΊΣΥΦΟΣ, σίσυφος
                        "\u03c3\u03af\u03c3\u03c5\u03c6\u03bf\u03c2"),
                Arguments.of("report\u200b.pdf", "report.pdf"),
                Arguments.of("a\u00adb", "AB"),
                Arguments.of("\u1112\u1161\u11ab", "\ud55c"),
                Arguments.of("\u0130stanbul", "i\u0307stanbul"));
    }

    @ParameterizedTest(name = "{0} ~ {1}")
    @MethodSource("collisions")
    void foldKeysCollide(String a, String b) {
        assertEquals(FileNames.foldKey(FileNames.normalize(a)), FileNames.foldKey(FileNames.normalize(b)));
    }

    static Stream<Arguments> distinct() {
        return Stream.of(
                Arguments.of("file", "\uff46\uff49\uff4c\uff45"),
                Arguments.of("x2", "x\u00b2"),
                Arguments.of("resume", "r\u00e9sum\u00e9"),
                Arguments.of("\ud83d\ude00", "\ud83d\ude03"),
                Arguments.of("a.txt", "a.txt "));
    }

    @ParameterizedTest(name = "{0} != {1}")
    @MethodSource("distinct")
    void foldKeysKeepDifferentNamesApart(String a, String b) {
        assertNotEquals(FileNames.foldKey(FileNames.normalize(a)), FileNames.foldKey(FileNames.normalize(b)));
    }

    static Stream<Arguments> windows() {
        return Stream.of(
                Arguments.of("a.txt", true),
                Arguments.of(".bashrc", true),
                Arguments.of("CONSOLE.txt", true),
                Arguments.of("con1", true),
                Arguments.of("com10", true),
                Arguments.of("LPT", true),
                Arguments.of("nul-file", true),
                Arguments.of("x.con", true),
                Arguments.of("日本.txt", true),
                Arguments.of("CON", false),
                Arguments.of("con", false),
                Arguments.of("Con.txt", false),
                Arguments.of("nul.tar.gz", false),
                Arguments.of("AUX", false),
                Arguments.of("prn.doc", false),
                Arguments.of("COM1", false),
                Arguments.of("com9.log", false),
                Arguments.of("COM0", false),
                Arguments.of("LPT\u00b9", false),
                Arguments.of("lpt\u00b3.txt", false),
                Arguments.of("CON .txt", false),
                Arguments.of("name.", false),
                Arguments.of("name ", false),
                Arguments.of("...", false),
                Arguments.of("a:b", false),
                Arguments.of("what?", false),
                Arguments.of("a*b", false),
                Arguments.of("a<b", false),
                Arguments.of("a>b", false),
                Arguments.of("a|b", false),
                Arguments.of("say \"hi\"", false));
    }

    @ParameterizedTest(name = "{0} portable: {1}")
    @MethodSource("windows")
    void windowsPortability(String name, boolean portable) {
        assertEquals(portable, FileNames.isWindowsPortable(FileNames.normalize(name)));
    }
}
