package dev.chunkvault.client;

import dev.chunkvault.core.hash.Sha256;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.HexFormat;

/**
 * Symbolic links kept as links ({@code --links}, like {@code rsync -l} and restic): a link's version holds its target
 * path as UTF-8 bytes, chunked and uploaded like a small file. The target is data: absolute or leading out of the
 * folder, it is stored and recreated as it is, and this code never follows a link, never reads or writes through one.
 */
public final class SymLinks {
    /** The longest target kept: PATH_MAX on Linux, the service's limit too. */
    public static final int MAX_TARGET_BYTES = 4096;

    private SymLinks() {}

    /** A link that cannot be kept or made here; it is skipped with a warning and not recorded as synced. */
    public static final class NotSyncedException extends ChunkvaultException {
        public NotSyncedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The target of link {@code link}, as the file system spells it (never followed). */
    public static String target(Path link) throws IOException {
        return Files.readSymbolicLink(link).toString();
    }

    /** A target's content: its UTF-8 bytes. */
    public static byte[] bytes(String target) {
        return target.getBytes(StandardCharsets.UTF_8);
    }

    /** SHA-256 (hex) of a target's content, as a version's content hash. */
    public static String contentHash(String target) {
        return HexFormat.of().formatHex(Sha256.newDigest().digest(bytes(target)));
    }

    /** The target a link version's content names: strict UTF-8, no NUL, at most {@link #MAX_TARGET_BYTES}. */
    public static String decode(String remotePath, byte[] content) {
        if (content.length == 0 || content.length > MAX_TARGET_BYTES) {
            throw new NotSyncedException("'" + LocalTargets.printable(remotePath) + "' is a symbolic link whose target is "
                    + (content.length == 0 ? "empty" : "longer than " + MAX_TARGET_BYTES + " bytes") + "; not made here", null);
        }
        try {
            String t = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(content)).toString();
            if (t.indexOf('\0') >= 0) {
                throw new NotSyncedException("'" + LocalTargets.printable(remotePath) + "' is a symbolic link whose"
                        + " target holds a NUL; not made here", null);
            }
            return t;
        } catch (CharacterCodingException e) {
            throw new NotSyncedException("'" + LocalTargets.printable(remotePath) + "' is a symbolic link whose target"
                    + " is not UTF-8; not made here", e);
        }
    }

    /**
     * Writes a link's target bytes to a new regular file in {@code tempDir} ({@code .cv-*.part}, cleaned like a
     * download's), to be chunked and pushed like a small file: the link itself is never opened.
     */
    public static Path stage(String target, Path tempDir) throws IOException {
        Files.createDirectories(tempDir);
        Path staged = tempDir.resolve(".cv-" + java.util.UUID.randomUUID() + ".part");
        Files.write(staged, bytes(target), java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE);
        return staged;
    }

    /** Whether {@code path} is still the link to {@code target} it was seen as (absent when {@code target} is null). */
    public static boolean unchanged(Path path, String target) throws IOException {
        if (!Files.isSymbolicLink(path)) {
            return false;
        }
        try {
            return target(path).equals(target);
        } catch (java.nio.file.NoSuchFileException | java.nio.file.NotLinkException gone) {
            return false;
        }
    }

    /**
     * Makes {@code target} a symbolic link to {@code linkTarget}: the link is created under a temporary name in
     * {@code tempDir} (on the folder's file system) and renamed over {@code target} atomically, after {@code guard}
     * allowed it; a link already at {@code target} is replaced, never followed, and no link may lie on the way from
     * {@code root} (checked first and again right before the rename, as {@link FilePuller#install} does).
     *
     * @return the new link's own attributes (lstat)
     * @throws NotSyncedException the file system or OS cannot make a link (Windows without the privilege, FAT…)
     */
    public static BasicFileAttributes install(Path tempDir, Path root, Path target, String linkTarget,
                                              FilePuller.ReplaceGuard guard, long mtimeMillis) throws IOException {
        Path t = LocalTargets.checkReplacing(root, target);
        if (Files.isDirectory(t, LinkOption.NOFOLLOW_LINKS)) {
            throw new LocalFileChangedException(target, "is a folder; the link was not made");
        }
        if (!guard.mayReplace(t)) {
            throw new LocalFileChangedException(target, "has local changes that are not synced; it was not replaced");
        }
        Path parent = LocalTargets.createParents(root, t, true);
        Path dir = tempDir != null ? tempDir : parent;
        Files.createDirectories(dir);
        Path temp = dir.resolve(".cv-" + java.util.UUID.randomUUID() + ".part");
        try {
            Path to;
            try {
                to = temp.getFileSystem().getPath(linkTarget);
            } catch (InvalidPathException e) {
                throw new NotSyncedException("'" + LocalTargets.printable(t.toString()) + "': its link target cannot be"
                        + " a path here; the link was not made", e);
            }
            try {
                Files.createSymbolicLink(temp, to);
            } catch (UnsupportedOperationException | FileSystemException e) {
                throw new NotSyncedException("symbolic links cannot be made here (" + e.getClass().getSimpleName()
                        + "); '" + LocalTargets.printable(t.toString()) + "' was not made", e);
            }
            try {
                Files.getFileAttributeView(temp, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                        .setTimes(FileTime.fromMillis(mtimeMillis), null, null); // the link's own time (lutimes)
            } catch (IOException | UnsupportedOperationException notKept) {
                // a link's time is not kept everywhere; the link is still right
            }
            LocalTargets.checkReplacing(root, t);
            try {
                Files.move(temp, t, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("cannot rename atomically into " + parent + " (another file system?)", e);
            }
            FilePuller.fsyncDir(parent);
            return Files.readAttributes(t, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
