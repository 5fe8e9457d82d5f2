package dev.chunkvault.client.model;

import java.time.Instant;

/**
 * A file's head as listings, the change feed and {@code GET /v1/file} show it.
 *
 * @param executable the head's executable bit; null from a service that does not keep it
 */
public record FileEntry(String path, String version, long size, String contentHash, boolean deleted,
                        Instant clientMtime, Instant updatedAt, Boolean executable) {
    /** An entry from a service that does not say whether the file is executable. */
    public FileEntry(String path, String version, long size, String contentHash, boolean deleted, Instant clientMtime,
                     Instant updatedAt) {
        this(path, version, size, contentHash, deleted, clientMtime, updatedAt, null);
    }
}
