package dev.chunkvault.service.blob;

/** The object store failed or could not be reached; retryable. Messages are for logs only. */
public final class BlobStoreException extends RuntimeException {
    public BlobStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
