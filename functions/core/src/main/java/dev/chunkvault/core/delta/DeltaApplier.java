package dev.chunkvault.core.delta;

import dev.chunkvault.core.delta.DeltaException.Reason;
import dev.chunkvault.core.hash.ChunkId;

/**
 * Rebuilds a target chunk from its base and a {@link Delta}, and proves the result: the output must hash
 * to the delta's target id, or nothing is returned. This final check is what makes the weak parts of the
 * scheme safe (truncated block hashes, an untrusted sender, a caller that passed the wrong base): any of
 * them can make a delta fail, none can make it produce wrong bytes.
 *
 * <p>The base is not hashed here. A caller that fetched the base by {@link Delta#baseId()} already holds the
 * right bytes; one that did not is caught by the target check.
 */
public final class DeltaApplier {
    private DeltaApplier() {}

    /**
     * Decodes {@code encodedDelta} and applies it to {@code base}.
     *
     * @throws DeltaException see {@link Delta#decode} and {@link #apply(byte[], Delta, int)}
     */
    public static byte[] apply(byte[] base, byte[] encodedDelta, int maxOutput) {
        return apply(base, Delta.decode(encodedDelta, maxOutput), maxOutput);
    }

    /**
     * The target bytes {@code delta} describes, rebuilt from {@code base}.
     *
     * @param maxOutput the largest target accepted (for chunks: the profile's maximum chunk size)
     * @throws DeltaException {@code TOO_LARGE} when the target exceeds {@code maxOutput} (checked before
     *                        allocating), {@code BASE_MISMATCH} when {@code base} is not the length the
     *                        delta was computed against, {@code TARGET_MISMATCH} when the result does not
     *                        hash to the delta's target id
     */
    public static byte[] apply(byte[] base, Delta delta, int maxOutput) {
        if (delta.targetLength() > maxOutput) {
            throw new DeltaException(Reason.TOO_LARGE,
                    "target of " + delta.targetLength() + " bytes exceeds the limit of " + maxOutput);
        }
        if (base.length != delta.baseLength()) {
            throw new DeltaException(Reason.BASE_MISMATCH,
                    "base has " + base.length + " bytes, the delta expects " + delta.baseLength());
        }
        byte[] out = new byte[delta.targetLength()];
        int pos = 0;
        for (DeltaOp op : delta.ops()) {
            if (op instanceof DeltaOp.Copy c) {
                System.arraycopy(base, c.baseOffset(), out, pos, c.length());
            } else {
                ((DeltaOp.Literal) op).copyTo(out, pos);
            }
            pos += op.length();
        }
        ChunkId rebuilt = ChunkId.sha256(out);
        if (!rebuilt.equals(delta.targetId())) {
            throw new DeltaException(Reason.TARGET_MISMATCH,
                    "rebuilt bytes hash to " + rebuilt + ", expected " + delta.targetId());
        }
        return out;
    }
}
