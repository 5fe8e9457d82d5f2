package dev.chunkvault.core.delta;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.core.delta.DeltaException.Reason;
import dev.chunkvault.core.hash.ChunkId;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Strict decoding: every malformed, truncated or oversize delta is rejected with a reason. */
class DeltaCodecTest {
    private static final long SEED = 0x5EED_0004L;
    private static final ChunkId ID = ChunkId.sha256(new byte[0]);

    private static byte[] validEncoding() {
        Random r = new Random(SEED);
        byte[] base = TestBytes.random(r, 20_000);
        byte[] target = TestBytes.concat(TestBytes.slice(base, 0, 7_000), TestBytes.random(r, 50),
                TestBytes.slice(base, 9_000, 20_000));
        return DeltaEncoder.encode(BlockSignature.compute(base), target).encode();
    }

    @Test
    void rejectsEveryTruncation() {
        byte[] valid = validEncoding();
        Delta.decode(valid, Integer.MAX_VALUE);
        for (int len = 0; len < valid.length; len++) {
            assertReason(Reason.MALFORMED, Arrays.copyOf(valid, len), Integer.MAX_VALUE);
        }
    }

    @Test
    void rejectsTrailingBytes() {
        byte[] valid = validEncoding();
        for (int extra = 0; extra < 256; extra++) {
            byte[] longer = Arrays.copyOf(valid, valid.length + 1);
            longer[valid.length] = (byte) extra;
            assertReason(Reason.MALFORMED, longer, Integer.MAX_VALUE);
        }
    }

    @Test
    void rejectsUnknownVersions() {
        byte[] valid = validEncoding();
        for (int v : new int[] {0, 2, 255}) {
            byte[] other = valid.clone();
            other[0] = (byte) v;
            assertReason(Reason.UNSUPPORTED_VERSION, other, Integer.MAX_VALUE);
        }
    }

    @Test
    void rejectsATargetOverTheLimitBeforeReadingOps() {
        byte[] header = header(10, Integer.MAX_VALUE).toByteArray(); // no ops at all: would be malformed
        assertReason(Reason.TOO_LARGE, header, 1 << 20);
        assertReason(Reason.TOO_LARGE, validEncoding(), 18_049); // the target is 18,050 bytes
        Delta.decode(validEncoding(), 18_050);
    }

    @Test
    void rejectsALiteralLongerThanTheInputWithoutAllocatingIt() {
        ByteArrayOutputStream d = header(0, Integer.MAX_VALUE);
        varint(d, (long) Integer.MAX_VALUE << 1); // literal of 2 GiB - 1, followed by 3 bytes
        d.writeBytes(new byte[] {1, 2, 3});
        assertReason(Reason.MALFORMED, d.toByteArray(), Integer.MAX_VALUE);
    }

    @Test
    void rejectsCopiesOutsideTheBase() {
        assertReason(Reason.MALFORMED, ops(100, 10, copy(95, 10)), 1000);
        assertReason(Reason.MALFORMED, ops(100, 10, copy(101, 10)), 1000);
        assertReason(Reason.MALFORMED, ops(0, 1, copy(0, 1)), 1000);
        Delta.decode(ops(100, 10, copy(90, 10)), 1000);
    }

    @Test
    void rejectsOpsThatDoNotAddUpToTheTarget() {
        assertReason(Reason.MALFORMED, ops(100, 10, copy(0, 5)), 1000);
        assertReason(Reason.MALFORMED, ops(100, 10, copy(0, 5), copy(0, 6)), 1000);
        assertReason(Reason.MALFORMED, ops(100, 10), 1000); // no ops at all
    }

    @Test
    void rejectsAZipBombOfCopies() {
        // 1,000 copies of a whole 1 MiB base: tiny input, 1 GiB output. Either the header admits the size
        // (and the limit rejects it) or the ops overrun the header's length.
        byte[][] copies = new byte[1000][];
        Arrays.fill(copies, copy(0, 1 << 20));
        assertReason(Reason.TOO_LARGE, ops(1 << 20, 1000 << 20, copies), 1 << 20);
        assertReason(Reason.MALFORMED, ops(1 << 20, 1 << 20, copies), 1 << 20);
    }

