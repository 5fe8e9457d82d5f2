package dev.chunkvault.core.delta;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Encode then apply must give back the target exactly, and cost little for small edits. */
class DeltaRoundTripTest {
    private static final long SEED = 0x5EED_0003L;
    private static final int MIB = 1 << 20;
    private static final int[] SIZES = {0, 1, 700, 2649, 2650, 4096, 65_536, 262_144, MIB};

    static Stream<Arguments> namedCases() {
        Random r = new Random(SEED);
        System.out.println("DeltaRoundTripTest.namedCases seed=" + SEED);
        List<Arguments> cases = new ArrayList<>();
        for (int n : SIZES) {
            byte[] base = TestBytes.random(r, n);
            int mid = n / 2;
            cases.add(Arguments.of(n + " identical", base, base.clone()));
            cases.add(Arguments.of(n + " insert 1 in the middle", base,
                    TestBytes.concat(TestBytes.slice(base, 0, mid), new byte[] {42}, TestBytes.slice(base, mid, n))));
            cases.add(Arguments.of(n + " delete 100 in the middle", base,
                    TestBytes.concat(TestBytes.slice(base, 0, mid), TestBytes.slice(base, Math.min(n, mid + 100), n))));
            byte[] overwritten = base.clone();
            for (int i = mid; i < Math.min(n, mid + 10); i++) {
                overwritten[i] ^= 0x5a;
            }
            cases.add(Arguments.of(n + " overwrite 10", base, overwritten));
            cases.add(Arguments.of(n + " append 1000", base, TestBytes.concat(base, TestBytes.random(r, 1000))));
            cases.add(Arguments.of(n + " prepend 1000", base, TestBytes.concat(TestBytes.random(r, 1000), base)));
            cases.add(Arguments.of(n + " truncate to half", base, TestBytes.slice(base, 0, mid)));
            cases.add(Arguments.of(n + " drop first half", base, TestBytes.slice(base, mid, n)));
            cases.add(Arguments.of(n + " truncate to empty", base, new byte[0]));
            cases.add(Arguments.of(n + " from empty base", new byte[0], base));
            cases.add(Arguments.of(n + " completely different", base, TestBytes.random(r, n)));
            cases.add(Arguments.of(n + " halves swapped", base,
                    TestBytes.concat(TestBytes.slice(base, mid, n), TestBytes.slice(base, 0, mid))));
            cases.add(Arguments.of(n + " doubled", base, TestBytes.concat(base, base)));
            cases.add(Arguments.of(n + " zeros to zeros with a byte set", new byte[n], oneByteSet(n)));
        }
        return cases.stream();
    }

