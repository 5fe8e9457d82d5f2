package dev.chunkvault.service.vault;

import dev.chunkvault.service.error.ServiceException;
import java.util.regex.Pattern;

/**
 * Sync replicas' ids: a sync client names itself in its commits (the {@code Chunkvault-Writer} header) and leaves its own
 * commits out of the change feed it reads ({@code exceptWriter}), so a device does not download the list of what it just
 * wrote. The id is random — the client makes a new one for each run of a sync and leaves out its folder's recent runs' —
 * never an account or a credential: it only decides which feed entries a caller is spared, never what it may read or
 * write.
 */
public final class Writers {
    /** 16 to 64 letters, digits, '-' or '_': the client's ids are 22 (128 random bits, base64url). */
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{16,64}");

    /** Ids one feed read may leave out ({@code exceptWriter}, comma-separated). */
    public static final int MAX_EXCEPT = 16;

    private Writers() {}

    /**
     * The ids of {@code csv} (comma-separated; null or empty: none), each checked as {@link #check}; more than
     * {@link #MAX_EXCEPT} is a 400 {@code INVALID_WRITER} too.
     */
    public static java.util.Set<String> checkAll(String csv, String where) {
        if (csv == null || csv.isEmpty()) {
            return java.util.Set.of();
        }
        String[] ids = csv.split(",", -1);
        if (ids.length > MAX_EXCEPT) {
            throw ServiceException.badRequest("INVALID_WRITER", where + " names at most " + MAX_EXCEPT + " writers.");
        }
        java.util.Set<String> out = new java.util.HashSet<>();
        for (String id : ids) {
            if (id.isEmpty()) {
                throw ServiceException.badRequest("INVALID_WRITER", where + " must be 16 to 64 letters, digits, '-' or '_'"
                        + " each, comma-separated.");
            }
            out.add(check(id, where));
        }
        return java.util.Set.copyOf(out);
    }

    /** {@code id} when it is null or a valid writer id; else a 400 {@code INVALID_WRITER} naming {@code where}. */
    public static String check(String id, String where) {
        if (id != null && !ID.matcher(id).matches()) {
            throw ServiceException.badRequest("INVALID_WRITER", where + " must be 16 to 64 letters, digits, '-' or '_'.");
        }
        return id;
    }
}
