package dev.chunkvault.core.chunking;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Deterministic test inputs and a byte-at-a-time reference of the documented chunking definition. */
final class TestData {
    static final int KIB = 1 << 10;
    static final int MIB = 1 << 20;

    private TestData() {}

    static byte[] random(long seed, int length) {
        byte[] b = new byte[length];
        new Random(seed).nextBytes(b);
        return b;
    }

    /**
     * SplitMix64 outputs from {@code seed}, each written as 8 little-endian bytes, truncated to
     * {@code length}: easy to reproduce in any language, for golden values shared with other clients.
     */
    static byte[] splitMix(long seed, int length) {
        byte[] b = new byte[length];
        long state = seed;
        for (int i = 0; i < length; i += 8) {
            state += 0x9E3779B97F4A7C15L;
            long z = state;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            z ^= z >>> 31;
            for (int k = 0; k < 8 && i + k < length; k++) {
                b[i + k] = (byte) (z >>> (8 * k));
            }
        }
        return b;
    }

    /** The chunk sizes of {@code data}, straight from the definition in {@link FastCdc}'s Javadoc. */
    static List<Integer> referenceSizes(ChunkingProfile p, byte[] data) {
        GearTable gear = GearTable.of(p);
        int bits = Integer.numberOfTrailingZeros(p.avgSize());
        long maskS = FastCdc.spreadMask(bits + p.normalizationLevel());
        long maskL = FastCdc.spreadMask(bits - p.normalizationLevel());
        int normal = p.avgSize() - p.minSize() / 2;
        List<Integer> sizes = new ArrayList<>();
        int s = 0;
        while (s < data.length) {
            int r = data.length - s;
            int size;
            if (r <= p.minSize()) {
                size = r;
            } else {
                int end = Math.min(r, p.maxSize());
                size = end;
                long h = 0;
                for (int i = p.minSize(); i < end; i++) {
                    h = (h << 1) + gear.get(data[s + i] & 0xff);
                    if ((h & (i < normal ? maskS : maskL)) == 0) {
                        size = i + 1;
                        break;
                    }
                }
            }
            sizes.add(size);
            s += size;
        }
        return sizes;
    }

    /** The chunk sizes {@link FastCdc#cut} gives over the whole of {@code data}. */
    static List<Integer> fastSizes(FastCdc cdc, byte[] data) {
        List<Integer> sizes = new ArrayList<>();
        for (int pos = 0; pos < data.length; ) {
            int n = cdc.cut(data, pos, data.length - pos);
            sizes.add(n);
            pos += n;
        }
        return sizes;
    }
}
