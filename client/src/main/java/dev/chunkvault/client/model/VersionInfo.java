package dev.chunkvault.client.model;

import java.time.Instant;

/**
 * A version of a file as the server describes it.
 *
 * @param deleted    true for a tombstone: this version deleted the file
 * @param executable the file's executable bit; null from a service that does not keep it (then nothing is said)
 * @param link       whether the version is a symbolic link (its content is the target path, UTF-8); null from a
 *                   service that does not keep links
 * @param folder     whether the version marks an empty folder (no content); null from a service that does not keep them
 * @param originalName where {@code path} holds a marked name (a name differing from a sibling's only by case, issue 21):
 *                   the file's own name, which a device that can hold it writes it under; else null
 */
public record VersionInfo(String path, String versionId, long seq, String parent, long size, String contentHash,
                          Instant clientMtime, Instant createdAt, boolean deleted, int chunkCount, Boolean executable,
                          Boolean link, Boolean folder, String originalName) {
    /** A version of a file stored under its own name. */
    public VersionInfo(String path, String versionId, long seq, String parent, long size, String contentHash,
                       Instant clientMtime, Instant createdAt, boolean deleted, int chunkCount, Boolean executable,
                       Boolean link, Boolean folder) {
        this(path, versionId, seq, parent, size, contentHash, clientMtime, createdAt, deleted, chunkCount, executable, link,
                folder, null);
    }

    /** A version from a service that does not say whether it marks an empty folder. */
    public VersionInfo(String path, String versionId, long seq, String parent, long size, String contentHash,
                       Instant clientMtime, Instant createdAt, boolean deleted, int chunkCount, Boolean executable,
                       Boolean link) {
        this(path, versionId, seq, parent, size, contentHash, clientMtime, createdAt, deleted, chunkCount, executable, link,
                null);
    }

    /** Whether the version marks an empty folder. */
    public boolean isFolder() {
        return Boolean.TRUE.equals(folder);
    }

    /** A version from a service that does not say whether it is a link. */
    public VersionInfo(String path, String versionId, long seq, String parent, long size, String contentHash,
                       Instant clientMtime, Instant createdAt, boolean deleted, int chunkCount, Boolean executable) {
        this(path, versionId, seq, parent, size, contentHash, clientMtime, createdAt, deleted, chunkCount, executable, null,
                null);
    }

    /** Whether the version is a symbolic link. */
    public boolean isLink() {
        return Boolean.TRUE.equals(link);
    }

    /** A version from a service that does not say whether it is executable. */
    public VersionInfo(String path, String versionId, long seq, String parent, long size, String contentHash,
                       Instant clientMtime, Instant createdAt, boolean deleted, int chunkCount) {
        this(path, versionId, seq, parent, size, contentHash, clientMtime, createdAt, deleted, chunkCount, null, null);
    }
}
