package dev.chunkvault.client.model;

import java.time.Instant;

/**
 * A file's head as listings, the change feed and {@code GET /v1/file} show it.
 *
 * @param executable the head's executable bit; null from a service that does not keep it
 * @param link       whether the head is a symbolic link (its content is the target path); null from a service that
 *                   does not keep links (then it is a regular file)
 * @param folder     whether the head marks an empty folder (no content); null from a service that does not keep them
 * @param originalName the name the file has on devices that can hold it, where {@code path} holds a marked name because
 *                   the folder also holds a name differing only by case or Unicode form (issue 21); null for other files
 */
public record FileEntry(String path, String version, long size, String contentHash, boolean deleted,
                        Instant clientMtime, Instant updatedAt, Boolean executable, Boolean link, Boolean folder,
                        String originalName) {
    /** An entry of a file stored under its own name. */
    public FileEntry(String path, String version, long size, String contentHash, boolean deleted, Instant clientMtime,
                     Instant updatedAt, Boolean executable, Boolean link, Boolean folder) {
        this(path, version, size, contentHash, deleted, clientMtime, updatedAt, executable, link, folder, null);
    }

    /** An entry from a service that does not say whether the head is an empty folder's marker. */
    public FileEntry(String path, String version, long size, String contentHash, boolean deleted, Instant clientMtime,
                     Instant updatedAt, Boolean executable, Boolean link) {
        this(path, version, size, contentHash, deleted, clientMtime, updatedAt, executable, link, null);
    }

    /** Whether the head is a live marker of an empty folder. */
    public boolean isFolder() {
        return Boolean.TRUE.equals(folder) && !deleted;
    }

    /** An entry from a service that does not say whether the file is a link. */
    public FileEntry(String path, String version, long size, String contentHash, boolean deleted, Instant clientMtime,
                     Instant updatedAt, Boolean executable) {
        this(path, version, size, contentHash, deleted, clientMtime, updatedAt, executable, null, null);
    }

    /** Whether the head is a symbolic link. */
    public boolean isLink() {
        return Boolean.TRUE.equals(link);
    }

    /** An entry from a service that does not say whether the file is executable. */
    public FileEntry(String path, String version, long size, String contentHash, boolean deleted, Instant clientMtime,
                     Instant updatedAt) {
        this(path, version, size, contentHash, deleted, clientMtime, updatedAt, null, null);
    }
}
