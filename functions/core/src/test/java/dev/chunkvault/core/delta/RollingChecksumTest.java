package dev.chunkvault.core.delta;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RollingChecksumTest {
    private static final long SEED = 0x5EED_0001L;

    @ParameterizedTest(name = "window {0}")
    @ValueSource(ints = {1, 2, 3, 700, 1024, 4096, 70_000})
    void rollingEqualsRecomputingAtEveryOffset(int window) {
        System.out.println("RollingChecksumTest seed=" + SEED + " window=" + window);
        byte[] data = TestBytes.random(new Random(SEED + window), window + 5_000);
        int rolled = RollingChecksum.of(data, 0, window);
        for (int p = 0; p + window < data.length; p++) {
            rolled = RollingChecksum.roll(rolled, data[p], data[p + window], window);
            assertEquals(RollingChecksum.of(data, p + 1, window), rolled, "offset " + (p + 1));
        }
    }

    /** The definition itself, in longs: a = sum(x[i]), b = sum((L - i) * x[i]), both mod 2^16. */
    private static int definition(byte[] data, int offset, int length) {
        long a = 0;
        long b = 0;
        for (int i = 0; i < length; i++) {
            int x = data[offset + i] & 0xff;
            a += x;
            b += (long) (length - i) * x;
        }
        return (int) (a & 0xffff) | (int) ((b & 0xffff) << 16);
    }

    @ParameterizedTest(name = "lengths from offset {0}")
    @ValueSource(ints = {0, 1, 3, 7, 8, 13})
    void matchesTheDefinitionAtEveryLengthAndOffset(int offset) {
        byte[] data = TestBytes.random(new Random(SEED + 31 * offset), 200 + offset);
        for (int length = 0; offset + length <= data.length; length++) {
            assertEquals(definition(data, offset, length), RollingChecksum.of(data, offset, length),
                    "offset " + offset + ", length " + length);
        }
    }

    @org.junit.jupiter.api.Test
    void matchesTheDefinitionOnLongWindowsOfHighBytes() {
        // Sums that wrap many times over 16 and 32 bits: every byte 0xff, and random bytes, over long windows.
        byte[] ones = new byte[1 << 20];
        java.util.Arrays.fill(ones, (byte) 0xff);
        byte[] random = TestBytes.random(new Random(SEED + 99), 1 << 20);
        for (int length : new int[] {700, 4096, 70_001, (1 << 20) - 3}) {
            assertEquals(definition(ones, 3, length), RollingChecksum.of(ones, 3, length), "0xff, length " + length);
            assertEquals(definition(random, 1, length), RollingChecksum.of(random, 1, length), "random, length " + length);
        }
    }

    @org.junit.jupiter.api.Test
    void refusesARangeOutsideTheArray() {
        byte[] data = new byte[16];
        org.junit.jupiter.api.Assertions.assertThrows(IndexOutOfBoundsException.class, () -> RollingChecksum.of(data, 10, 8));
        org.junit.jupiter.api.Assertions.assertThrows(IndexOutOfBoundsException.class, () -> RollingChecksum.of(data, -1, 4));
    }

    @org.junit.jupiter.api.Test
    void matchesTheDefinition() {
        byte[] data = {(byte) 0xff, 1, (byte) 0x80, 7};
        int a = 0xff + 1 + 0x80 + 7;
        int b = 4 * 0xff + 3 * 1 + 2 * 0x80 + 7;
        assertEquals((a & 0xffff) | (b << 16), RollingChecksum.of(data, 0, 4));
    }
}
