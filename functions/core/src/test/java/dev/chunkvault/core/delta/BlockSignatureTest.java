package dev.chunkvault.core.delta;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.core.delta.DeltaException.Reason;
import dev.chunkvault.core.hash.ChunkId;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BlockSignatureTest {
    private static final long SEED = 0x5EED_0002L;
    private static final int MIB = 1 << 20;

    @Test
    void encodedSignatureIsAtMostTwoPercentForEveryLengthUpToOneMiB() {
        for (int n = 0; n <= MIB; n++) {
            int size = BlockSignature.encodedLengthFor(n);
            if (BlockSignature.blockSizeFor(n) == 0) {
                assertEquals(BlockSignature.HEADER_BYTES, size, "header-only signature, n=" + n);
                assertTrue(n < 2650, "a base of " + n + " bytes should be signed with blocks");
            } else {
                assertTrue(size * 50L <= n, "signature of " + size + " bytes exceeds 2% of " + n);
            }
        }
    }

    @Test
    void encodedLengthFormulaMatchesTheEncoding() {
        Random random = new Random(SEED);
        System.out.println("BlockSignatureTest seed=" + SEED);
        int[] lengths = IntStream.concat(IntStream.of(0, 1, 699, 700, 2649, 2650, 2651, 4096, 65536, 262144, MIB - 1, MIB),
                random.ints(40, 0, MIB + 1)).toArray();
        byte[] data = TestBytes.random(random, MIB);
        for (int n : lengths) {
            assertEquals(BlockSignature.encodedLengthFor(n), BlockSignature.compute(data, 0, n).encode().length,
                    "n=" + n);
        }
    }

    @Test
    void blockSizesForTypicalChunks() {
        assertEquals(0, BlockSignature.blockSizeFor(0));
        assertEquals(0, BlockSignature.blockSizeFor(2649));
        assertEquals(2650, BlockSignature.blockSizeFor(2650), "one block: only 12 bytes fit next to the header");
        assertEquals(700, BlockSignature.blockSizeFor(64 << 10));
        assertEquals(700, BlockSignature.blockSizeFor(256 << 10));
        assertEquals(1024, BlockSignature.blockSizeFor(MIB));
    }

    @Test
    void describesEachBlockOfTheBase() {
        byte[] data = TestBytes.random(new Random(SEED), 10_000);
        BlockSignature sig = BlockSignature.compute(data);
        assertEquals(ChunkId.sha256(data), sig.baseId());
        assertEquals(10_000, sig.baseLength());
        int b = sig.blockSize();
        assertEquals((10_000 + b - 1) / b, sig.blockCount());
        assertEquals(10_000 % b, sig.blockLength(sig.blockCount() - 1));
        var md = dev.chunkvault.core.hash.Sha256.newDigest();
        for (int i = 0; i < sig.blockCount(); i++) {
            int off = sig.blockOffset(i);
            assertEquals(RollingChecksum.of(data, off, sig.blockLength(i)), sig.weak(i));
            assertEquals(BlockSignature.strongHash(md, data, off, sig.blockLength(i)), sig.strong(i));
        }
    }

    @Test
    void computesOverASubrange() {
        byte[] data = TestBytes.random(new Random(SEED), 9_000);
        assertEquals(BlockSignature.compute(Arrays.copyOfRange(data, 123, 8_765)),
                BlockSignature.compute(data, 123, 8_765 - 123));
    }

    @ParameterizedTest(name = "length {0}")
    @ValueSource(ints = {0, 1, 2650, 5000, 262144, MIB})
    void roundTripsThroughItsEncoding(int n) {
        BlockSignature sig = BlockSignature.compute(TestBytes.random(new Random(SEED + n), n));
        byte[] encoded = sig.encode();
        BlockSignature decoded = BlockSignature.decode(encoded);
        assertEquals(sig, decoded);
        assertArrayEquals(encoded, decoded.encode());
    }

    @Test
    void rejectsEveryTruncationAndTrailingBytes() {
        byte[] encoded = BlockSignature.compute(TestBytes.random(new Random(SEED), 40_000)).encode();
        for (int len = 0; len < encoded.length; len++) {
            assertReason(Reason.MALFORMED, Arrays.copyOf(encoded, len));
        }
        assertReason(Reason.MALFORMED, Arrays.copyOf(encoded, encoded.length + 1));
    }

    @Test
    void rejectsUnknownVersion() {
        byte[] encoded = BlockSignature.compute(new byte[10]).encode();
        encoded[0] = 2;
        assertReason(Reason.UNSUPPORTED_VERSION, encoded);
    }

    @Test
    void rejectsANonCanonicalBlockSize() {
        byte[] encoded = BlockSignature.compute(TestBytes.random(new Random(SEED), 40_000)).encode();
        encoded[8]++;
        assertReason(Reason.MALFORMED, encoded);
    }

    @Test
    void rejectsANegativeOrInconsistentLength() {
        byte[] encoded = BlockSignature.compute(TestBytes.random(new Random(SEED), 40_000)).encode();
        byte[] negative = encoded.clone();
        negative[1] = (byte) 0x80;
        assertReason(Reason.MALFORMED, negative);
        byte[] longer = encoded.clone();
        Wire.putInt(longer, 1, 40_700); // same 700-byte blocks, one more than present
        assertReason(Reason.MALFORMED, longer);
    }

    @Test
    void rejectsAHugeClaimedLengthWithoutAllocatingForIt() {
        int huge = Integer.MAX_VALUE;
        byte[] encoded = new byte[BlockSignature.HEADER_BYTES];
        encoded[0] = BlockSignature.VERSION;
        Wire.putInt(encoded, 1, huge);
        Wire.putInt(encoded, 5, BlockSignature.blockSizeFor(huge));
        assertReason(Reason.MALFORMED, encoded);
    }

    @Test
    void anyAcceptedMutationReEncodesToItself() {
        Random random = new Random(SEED);
        byte[] valid = BlockSignature.compute(TestBytes.random(random, 30_000)).encode();
        for (int i = 0; i < 2_000; i++) {
            byte[] mutated = valid.clone();
            mutated[random.nextInt(mutated.length)] ^= (byte) (1 + random.nextInt(255));
            try {
                assertArrayEquals(mutated, BlockSignature.decode(mutated).encode());
            } catch (DeltaException e) {
                assertTrue(e.reason() == Reason.MALFORMED || e.reason() == Reason.UNSUPPORTED_VERSION);
            }
        }
    }

    private static void assertReason(Reason expected, byte[] encoded) {
        DeltaException e = assertThrows(DeltaException.class, () -> BlockSignature.decode(encoded),
                "input of " + encoded.length + " bytes");
        assertEquals(expected, e.reason(), e.getMessage());
    }
}
