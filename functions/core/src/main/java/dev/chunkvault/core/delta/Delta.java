package dev.chunkvault.core.delta;

import dev.chunkvault.core.delta.DeltaException.Reason;
import dev.chunkvault.core.hash.ChunkId;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How to rebuild a target chunk from a base chunk: a sequence of {@link DeltaOp}s whose outputs,
 * concatenated, are the target. The header ties the delta to both ends: the base it was computed against
 * (length and id, so a receiver can look the base up) and the target it must produce (length and id,
 * which {@link DeltaApplier} verifies).
 *
 * <p>A {@code Delta} is valid by construction: its ops produce exactly {@code targetLength} bytes and every
 * copy lies inside the base.
 *
 * <h2>Encoding (version 1)</h2>
 * <pre>
 *   u8       version = 1
 *   varint   base length
 *   32 bytes base ChunkId
 *   varint   target length
 *   32 bytes target ChunkId
 *   ops, until the end of the input:
 *     varint   length &lt;&lt; 1 | kind      kind 1 = COPY, 0 = LITERAL; length &gt; 0
 *     COPY:    varint base offset
 *     LITERAL: length bytes
 * </pre>
 * Varints are unsigned LEB128, at most five bytes, minimal form only. Decoding is strict and bounded:
 * the target length is checked against the caller's limit before anything else is read, each literal
 * must be present in the input before it is copied out, and every op is range-checked against the base
 * and the target, so a hostile delta costs at most memory proportional to its own size plus the limit.
 */
public record Delta(int baseLength, ChunkId baseId, int targetLength, ChunkId targetId, List<DeltaOp> ops) {
    public static final int VERSION = 1;
    private static final int KIND_LITERAL = 0;
    private static final int KIND_COPY = 1;

    public Delta {
        Objects.requireNonNull(baseId, "baseId");
        Objects.requireNonNull(targetId, "targetId");
        ops = List.copyOf(ops);
        if (baseLength < 0 || targetLength < 0) {
            throw new IllegalArgumentException("lengths are non-negative");
        }
        long produced = 0;
        for (DeltaOp op : ops) {
            if (op instanceof DeltaOp.Copy copy && copy.baseEnd() > baseLength) {
                throw new IllegalArgumentException("copy " + copy + " reaches past the base (" + baseLength + ")");
            }
            produced += op.length();
        }
        if (produced != targetLength) {
            throw new IllegalArgumentException("ops produce " + produced + " bytes, not " + targetLength);
        }
    }

    /** What an encoded delta's header says: the base it applies to and the target it must produce. */
    public record Header(int baseLength, ChunkId baseId, int targetLength, ChunkId targetId) {
        /** The header of an {@link #encode() encoded} delta, or empty when the input does not start with a v1 header. */
        public static java.util.Optional<Header> read(byte[] encoded) {
            try {
                Wire.Reader in = new Wire.Reader(encoded);
                if (in.readUnsignedByte() != VERSION) {
                    return java.util.Optional.empty();
                }
                int baseLength = (int) in.readVarint(Integer.MAX_VALUE, "base length");
                ChunkId baseId = ChunkId.ofDigest(encoded, in.skip(ChunkId.BYTES));
                int targetLength = (int) in.readVarint(Integer.MAX_VALUE, "target length");
                ChunkId targetId = ChunkId.ofDigest(encoded, in.skip(ChunkId.BYTES));
                return java.util.Optional.of(new Header(baseLength, baseId, targetLength, targetId));
            } catch (DeltaException malformed) {
                return java.util.Optional.empty();
            }
        }
    }

    /** The number of bytes {@link #encode()} returns. */
    public int encodedLength() {
        long n = 1 + Wire.varintSize(baseLength) + ChunkId.BYTES + Wire.varintSize(targetLength) + ChunkId.BYTES;
        for (DeltaOp op : ops) {
            n += Wire.varintSize((long) op.length() << 1);
            n += op instanceof DeltaOp.Copy c ? Wire.varintSize(c.baseOffset()) : op.length();
        }
        return Math.toIntExact(n);
    }

    public byte[] encode() {
        byte[] out = new byte[encodedLength()];
        out[0] = VERSION;
        int pos = Wire.putVarint(out, 1, baseLength);
        baseId.writeTo(out, pos);
        pos = Wire.putVarint(out, pos + ChunkId.BYTES, targetLength);
        targetId.writeTo(out, pos);
        pos += ChunkId.BYTES;
        for (DeltaOp op : ops) {
            if (op instanceof DeltaOp.Copy c) {
                pos = Wire.putVarint(out, pos, ((long) c.length() << 1) | KIND_COPY);
                pos = Wire.putVarint(out, pos, c.baseOffset());
            } else {
                DeltaOp.Literal l = (DeltaOp.Literal) op;
                pos = Wire.putVarint(out, pos, ((long) l.length() << 1) | KIND_LITERAL);
                l.copyTo(out, pos);
                pos += l.length();
            }
        }
        return out;
    }

    /**
     * Decodes an {@link #encode() encoded} delta whose target is at most {@code maxTargetLength} bytes.
     *
     * @throws DeltaException {@code TOO_LARGE} when the target exceeds {@code maxTargetLength},
     *                        {@code UNSUPPORTED_VERSION} for an unknown version byte, {@code MALFORMED} when
     *                        the input is not exactly one valid v1 delta
     */
    public static Delta decode(byte[] encoded, int maxTargetLength) {
        Wire.Reader in = new Wire.Reader(encoded);
        int version = in.readUnsignedByte();
        if (version != VERSION) {
            throw new DeltaException(Reason.UNSUPPORTED_VERSION, "unknown delta version " + version);
        }
        int baseLength = (int) in.readVarint(Integer.MAX_VALUE, "base length");
        ChunkId baseId = ChunkId.ofDigest(encoded, in.skip(ChunkId.BYTES));
        int targetLength = (int) in.readVarint(Integer.MAX_VALUE, "target length");
        if (targetLength > maxTargetLength) {
            throw new DeltaException(Reason.TOO_LARGE,
                    "target of " + targetLength + " bytes exceeds the limit of " + maxTargetLength);
        }
        ChunkId targetId = ChunkId.ofDigest(encoded, in.skip(ChunkId.BYTES));
        List<DeltaOp> ops = new ArrayList<>();
        long produced = 0;
        while (!in.atEnd()) {
            long head = in.readVarint(((long) Integer.MAX_VALUE << 1) | 1, "op header");
            long length = head >>> 1;
            if (length == 0) {
                throw Wire.malformed("empty op");
            }
            if (length > targetLength - produced) {
                throw Wire.malformed("ops produce more than the target length " + targetLength);
            }
            if ((head & 1) == KIND_COPY) {
                long offset = in.readVarint(baseLength, "copy offset");
                if (offset + length > baseLength) {
                    throw Wire.malformed("copy of " + length + " at " + offset + " reaches past the base");
                }
                ops.add(new DeltaOp.Copy((int) offset, (int) length));
            } else {
                int at = in.skip((int) length);
                ops.add(DeltaOp.Literal.copyOf(encoded, at, (int) length));
            }
            produced += length;
        }
        if (produced != targetLength) {
            throw Wire.malformed("ops produce " + produced + " bytes, the header says " + targetLength);
        }
        return new Delta(baseLength, baseId, targetLength, targetId, ops);
    }
}
