package dev.chunkvault.client.model;

import java.time.Instant;

/** A file's head as listings, the change feed and {@code GET /v1/file} show it. */
public record FileEntry(String path, String version, long size, String contentHash, boolean deleted,
                        Instant clientMtime, Instant updatedAt) {}
