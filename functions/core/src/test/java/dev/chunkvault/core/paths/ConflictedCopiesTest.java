package dev.chunkvault.core.paths;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.LocalDateTime;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ConflictedCopiesTest {
    private static final long SEED = 0x5EED_0007L;
    private static final LocalDateTime T1 = LocalDateTime.of(2026, 1, 2, 3, 4, 5);
    private static final LocalDateTime T2 = LocalDateTime.of(2026, 2, 3, 4, 5, 6);
    private static final Pattern MARKER = Pattern.compile("\\(conflicted copy ");
    private static final String[] EXTENSIONS = {".txt", ".tar.gz", ".JPG", "", ".d\u00e9j\u00e0", ".\ud83d\ude00"};

    static Stream<Arguments> examples() {
        return Stream.of(
                Arguments.of("a.txt", "a (conflicted copy laptop 2026-01-02 030405).txt"),
                Arguments.of("Makefile", "Makefile (conflicted copy laptop 2026-01-02 030405)"),
                Arguments.of(".bashrc", ".bashrc (conflicted copy laptop 2026-01-02 030405)"),
                Arguments.of(".bashrc.bak", ".bashrc (conflicted copy laptop 2026-01-02 030405).bak"),
                Arguments.of("archive.tar.gz", "archive (conflicted copy laptop 2026-01-02 030405).tar.gz"),
                Arguments.of("ARCHIVE.TAR.XZ", "ARCHIVE (conflicted copy laptop 2026-01-02 030405).TAR.XZ"),
                Arguments.of(".tar.gz", ".tar (conflicted copy laptop 2026-01-02 030405).gz"),
                Arguments.of("photo.backup.jpg", "photo.backup (conflicted copy laptop 2026-01-02 030405).jpg"),
                Arguments.of("v1.2 notes", "v1.2 notes (conflicted copy laptop 2026-01-02 030405)"),
                Arguments.of("file.", "file. (conflicted copy laptop 2026-01-02 030405)"),
                Arguments.of("a." + "e".repeat(17),
                        "a." + "e".repeat(17) + " (conflicted copy laptop 2026-01-02 030405)"),
                Arguments.of("a." + "e".repeat(16),
                        "a (conflicted copy laptop 2026-01-02 030405)." + "e".repeat(16)),
                Arguments.of("CON", "CON (conflicted copy laptop 2026-01-02 030405)"),
                Arguments.of("cafe\u0301.txt", "caf\u00e9 (conflicted copy laptop 2026-01-02 030405).txt"),
                Arguments.of("a (conflicted copy phone 2025-12-31 235959).txt",
                        "a (conflicted copy laptop 2026-01-02 030405).txt"),
                Arguments.of("a (conflicted copy phone 2025-12-31 235959 7).txt",
                        "a (conflicted copy laptop 2026-01-02 030405).txt"),
                Arguments.of("Makefile (conflicted copy bob.mac 2025-12-31 235959)",
                        "Makefile (conflicted copy laptop 2026-01-02 030405)"),
                Arguments.of("x (conflicted copy draft).txt",
                        "x (conflicted copy draft) (conflicted copy laptop 2026-01-02 030405).txt"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void names(String original, String expected) {
        assertEquals(expected, ConflictedCopies.name(original, "laptop", T1));
    }

    @Test
    void aConflictedCopyConflictedAgainGetsItsMarkerReplaced() {
        String once = ConflictedCopies.name("a.txt", "laptop", T1);
        assertEquals("a (conflicted copy laptop 2026-01-02 030405).txt", once);
        assertEquals("a (conflicted copy phone 2026-02-03 040506).txt", ConflictedCopies.name(once, "phone", T2));
    }

    @Test
    void numberedVariants() {
        assertEquals(ConflictedCopies.name("a.txt", "phone", T2), ConflictedCopies.name("a.txt", "phone", T2, 1));
        String second = ConflictedCopies.name("a.txt", "phone", T2, 2);
        assertEquals("a (conflicted copy phone 2026-02-03 040506 2).txt", second);
        assertEquals("a (conflicted copy phone 2026-02-03 040506 3).txt",
                ConflictedCopies.name(second, "phone", T2, 3));
        assertTrue(ConflictedCopies.isConflictedCopy(second));
        assertEquals("a.txt", ConflictedCopies.originalName(second));
        assertThrows(IllegalArgumentException.class, () -> ConflictedCopies.name("a", "p", T1, 0));
    }

    @Test
    void recognisesMarkers() {
        assertTrue(ConflictedCopies.isConflictedCopy("a (conflicted copy x 2026-01-02 030405).txt"));
        assertTrue(ConflictedCopies.isConflictedCopy("archive (conflicted copy x 2026-01-02 030405).tar.gz"));
        assertFalse(ConflictedCopies.isConflictedCopy("a.txt"));
        assertFalse(ConflictedCopies.isConflictedCopy("a (conflicted copy x).txt"));
        assertFalse(ConflictedCopies.isConflictedCopy("a (conflicted copy x 2026-01-02 030405) b.txt"));
        assertEquals("archive.tar.gz",
                ConflictedCopies.originalName("archive (conflicted copy x 2026-01-02 030405).tar.gz"));
        assertEquals("a.txt", ConflictedCopies.originalName("a.txt"));
    }

    static Stream<Arguments> devices() {
        return Stream.of(
                Arguments.of("laptop", "laptop"),
                Arguments.of("  Bob's   MacBook\tPro  ", "Bob's MacBook Pro"),
                Arguments.of("home/desk\\top", "home desk top"),
                Arguments.of("(phone)", "phone"),
                Arguments.of("x\u202ey", "x y"),
                Arguments.of("a\u0000b", "a b"),
                Arguments.of("what?*", "what"),
                Arguments.of("", "unknown device"),
                Arguments.of("   ", "unknown device"),
                Arguments.of("\u200b", "unknown device"),
                Arguments.of("iPhone de Zoe\u0308", "iPhone de Zo\u00eb"));
    }

    @ParameterizedTest(name = "[{0}] -> [{1}]")
    @MethodSource("devices")
    void sanitisesDeviceNames(String device, String expected) {
        assertEquals(expected, ConflictedCopies.sanitizeDevice(device));
    }

    @Test
    void boundsDeviceNamesOnCodePointBoundaries() {
        assertEquals("unknown device", ConflictedCopies.sanitizeDevice(null));
        assertEquals("d".repeat(40), ConflictedCopies.sanitizeDevice("d".repeat(100)));
        assertEquals("\ud83d\ude00".repeat(10), ConflictedCopies.sanitizeDevice("\ud83d\ude00".repeat(20)));
        assertEquals("日".repeat(13), ConflictedCopies.sanitizeDevice("日".repeat(20))); // 39 bytes
    }

    @Test
    void longNamesAreCutInTheBaseOnly() {
        List<String> bases =
                List.of("x".repeat(251), "日".repeat(83), "\ud83d\ude00".repeat(62), "e\u0301".repeat(125));
        for (String base : bases) {
            String original = FileNames.normalize(base + ".md");
            String copy = ConflictedCopies.name(original, "\ud83d\udcf1".repeat(30), T2, 12);
            assertValidName(copy);
            assertTrue(copy.endsWith(" 2026-02-03 040506 12).md"), copy);
            String keptBase = copy.substring(0, copy.indexOf(" (conflicted copy "));
            assertTrue(original.startsWith(keptBase), "base cut at a code point: " + keptBase);
            assertTrue(FileNames.utf8Length(copy) > 255 - 4, "the cut keeps as much as fits: " + copy);
        }
    }

    @Test
    void rejectsInvalidInput() {
        assertEquals(InvalidFilePathException.Reason.DOT_SEGMENT,
                assertThrows(InvalidFilePathException.class, () -> ConflictedCopies.name("..", "p", T1)).reason());
        assertThrows(IllegalArgumentException.class,
                () -> ConflictedCopies.name("a", "p", LocalDateTime.of(10_000, 1, 1, 0, 0)));
    }

    @Test
    void neverNestedOverManyRepeatedConflicts() {
        Random r = new Random(SEED);
        System.out.println("ConflictedCopiesTest.neverNested seed=" + SEED);
        int cut = 0;
        for (int file = 0; file < 300; file++) {
            String original = randomName(r);
            String extension = extension(original);
            String name = original;
            for (int round = 0; round < 20; round++) {
                String previousOriginal = ConflictedCopies.originalName(name);
                name = ConflictedCopies.name(name, randomDevice(r), randomTime(r), 1 + r.nextInt(3));
                String context = "file " + file + " round " + round + ": " + name;
                assertValidName(name);
                assertEquals(1, count(MARKER.matcher(name)), context);
                assertTrue(ConflictedCopies.isConflictedCopy(name), context);
                // Only a cut of the base ever changes the original name; the extension always survives.
                String now = ConflictedCopies.originalName(name);
                assertTrue(now.endsWith(extension), context);
                assertTrue(previousOriginal.startsWith(now.substring(0, now.length() - extension.length())), context);
                if (FileNames.utf8Length(original) <= 100) {
                    assertEquals(original, now, context);
                }
            }
            cut += ConflictedCopies.originalName(name).equals(original) ? 0 : 1;
        }
        assertTrue(cut > 10, "long names were cut in " + cut + " files: the generator should make some");
    }

    private static String extension(String name) {
        for (String e : EXTENSIONS) {
            if (!e.isEmpty() && name.endsWith(e)) {
                return e;
            }
        }
        return "";
    }

    private static String randomName(Random r) {
        String[] alphabet = {"a", "Z", "7", " ", ".", "-", "日", "\u00e9", "\ud83d\ude00", "(", ")"};
        StringBuilder b = new StringBuilder();
        int length = r.nextInt(4) == 0 ? 60 + r.nextInt(80) : 1 + r.nextInt(20);
        for (int i = 0; i < length; i++) {
            b.append(alphabet[r.nextInt(alphabet.length)]);
        }
        String extension = EXTENSIONS[r.nextInt(EXTENSIONS.length)];
        // Without an extension, end in a space-separated word so that no accidental one forms.
        String name = "n" + b + (extension.isEmpty() ? " end" : extension);
        return FileNames.utf8Length(name) > 255 ? randomName(r) : FileNames.normalize(name);
    }

    private static String randomDevice(Random r) {
        String[] devices = {"laptop", "phone", "Bob's MacBook Pro", "x".repeat(80), "a.b", "(weird)/dev\\ice",
                "\ud83d\udcf1".repeat(15), "", "2026-01-02 030405", "\u202egnirts"};
        return devices[r.nextInt(devices.length)];
    }

    private static LocalDateTime randomTime(Random r) {
        return LocalDateTime.of(1970 + r.nextInt(100), 1 + r.nextInt(12), 1 + r.nextInt(28), r.nextInt(24),
                r.nextInt(60), r.nextInt(60));
    }

    private static int count(Matcher m) {
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    private static void assertValidName(String name) {
        assertEquals(name, FileNames.normalize(name));
        assertTrue(FileNames.utf8Length(name) <= 255, name);
    }
}
