package dev.chunkvault.core.paths;

import java.util.Objects;

/**
 * A path or name was rejected. The {@link Reason} is stable and meant for API error bodies; the message
 * is for logs and never contains the rejected text itself, only positions and code points.
 */
public final class InvalidFilePathException extends IllegalArgumentException {

    /** Why a path or name was rejected. */
    public enum Reason {
        /** The path has no segments ({@code ""} or {@code "/"}). */
        EMPTY,
        /** A segment is empty: {@code a//b}, a trailing {@code /}, or a leading {@code //}. */
        EMPTY_SEGMENT,
        /** A segment is {@code .} or {@code ..}. */
        DOT_SEGMENT,
        /** NUL, another C0 control, DEL, a C1 control, or U+2028/U+2029 (line/paragraph separator). */
        CONTROL_CHAR,
        /** A backslash: a separator on Windows, so never part of a name here. */
        BACKSLASH,
        /** A {@code /} inside a single name (only names given one by one can contain one). */
        SLASH,
        /** A bidirectional embedding, override or isolate (U+202A–U+202E, U+2066–U+2069). */
        BIDI_CONTROL,
        /** A Unicode noncharacter (U+FDD0..U+FDEF, U+xxFFFE, U+xxFFFF): for internal use only, never in names. */
        NONCHARACTER,
        /** An unpaired UTF-16 surrogate: the text is not Unicode and has no UTF-8 form. */
        INVALID_UNICODE,
        /** The name consists only of invisible format characters (such as U+200B ZERO WIDTH SPACE). */
        INVISIBLE,
        /** A segment is longer than 255 UTF-8 bytes after NFC. */
        SEGMENT_TOO_LONG,
        /** The path has more than 64 segments. */
        TOO_DEEP,
        /** The path is longer than 4096 UTF-8 bytes after NFC. */
        PATH_TOO_LONG
    }

    private final Reason reason;

    public InvalidFilePathException(Reason reason, String message) {
        super(reason + ": " + message);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public Reason reason() {
        return reason;
    }
}
