package dev.chunkvault.core.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.core.manifest.Manifest;
import dev.chunkvault.core.manifest.ManifestEntry;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Hand-written merges on synthetic manifests: chunk {@code i} has a distinct id and size {@code 100 + i}. */
class ThreeWayMergeTest {
    private static final String PROFILE = "fastcdc-v1-64k-256k-1m";

    static ManifestEntry chunk(int i) {
        return new ManifestEntry(ChunkId.sha256(("chunk " + i).getBytes(StandardCharsets.UTF_8)), 100 + i);
    }

    static Manifest m(int... chunks) {
        return Manifest.of(PROFILE, IntStream.of(chunks).mapToObj(ThreeWayMergeTest::chunk).toList());
    }

    private static Manifest clean(Manifest a, Manifest l, Manifest r) {
        MergeResult result = ThreeWayMerge.merge(a, l, r);
        assertTrue(result.isClean(), "expected a clean merge, got " + result.conflicts());
        assertEquals(List.of(), result.conflicts());
        return result.merged();
    }

    private static List<ConflictRegion> conflicts(Manifest a, Manifest l, Manifest r) {
        MergeResult result = ThreeWayMerge.merge(a, l, r);
        assertFalse(result.isClean(), "expected a conflict");
        assertNull(result.merged());
        return result.conflicts();
    }

    @Test
    void trivialCases() {
        Manifest a = m(1, 2, 3);
        Manifest edited = m(1, 9, 3);
        assertSame(edited, ThreeWayMerge.merge(a, a, edited).merged(), "local unchanged: remote");
        assertSame(edited, ThreeWayMerge.merge(a, edited, a).merged(), "remote unchanged: local");
        assertSame(edited, ThreeWayMerge.merge(a, edited, m(1, 9, 3)).merged(), "same on both sides");
        assertEquals(a, clean(a, a, a));
        assertEquals(m(), clean(m(1, 2), m(), m()), "both deleted everything");
    }

