/**
 * SHA-256 identities: {@link dev.chunkvault.core.hash.ChunkId} names a chunk,
 * {@link dev.chunkvault.core.hash.ContentHasher} hashes a whole file's content (SHA-256, and Dropbox's
 * {@code content_hash} on request) into a {@link dev.chunkvault.core.hash.ContentHash}.
 */
package dev.chunkvault.core.hash;
