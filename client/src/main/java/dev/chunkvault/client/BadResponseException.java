package dev.chunkvault.client;

/** The server's answer could not be understood (malformed, truncated, or missing required fields). */
public final class BadResponseException extends ChunkvaultException {
    public BadResponseException(String message, Throwable cause) {
        super(message, cause);
    }
}
