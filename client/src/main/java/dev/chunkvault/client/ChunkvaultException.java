package dev.chunkvault.client;

/** Base of every failure the SDK reports. Messages are written for people and never carry secrets. */
public class ChunkvaultException extends RuntimeException {
    public ChunkvaultException(String message) {
        super(message);
    }

    public ChunkvaultException(String message, Throwable cause) {
        super(message, cause);
    }
}
