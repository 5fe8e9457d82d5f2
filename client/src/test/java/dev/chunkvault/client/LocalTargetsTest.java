package dev.chunkvault.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.client.UnsafePathException.Reason;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The one check between a remote name and a local file: names, containment, links. */
class LocalTargetsTest {
    @TempDir
    Path tmp;
    Path root;

    @BeforeEach
    void layout() throws Exception {
        root = Files.createDirectories(tmp.resolve("root"));
    }

    static Stream<Arguments> refusedNames() {
        return Stream.of(
                Arguments.of("../x", Reason.INVALID_NAME),
                Arguments.of("a/../../b", Reason.INVALID_NAME),
                Arguments.of("a/..", Reason.INVALID_NAME),
                Arguments.of("./x", Reason.INVALID_NAME),
                Arguments.of("..\\x", Reason.INVALID_NAME),
                Arguments.of("a\\b", Reason.INVALID_NAME),
                Arguments.of("C:\\x", Reason.INVALID_NAME),
                Arguments.of("", Reason.INVALID_NAME),
                Arguments.of("a//b", Reason.INVALID_NAME),
                Arguments.of("a/", Reason.INVALID_NAME),
                Arguments.of("a\u0000b", Reason.INVALID_NAME),
                Arguments.of("a\nb", Reason.INVALID_NAME),
                Arguments.of("a\rb", Reason.INVALID_NAME),
                Arguments.of("a\u0085b", Reason.INVALID_NAME),
                Arguments.of("a\u2028b", Reason.INVALID_NAME),
                Arguments.of("x".repeat(256), Reason.INVALID_NAME),
                Arguments.of("a/".repeat(64) + "b", Reason.INVALID_NAME),
                Arguments.of("/etc/x", Reason.ABSOLUTE),
                Arguments.of("//x", Reason.ABSOLUTE),
                Arguments.of("/", Reason.ABSOLUTE),
                Arguments.of("C:x", Reason.DRIVE_LETTER),
                Arguments.of("c:", Reason.DRIVE_LETTER),
                Arguments.of("docs/z:evil.txt", Reason.DRIVE_LETTER),
                Arguments.of(".chunkvault", Reason.STATE_FOLDER),
                Arguments.of(".chunkvault/state.db", Reason.STATE_FOLDER),
                Arguments.of(".CHUNKVAULT/tmp/x", Reason.STATE_FOLDER),
                Arguments.of(".chun\u212Avault/x", Reason.STATE_FOLDER),
                Arguments.of(".chunk" + "\u200C".repeat(60) + "vault/state.db", Reason.STATE_FOLDER),
                Arguments.of(".chunkvault" + "\u200B".repeat(80), Reason.STATE_FOLDER));
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("refusedNames")
    void namesThatMayNotBeWrittenAreRefusedBeforeTheDiskIsLookedAt(String name, Reason reason) {
        UnsafePathException e = assertThrows(UnsafePathException.class, () -> LocalTargets.resolve(root, name));
        assertEquals(reason, e.reason(), e.getMessage());
        assertEquals(name, e.path());
        assertFalse(e.getMessage().chars().anyMatch(c -> Character.isISOControl(c)), "printable on one line");
        assertEquals(reason, assertThrows(UnsafePathException.class, () -> LocalTargets.validate(name)).reason());
    }

    @Test
    void goodNamesResolveUnderTheRootInTheirNfcSpelling() throws Exception {
        assertEquals(root.resolve("a/b.txt"), LocalTargets.resolve(root, "a/b.txt"));
        assertEquals(root.resolve("caf\u00e9"), LocalTargets.resolve(root, "cafe\u0301"));
        assertEquals(root.resolve("x".repeat(255)), LocalTargets.resolve(root, "x".repeat(255)));
        assertEquals(root.resolve("a/.chunkvault/x"), LocalTargets.resolve(root, "a/.chunkvault/x"), "only at the top");
        assertEquals(root.resolve(".chunkvaultignore"), LocalTargets.resolve(root, ".chunkvaultignore"));
        assertEquals(root.resolve("ab:c"), LocalTargets.resolve(root, "ab:c"), "not a drive: legal off Windows");
        assertEquals(root.resolve("..x/x.."), LocalTargets.resolve(root, "..x/x.."));
        assertEquals(root.resolve("a/b"), LocalTargets.resolve(tmp.resolve("root/../root/."), "a/b"), "root normalised");
        assertFalse(Files.exists(root.resolve("a")), "nothing is created");
    }

    @Test
    void aLinkToAFolderInsideTheRootIsNeverWrittenThrough() throws Exception {
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.createSymbolicLink(root.resolve("link"), outside);
        UnsafePathException e = assertThrows(UnsafePathException.class, () -> LocalTargets.resolve(root, "link/x"));
        assertEquals(Reason.LINK, e.reason());
        assertTrue(e.getMessage().contains("'link'"), e.getMessage());
        Files.createDirectories(root.resolve("a/b"));
        Files.createSymbolicLink(root.resolve("a/b/deeper"), outside);
        assertEquals(Reason.LINK, assertThrows(UnsafePathException.class,
                () -> LocalTargets.resolve(root, "a/b/deeper/c/d.txt")).reason());
        // a link inside the root that points inside it is refused too: what is written is never decided by a link
        Files.createSymbolicLink(root.resolve("inner"), root.resolve("a"));
        assertEquals(Reason.LINK, assertThrows(UnsafePathException.class,
                () -> LocalTargets.resolve(root, "inner/x")).reason());
    }

    @Test
    void aLinkAtTheTargetIsNotReplacedEvenWhenItDangles() throws Exception {
        Files.createSymbolicLink(root.resolve("t.txt"), tmp.resolve("outside.txt"));
        assertEquals(Reason.LINK, assertThrows(UnsafePathException.class,
                () -> LocalTargets.resolve(root, "t.txt")).reason());
        assertFalse(Files.exists(tmp.resolve("outside.txt")));
    }

    @Test
    void theRootItselfMayBeALinkTheUserChose() throws Exception {
        Path real = Files.createDirectories(tmp.resolve("real"));
        Path alias = Files.createSymbolicLink(tmp.resolve("alias"), real);
        assertEquals(alias.resolve("a/b.txt"), LocalTargets.resolve(alias, "a/b.txt"));
        Files.createDirectories(real.resolve("a"));
        assertEquals(alias.resolve("a/b.txt"), LocalTargets.resolve(alias, "a/b.txt"), "its real path is compared too");
    }

    @Test
    void checkKeepsATargetUnderItsRootAndReturnsWhatToWrite() throws Exception {
        assertEquals(Reason.OUTSIDE, assertThrows(UnsafePathException.class,
                () -> LocalTargets.check(root, root.resolve("../x"))).reason());
        assertEquals(Reason.OUTSIDE, assertThrows(UnsafePathException.class,
                () -> LocalTargets.check(root, root)).reason());
        assertEquals(Reason.OUTSIDE, assertThrows(UnsafePathException.class,
                () -> LocalTargets.check(root, tmp.resolve("rootless/x"))).reason(), "a sibling sharing a prefix");
        assertEquals(root.resolve("b"), LocalTargets.check(root, root.resolve("a/../b")));
        // the path returned is the one checked: through a link, "a/link/../b" would be somewhere else entirely
        Path outside = Files.createDirectories(tmp.resolve("outside/deep"));
        Files.createDirectories(root.resolve("a"));
        Files.createSymbolicLink(root.resolve("a/link"), outside);
        assertEquals(root.resolve("a/b"), LocalTargets.check(root, root.resolve("a/link/../b")));
    }

    @Test
    void createParentsMakesTheMissingFoldersAndNeverFollowsALink() throws Exception {
        assertEquals(root.resolve("a/b"), LocalTargets.createParents(root, root.resolve("a/b/c.txt")));
        assertTrue(Files.isDirectory(root.resolve("a/b"), LinkOption.NOFOLLOW_LINKS));
        Path fresh = tmp.resolve("not-yet/there");
        assertEquals(fresh.resolve("x"), LocalTargets.createParents(fresh, fresh.resolve("x/y.txt")), "the root too");

        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.createSymbolicLink(root.resolve("a/link"), outside);
        assertEquals(Reason.LINK, assertThrows(UnsafePathException.class,
                () -> LocalTargets.createParents(root, root.resolve("a/link/sub/x.txt"))).reason());
        assertFalse(Files.exists(outside.resolve("sub")), "nothing created through the link");

        Files.writeString(root.resolve("a/file"), "in the way");
        assertThrows(FileAlreadyExistsException.class, () -> LocalTargets.createParents(root, root.resolve("a/file/x")));
    }

    @Test
    void printableReplacesControlsAndLineBreaks() {
        assertEquals("a?b?c?d?e", LocalTargets.printable("a\u0000b\nc\u0085d\u2028e"));
        assertEquals("caf\u00e9 \u4e2d\u6587", LocalTargets.printable("caf\u00e9 \u4e2d\u6587"), "other characters stay");
    }
}
