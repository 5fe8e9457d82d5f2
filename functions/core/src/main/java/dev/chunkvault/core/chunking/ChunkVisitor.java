package dev.chunkvault.core.chunking;

import java.io.IOException;
import java.nio.ByteBuffer;

/** Receives each chunk from a {@link Chunker}, in file order, as soon as it is cut and hashed. */
@FunctionalInterface
public interface ChunkVisitor {
    /**
     * Called once per chunk.
     *
     * @param chunk its offset, size and id
     * @param bytes the chunk's bytes: a read-only buffer from position 0 to limit {@code chunk.size()}. It
     *              is a view of the chunker's buffer, valid only during this call: copy what must outlive
     *              it
     * @throws IOException to abort chunking (e.g. a failed upload); the chunker rethrows it
     */
    void visit(Chunk chunk, ByteBuffer bytes) throws IOException;
}
