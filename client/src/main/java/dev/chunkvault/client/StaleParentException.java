package dev.chunkvault.client;

import dev.chunkvault.client.model.VersionInfo;
import java.util.Optional;

/** A commit or delete named a parent that is no longer the head: someone else changed the file first. */
public final class StaleParentException extends ChunkvaultException {
    private final transient VersionInfo head;

    public StaleParentException(String path, VersionInfo head, Throwable cause) {
        super("'" + path + "' changed on the server since the version this copy is based on.", cause);
        this.head = head;
    }

    /** The current head, empty when the file does not exist (any more). */
    public Optional<VersionInfo> head() {
        return Optional.ofNullable(head);
    }
}
