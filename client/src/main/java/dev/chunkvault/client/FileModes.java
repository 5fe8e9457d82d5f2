package dev.chunkvault.client;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

/**
 * The executable bit of a file, kept as git and Dropbox keep it: one bit, not the whole mode. A file is executable when
 * its owner may execute it; an executable file pulled here gets x wherever it has r (owner, group, others, like git's
 * 0755 from 0644 under the usual umask), a plain one loses every x. Never follows a symbolic link.
 *
 * <p>Where the file system has no POSIX modes (Windows, or a mount that does not keep them: {@link #kept}), the bit is
 * unknown here: nothing is read from the disk and nothing is set.
 */
public final class FileModes {
    private FileModes() {}

    /** The file's executable bit, or null where the file system has no POSIX modes. */
    public static Boolean executable(Path file) throws IOException {
        PosixFileAttributeView view = Files.getFileAttributeView(file, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        if (view == null) {
            return null;
        }
        try {
            return view.readAttributes().permissions().contains(PosixFilePermission.OWNER_EXECUTE);
        } catch (UnsupportedOperationException notPosix) {
            return null;
        }
    }

    /** The bit of attributes read with a walk (no further call when they are POSIX ones), or null. */
    public static Boolean executable(Path file, java.nio.file.attribute.BasicFileAttributes attrs) throws IOException {
        if (attrs instanceof java.nio.file.attribute.PosixFileAttributes p) {
            return p.permissions().contains(PosixFilePermission.OWNER_EXECUTE);
        }
        return executable(file);
    }

    /**
     * Sets or clears the bit: set, each class that may read the file may execute it; cleared, none may. A file system
     * without POSIX modes, or one that refuses the change, is left as it is.
     *
     * @return whether the file's mode is now as asked (false where modes are not kept or could not be set)
     */
    public static boolean apply(Path file, boolean executable) {
        PosixFileAttributeView view = Files.getFileAttributeView(file, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        if (view == null) {
            return false;
        }
        try {
            Set<PosixFilePermission> now = view.readAttributes().permissions();
            Set<PosixFilePermission> want = withBit(now, executable);
            if (!want.equals(now)) {
                view.setPermissions(want);
            }
            return true;
        } catch (UnsupportedOperationException | IOException notKept) {
            return false;
        }
    }

    /** {@code perms} with x where r is (executable), or with no x at all. */
    static Set<PosixFilePermission> withBit(Set<PosixFilePermission> perms, boolean executable) {
        Set<PosixFilePermission> out = perms.isEmpty() ? EnumSet.noneOf(PosixFilePermission.class) : EnumSet.copyOf(perms);
        out.removeAll(EnumSet.of(PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.GROUP_EXECUTE,
                PosixFilePermission.OTHERS_EXECUTE));
        if (executable) {
            out.add(PosixFilePermission.OWNER_EXECUTE); // the owner always: that is what the bit means
            if (perms.contains(PosixFilePermission.GROUP_READ)) {
                out.add(PosixFilePermission.GROUP_EXECUTE);
            }
            if (perms.contains(PosixFilePermission.OTHERS_READ)) {
                out.add(PosixFilePermission.OTHERS_EXECUTE);
            }
        }
        return out;
    }

    /**
     * Whether the file system of folder {@code dir} keeps the executable bit, tried as git tries core.fileMode: a file
     * made there is given the bit and has it taken away, and both must stick (a FAT or SMB mount answers with modes it
     * does not keep). False when the folder cannot be written.
     */
    public static boolean kept(Path dir) {
        Path probe = dir.resolve(".cv-mode-" + java.util.UUID.randomUUID() + ".probe");
        try {
            Files.createFile(probe);
            try {
                Boolean before = executable(probe);
                if (before == null) {
                    return false;
                }
                return apply(probe, !before) && Boolean.valueOf(!before).equals(executable(probe))
                        && apply(probe, before) && before.equals(executable(probe));
            } finally {
                Files.deleteIfExists(probe);
            }
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }
}
