package dev.chunkvault.client.sync;

import dev.chunkvault.client.ChunkvaultException;

/** Another sync of the same folder is running; this one did nothing. */
public final class SyncBusyException extends ChunkvaultException {
    public SyncBusyException(String message) {
        super(message);
    }
}
