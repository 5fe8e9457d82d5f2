package dev.chunkvault.client;

import java.util.Objects;

/**
 * A remote path that is not written here: see {@link LocalTargets}. The message quotes the path with control
 * characters replaced, so it is safe to print on one line; {@link #path()} is the path as it was given.
 */
public final class UnsafePathException extends ChunkvaultException {

    /** Why a path is not written; stable, for scripts ({@code --json}). */
    public enum Reason {
        /** Not a valid path by the service's own rules (core FilePath): {@code ..}, NUL, a backslash, too long… */
        INVALID_NAME,
        /** An absolute path ({@code /etc/x}): paths are relative to a folder. */
        ABSOLUTE,
        /** A name starting with a drive letter and a colon ({@code C:x}): another drive on Windows. */
        DRIVE_LETTER,
        /** A name Windows cannot hold ({@code a:b} is a stream of file {@code a} there), on Windows. */
        NOT_PORTABLE,
        /** Inside the client's own state folder, {@code .chunkvault}, in any spelling that folds to it. */
        STATE_FOLDER,
        /** Outside the folder it was to be written in. */
        OUTSIDE,
        /** Under a symbolic link below the folder, or a symbolic link itself: nothing is written through one. */
        LINK
    }

    private final transient String path;
    private final Reason reason;
    private final String why;

    public UnsafePathException(String path, Reason reason, String why) {
        super("'" + LocalTargets.printable(String.valueOf(path)) + "' " + why);
        this.path = path;
        this.reason = Objects.requireNonNull(reason, "reason");
        this.why = why;
    }

    /** The path as it was given (it may hold any character). */
    public String path() {
        return path;
    }

    public Reason reason() {
        return reason;
    }

    /** What is wrong, without the path: "is an absolute path". */
    public String why() {
        return why;
    }
}
