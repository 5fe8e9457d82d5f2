package dev.chunkvault.core.hash;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The identity of a chunk: the SHA-256 of its bytes. Its text form is 64 lowercase hex digits, which is
 * also the S3 key suffix ({@code chunks/<hex>}). Instances are immutable and validated on construction,
 * so a {@code ChunkId} in hand is always well formed.
 */
public final class ChunkId implements Comparable<ChunkId> {
    public static final int BYTES = 32;
    public static final int HEX_LENGTH = 64;
    private static final HexFormat HEX = HexFormat.of();

    private final byte[] digest;
    private final int hash;

    private ChunkId(byte[] digest) {
        this.digest = digest;
        this.hash = Arrays.hashCode(digest);
    }

    /** Wraps a 32-byte SHA-256 digest (copied). */
    public static ChunkId ofDigest(byte[] digest) {
        if (digest == null || digest.length != BYTES) {
            throw new IllegalArgumentException("a chunk id is a 32-byte SHA-256 digest");
        }
        return new ChunkId(digest.clone());
    }

    /** Reads 32 bytes at {@code offset}. */
    public static ChunkId ofDigest(byte[] buffer, int offset) {
        if (offset < 0 || offset + BYTES > buffer.length) {
            throw new IllegalArgumentException("a chunk id is a 32-byte SHA-256 digest");
        }
        return new ChunkId(Arrays.copyOfRange(buffer, offset, offset + BYTES));
    }

    /**
     * Parses the text form. Only 64 lowercase hex digits are accepted: one chunk has exactly one name,
     * so ids can be compared and used as keys as text.
     *
     * @throws IllegalArgumentException if {@code hex} is not 64 lowercase hex digits
     */
    public static ChunkId parse(String hex) {
        if (!isValid(hex)) {
            throw new IllegalArgumentException("a chunk id is 64 lowercase hex digits");
        }
        return new ChunkId(HEX.parseHex(hex));
    }

    /** True when {@code hex} is 64 lowercase hex digits. */
    public static boolean isValid(String hex) {
        if (hex == null || hex.length() != HEX_LENGTH) {
            return false;
        }
        for (int i = 0; i < HEX_LENGTH; i++) {
            char c = hex.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return true;
    }

    /** SHA-256 of {@code data[offset, offset+length)}. */
    public static ChunkId sha256(byte[] data, int offset, int length) {
        MessageDigest md = Sha256.newDigest();
        md.update(data, offset, length);
        return new ChunkId(md.digest());
    }

    public static ChunkId sha256(byte[] data) {
        return sha256(data, 0, data.length);
    }

    /** A copy of the 32 digest bytes. */
    public byte[] toBytes() {
        return digest.clone();
    }

    /** Writes the 32 digest bytes into {@code target} at {@code offset}. */
    public void writeTo(byte[] target, int offset) {
        System.arraycopy(digest, 0, target, offset, BYTES);
    }

    public String hex() {
        return HEX.formatHex(digest);
    }

    /** Base64 of the digest: the form S3's {@code x-amz-checksum-sha256} uses. */
    public String base64() {
        return java.util.Base64.getEncoder().encodeToString(digest);
    }

    @Override
    public int compareTo(ChunkId o) {
        return Arrays.compareUnsigned(digest, o.digest);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ChunkId other && hash == other.hash && Arrays.equals(digest, other.digest);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return hex();
    }
}
