/**
 * Content-defined chunking.
 *
 * <p>{@link dev.chunkvault.core.chunking.FastCdc} defines where chunks end (its Javadoc is the
 * specification other clients implement), from a {@link dev.chunkvault.core.chunking.ChunkingProfile} and
 * its {@link dev.chunkvault.core.chunking.GearTable}. {@link dev.chunkvault.core.chunking.Chunker} streams
 * an input through a bounded buffer, hashes each chunk and the whole content in the same pass, and hands
 * each {@link dev.chunkvault.core.chunking.Chunk} with its bytes to a
 * {@link dev.chunkvault.core.chunking.ChunkVisitor} (e.g. an uploader), or collects them into a
 * {@link dev.chunkvault.core.chunking.ChunkedContent} whose manifest entries go into a manifest.
 */
package dev.chunkvault.core.chunking;
