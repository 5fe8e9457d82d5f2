/** Chunk compression (docs/compression.md): how a chunk is stored, and the bounded, checked decoding of it. */
package dev.chunkvault.core.compress;
