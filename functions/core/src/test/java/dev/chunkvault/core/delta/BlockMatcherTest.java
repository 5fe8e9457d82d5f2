package dev.chunkvault.core.delta;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The pull direction: a holder of old bytes finds which blocks of a wanted chunk it already has. */
class BlockMatcherTest {
    private static final long SEED = 0x5EED_0006L;

    private final Random random = new Random(SEED);
    private final byte[] wanted = TestBytes.random(random, 300_000);
    private final BlockSignature signature = BlockSignature.compute(wanted);
    private final BlockMatcher matcher = new BlockMatcher(signature);

    @Test
    void locatesEveryBlockAtAnyOffset() {
        byte[] local = TestBytes.concat(TestBytes.random(random, 333), wanted, TestBytes.random(random, 77));
        int[] found = matcher.locate(local, 0, local.length);
        for (int i = 0; i < signature.blockCount(); i++) {
            assertEquals(333 + signature.blockOffset(i), found[i], "block " + i);
        }
    }

    @Test
    void locatesReorderedContentIncludingTheShortLastBlock() {
        int cut = signature.blockOffset(200);
        byte[] local = TestBytes.concat(TestBytes.slice(wanted, cut, wanted.length), TestBytes.slice(wanted, 0, cut));
        assertTrue(wanted.length % signature.blockSize() != 0, "wanted has a short last block");
        int[] found = matcher.locate(local, 0, local.length);
        for (int i = 0; i < signature.blockCount(); i++) {
            int expected = i >= 200 ? signature.blockOffset(i) - cut : wanted.length - cut + signature.blockOffset(i);
            assertEquals(expected, found[i], "block " + i);
        }
    }

    @Test
    void reportsMissingBlocks() {
        byte[] local = wanted.clone();
        int b = signature.blockSize();
        local[5 * b + 10] ^= 1; // breaks block 5 only
        int[] found = matcher.locate(local, 0, local.length);
        int[] expected = new int[signature.blockCount()];
        Arrays.setAll(expected, i -> i == 5 ? -1 : signature.blockOffset(i));
        assertArrayEquals(expected, found);
        assertTrue(Arrays.stream(matcher.locate(new byte[0], 0, 0)).allMatch(at -> at == -1));
    }

    @Test
    void aCraftedSignatureSpendsItsRefutedHitBudgetAndStopsMatching() {
        int n = 1 << 20;
        byte[] base = TestBytes.random(random, n);
        BlockSignature honest = BlockSignature.compute(base);
        int b = honest.blockSize();
        int last = honest.blockCount() - 1;
        assertEquals(n, (last + 1) * b, "no short last block");
        // Every block but the last claims the weak checksum of a zero window, with a strong hash that no
        // zero window has: all-zero data then gives a refuted weak hit at every offset.
        byte[] encoded = honest.encode();
        for (int i = 0; i < last; i++) {
            int at = BlockSignature.HEADER_BYTES + i * BlockSignature.BYTES_PER_BLOCK;
            Wire.putInt(encoded, at, RollingChecksum.of(new byte[b], 0, b));
            Wire.putInt(encoded, at + 4, random.nextInt());
        }
        BlockSignature crafted = BlockSignature.decode(encoded);
        byte[] data = TestBytes.concat(new byte[n], TestBytes.slice(base, last * b, n));

        assertEquals(n, new BlockMatcher(honest).locate(data, 0, data.length)[last], "control: findable");
        assertEquals(-1, new BlockMatcher(crafted).locate(data, 0, data.length)[last]);
    }

    @Test
    void everyReportedMatchIsReal() {
        System.out.println("BlockMatcherTest seed=" + SEED);
        for (int iteration = 0; iteration < 30; iteration++) {
            byte[] local = wanted;
            for (int e = 0; e < 10; e++) {
                local = TestBytes.edit(random, local, 3_000).bytes();
            }
            byte[] data = local;
            int[] last = {-1};
            matcher.scan(data, 0, data.length, (at, block) -> {
                assertTrue(at >= last[0], "matches in order, not overlapping");
                int len = signature.blockLength(block);
                int off = signature.blockOffset(block);
                assertArrayEquals(Arrays.copyOfRange(wanted, off, off + len), Arrays.copyOfRange(data, at, at + len));
                last[0] = at + len;
            });
        }
    }
}
