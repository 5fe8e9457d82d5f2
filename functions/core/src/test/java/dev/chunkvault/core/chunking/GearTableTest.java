package dev.chunkvault.core.chunking;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The gear table decides every boundary, so its values are pinned: if this test fails, the generator
 * changed and every profile's existing data would stop deduplicating. Do not "fix" the constants.
 */
class GearTableTest {
    @Test
    void defaultProfileTableIsPinned() {
        GearTable t = GearTable.of(ChunkingProfile.DEFAULT);
        assertEquals(0x43484B5641554C54L, t.seed());
        assertEquals(0x20D08BAFAA84FB46L, t.get(0));
        assertEquals(0x6554BF8F3CC7BAA4L, t.get(1));
        assertEquals(0xDA445A7959B53A67L, t.get(2));
        assertEquals(0xF42FBC0486EB7F30L, t.get(127));
        assertEquals(0xF3A5581DC6585820L, t.get(128));
        assertEquals(0xC9A14BE98836B42EL, t.get(255));
    }

    @Test
    void isSplitMix64FromTheSeed() {
        // The published first output of SplitMix64 seeded with 0.
        assertEquals(0xE220A8397B1DCDAFL, GearTable.of(0).get(0));
        // java.util.SplittableRandom(seed).nextLong() is the same generator: an independent check.
        for (long seed : new long[] {0, 1, -1, ChunkingProfile.DEFAULT.gearSeed()}) {
            SplittableRandom r = new SplittableRandom(seed);
            GearTable t = GearTable.of(seed);
            for (int i = 0; i < GearTable.SIZE; i++) {
                assertEquals(r.nextLong(), t.get(i), "seed " + seed + " index " + i);
            }
        }
    }

    @Test
    void differentSeedsGiveDifferentTablesAndToArrayIsACopy() {
        long[] a = GearTable.of(1).toArray();
        assertEquals(GearTable.SIZE, a.length);
        assertNotEquals(Arrays.toString(a), Arrays.toString(GearTable.of(2).toArray()));
        a[0] = 0;
        assertNotEquals(0, GearTable.of(1).get(0));
        assertEquals(GearTable.of(7), GearTable.of(7));
    }
}