    @Test
    void disjointEditsMergeInOrder() {
        Manifest a = m(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
        assertEquals(m(0, 10, 2, 3, 4, 5, 6, 11, 12, 8, 9),
                clean(a, m(0, 10, 2, 3, 4, 5, 6, 7, 8, 9), m(0, 1, 2, 3, 4, 5, 6, 11, 12, 8, 9)));
        // Insertions, deletions and an append on different sides, in every order.
        assertEquals(m(20, 0, 1, 3, 4, 5, 6, 7, 8, 9, 21),
                clean(a, m(20, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 21), m(0, 1, 3, 4, 5, 6, 7, 8, 9)));
        assertEquals(m(20, 0, 1, 3, 4, 5, 6, 7, 8, 9, 21),
                clean(a, m(0, 1, 3, 4, 5, 6, 7, 8, 9), m(20, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 21)));
        // Several hunks per side, interleaved.
        assertEquals(m(30, 1, 31, 3, 32, 5, 33, 7, 34, 9),
                clean(a, m(30, 1, 2, 3, 32, 5, 6, 7, 34, 9), m(0, 1, 31, 3, 4, 5, 33, 7, 8, 9)));
    }

    @Test
    void abuttingReplacementsAreCleanButTouchingInsertionsConflict() {
        Manifest a = m(0, 1, 2, 3, 4, 5);
        // [1,3) and [3,5) replaced: each side owns its chunks.
        assertEquals(m(0, 10, 11, 5), clean(a, m(0, 10, 3, 4, 5), m(0, 1, 2, 11, 5)));
        // An insertion at the start or the end of a range the other side replaced: order unknown.
        List<ConflictRegion> atStart = conflicts(a, m(0, 20, 1, 2, 3, 4, 5), m(0, 10, 3, 4, 5));
        assertEquals(List.of(new ConflictRegion(ThreeWayMerge.span(a, 1, 3), ThreeWayMerge.span(m(0, 20, 1, 2, 3, 4, 5), 1, 4),
                ThreeWayMerge.span(m(0, 10, 3, 4, 5), 1, 2))), atStart);
        conflicts(a, m(0, 1, 2, 20, 3, 4, 5), m(0, 10, 3, 4, 5));
        // Two different insertions at one position.
        List<ConflictRegion> both = conflicts(a, m(0, 1, 2, 20, 3, 4, 5), m(0, 1, 2, 21, 3, 4, 5));
        assertEquals(1, both.size());
        assertTrue(both.get(0).ancestor().isEmpty());
        assertEquals(3, both.get(0).ancestor().startChunk());
        // An insertion next to a deletion's end, at a position the deletion did not touch: still ambiguous.
        conflicts(a, m(0, 3, 4, 5), m(0, 1, 2, 22, 3, 4, 5));
        // The same insertion on both sides is taken once.
        assertEquals(m(0, 1, 2, 20, 3, 4, 9), clean(a, m(0, 1, 2, 20, 3, 4, 5), m(0, 1, 2, 20, 3, 4, 9)));
    }

    @Test
    void overlappingEditsConflictWithAncestorAndSideRangesInChunksAndBytes() {
        Manifest a = m(0, 1, 2, 3, 4, 5, 6, 7);
        Manifest l = m(0, 1, 10, 11, 4, 5, 6, 7);        // replaced [2,4)
        Manifest r = m(0, 1, 2, 12, 13, 14, 5, 6, 7);    // replaced [3,5)
        List<ConflictRegion> c = conflicts(a, l, r);
        assertEquals(1, c.size());
        ConflictRegion region = c.get(0);
        // The cluster spans ancestor [2,5): local made it [10, 11, 4], remote [2, 12, 13, 14].
        assertEquals(new Span(2, 5, a.offset(2), a.offset(5)), region.ancestor());
        assertEquals(100 + 101, region.ancestor().startByte());
        assertEquals(100 + 101 + 102 + 103 + 104, region.ancestor().endByte());
        assertEquals(new Span(2, 5, l.offset(2), l.offset(5)), region.local());
        assertEquals(new Span(2, 6, r.offset(2), r.offset(6)), region.remote());
    }

    @Test
    void everyConflictIsReportedAndCleanRegionsDoNotHideThem() {
        Manifest a = m(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
        Manifest l = m(10, 1, 2, 3, 4, 5, 6, 7, 8, 11);
        Manifest r = m(20, 1, 2, 3, 44, 5, 6, 7, 8, 21);
        List<ConflictRegion> c = conflicts(a, l, r);
        assertEquals(2, c.size());
        assertEquals(0, c.get(0).ancestor().startChunk());
        assertEquals(9, c.get(1).ancestor().startChunk());
        assertEquals(10, c.get(1).ancestor().endChunk());
        assertEquals(a.totalSize(), c.get(1).ancestor().endByte());
    }

    @Test
    void identicalChangesMergeOnceEvenWhenCutIntoDifferentHunks() {
        Manifest a = m(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
        // Both replaced 2 and 3 the same way; the local side also edited 8, far away.
        Manifest l = m(0, 1, 12, 13, 4, 5, 6, 7, 18, 9);
        Manifest r = m(0, 1, 12, 13, 4, 5, 6, 7, 8, 9);
        assertEquals(l, clean(a, l, r));
        // And with the same edit and a different far edit on each side.
        Manifest r2 = m(0, 1, 12, 13, 4, 5, 6, 7, 8, 9, 30);
        assertEquals(m(0, 1, 12, 13, 4, 5, 6, 7, 18, 9, 30), clean(a, l, r2));
    }

    @Test
    void largeManifestsWithFarApartEditsMerge() {
        int n = 40_000;
        int[] base = IntStream.range(0, n).toArray();
        List<Integer> local = new ArrayList<>(IntStream.range(0, n).boxed().toList());
        List<Integer> remote = new ArrayList<>(local);
        List<Integer> expected = new ArrayList<>(local);
        // Local replaces chunk 1000 and deletes 20,000..20,009; remote inserts two chunks before 30,000 and
        // replaces the last chunk. Expected: both applied (highest position first, so indexes stay valid).
        remote.set(n - 1, n + 3);
        remote.add(30_000, n + 2);
        remote.add(30_000, n + 1);
        local.subList(20_000, 20_010).clear();
        local.set(1000, n);
        expected.set(n - 1, n + 3);
        expected.add(30_000, n + 2);
        expected.add(30_000, n + 1);
        expected.subList(20_000, 20_010).clear();
        expected.set(1000, n);
        Manifest merged = clean(m(base), m(local.stream().mapToInt(Integer::intValue).toArray()),
                m(remote.stream().mapToInt(Integer::intValue).toArray()));
        assertEquals(m(expected.stream().mapToInt(Integer::intValue).toArray()), merged);
    }

    @Test
    void profilesMustMatch() {
        Manifest a = m(1);
        Manifest other = Manifest.of("another-profile", List.of(chunk(1)));
        assertThrows(IllegalArgumentException.class, () -> ThreeWayMerge.merge(a, other, a));
        assertThrows(IllegalArgumentException.class, () -> ThreeWayMerge.merge(a, a, other));
        assertThrows(IllegalArgumentException.class, () -> ThreeWayMerge.merge(other, a, a));
    }

    @Test
    void collisionRule() {
        assertTrue(ThreeWayMerge.collide(1, 3, 2, 4), "overlap");
        assertFalse(ThreeWayMerge.collide(1, 3, 3, 5), "abutting replacements");
        assertTrue(ThreeWayMerge.collide(3, 3, 3, 5), "insertion at the start");
        assertTrue(ThreeWayMerge.collide(1, 3, 3, 3), "insertion at the end");
        assertTrue(ThreeWayMerge.collide(2, 2, 1, 3), "insertion inside");
        assertTrue(ThreeWayMerge.collide(2, 2, 2, 2), "two insertions at one position");
        assertFalse(ThreeWayMerge.collide(2, 2, 3, 3), "insertions at different positions");
        assertFalse(ThreeWayMerge.collide(0, 1, 2, 2), "insertion after a gap");
    }
}
