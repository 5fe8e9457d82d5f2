package dev.chunkvault.client;

import dev.chunkvault.client.UnsafePathException.Reason;
import dev.chunkvault.core.paths.FileNames;
import dev.chunkvault.core.paths.FilePath;
import dev.chunkvault.core.paths.InvalidFilePathException;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Where a remote path may be written on this machine: the one check between a name the service lists (or anything
 * answering in its place: a compromised endpoint, a proxy) and a file created or replaced under a local folder.
 * Sync, pull, conflicted copies and {@link FilePuller}'s final rename all go through it.
 *
 * <h2>What is refused</h2>
 * <ul>
 *   <li>a path the service itself would not hold ({@link FilePath}): an empty name, {@code .} or {@code ..}, NUL or
 *       any other control character (a newline too), a backslash ({@code ..\x} climbs out on Windows), a name over
 *       255 bytes, more than 64 names or 4096 bytes;</li>
 *   <li>an absolute path ({@code /etc/x}), which {@link FilePath#parse} forgives in a path typed by a user but a
 *       listing never holds;</li>
 *   <li>a name that starts with a drive letter and a colon ({@code C:x}), at any depth: on Windows it names a
 *       place on another drive. Refused on every system, so that a listing means the same everywhere;</li>
 *   <li>on Windows, a name Windows cannot hold ({@code a:b} would write a stream of file {@code a});</li>
 *   <li>the client's own state folder at the top ({@code .chunkvault}, in any case or spelling that folds to it,
 *       see {@link #isStateFolder});</li>
 *   <li>a result outside the folder, compared as written (normalised) and as the file system resolves it (the
 *       real path of the deepest part that exists);</li>
 *   <li>a symbolic link anywhere between the folder and the file, or at the file itself: nothing is written
 *       through one. The folder itself may be a link: the user chose it (as {@code /tmp} is on macOS).</li>
 * </ul>
 *
 * <p>A check and the write that follows are two system calls: a local program that swaps a folder for a link in
 * between can still win the race. {@link FilePuller} narrows it by creating folders one at a time without
 * following links and checking again right before its atomic rename.
 */
public final class LocalTargets {
    /** The client's state folder at the top of a sync folder. */
    public static final String STATE_FOLDER = ".chunkvault";

    private LocalTargets() {}

    /**
     * Checks {@code path} by the rules for names alone (nothing on disk is looked at) and returns it parsed.
     *
     * @throws UnsafePathException if it may not be written anywhere
     */
    public static FilePath validate(String path) {
        if (path == null) {
            throw new UnsafePathException(null, Reason.INVALID_NAME, "is not a path");
        }
        if (path.startsWith("/")) {
            throw new UnsafePathException(path, Reason.ABSOLUTE, "is an absolute path");
        }
        FilePath p;
        try {
            p = FilePath.parse(path);
        } catch (InvalidFilePathException e) {
            throw new UnsafePathException(path, Reason.INVALID_NAME, "is not a valid path (" + e.reason() + ")");
        }
        for (String name : p.names()) {
            if (name.length() >= 2 && name.charAt(1) == ':' && isAsciiLetter(name.charAt(0))) {
                throw new UnsafePathException(path, Reason.DRIVE_LETTER, "starts a name with a drive letter ('"
                        + name.substring(0, 2) + "'), a place on another drive on Windows");
            }
        }
        if (isStateFolder(path)) {
            throw new UnsafePathException(path, Reason.STATE_FOLDER, "is in the client's state folder ("
                    + STATE_FOLDER + ")");
        }
        return p;
    }

    /**
     * The file for remote path {@code path} under {@code root} ('/'-separated, relative to it), after every check of
     * the class comment. Nothing is created.
     *
     * @return the file, absolute and normalised
     * @throws UnsafePathException if it may not be written there
     */
    public static Path resolve(Path root, String path) throws IOException {
        FilePath p = validate(path);
        Path base = root.toAbsolutePath().normalize();
        boolean windows = "\\".equals(base.getFileSystem().getSeparator());
        Path target = base;
        for (String name : p.names()) {
            if (windows && !FileNames.isWindowsPortable(name)) {
                throw new UnsafePathException(path, Reason.NOT_PORTABLE, "has a name Windows cannot hold");
            }
            Path one;
            try {
                one = base.getFileSystem().getPath(name);
            } catch (InvalidPathException e) {
                throw new UnsafePathException(path, Reason.INVALID_NAME, "cannot be a file name here");
            }
            // What the file system makes of the name must be that one name: not a root, a drive, or two names.
            if (one.isAbsolute() || one.getRoot() != null || one.getNameCount() != 1 || !one.toString().equals(name)) {
                throw new UnsafePathException(path, Reason.INVALID_NAME, "is not a plain file name here");
            }
            target = target.resolve(one);
        }
        return check(base, target, path, false);
    }

    /**
     * Checks that {@code target} lies under {@code root} with no symbolic link on the way or at it, and returns it
     * normalised: that is the path to write, as the check holds for exactly it ({@code a/link/../b} would not).
     *
     * @throws UnsafePathException if it may not be written
     */
    public static Path check(Path root, Path target) throws IOException {
        return check(root.toAbsolutePath().normalize(), target, null, false);
    }

    /**
     * As {@link #check}, for a target that is about to be replaced by a rename (which replaces a link there and never
     * follows it): a symbolic link AT the target is allowed, and not looked through; one on the way is refused as ever.
     * For syncing links as links ({@code --links}) only.
     */
    public static Path checkReplacing(Path root, Path target) throws IOException {
        return check(root.toAbsolutePath().normalize(), target, null, true);
    }

    /**
     * Creates the folders between {@code root} and {@code target} that are missing, one at a time and never through
     * a symbolic link ({@code root} itself as named), after {@link #check}.
     *
     * @return the folder that holds {@code target} (normalised)
     * @throws UnsafePathException        if a link is on the way
     * @throws FileAlreadyExistsException if something that is not a folder is on the way
     */
    public static Path createParents(Path root, Path target) throws IOException {
        return createParents(root, target, false);
    }

    /** As {@link #createParents(Path, Path)}; with {@code replacing}, a link at the target is allowed ({@link #checkReplacing}). */
    public static Path createParents(Path root, Path target, boolean replacing) throws IOException {
        Path base = root.toAbsolutePath().normalize();
        Path t = check(base, target, null, replacing);
        Files.createDirectories(base);
        Path dir = base;
        for (int i = base.getNameCount(); i < t.getNameCount() - 1; i++) {
            dir = dir.resolve(t.getName(i));
            try {
                Files.createDirectory(dir); // mkdir: a link already there is not followed, it is "already exists"
            } catch (FileAlreadyExistsException there) {
                // looked at next
            }
            BasicFileAttributes a = Files.readAttributes(dir, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (a.isSymbolicLink()) {
                throw new UnsafePathException(t.toString(), Reason.LINK, "lies under a symbolic link ('"
                        + printable(base.relativize(dir).toString()) + "'); nothing is written through one");
            }
            if (!a.isDirectory()) {
                throw new FileAlreadyExistsException(dir.toString(), null, "not a folder");
            }
        }
        return t.getParent();
    }

    private static Path check(Path base, Path target, String remote, boolean linkAtTarget) throws IOException {
        String shown = remote != null ? remote : target.toString();
        Path t = target.toAbsolutePath().normalize();
        if (!t.startsWith(base) || t.equals(base)) {
            throw new UnsafePathException(shown, Reason.OUTSIDE, "would be written outside " + base);
        }
        Path deepest = base;
        for (int i = base.getNameCount(); i < t.getNameCount(); i++) {
            Path p = deepest.resolve(t.getName(i));
            BasicFileAttributes a;
            try {
                a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException notYet) {
                break; // and nothing below it exists either
            }
            if (a.isSymbolicLink() && linkAtTarget && p.equals(t)) {
                break; // replaced by a rename, never followed: the real-path check stops at its folder
            }
            if (a.isSymbolicLink()) {
                throw new UnsafePathException(shown, Reason.LINK, p.equals(t)
                        ? "is a symbolic link here; it is not replaced"
                        : "lies under a symbolic link ('" + printable(base.relativize(p).toString())
                                + "'); nothing is written through one");
            }
            deepest = p;
            if (!a.isDirectory()) {
                break; // a file on the way: nothing is below it (writing there fails, and writes nothing)
            }
        }
        // Links are not the only way a folder can lead elsewhere (a Windows junction is not reported as one): what
        // exists must also resolve to a place under the folder's own real path.
        if (Files.exists(base) && !deepest.toRealPath().startsWith(base.toRealPath())) {
            throw new UnsafePathException(shown, Reason.OUTSIDE, "resolves to a place outside " + base);
        }
        return t;
    }

    /**
     * Whether {@code relPath} ('/'-separated, relative to a sync folder) is the state folder or in it, in any case or
     * Unicode spelling (folded as names are on the server): on macOS and Windows {@code .Chunkvault/x} is a file
     * inside {@code .chunkvault}, and a remote file so named must never be written there.
     *
     * <p>Format characters fold away however many there are ({@code ".chunk\u200Cvault"} is the state folder too,
     * and HFS+ even ignores them in names), so only what is left is measured: a name of more than 64 characters
     * once they are dropped cannot fold to 11, and is not normalised at all.
     */
    public static boolean isStateFolder(String relPath) {
        int slash = relPath.indexOf('/');
        String first = slash < 0 ? relPath : relPath.substring(0, slash);
        if (first.length() != STATE_FOLDER.length() && FileNames.isAscii(first)) {
            return false; // an ASCII name folds to one of the same length (asked for every file of a scan)
        }
        StringBuilder visible = new StringBuilder();
        first.codePoints().filter(cp -> Character.getType(cp) != Character.FORMAT).forEach(visible::appendCodePoint);
        return visible.length() <= 64 && FileNames.foldKey(visible.toString()).equals(STATE_FOLDER);
    }

    /** {@code s} safe to print on one line: control characters and line separators replaced by {@code ?}. */
    public static String printable(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(cp -> {
            if (Character.isISOControl(cp) || cp == 0x2028 || cp == 0x2029) {
                b.append('?');
            } else {
                b.appendCodePoint(cp);
            }
        });
        return b.toString();
    }

    private static boolean isAsciiLetter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }
}
