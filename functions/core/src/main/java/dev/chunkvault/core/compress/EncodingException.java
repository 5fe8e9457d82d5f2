package dev.chunkvault.core.compress;

/** Stored bytes that do not decode to the declared number of plain bytes (corrupt, truncated, or a bomb). */
public final class EncodingException extends RuntimeException {
    public EncodingException(String message) {
        super(message);
    }

    public EncodingException(String message, Throwable cause) {
        super(message, cause);
    }
}
