/**
 * Compression library comparison for issue 18, item 4 (docs/compression.md): zstd-jni (native) against
 * aircompressor (pure Java) on chunk sets cut by the client's own chunking policy.
 */
package dev.chunkvault.bench.compression;
