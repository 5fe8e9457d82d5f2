package dev.chunkvault.core.hash;

import java.security.MessageDigest;
import java.util.Objects;

/**
 * Incremental hash of a whole file's content, fed in order with {@link #update}: the SHA-256 of all the
 * bytes and, optionally, Dropbox's {@code content_hash}.
 *
 * <p>Dropbox's {@code content_hash} splits the content into blocks of {@value #DROPBOX_BLOCK_SIZE} bytes
 * (4 MiB; the last may be shorter), takes the SHA-256 of each block, and is the SHA-256 of the
 * concatenation of those 32-byte digests; an empty file has no blocks, so its hash is the SHA-256 of
 * nothing. It costs one more SHA-256 pass over every byte (nothing can be shared with the file's own
 * SHA-256), which is why it is off unless asked for ({@link #withDropboxContentHash()}).
 *
 * <p>Not thread-safe; single use: {@link #finish()} ends it.
 */
public final class ContentHasher {
    /** Dropbox's {@code content_hash} block size: 4 MiB. */
    public static final int DROPBOX_BLOCK_SIZE = 4 << 20;

    private final MessageDigest sha256 = Sha256.newDigest();
    /** Null unless the Dropbox content hash was asked for. */
    private final MessageDigest dropboxBlock;
    private final MessageDigest dropboxOuter;
    private int dropboxBlockFill;
    private long length;
    private boolean finished;

    private ContentHasher(boolean dropbox) {
        this.dropboxBlock = dropbox ? Sha256.newDigest() : null;
        this.dropboxOuter = dropbox ? Sha256.newDigest() : null;
    }

    /** A hasher computing the SHA-256 of the content only. */
    public static ContentHasher sha256Only() {
        return new ContentHasher(false);
    }

    /** A hasher computing the SHA-256 and Dropbox's {@code content_hash} (twice the hashing work). */
    public static ContentHasher withDropboxContentHash() {
        return new ContentHasher(true);
    }

    /** True when this hasher also computes Dropbox's {@code content_hash}. */
    public boolean computesDropboxContentHash() {
        return dropboxBlock != null;
    }

    /** Hashes {@code data[offset, offset+len)}, which follow everything hashed so far. */
    public void update(byte[] data, int offset, int len) {
        Objects.checkFromIndexSize(offset, len, data.length);
        if (finished) {
            throw new IllegalStateException("finish() was called");
        }
        sha256.update(data, offset, len);
        length += len;
        if (dropboxBlock != null) {
            while (len > 0) {
                int n = Math.min(len, DROPBOX_BLOCK_SIZE - dropboxBlockFill);
                dropboxBlock.update(data, offset, n);
                dropboxBlockFill += n;
                offset += n;
                len -= n;
                if (dropboxBlockFill == DROPBOX_BLOCK_SIZE) {
                    dropboxOuter.update(dropboxBlock.digest());
                    dropboxBlockFill = 0;
                }
            }
        }
    }

    /** The hashes of everything passed to {@link #update}. Call once. */
    public ContentHash finish() {
        if (finished) {
            throw new IllegalStateException("finish() was called");
        }
        finished = true;
        byte[] dropbox = null;
        if (dropboxBlock != null) {
            if (dropboxBlockFill > 0) {
                dropboxOuter.update(dropboxBlock.digest());
            }
            dropbox = dropboxOuter.digest();
        }
        return new ContentHash(length, sha256.digest(), dropbox);
    }
}