    private static byte[] oneByteSet(int n) {
        byte[] b = new byte[n];
        if (n > 0) {
            b[n / 3] = 1;
        }
        return b;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("namedCases")
    void rebuildsTheTargetExactly(String name, byte[] base, byte[] target) {
        Delta delta = roundTrip(base, target);
        assertMergedAndCompact(delta);
    }

    @Test
    void randomEditsRoundTripAndCostAboutTheEditedBytes() {
        Random r = new Random(SEED);
        System.out.println("DeltaRoundTripTest.randomEdits seed=" + SEED);
        for (int iteration = 0; iteration < 150; iteration++) {
            // Sizes spread over the whole range, with small ones as frequent as large ones.
            int n = (int) Math.min(MIB, Math.round(Math.pow(2, r.nextDouble() * 20.5)) - 1);
            byte[] base = TestBytes.random(r, n);
            byte[] target = base;
            int edits = 1 + r.nextInt(5);
            int newBytes = 0;
            List<String> what = new ArrayList<>();
            for (int e = 0; e < edits; e++) {
                TestBytes.Edited edited = TestBytes.edit(r, target, 1 + r.nextInt(200));
                target = edited.bytes();
                newBytes += edited.newBytes();
                what.add(edited.description());
            }
            String context = "iteration " + iteration + ", base " + n + " bytes, edits " + what;
            Delta delta = roundTrip(base, target);
            assertMergedAndCompact(delta);
            int block = BlockSignature.blockSizeFor(n);
            long literal = literalBytes(delta);
            if (block == 0) {
                assertEquals(target.length, literal, context);
            } else {
                // Each edit breaks at most the block it starts in and the one it ends in; a missed short
                // last block costs at most one more block.
                long bound = newBytes + (2L * edits + 1) * block;
                assertTrue(literal <= bound, context + ": " + literal + " literal bytes, bound " + bound);
            }
        }
    }

    @Test
    void oneByteInsertInA256KiBChunkCostsLessThan2KiB() {
        byte[] base = TestBytes.random(new Random(SEED), 256 << 10);
        byte[] target = TestBytes.concat(TestBytes.slice(base, 0, 100_000), new byte[] {7},
                TestBytes.slice(base, 100_000, base.length));
        Delta delta = roundTrip(base, target);
        assertTrue(delta.encodedLength() < 2048, delta.encodedLength() + " bytes");
    }

    @Test
    void identicalChunkIsOneCopy() {
        byte[] base = TestBytes.random(new Random(SEED), MIB);
        Delta delta = roundTrip(base, base.clone());
        assertEquals(List.of(new DeltaOp.Copy(0, MIB)), delta.ops());
        assertTrue(delta.encodedLength() < 80, delta.encodedLength() + " bytes");
    }

    @Test
    void identicalBlocksStillCoalesceIntoOneCopy() {
        byte[] zeros = new byte[MIB];
        List<DeltaOp> ops = roundTrip(zeros, zeros.clone()).ops();
        assertEquals(1, ops.size(), "number of ops");
        assertEquals(new DeltaOp.Copy(0, MIB), ops.get(0));
    }

    @Test
    void appendAndPrependKeepTheShortLastBlock() {
        byte[] base = TestBytes.random(new Random(SEED), 256 << 10);
        assertTrue(base.length % BlockSignature.blockSizeFor(base.length) != 0, "the base has a short last block");
        byte[] extra = TestBytes.random(new Random(SEED + 1), 100);
        assertEquals(List.of(new DeltaOp.Copy(0, base.length), DeltaOp.Literal.copyOf(extra, 0, 100)),
                roundTrip(base, TestBytes.concat(base, extra)).ops());
        assertEquals(List.of(DeltaOp.Literal.copyOf(extra, 0, 100), new DeltaOp.Copy(0, base.length)),
                roundTrip(base, TestBytes.concat(extra, base)).ops());
    }

    @Test
    void encodesASubrangeOfTheTarget() {
        byte[] base = TestBytes.random(new Random(SEED), 50_000);
        byte[] padded = TestBytes.concat(new byte[333], base, new byte[444]);
        Delta delta = DeltaEncoder.encode(BlockSignature.compute(base), padded, 333, base.length);
        assertEquals(List.of(new DeltaOp.Copy(0, base.length)), delta.ops());
        assertArrayEquals(base, DeltaApplier.apply(base, delta, base.length));
    }

    @Test
    void literalOpsCarryTheirBytes() {
        byte[] base = new byte[0];
        byte[] target = {1, 2, 3};
        Delta delta = roundTrip(base, target);
        assertArrayEquals(target, assertInstanceOf(DeltaOp.Literal.class, delta.ops().get(0)).toBytes());
    }

    /** Encodes against the base's signature, checks the wire form, applies, and compares. */
    private static Delta roundTrip(byte[] base, byte[] target) {
        BlockSignature signature = BlockSignature.decode(BlockSignature.compute(base).encode());
        Delta delta = DeltaEncoder.encode(signature, target);
        byte[] encoded = delta.encode();
        assertEquals(delta.encodedLength(), encoded.length);
        Delta decoded = Delta.decode(encoded, target.length);
        assertEquals(delta, decoded);
        assertArrayEquals(target, DeltaApplier.apply(base, encoded, target.length));
        return delta;
    }

    /** No two adjacent copies continue each other, no two literals are adjacent. */
    private static void assertMergedAndCompact(Delta delta) {
        List<DeltaOp> ops = delta.ops();
        for (int i = 1; i < ops.size(); i++) {
            DeltaOp prev = ops.get(i - 1);
            DeltaOp op = ops.get(i);
            if (prev instanceof DeltaOp.Copy p && op instanceof DeltaOp.Copy c) {
                assertTrue(p.baseOffset() + p.length() != c.baseOffset(), "unmerged copies at op " + i);
            } else {
                assertTrue(!(prev instanceof DeltaOp.Literal) || !(op instanceof DeltaOp.Literal),
                        "adjacent literals at op " + i);
            }
        }
    }

    private static long literalBytes(Delta delta) {
        return delta.ops().stream().filter(op -> op instanceof DeltaOp.Literal).mapToLong(DeltaOp::length).sum();
    }
}
