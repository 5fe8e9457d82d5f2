package dev.chunkvault.core.chunking;

/**
 * The 256 random 64-bit values of the gear rolling hash, one per byte value, generated from a seed.
 *
 * <p>The values are the first 256 outputs of SplitMix64 (Steele, Lea and Flood, "Fast splittable
 * pseudorandom number generators", OOPSLA 2014; the variant published by Vigna as {@code splitmix64.c})
 * started at the seed. In unsigned 64-bit arithmetic (all operations wrap modulo 2<sup>64</sup>,
 * {@code >>>} is a logical shift):
 * <pre>
 *   state = seed
 *   for i in 0..255:
 *       state = state + 0x9E3779B97F4A7C15
 *       z = state
 *       z = (z ^ (z &gt;&gt;&gt; 30)) * 0xBF58476D1CE4E5B9
 *       z = (z ^ (z &gt;&gt;&gt; 27)) * 0x94D049BB133111EB
 *       table[i] = z ^ (z &gt;&gt;&gt; 31)
 * </pre>
 * So {@code table[0]} is the first output (the state is incremented before it is mixed). For the default
 * seed {@code 0x43484B5641554C54} ("CHKVAULT" in ASCII) {@code table[0]} is
 * {@code 0x20D08BAFAA84FB46} and {@code table[255]} is {@code 0xC9A14BE98836B42E}; with seed 0 the first
 * output is {@code 0xE220A8397B1DCDAF}, the published first value of SplitMix64 seeded with 0.
 *
 * <p>These values decide every chunk boundary: changing the generator, its constants or the order of
 * the outputs silently breaks deduplication against all data already stored with a profile. The values
 * are pinned by a test.
 */
public final class GearTable {
    /** Number of entries: one per byte value. */
    public static final int SIZE = 256;

    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    private final long seed;
    private final long[] values;

    private GearTable(long seed) {
        this.seed = seed;
        this.values = new long[SIZE];
        long state = seed;
        for (int i = 0; i < SIZE; i++) {
            state += GOLDEN_GAMMA;
            long z = state;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            values[i] = z ^ (z >>> 31);
        }
    }

    /** The table generated from {@code seed}. */
    public static GearTable of(long seed) {
        return new GearTable(seed);
    }

    /** The table of {@code profile}, generated from its {@link ChunkingProfile#gearSeed()}. */
    public static GearTable of(ChunkingProfile profile) {
        return new GearTable(profile.gearSeed());
    }

    public long seed() {
        return seed;
    }

    /** The value for byte value {@code index} (0..255). */
    public long get(int index) {
        return values[index];
    }

    /** A copy of the 256 values, indexed by unsigned byte value. */
    public long[] toArray() {
        return values.clone();
    }

    /** The table itself, not a copy, for the chunker's inner loop. Callers must not modify it. */
    long[] values() {
        return values;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GearTable other && seed == other.seed;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(seed);
    }

    @Override
    public String toString() {
        return "GearTable[seed=0x" + Long.toHexString(seed) + "]";
    }
}
