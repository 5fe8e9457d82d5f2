package dev.chunkvault.client;

import dev.chunkvault.core.chunking.Chunk;
import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.core.hash.Sha256;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Objects;

/**
 * Byte ranges of a local file read by position (the channel's own position is never used, so transfers share one
 * channel), a slice at a time. Pushes re-read each chunk from the file this way; pulls use it for chunks they find
 * on disk.
 */
final class FileRegions {
    /**
     * The most a single file read or write of a transfer moves. The JDK does file I/O from a heap buffer through a
     * temporary direct buffer of the same size, which each thread keeps: whole 8 MiB chunks read or written at once
     * by eight transfer threads would hold 64 MiB of direct memory (by default capped at the heap size).
     */
    static final int IO_SLICE = 256 << 10;

    private FileRegions() {}

    static byte[] readFully(FileChannel ch, long offset, int size) throws IOException {
        byte[] b = new byte[size];
        ByteBuffer buf = ByteBuffer.wrap(b);
        long pos = offset;
        while (buf.position() < b.length) {
            buf.limit(Math.min(b.length, buf.position() + IO_SLICE));
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new EOFException("file shorter than expected");
            }
            pos += n;
        }
        return b;
    }

    /** A chunk's bytes re-read from the file by offset, checked against its id. */
    static byte[] readChunk(Path file, FileChannel ch, Chunk c) throws IOException {
        byte[] b = readFully(ch, c.offset(), c.size());
        MessageDigest md = Sha256.newDigest();
        md.update(b);
        if (!ChunkId.ofDigest(md.digest()).equals(c.id())) {
            throw new LocalFileChangedException(file, "changed while it was being uploaded");
        }
        return b;
    }

    /** The SHA-256 of a chunk's range of the file as it is now, read in pieces. */
    static ChunkId regionId(FileChannel ch, Chunk c) throws IOException {
        MessageDigest md = Sha256.newDigest();
        ByteBuffer buf = ByteBuffer.allocate(64 << 10);
        long pos = c.offset();
        long end = c.offset() + c.size();
        while (pos < end) {
            buf.clear().limit((int) Math.min(buf.capacity(), end - pos));
            int n = ch.read(buf, pos);
            if (n < 0) {
                break; // shorter now: the hash cannot match
            }
            md.update(buf.array(), 0, n);
            pos += n;
        }
        return ChunkId.ofDigest(md.digest());
    }

    /** {@code length} bytes of a file from {@code offset}, by positional reads (the channel's position is not used). */
    static final class RegionInputStream extends InputStream {
        private final FileChannel ch;
        private long pos;
        private final long end;

        RegionInputStream(FileChannel ch, long offset, long length) {
            this.ch = ch;
            this.pos = offset;
            this.end = offset + length;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (pos >= end) {
                return -1;
            }
            if (len == 0) {
                return 0;
            }
            int n = ch.read(ByteBuffer.wrap(b, off, (int) Math.min(Math.min(len, IO_SLICE), end - pos)), pos);
            if (n < 0) {
                throw new EOFException("file shorter than expected");
            }
            pos += n;
            return n;
        }
    }
}
