package dev.chunkvault.core.delta;

import dev.chunkvault.core.hash.ChunkId;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Computes a {@link Delta} that rebuilds new bytes from a base known only by its {@link BlockSignature}:
 * the side that holds the new bytes runs it (the client on push, the service on pull). Blocks found by
 * {@link BlockMatcher} become copies, everything between them literals; a copy that continues the
 * previous one in the base is merged into it, so an unchanged stretch is a single op.
 */
public final class DeltaEncoder {
    private DeltaEncoder() {}

    public static Delta encode(BlockSignature base, byte[] target) {
        return encode(base, target, 0, target.length);
    }

    /** The delta from {@code base} to {@code target[offset, offset+length)}. */
    public static Delta encode(BlockSignature base, byte[] target, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, target.length);
        OpList ops = new OpList(target, offset);
        new BlockMatcher(base).scan(target, offset, length,
                (at, block) -> ops.copy(at, base.blockOffset(block), base.blockLength(block)));
        ops.finish(offset + length);
        return new Delta(base.baseLength(), base.baseId(), length, ChunkId.sha256(target, offset, length),
                ops.ops);
    }

    /** Accumulates ops from matches given in target order, merging contiguous copies. */
    private static final class OpList {
        private final byte[] target;
        private final List<DeltaOp> ops = new ArrayList<>();
        /** Where the bytes not yet covered by an op start. */
        private int uncovered;
        private int copyOffset;
        private int copyLength;

        OpList(byte[] target, int offset) {
            this.target = target;
            this.uncovered = offset;
        }

        void copy(int at, int baseOffset, int length) {
            boolean contiguous = at == uncovered && copyLength > 0 && copyOffset + copyLength == baseOffset;
            if (contiguous) {
                copyLength += length;
            } else {
                flushCopy();
                literalUpTo(at);
                copyOffset = baseOffset;
                copyLength = length;
            }
            uncovered = at + length;
        }

        void finish(int end) {
            flushCopy();
            literalUpTo(end);
        }

        private void flushCopy() {
            if (copyLength > 0) {
                ops.add(new DeltaOp.Copy(copyOffset, copyLength));
                copyLength = 0;
            }
        }

        private void literalUpTo(int end) {
            if (end > uncovered) {
                ops.add(DeltaOp.Literal.copyOf(target, uncovered, end - uncovered));
                uncovered = end;
            }
        }
    }
}
