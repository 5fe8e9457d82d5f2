package dev.chunkvault.core.chunking;

import static dev.chunkvault.core.chunking.TestData.MIB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The large-file profile: pinned boundaries, the fast loop against the reference, and its size statistics. */
class LargeProfileTest {
    private static final ChunkingProfile P = ChunkingProfile.LARGE;
    private static final FastCdc CDC = FastCdc.of(P);

    @Test
    void parametersAndRegistrationArePinned() {
        assertEquals("fastcdc-v1-1m-4m-8m", P.name());
        assertEquals(List.of(1 << 20, 4 << 20, 8 << 20, 2), List.of(P.minSize(), P.avgSize(), P.maxSize(),
                P.normalizationLevel()));
        assertEquals(ChunkingProfile.DEFAULT.gearSeed(), P.gearSeed());
        assertEquals(P, ChunkingProfile.byName(P.name()).orElseThrow());
        assertTrue(ChunkingProfile.known().containsAll(List.of(ChunkingProfile.DEFAULT, P)));
    }

    /** Boundaries on 48 MiB of splitMix data (seed 42), by the byte-at-a-time reference; a change breaks dedup. */
    @Test
    void boundariesArePinnedAndTheFastLoopMatchesTheReference() {
        byte[] data = TestData.splitMix(42, 48 * MIB);
        List<Integer> reference = TestData.referenceSizes(P, data);
        assertEquals(GOLDEN, reference);
        assertEquals(reference, TestData.fastSizes(CDC, data));
    }

    private static final List<Integer> GOLDEN = List.of(5409401, 4632283, 4759860, 4711184, 4684755, 5093285, 6045103,
            1215490, 6184422, 3897932, 3697933);

    @Test
    void sizesStayWithinMinAndMaxAndTheMeanNearTheAverage() {
        List<Integer> all = new ArrayList<>();
        long total = 0;
        for (long seed = 1; seed <= 4; seed++) {
            List<Integer> sizes = TestData.fastSizes(CDC, TestData.random(0x1A26E000L + seed, 64 * MIB));
            for (int i = 0; i < sizes.size() - 1; i++) {
                int s = sizes.get(i);
                assertTrue(s > P.minSize() && s <= P.maxSize(), "seed " + seed + " chunk " + i + ": " + s);
                total += s;
            }
            all.addAll(sizes.subList(0, sizes.size() - 1));
        }
        double mean = (double) total / all.size();
        System.out.printf("large profile: %d chunks, mean %.2f MiB%n", all.size(), mean / MIB);
        assertTrue(Math.abs(mean - P.avgSize()) <= 0.2 * P.avgSize(), "mean " + mean);
        long forced = all.stream().filter(s -> s == P.maxSize()).count();
        assertTrue(forced <= all.size() / 10, forced + " of " + all.size() + " cut at the maximum");
    }
}
