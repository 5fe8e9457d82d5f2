package dev.chunkvault.core.delta;

import java.util.Objects;

/**
 * A signature or delta was rejected: malformed, too large, or not matching the bytes it claims to
 * describe. The {@link Reason} is meant for mapping to an API error; the message is for logs only.
 */
public final class DeltaException extends RuntimeException {

    /** Why a signature or delta was rejected. */
    public enum Reason {
        /** The encoding is truncated, has trailing bytes, or breaks a structural rule of the format. */
        MALFORMED,
        /** The leading version byte names a format this build does not know. */
        UNSUPPORTED_VERSION,
        /** The output would exceed the caller's limit. */
        TOO_LARGE,
        /** The base bytes offered to the applier are not the length the delta was computed against. */
        BASE_MISMATCH,
        /** The rebuilt bytes do not hash to the delta's target id (wrong base, or corrupted delta). */
        TARGET_MISMATCH
    }

    private final Reason reason;

    public DeltaException(Reason reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public Reason reason() {
        return reason;
    }
}
