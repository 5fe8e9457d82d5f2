package dev.chunkvault.client;

/** The server could not be reached, or kept answering "unavailable", after all retries. */
public final class TransportException extends ChunkvaultException {
    public TransportException(String message, Throwable cause) {
        super(message, cause);
    }
}
