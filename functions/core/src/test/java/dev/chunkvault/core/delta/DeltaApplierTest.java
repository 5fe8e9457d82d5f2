package dev.chunkvault.core.delta;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.chunkvault.core.delta.DeltaException.Reason;
import dev.chunkvault.core.hash.ChunkId;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** The applier returns the target or throws; it never returns other bytes. */
class DeltaApplierTest {
    private static final long SEED = 0x5EED_0005L;

    private final Random random = new Random(SEED);
    private final byte[] base = TestBytes.random(random, 100_000);
    private final byte[] target = TestBytes.concat(TestBytes.slice(base, 0, 40_000), TestBytes.random(random, 500),
            TestBytes.slice(base, 40_000, 100_000));
    private final Delta delta = DeltaEncoder.encode(BlockSignature.compute(base), target);

    @Test
    void appliesToTheRightBase() {
        assertArrayEquals(target, DeltaApplier.apply(base, delta, target.length));
    }

    @Test
    void wrongBaseOfTheSameLengthFailsTheFinalHashCheck() {
        byte[] other = base.clone();
        other[70_000] ^= 1;
        assertReason(Reason.TARGET_MISMATCH, () -> DeltaApplier.apply(other, delta, 1 << 20));
    }

    @Test
    void baseOfAnotherLengthIsRejected() {
        assertReason(Reason.BASE_MISMATCH,
                () -> DeltaApplier.apply(TestBytes.slice(base, 0, base.length - 1), delta, 1 << 20));
    }

    @Test
    void targetOverTheLimitIsRejected() {
        assertReason(Reason.TOO_LARGE, () -> DeltaApplier.apply(base, delta, target.length - 1));
        assertReason(Reason.TOO_LARGE, () -> DeltaApplier.apply(base, delta.encode(), target.length - 1));
    }

    @Test
    void tamperedLiteralFailsTheFinalHashCheck() {
        List<DeltaOp> ops = new ArrayList<>(delta.ops());
        int i = indexOfLiteral(ops);
        byte[] bytes = ((DeltaOp.Literal) ops.get(i)).toBytes();
        bytes[0] ^= 1;
        ops.set(i, DeltaOp.Literal.copyOf(bytes, 0, bytes.length));
        Delta tampered = new Delta(delta.baseLength(), delta.baseId(), delta.targetLength(), delta.targetId(), ops);
        assertReason(Reason.TARGET_MISMATCH, () -> DeltaApplier.apply(base, tampered, 1 << 20));
    }

    @Test
    void wrongTargetIdFails() {
        Delta lying = new Delta(delta.baseLength(), delta.baseId(), delta.targetLength(), ChunkId.sha256(base),
                delta.ops());
        assertReason(Reason.TARGET_MISMATCH, () -> DeltaApplier.apply(base, lying, 1 << 20));
    }

    @Test
    void emptyToEmpty() {
        Delta empty = DeltaEncoder.encode(BlockSignature.compute(new byte[0]), new byte[0]);
        assertEquals(List.of(), empty.ops());
        assertArrayEquals(new byte[0], DeltaApplier.apply(new byte[0], empty.encode(), 0));
    }

    private static int indexOfLiteral(List<DeltaOp> ops) {
        for (int i = 0; i < ops.size(); i++) {
            if (ops.get(i) instanceof DeltaOp.Literal) {
                return i;
            }
        }
        throw new AssertionError("no literal in " + ops);
    }

    private static void assertReason(Reason expected, Executable call) {
        assertEquals(expected, assertThrows(DeltaException.class, call).reason());
    }
}
