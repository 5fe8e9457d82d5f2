package dev.chunkvault.cli;

/**
 * The exit codes of {@code chunkvault}, stable for scripts.
 *
 * <pre>
 *   0  OK            done (for sync: everything in step)
 *   1  ERROR         the command failed (the message says why)
 *   2  USAGE         wrong options or arguments
 *   3  CONFLICTS     done, but conflicts are left (conflicted copies created, or colliding names; rewind: files skipped)
 *   4  AUTH          not signed in, session expired, or not allowed: run `chunkvault login`
 *   5  UNAVAILABLE   the service could not be reached or kept failing; nothing was lost, retry later
 *   6  INTEGRITY     bytes did not match their hashes (verify found differences; a download was refused)
 *   7  REFUSED       a safeguard held the command back (mass delete, overwriting a local change: use --force;
 *                    a folder synced with another account or endpoint: sync --rebind; remote names not safe to
 *                    write here, which pull skips while it pulls the rest)
 *   8  BUSY          another sync of the same folder is running; nothing was done, try again later
 * 130  INTERRUPTED   stopped by Ctrl-C; state is consistent, run the command again to resume
 * </pre>
 */
public final class ExitCodes {
    private ExitCodes() {}

    public static final int OK = 0;
    public static final int ERROR = 1;
    public static final int USAGE = 2;
    public static final int CONFLICTS = 3;
    public static final int AUTH = 4;
    public static final int UNAVAILABLE = 5;
    public static final int INTEGRITY = 6;
    public static final int REFUSED = 7;
    public static final int BUSY = 8;
    public static final int INTERRUPTED = 130;
}
