package dev.chunkvault.core.paths;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.core.paths.InvalidFilePathException.Reason;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class FilePathTest {

    static Stream<Arguments> goodPaths() {
        return Stream.of(
                Arguments.of("a", "a"),
                Arguments.of("a/b/c.txt", "a/b/c.txt"),
                Arguments.of("/a/b", "a/b"),
                Arguments.of("/x/cafe\u0301/r\u00e9sum\u00e9.pdf", "x/caf\u00e9/r\u00e9sum\u00e9.pdf"),
                Arguments.of("Docs/.git/config", "Docs/.git/config"),
                Arguments.of("a/.../b", "a/.../b"),
                Arguments.of("写真/2026/\ud83d\ude00.jpg", "写真/2026/\ud83d\ude00.jpg"));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("goodPaths")
    void parsesToCanonicalForm(String input, String canonical) {
        FilePath path = FilePath.parse(input);
        assertEquals(canonical, path.toString());
        assertEquals(path, FilePath.parse(canonical));
    }

    static Stream<Arguments> badPaths() {
        return Stream.of(
                Arguments.of("", Reason.EMPTY),
                Arguments.of("/", Reason.EMPTY),
                Arguments.of("//a", Reason.EMPTY_SEGMENT),
                Arguments.of("a//b", Reason.EMPTY_SEGMENT),
                Arguments.of("a/", Reason.EMPTY_SEGMENT),
                Arguments.of("a/./b", Reason.DOT_SEGMENT),
                Arguments.of("../etc/passwd", Reason.DOT_SEGMENT),
                Arguments.of("a/..", Reason.DOT_SEGMENT),
                Arguments.of("a/b\\c", Reason.BACKSLASH),
                Arguments.of("C:\\Users\\x", Reason.BACKSLASH),
                Arguments.of("a/\u202egpj.exe", Reason.BIDI_CONTROL),
                Arguments.of("a/b\u0000", Reason.CONTROL_CHAR),
                Arguments.of("a/" + "x".repeat(256), Reason.SEGMENT_TOO_LONG),
                Arguments.of("a/".repeat(64) + "a", Reason.TOO_DEEP),
                Arguments.of("a/".repeat(100_000) + "a", Reason.PATH_TOO_LONG));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("badPaths")
    void rejectsWithAReason(String input, Reason reason) {
        InvalidFilePathException e = assertThrows(InvalidFilePathException.class, () -> FilePath.parse(input));
        assertEquals(reason, e.reason(), e.getMessage());
    }

    @Test
    void depthLimit() {
        assertEquals(64, FilePath.parse("d/".repeat(63) + "f").depth());
        assertEquals(Reason.TOO_DEEP,
                assertThrows(InvalidFilePathException.class, () -> FilePath.parse("d/".repeat(64) + "f")).reason());
    }

    @Test
    void totalLengthLimitCountsUtf8BytesAfterNfc() {
        String name = "x".repeat(240);
        String exactly4096 = (name + "/").repeat(16) + name; // 17 * 240 + 16 slashes
        assertEquals(4096, exactly4096.length());
        assertEquals(17, FilePath.parse(exactly4096).depth());
        assertEquals(Reason.PATH_TOO_LONG, assertThrows(InvalidFilePathException.class,
                () -> FilePath.parse(exactly4096 + "x")).reason());
        // 16 CJK names of 85 chars: 16 * 255 bytes + 15 slashes = 4095, but only 1375 chars.
        String cjk = "日".repeat(85);
        String path = (cjk + "/").repeat(15) + cjk;
        assertEquals(4095, FilePath.parse(path).toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
        assertEquals(Reason.PATH_TOO_LONG, assertThrows(InvalidFilePathException.class,
                () -> FilePath.parse(path + "/ab")).reason());
    }

    @Test
    void constructorNormalisesLikeParse() {
        assertEquals(FilePath.parse("caf\u00e9/x"), new FilePath(List.of("cafe\u0301", "x")));
        assertEquals(FilePath.parse("a/b"), FilePath.of("a", "b"));
        assertEquals(Reason.EMPTY,
                assertThrows(InvalidFilePathException.class, () -> new FilePath(List.of())).reason());
    }

    @Test
    void navigation() {
        FilePath path = FilePath.parse("a/b/c.txt");
        assertEquals("c.txt", path.name());
        assertEquals(3, path.depth());
        assertEquals(Optional.of(FilePath.parse("a/b")), path.parent());
        assertEquals(Optional.empty(), FilePath.parse("top").parent());
        assertEquals(FilePath.parse("a/b/c.txt/d"), path.resolve("d"));
        assertEquals(FilePath.parse("a/b/e.txt"), path.withName("e.txt"));
        assertEquals(Reason.SLASH,
                assertThrows(InvalidFilePathException.class, () -> path.resolve("x/y")).reason());
        assertEquals(Reason.DOT_SEGMENT,
                assertThrows(InvalidFilePathException.class, () -> path.withName("..")).reason());
        assertEquals(Reason.TOO_DEEP, assertThrows(InvalidFilePathException.class,
                () -> FilePath.parse("d/".repeat(63) + "f").resolve("g")).reason());
    }

    @Test
    void foldKeyDetectsCaseAndNormalisationCollisions() {
        assertEquals(FilePath.parse("Docs/Readme.md").foldKey(), FilePath.parse("docs/README.MD").foldKey());
        assertEquals(FilePath.parse("caf\u00e9/a").foldKey(), FilePath.parse("CAFE\u0301/A").foldKey());
        assertNotEquals(FilePath.parse("a/b").foldKey(), FilePath.parse("a/c").foldKey());
        assertNotEquals(FilePath.parse("Docs/Readme.md"), FilePath.parse("docs/README.MD"));
    }

    @Test
    void windowsPortabilityOfWholePaths() {
        assertTrue(FilePath.parse("Docs/report.pdf").isWindowsPortable());
        assertFalse(FilePath.parse("Docs/CON/report.pdf").isWindowsPortable());
        assertFalse(FilePath.parse("Docs/report.pdf.").isWindowsPortable());
    }
}
