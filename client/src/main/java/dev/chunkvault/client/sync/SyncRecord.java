package dev.chunkvault.client.sync;

import dev.chunkvault.core.manifest.Manifest;

/**
 * What the last sync left a file as: the version the local copy is based on, and the local file's size, mtime
 * and content hash when it matched that version.
 *
 * @param pathKey  the fold key of the path (case and normalisation folded)
 * @param path     the path as it is spelled on this disk, relative to the sync root
 * @param manifest the base version's manifest (for manifest deltas and local chunk reuse)
 */
public record SyncRecord(String pathKey, String path, String version, long size, long mtimeMillis,
                         String contentHash, Manifest manifest) {}
