package dev.chunkvault.core.chunking;

import static dev.chunkvault.core.chunking.TestData.KIB;
import static dev.chunkvault.core.chunking.TestData.MIB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Boundaries: the pinned definition, the fast loop against the reference, and the size statistics. */
class FastCdcTest {
    private static final ChunkingProfile P = ChunkingProfile.DEFAULT;
    private static final FastCdc CDC = FastCdc.of(P);

    @Test
    void defaultMasksAndNormalSizeArePinned() {
        assertEquals(0x54A54A54A54A0000L, CDC.maskS());
        assertEquals(0x4924924924920000L, CDC.maskL());
        assertEquals(20, Long.bitCount(CDC.maskS()));
        assertEquals(16, Long.bitCount(CDC.maskL()));
        assertEquals(256 * KIB - 32 * KIB, CDC.normalSize());
    }

    @Test
    void spreadMaskHasTheAskedOneBitsAndNeverBit63() {
        for (int k = 1; k <= 48; k++) {
            long m = FastCdc.spreadMask(k);
            assertEquals(k, Long.bitCount(m), "k=" + k);
            assertTrue(m > 0 && Long.numberOfTrailingZeros(m) >= 15 && (m & (1L << 62)) != 0, "k=" + k);
        }
        assertThrows(IllegalArgumentException.class, () -> FastCdc.spreadMask(0));
        assertThrows(IllegalArgumentException.class, () -> FastCdc.spreadMask(49));
    }

    /**
     * Golden boundaries of the default profile on 8 MiB of {@link TestData#splitMix} data (seed 42),
     * computed by an independent implementation of the Javadoc's definition. A change here breaks
     * dedup of stored data.
     */
    @Test
    void defaultProfileBoundariesArePinned() {
        List<Integer> expected = List.of(425031, 318904, 164224, 261940, 131505, 243789, 260650, 305264,
                230159, 232951, 300348, 265614, 276595, 241550, 275832, 266652, 306039, 346835, 233672, 353716,
                296806, 138851, 252279, 253610, 246578, 374929, 265712, 402132, 86902, 318048, 252107, 59384);
        assertEquals(expected, TestData.fastSizes(CDC, TestData.splitMix(42, 8 * MIB)));
    }

    /** The two-bytes-per-iteration loop cuts exactly where the byte-at-a-time definition does. */
    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 4})
    void fastLoopMatchesTheReference(int level) {
        long seed = 0xFA57_0000L + level;
        System.out.println("fastLoopMatchesTheReference level=" + level + " seed=" + seed);
        Random r = new Random(seed);
        // Small profiles, so that many cuts (and both masks, odd lengths, forced max cuts) get exercised.
        int[][] sizes = {{64, 256, 1024}, {100, 512, 700}, {1000, 1024, 8192}, {64, 64, 64}, {300, 4096, 65536}};
        for (int[] s : sizes) {
            ChunkingProfile p = new ChunkingProfile("test", s[0], s[1], s[2], level, r.nextLong());
            FastCdc cdc = FastCdc.of(p);
            for (byte[] data : List.of(TestData.random(r.nextLong(), 200_000 + r.nextInt(1000)),
                    lowEntropy(r, 100_000), new byte[5000])) {
                assertEquals(TestData.referenceSizes(p, data), TestData.fastSizes(cdc, data), p.toString());
            }
        }
        byte[] big = TestData.random(seed, 16 * MIB + 12345);
        assertEquals(TestData.referenceSizes(P, big), TestData.fastSizes(CDC, big));
    }

    private static byte[] lowEntropy(Random r, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) ('a' + r.nextInt(3));
        }
        return b;
    }

    @Test
    void cutOnlyLooksAtItsRangeAndAtMostMaxSizeBytes() {
        byte[] data = TestData.random(7, 3 * MIB);
        int first = CDC.cut(data, 0, data.length);
        assertEquals(first, CDC.cut(data, 0, P.maxSize()));
        byte[] shifted = new byte[data.length + 5];
        System.arraycopy(data, 0, shifted, 5, data.length);
        assertEquals(first, CDC.cut(shifted, 5, data.length));
        assertEquals(0, CDC.cut(data, 10, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> CDC.cut(data, 1, data.length));
    }

    @Test
    void sizesStayWithinMinAndMaxAndTheMeanNearTheAverage() {
        List<Integer> all = new ArrayList<>();
        for (long seed : new long[] {0xC0FFEE01L, 0xC0FFEE02L, 0xC0FFEE03L}) {
            List<Integer> sizes = TestData.fastSizes(CDC, TestData.random(seed, 64 * MIB));
            for (int i = 0; i < sizes.size() - 1; i++) {
                int s = sizes.get(i);
                assertTrue(s > P.minSize() && s <= P.maxSize(), "seed " + seed + " chunk " + i + ": " + s);
            }
            double mean = 64.0 * MIB / sizes.size();
            System.out.printf("seed %x: %d chunks, mean %.1f KiB, smallest %d, largest %d%n", seed,
                    sizes.size(), mean / KIB, Collections.min(sizes), Collections.max(sizes));
            assertTrue(Math.abs(mean - P.avgSize()) <= 0.15 * P.avgSize(), "seed " + seed + " mean " + mean);
            all.addAll(sizes.subList(0, sizes.size() - 1));
        }
        // Normalization level 2 keeps sizes away from both limits on random data.
        long outsideNormalRange = all.stream().filter(s -> s < 128 * KIB || s > 512 * KIB).count();
        assertTrue(outsideNormalRange < all.size() / 5, outsideNormalRange + " of " + all.size());
    }

    @Test
    void zerosAreCutAtMaxSize() {
        byte[] zeros = new byte[3 * P.maxSize() + 100];
        assertEquals(List.of(P.maxSize(), P.maxSize(), P.maxSize(), 100), TestData.fastSizes(CDC, zeros));
    }

    @Test
    void shortInputsAreOneChunk() {
        byte[] data = TestData.random(3, P.maxSize());
        assertEquals(List.of(1), TestData.fastSizes(CDC, new byte[1]));
        assertEquals(P.minSize(), CDC.cut(data, 0, P.minSize()));
        assertEquals(P.minSize() - 1, CDC.cut(data, 0, P.minSize() - 1));
        assertEquals(P.minSize() + 1, CDC.cut(data, 0, P.minSize() + 1));
        assertEquals(List.of(P.maxSize()), TestData.fastSizes(CDC, new byte[P.maxSize()]));
    }
}
