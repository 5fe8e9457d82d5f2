package dev.chunkvault.client.sync;

import dev.chunkvault.client.ChunkvaultException;

/** A safeguard stopped a sync before it changed anything (e.g. the folder belongs to another account). */
public final class SyncRefusedException extends ChunkvaultException {
    public SyncRefusedException(String message) {
        super(message);
    }
}
