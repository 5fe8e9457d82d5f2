package dev.chunkvault.core.delta;

import dev.chunkvault.core.delta.DeltaException.Reason;
import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.core.hash.Sha256;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Objects;

/**
 * The rsync-style signature of a base chunk: for each block of the base, a {@linkplain RollingChecksum
 * weak rolling checksum} and a truncated strong hash, plus the base's length and {@link ChunkId} so that a
 * delta computed against it names its base.
 *
 * <h2>Block size</h2>
 * {@link #blockSizeFor(int)} picks {@code max(700, floor(sqrt(n)), ceil(n / maxBlocks(n)))} for a base of
 * {@code n} bytes, where {@code maxBlocks(n) = floor((n/50 - 41) / 12)} is the number of 12-byte block
 * entries that fit in 2% of {@code n} next to the 41-byte header:
 * <ul>
 *   <li>{@code sqrt(n)} is rsync's choice: it balances the signature (proportional to n/B) against the
 *       literal bytes one edit costs in a delta (about B);</li>
 *   <li>700 is rsync's minimum block size; at 12 bytes per block it alone costs 1.7%, below the 2% target;</li>
 *   <li>the third term only matters for chunks under about 30 KiB, where the fixed header takes a visible
 *       share of the 2%; it makes the bound hold by construction, for every length.</li>
 * </ul>
 * So a 256 KiB chunk gets 700-byte blocks (4,541-byte signature, 1.73%) and a 1 MiB chunk 1,024-byte blocks
 * (12,329 bytes, 1.18%). Bases under 2,650 bytes get no blocks at all: the signature is the 41-byte header
 * and a delta against it is one literal, which for such small chunks costs about what a block list would.
 * A block size is a function of the base length, so one base has exactly one v1 signature.
 *
 * <h2>Strong hash</h2>
 * The first 8 bytes of the block's SHA-256 (SHA-256 is hardware-accelerated on current x86 and ARM JVMs,
 * and already the chunk hash). 64 bits make an accidental false match negligible; a deliberately crafted
 * collision only makes the crafter's own delta rebuild to the wrong bytes, which {@link DeltaApplier}
 * rejects because it always checks the full SHA-256 of the result. A collision can therefore cost a
 * retry, never a silently corrupted chunk.
 *
 * <h2>Encoding (version 1)</h2>
 * <pre>
 *   u8       version = 1
 *   u32 BE   base length
 *   u32 BE   block size (0 exactly when the base is too short to have blocks)
 *   32 bytes base ChunkId (SHA-256 of the base)
 *   per block, in order (count = ceil(base length / block size)):
 *     u32 BE weak checksum, u64 BE first 8 bytes of SHA-256 of the block
 * </pre>
 * The last block is shorter when the block size does not divide the length. Decoding is strict: the
 * block size must be the one {@link #blockSizeFor(int)} gives and the input must end exactly after the
 * last block, so the memory a decoded signature takes is bounded by the input's size.
 */
public final class BlockSignature {
    public static final int VERSION = 1;
    /** rsync's minimum block size. */
    public static final int MIN_BLOCK_SIZE = 700;
    public static final int HEADER_BYTES = 1 + 4 + 4 + ChunkId.BYTES;
    public static final int BYTES_PER_BLOCK = 4 + 8;
    /** The signature of any base is at most this fraction of the base, once it has blocks. */
    private static final int MAX_OVERHEAD_DIVISOR = 50;

    private final ChunkId baseId;
    private final int baseLength;
    private final int blockSize;
    private final int[] weak;
    private final long[] strong;

    private BlockSignature(ChunkId baseId, int baseLength, int blockSize, int[] weak, long[] strong) {
        this.baseId = baseId;
        this.baseLength = baseLength;
        this.blockSize = blockSize;
        this.weak = weak;
        this.strong = strong;
    }

    /** The signature of {@code data}. */
    public static BlockSignature compute(byte[] data) {
        return compute(data, 0, data.length);
    }

