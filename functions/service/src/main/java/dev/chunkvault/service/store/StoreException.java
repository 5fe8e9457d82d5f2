package dev.chunkvault.service.store;

/** Base of the storage ports' exceptions. Messages are for logs, never for API callers. */
public class StoreException extends RuntimeException {
    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
