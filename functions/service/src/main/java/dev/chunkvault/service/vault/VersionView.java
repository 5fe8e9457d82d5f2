package dev.chunkvault.service.vault;

import java.time.Instant;

/**
 * A version as callers see it.
 *
 * @param deleted    true for a tombstone (the file was deleted by this version)
 * @param executable the file's executable bit
 * @param link       whether the version is a symbolic link (its content is the target path)
 * @param folder     whether the version marks an empty folder (no content)
 * @param originalName the name the file has where its {@code path} holds a marked name (see {@link VersionRow}), or null
 */
public record VersionView(String path, String versionId, long seq, String parent, long size, String contentHash,
                          Instant clientMtime, Instant createdAt, boolean deleted, int chunkCount,
                          boolean executable, boolean link, boolean folder, String originalName) {
    static VersionView of(VersionRow v) {
        return new VersionView(v.displayPath(), v.versionId(), v.seq(), v.parent(), v.size(), v.contentHash(),
                Instant.ofEpochMilli(v.mtime()), Instant.ofEpochMilli(v.createdAt()), v.tombstone(), v.chunkCount(),
                v.executable(), v.link(), v.folder(), v.originalName());
    }
}
