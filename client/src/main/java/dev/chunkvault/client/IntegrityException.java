package dev.chunkvault.client;

/**
 * Bytes did not match their hash: a downloaded chunk or file, or a local file that changed while it was being
 * read. Nothing was written or committed with those bytes.
 */
public final class IntegrityException extends ChunkvaultException {
    public IntegrityException(String message) {
        super(message);
    }
}
