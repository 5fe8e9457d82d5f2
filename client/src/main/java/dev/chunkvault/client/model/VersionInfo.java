package dev.chunkvault.client.model;

import java.time.Instant;

/**
 * A version of a file as the server describes it.
 *
 * @param deleted    true for a tombstone: this version deleted the file
 * @param executable the file's executable bit; null from a service that does not keep it (then nothing is said)
 */
public record VersionInfo(String path, String versionId, long seq, String parent, long size, String contentHash,
                          Instant clientMtime, Instant createdAt, boolean deleted, int chunkCount, Boolean executable) {
    /** A version from a service that does not say whether it is executable. */
    public VersionInfo(String path, String versionId, long seq, String parent, long size, String contentHash,
                       Instant clientMtime, Instant createdAt, boolean deleted, int chunkCount) {
        this(path, versionId, seq, parent, size, contentHash, clientMtime, createdAt, deleted, chunkCount, null);
    }
}
