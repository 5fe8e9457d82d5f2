package dev.chunkvault.core.delta;

import dev.chunkvault.core.hash.Sha256;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Objects;

/**
 * Finds the blocks of a {@link BlockSignature} in other bytes: the search both directions of delta sync
 * share. A sender holding new bytes scans them against the signature of the receiver's base to build a
 * {@link Delta} ({@link DeltaEncoder}); a puller holding a signature of the bytes it wants scans its local
 * files with {@link #locate} to learn which blocks it already has and needs not download.
 *
 * <p>The scan is rsync's: the full-size blocks are indexed in a hash table on their weak checksum; a window
 * of one block size rolls over the data one byte at a time; a weak hit is confirmed by the strong hash. On
 * a match the scan jumps a whole block ahead, so matches never overlap. When several blocks match, the one
 * following the previous match is preferred, so runs of identical blocks (zeros) still coalesce into one
 * copy. A shorter last block is looked for where it is likely, not at every offset: right after its
 * predecessor matched, and at the very end of the data. A shifted tail that follows an edited last full
 * block is therefore missed and costs at most one block of literal bytes.
 *
 * <p>Cost: O(n) rolling steps plus one strong hash per match. A weak hit that the strong hash refutes is
 * rare in honest data (about 2^-32 per block and offset), but a crafted signature whose blocks all share
 * the weak checksum of a zero window would cause one at every offset of zero-filled data: a SHA-256 and a
 * comparison with every block per byte, seconds per MiB. So a scan allows one refuted hit per block size of
 * data, plus {@value #REFUTED_HIT_ALLOWANCE}; once they are spent it stops matching and the rest of the
 * data stays unmatched (literal in a delta). That bounds the extra work to about one more hashing pass, and
 * can only make a delta larger, never wrong.
 *
 * <p>Instances are immutable and may be shared between threads.
 */
public final class BlockMatcher {

    /** Receives matches, in increasing, non-overlapping data offsets. */
    @FunctionalInterface
    public interface MatchSink {
        /** Block {@code blockIndex} of the signature equals the data at {@code offset} (an array index). */
        void match(int offset, int blockIndex);
    }

    private static final int GOLDEN = 0x9E3779B1;
    static final int REFUTED_HIT_ALLOWANCE = 64;
    /** {@link #find} results besides a block index. */
    private static final int NO_CANDIDATE = -1;
    private static final int REFUTED = -2;

    private final BlockSignature signature;
    private final int blockSize;
    /** Blocks of exactly {@code blockSize} bytes: the ones the rolling window can find. */
    private final int fullBlocks;
    /** Length of a shorter last block, or 0 when the block size divides the base length. */
    private final int tailLength;
    private final int tableShift;
    /** Blocks with a weak checksum hashing to bucket {@code k} are {@code entries[start[k] .. start[k+1])}. */
    private final int[] start;
    private final int[] entries;

    public BlockMatcher(BlockSignature signature) {
        this.signature = Objects.requireNonNull(signature, "signature");
        this.blockSize = signature.blockSize();
        this.fullBlocks = blockSize == 0 ? 0 : signature.baseLength() / blockSize;
        this.tailLength = signature.blockCount() - fullBlocks == 1 ? signature.blockLength(fullBlocks) : 0;
        // At least twice as many buckets as blocks keeps most buckets empty, so most offsets cost one load.
        int bits = Math.max(1, 32 - Integer.numberOfLeadingZeros(Math.max(1, fullBlocks * 2 - 1)));
        this.tableShift = 32 - bits;
        this.start = new int[(1 << bits) + 1];
        this.entries = new int[fullBlocks];
        for (int i = 0; i < fullBlocks; i++) {
            start[bucket(signature.weak(i)) + 1]++;
        }
        for (int k = 1; k < start.length; k++) {
            start[k] += start[k - 1];
        }
        int[] fill = Arrays.copyOf(start, start.length - 1);
        for (int i = 0; i < fullBlocks; i++) {
            entries[fill[bucket(signature.weak(i))]++] = i;
        }
    }

    /**
     * Scans {@code data[offset, offset+length)} and reports every block found to {@code sink}, in order.
     */
    public void scan(byte[] data, int offset, int length, MatchSink sink) {
        Objects.checkFromIndexSize(offset, length, data.length);
        int end = offset + length;
        MessageDigest md = Sha256.newDigest();
        int matchedUpTo = offset;
        int p = offset;
        if (fullBlocks > 0 && end - p >= blockSize) {
            int preferred = -1;
            int refutable = length / blockSize + REFUTED_HIT_ALLOWANCE;
            int weak = RollingChecksum.of(data, p, blockSize);
            while (true) {
                int block = find(weak, data, p, preferred, md);
                if (block == REFUTED && --refutable == 0) {
                    break;
                }
                if (block >= 0) {
                    sink.match(p, block);
                    p += blockSize;
                    preferred = block + 1;
                    if (preferred == fullBlocks && tailLength > 0 && matchesTail(data, p, end, md)) {
                        sink.match(p, fullBlocks);
                        p += tailLength;
                    }
                    matchedUpTo = p;
                    if (end - p < blockSize) {
                        break;
                    }
                    weak = RollingChecksum.of(data, p, blockSize);
                } else {
                    if (end - p == blockSize) {
                        break;
                    }
                    weak = RollingChecksum.roll(weak, data[p], data[p + blockSize], blockSize);
                    p++;
                }
            }
        }
        if (tailLength > 0 && end - tailLength >= matchedUpTo && matchesTail(data, end - tailLength, end, md)) {
            sink.match(end - tailLength, fullBlocks);
        }
    }

    /**
     * Where each block of the signature first occurs in {@code data[offset, offset+length)}: element
     * {@code i} is the array index of block {@code i}, or -1 when the scan did not find it.
     */
    public int[] locate(byte[] data, int offset, int length) {
        int[] found = new int[signature.blockCount()];
        Arrays.fill(found, -1);
        scan(data, offset, length, (at, block) -> {
            if (found[block] < 0) {
                found[block] = at;
            }
        });
        return found;
    }

    /**
     * The full block equal to {@code data[p, p+blockSize)}, whose weak checksum is {@code weak}; else
     * {@link #REFUTED} when a block had that weak checksum, {@link #NO_CANDIDATE} when none had.
     */
    private int find(int weak, byte[] data, int p, int preferred, MessageDigest md) {
        int k = bucket(weak);
        int from = start[k];
        int to = start[k + 1];
        if (from == to) {
            return NO_CANDIDATE;
        }
        long strong = 0;
        boolean hashed = false;
        if (preferred >= 0 && preferred < fullBlocks && signature.weak(preferred) == weak) {
            strong = BlockSignature.strongHash(md, data, p, blockSize);
            hashed = true;
            if (signature.strong(preferred) == strong) {
                return preferred;
            }
        }
        for (int e = from; e < to; e++) {
            int block = entries[e];
            if (signature.weak(block) == weak) {
                if (!hashed) {
                    strong = BlockSignature.strongHash(md, data, p, blockSize);
                    hashed = true;
                }
                if (signature.strong(block) == strong) {
                    return block;
                }
            }
        }
        return hashed ? REFUTED : NO_CANDIDATE;
    }

    private boolean matchesTail(byte[] data, int p, int end, MessageDigest md) {
        int tail = fullBlocks;
        return end - p >= tailLength
                && signature.weak(tail) == RollingChecksum.of(data, p, tailLength)
                && signature.strong(tail) == BlockSignature.strongHash(md, data, p, tailLength);
    }

    private int bucket(int weak) {
        return (weak * GOLDEN) >>> tableShift;
    }
}
