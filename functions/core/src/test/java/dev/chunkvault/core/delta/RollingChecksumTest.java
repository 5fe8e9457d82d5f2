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

    @org.junit.jupiter.api.Test
    void matchesTheDefinition() {
        byte[] data = {(byte) 0xff, 1, (byte) 0x80, 7};
        int a = 0xff + 1 + 0x80 + 7;
        int b = 4 * 0xff + 3 * 1 + 2 * 0x80 + 7;
        assertEquals((a & 0xffff) | (b << 16), RollingChecksum.of(data, 0, 4));
    }
}