    @Test
    void rejectsEmptyOpsAndBadVarints() {
        assertReason(Reason.MALFORMED, ops(100, 10, new byte[] {0x01, 0x00}), 1000); // copy of length 0
        assertReason(Reason.MALFORMED, ops(100, 10, new byte[] {0x00}), 1000); // literal of length 0
        assertReason(Reason.MALFORMED, ops(100, 10, new byte[] {(byte) 0x95, 0x00, 0x00}), 1000); // overlong
        assertReason(Reason.MALFORMED,
                ops(100, 10, new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x01}),
                1000); // six bytes
        Delta.decode(ops(100, 10, new byte[] {0x15, 0x00}), 1000); // the minimal form of the overlong one
    }

    @Test
    void anyAcceptedMutationReEncodesToItself() {
        Random r = new Random(SEED);
        System.out.println("DeltaCodecTest.mutations seed=" + SEED);
        byte[] valid = validEncoding();
        int accepted = 0;
        for (int i = 0; i < 5_000; i++) {
            byte[] mutated = valid.clone();
            for (int k = 1 + r.nextInt(3); k > 0; k--) {
                mutated[r.nextInt(mutated.length)] ^= (byte) (1 + r.nextInt(255));
            }
            try {
                assertArrayEquals(mutated, Delta.decode(mutated, 1 << 20).encode());
                accepted++;
            } catch (DeltaException e) {
                assertTrue(e.reason() != Reason.BASE_MISMATCH && e.reason() != Reason.TARGET_MISMATCH);
            }
        }
        // Mutated ids and literal bytes still parse: the applier's hash check is what rejects those.
        assertTrue(accepted > 0);
    }

    @Test
    void constructorRejectsInconsistentOps() {
        assertThrows(IllegalArgumentException.class,
                () -> new Delta(10, ID, 5, ID, List.of(new DeltaOp.Copy(0, 4))));
        assertThrows(IllegalArgumentException.class,
                () -> new Delta(10, ID, 5, ID, List.of(new DeltaOp.Copy(6, 5))));
        assertThrows(IllegalArgumentException.class, () -> new DeltaOp.Copy(0, 0));
        assertThrows(IllegalArgumentException.class, () -> DeltaOp.Literal.copyOf(new byte[3], 1, 0));
    }

    // --- hand-built encodings

    private static ByteArrayOutputStream header(int baseLength, int targetLength) {
        ByteArrayOutputStream d = new ByteArrayOutputStream();
        d.write(Delta.VERSION);
        varint(d, baseLength);
        d.writeBytes(ID.toBytes());
        varint(d, targetLength);
        d.writeBytes(ID.toBytes());
        return d;
    }

    private static byte[] ops(int baseLength, int targetLength, byte[]... ops) {
        ByteArrayOutputStream d = header(baseLength, targetLength);
        for (byte[] op : ops) {
            d.writeBytes(op);
        }
        return d.toByteArray();
    }

    private static byte[] copy(int offset, int length) {
        ByteArrayOutputStream d = new ByteArrayOutputStream();
        varint(d, ((long) length << 1) | 1);
        varint(d, offset);
        return d.toByteArray();
    }

    private static void varint(ByteArrayOutputStream out, long value) {
        byte[] b = new byte[Wire.MAX_VARINT_BYTES];
        out.write(b, 0, Wire.putVarint(b, 0, value));
    }

    private static void assertReason(Reason expected, byte[] encoded, int max) {
        DeltaException e = assertThrows(DeltaException.class, () -> Delta.decode(encoded, max),
                "input of " + encoded.length + " bytes");
        assertEquals(expected, e.reason(), e.getMessage());
    }
}