    /** The signature of {@code data[offset, offset+length)}. */
    public static BlockSignature compute(byte[] data, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, data.length);
        ChunkId id = ChunkId.sha256(data, offset, length);
        int size = blockSizeFor(length);
        int count = blockCount(length, size);
        int[] weak = new int[count];
        long[] strong = new long[count];
        MessageDigest md = Sha256.newDigest();
        for (int i = 0; i < count; i++) {
            int start = offset + i * size;
            int len = Math.min(size, offset + length - start);
            weak[i] = RollingChecksum.of(data, start, len);
            strong[i] = strongHash(md, data, start, len);
        }
        return new BlockSignature(id, length, size, weak, strong);
    }

    /** The block size a base of {@code length} bytes is signed with; 0 when it is too short for blocks. */
    public static int blockSizeFor(int length) {
        if (length < 0) {
            throw new IllegalArgumentException("negative length");
        }
        int maxBlocks = (length / MAX_OVERHEAD_DIVISOR - HEADER_BYTES) / BYTES_PER_BLOCK;
        if (maxBlocks < 1) {
            return 0;
        }
        int sqrt = (int) Math.sqrt(length);
        int fitting = (int) ((length + (long) maxBlocks - 1) / maxBlocks);
        return Math.max(MIN_BLOCK_SIZE, Math.max(sqrt, fitting));
    }

    /** The size of the encoded signature of a base of {@code length} bytes. */
    public static int encodedLengthFor(int length) {
        return HEADER_BYTES + BYTES_PER_BLOCK * blockCount(length, blockSizeFor(length));
    }

    private static int blockCount(int length, int blockSize) {
        return blockSize == 0 ? 0 : (int) ((length + (long) blockSize - 1) / blockSize);
    }

    /** The first 8 bytes of the SHA-256 of {@code data[offset, offset+length)}, big-endian. */
    static long strongHash(MessageDigest md, byte[] data, int offset, int length) {
        md.update(data, offset, length);
        byte[] d = md.digest();
        long h = 0;
        for (int i = 0; i < 8; i++) {
            h = (h << 8) | (d[i] & 0xff);
        }
        return h;
    }

    public ChunkId baseId() {
        return baseId;
    }

    public int baseLength() {
        return baseLength;
    }

    /** The size of every block but possibly the last; 0 when there are no blocks. */
    public int blockSize() {
        return blockSize;
    }

    public int blockCount() {
        return weak.length;
    }

    /** Where block {@code index} starts in the base. */
    public int blockOffset(int index) {
        Objects.checkIndex(index, weak.length);
        return index * blockSize;
    }

    /** The length of block {@code index}: the block size, except possibly for the last block. */
    public int blockLength(int index) {
        Objects.checkIndex(index, weak.length);
        return Math.min(blockSize, baseLength - index * blockSize);
    }

    int weak(int index) {
        return weak[index];
    }

    long strong(int index) {
        return strong[index];
    }

    public int encodedLength() {
        return HEADER_BYTES + BYTES_PER_BLOCK * weak.length;
    }

    public byte[] encode() {
        byte[] out = new byte[encodedLength()];
        out[0] = VERSION;
        Wire.putInt(out, 1, baseLength);
        Wire.putInt(out, 5, blockSize);
        baseId.writeTo(out, 9);
        int pos = HEADER_BYTES;
        for (int i = 0; i < weak.length; i++) {
            Wire.putInt(out, pos, weak[i]);
            Wire.putInt(out, pos + 4, (int) (strong[i] >>> 32));
            Wire.putInt(out, pos + 8, (int) strong[i]);
            pos += BYTES_PER_BLOCK;
        }
        return out;
    }

    /**
     * Decodes an {@link #encode() encoded} signature.
     *
     * @throws DeltaException {@code UNSUPPORTED_VERSION} for an unknown version byte, {@code MALFORMED} for
     *                        anything else that is not exactly a v1 signature
     */
    public static BlockSignature decode(byte[] encoded) {
        Wire.Reader in = new Wire.Reader(encoded);
        int version = in.readUnsignedByte();
        if (version != VERSION) {
            throw new DeltaException(Reason.UNSUPPORTED_VERSION, "unknown signature version " + version);
        }
        int baseLength = in.readInt();
        int blockSize = in.readInt();
        ChunkId baseId = ChunkId.ofDigest(encoded, in.skip(ChunkId.BYTES));
        if (baseLength < 0) {
            throw Wire.malformed("negative base length");
        }
        if (blockSize != blockSizeFor(baseLength)) {
            throw Wire.malformed("block size " + blockSize + " is not the one for length " + baseLength);
        }
        int count = blockCount(baseLength, blockSize);
        if ((long) count * BYTES_PER_BLOCK != in.remaining()) {
            throw Wire.malformed("expected " + count + " blocks, found " + in.remaining() + " bytes");
        }
        int[] weak = new int[count];
        long[] strong = new long[count];
        for (int i = 0; i < count; i++) {
            weak[i] = in.readInt();
            strong[i] = in.readLong();
        }
        return new BlockSignature(baseId, baseLength, blockSize, weak, strong);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BlockSignature s && baseLength == s.baseLength && blockSize == s.blockSize
                && baseId.equals(s.baseId) && Arrays.equals(weak, s.weak) && Arrays.equals(strong, s.strong);
    }

    @Override
    public int hashCode() {
        return baseId.hashCode();
    }

    @Override
    public String toString() {
        return "BlockSignature[base=" + baseId + ", length=" + baseLength + ", blockSize=" + blockSize
                + ", blocks=" + weak.length + "]";
    }
}
