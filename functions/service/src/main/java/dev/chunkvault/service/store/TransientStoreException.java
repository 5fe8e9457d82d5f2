package dev.chunkvault.service.store;

/**
 * The store could not answer now, and the write may or may not have happened: throttling, a conflicting
 * concurrent transaction, a timeout or a lost response, after the adapter's own retries. Protocols must
 * resolve the outcome by re-reading (every write here is idempotent or guarded), or give up with a
 * retryable error.
 */
public final class TransientStoreException extends StoreException {
    public enum Kind { THROTTLED, CONFLICT, UNAVAILABLE }

    private final Kind kind;

    public TransientStoreException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
