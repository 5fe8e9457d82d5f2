package dev.chunkvault.core.hash;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;

/**
 * The hashes of a whole file's content, from a {@link ContentHasher}: its length, the SHA-256 of all its
 * bytes and, when it was asked for, Dropbox's {@code content_hash} (see {@link ContentHasher}). Immutable;
 * equal when all three are equal.
 */
public final class ContentHash {
    private static final HexFormat HEX = HexFormat.of();

    private final long length;
    private final byte[] sha256;
    private final byte[] dropboxContentHash;

    ContentHash(long length, byte[] sha256, byte[] dropboxContentHash) {
        if (length < 0) {
            throw new IllegalArgumentException("negative length");
        }
        this.length = length;
        this.sha256 = Objects.requireNonNull(sha256, "sha256");
        this.dropboxContentHash = dropboxContentHash;
    }

    /** Number of bytes hashed. */
    public long length() {
        return length;
    }

    /** A copy of the 32-byte SHA-256 of the content. */
    public byte[] sha256() {
        return sha256.clone();
    }

    /** The SHA-256 of the content as 64 lowercase hex digits. */
    public String sha256Hex() {
        return HEX.formatHex(sha256);
    }

    /** Dropbox's {@code content_hash} as 64 lowercase hex digits, if it was computed. */
    public Optional<String> dropboxContentHashHex() {
        return Optional.ofNullable(dropboxContentHash).map(HEX::formatHex);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ContentHash other
                && length == other.length
                && Arrays.equals(sha256, other.sha256)
                && Arrays.equals(dropboxContentHash, other.dropboxContentHash);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(sha256);
    }

    @Override
    public String toString() {
        return "ContentHash[length=" + length + ", sha256=" + sha256Hex()
                + dropboxContentHashHex().map(h -> ", dropbox=" + h).orElse("") + "]";
    }
}
