package dev.chunkvault.client.model;

import java.time.Instant;

/**
 * A version of a file as the server describes it.
 *
 * @param deleted true for a tombstone: this version deleted the file
 */
public record VersionInfo(String path, String versionId, long seq, String parent, long size, String contentHash,
                          Instant clientMtime, Instant createdAt, boolean deleted, int chunkCount) {}
