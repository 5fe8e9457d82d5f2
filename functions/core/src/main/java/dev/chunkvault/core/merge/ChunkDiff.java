package dev.chunkvault.core.merge;

import dev.chunkvault.core.manifest.Manifest;
import dev.chunkvault.core.manifest.ManifestEntry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A sequence diff of two manifests on their chunk entries (id and size), as {@link Hunk}s.
 *
 * <h2>Algorithm</h2>
 * Entries are first mapped to dense integers (equal entries, equal integers), then:
 * <ol>
 *   <li>the common prefix and suffix are stripped (a small edit of a 40,000-chunk file leaves a few chunks);</li>
 *   <li>what is left is diffed with Myers' O((N+M)·D) algorithm in its linear-space form (E. W. Myers, "An
 *       O(ND) Difference Algorithm and Its Variations", Algorithmica 1986, §4b: find the middle snake by
 *       running the search from both ends, split there, recurse). It yields a shortest edit script, in
 *       O(N+M) memory;</li>
 *   <li>the search is bounded: when the two ends have not met after {@value #MAX_HALF_D} edits each (so the
 *       remaining region needs more than about {@code 2 × MAX_HALF_D} insertions and deletions), the region
 *       is split on <em>unique anchors</em> instead, as patience diff does: entries that occur exactly once
 *       in each side of the region, of which the longest increasing run (by position in both) is kept as
 *       matched; the gaps between anchors are diffed again from step 1. A region without anchors becomes one
 *       replacement hunk.</li>
 * </ol>
 * So the cost is O((N+M)·D) for D up to a few thousand changed entries (the normal case: D is the number of
 * chunks an edit touches) and O((N+M)·log(N+M) + (N+M)·MAX_HALF_D) beyond, never the N·M table of a dynamic
 * program. A bounded search never produces a wrong diff, only a coarser one (fewer, larger hunks): a
 * three-way merge built on it is then more often a conflict, never an incorrect merge.
 */
public final class ChunkDiff {
    /** Edits explored from each end before the search gives up on a region and splits it on unique anchors. */
    static final int MAX_HALF_D = 1024;

    private final int[] a;
    private final int[] b;
    private final List<Hunk> out = new ArrayList<>();
    /** Scratch for anchors: per symbol, counts and positions in the current region (reset after use). */
    private final int[] countA;
    private final int[] countB;
    private final int[] posA;
    private final int[] posB;
    /** Elementary steps taken (comparisons and diagonal visits): what complexity tests measure. */
    private long work;

    private ChunkDiff(int[] a, int[] b, int symbols) {
        this.a = a;
        this.b = b;
        this.countA = new int[symbols];
        this.countB = new int[symbols];
        this.posA = new int[symbols];
        this.posB = new int[symbols];
    }

    /** The hunks that turn {@code from} into {@code to}, compared entry by entry (chunk id and size). */
    public static List<Hunk> between(Manifest from, Manifest to) {
        Symbols symbols = new Symbols();
        int[] x = symbols.of(from);
        int[] y = symbols.of(to);
        return diff(x, y, symbols.count()).hunks();
    }

    /** A diff of symbol sequences, with the work it took. */
    record Result(List<Hunk> hunks, long work) {}

    /**
     * Diffs two sequences of symbols in {@code [0, symbols)}.
     */
    static Result diff(int[] a, int[] b, int symbols) {
        ChunkDiff d = new ChunkDiff(a, b, symbols);
        d.diff(0, a.length, 0, b.length);
        return new Result(List.copyOf(d.out), d.work);
    }

    private void diff(int aLo, int aHi, int bLo, int bHi) {
        while (aLo < aHi && bLo < bHi && a[aLo] == b[bLo]) {
            aLo++;
            bLo++;
        }
        while (aLo < aHi && bLo < bHi && a[aHi - 1] == b[bHi - 1]) {
            aHi--;
            bHi--;
        }
        work += (aHi - aLo) + (bHi - bLo) + 1;
        if (aLo == aHi && bLo == bHi) {
            return;
        }
        if (aLo == aHi || bLo == bHi) {
            emit(aLo, aHi, bLo, bHi);
            return;
        }
        int[] split = middleSnake(aLo, aHi, bLo, bHi);
        if (split == null) {
            anchored(aLo, aHi, bLo, bHi);
            return;
        }
        int x = split[0];
        int y = split[1];
        if ((x == aLo && y == bLo) || (x == aHi && y == bHi)) {
            emit(aLo, aHi, bLo, bHi); // cannot happen after trimming (D >= 2); never loop on it
            return;
        }
        diff(aLo, x, bLo, y);
        diff(x, aHi, y, bHi);
    }

    /**
     * Myers' bidirectional search on {@code a[aLo, aHi)} × {@code b[bLo, bHi)} (both non-empty, first and last
     * entries differing): the point where the forward and the backward furthest-reaching D-paths overlap, as
     * absolute {@code {x, y}}; a shortest edit script passes through it. Null when the ends have not met within
     * {@link #MAX_HALF_D} edits each.
     *
     * <p>Diagonal {@code k = x - y}; {@code v1[k]} is the furthest x reached forward on diagonal k,
     * {@code v2[k]} the furthest reached backward, counted from the ends ({@code n - x}). With
     * {@code delta = n - m} odd the paths can only meet during a forward step, with it even during a backward
     * one. {@code k1start/k1end} (and k2) skip diagonals that have run off the grid.
     */
    private int[] middleSnake(int aLo, int aHi, int bLo, int bHi) {
        int n = aHi - aLo;
        int m = bHi - bLo;
        int maxD = (n + m + 1) / 2;
        int limit = Math.min(maxD, MAX_HALF_D);
        int offset = limit + 2;
        int length = 2 * limit + 5;
        int[] v1 = new int[length];
        int[] v2 = new int[length];
        Arrays.fill(v1, -1);
        Arrays.fill(v2, -1);
        v1[offset + 1] = 0;
        v2[offset + 1] = 0;
        int delta = n - m;
        boolean front = (delta & 1) != 0;
        int k1start = 0;
        int k1end = 0;
        int k2start = 0;
        int k2end = 0;
        for (int d = 0; d < limit; d++) {
            for (int k1 = -d + k1start; k1 <= d - k1end; k1 += 2) {
                int k1o = offset + k1;
                int x1 = (k1 == -d || (k1 != d && v1[k1o - 1] < v1[k1o + 1])) ? v1[k1o + 1] : v1[k1o - 1] + 1;
                int y1 = x1 - k1;
                int x0 = x1;
                while (x1 < n && y1 < m && a[aLo + x1] == b[bLo + y1]) {
                    x1++;
                    y1++;
                }
                work += 1 + (x1 - x0);
                v1[k1o] = x1;
                if (x1 > n) {
                    k1end += 2;
                } else if (y1 > m) {
                    k1start += 2;
                } else if (front) {
                    int k2o = offset + delta - k1;
                    if (k2o >= 0 && k2o < length && v2[k2o] != -1 && x1 >= n - v2[k2o]) {
                        return new int[] {aLo + x1, bLo + y1};
                    }
                }
            }
            for (int k2 = -d + k2start; k2 <= d - k2end; k2 += 2) {
                int k2o = offset + k2;
                int x2 = (k2 == -d || (k2 != d && v2[k2o - 1] < v2[k2o + 1])) ? v2[k2o + 1] : v2[k2o - 1] + 1;
                int y2 = x2 - k2;
                int x0 = x2;
                while (x2 < n && y2 < m && a[aHi - 1 - x2] == b[bHi - 1 - y2]) {
                    x2++;
                    y2++;
                }
                work += 1 + (x2 - x0);
                v2[k2o] = x2;
                if (x2 > n) {
                    k2end += 2;
                } else if (y2 > m) {
                    k2start += 2;
                } else if (!front) {
                    int k1o = offset + delta - k2;
                    if (k1o >= 0 && k1o < length && v1[k1o] != -1) {
                        int x1 = v1[k1o];
                        int y1 = x1 - (k1o - offset);
                        if (x1 >= n - x2) {
                            return new int[] {aLo + x1, bLo + y1};
                        }
                    }
                }
            }
        }
        return null;
    }

    /**
     * Splits the region on entries unique to it in both sequences, keeping the longest run of them that is in
     * the same order on both sides, and diffs the gaps; without such entries the region is one hunk.
     */
    private void anchored(int aLo, int aHi, int bLo, int bHi) {
        for (int i = aLo; i < aHi; i++) {
            countA[a[i]]++;
            posA[a[i]] = i;
        }
        for (int j = bLo; j < bHi; j++) {
            countB[b[j]]++;
            posB[b[j]] = j;
        }
        // Unique-in-both entries in the order of a; their positions in b.
        int[] inA = new int[Math.min(aHi - aLo, bHi - bLo)];
        int[] inB = new int[inA.length];
        int k = 0;
        for (int i = aLo; i < aHi && k < inA.length; i++) {
            int s = a[i];
            if (countA[s] == 1 && countB[s] == 1) {
                inA[k] = i;
                inB[k] = posB[s];
                k++;
            }
        }
        for (int i = aLo; i < aHi; i++) {
            countA[a[i]] = 0;
        }
        for (int j = bLo; j < bHi; j++) {
            countB[b[j]] = 0;
        }
        work += 2L * ((aHi - aLo) + (bHi - bLo));
        int[] keep = longestIncreasing(inB, k);
        work += (long) k * (1 + (32 - Integer.numberOfLeadingZeros(Math.max(1, k))));
        if (keep.length == 0) {
            emit(aLo, aHi, bLo, bHi);
            return;
        }
        int prevA = aLo;
        int prevB = bLo;
        for (int idx : keep) {
            diff(prevA, inA[idx], prevB, inB[idx]);
            prevA = inA[idx] + 1;
            prevB = inB[idx] + 1;
        }
        diff(prevA, aHi, prevB, bHi);
    }

    /** Indexes into {@code values[0, n)} of a longest strictly increasing subsequence (patience sorting). */
    static int[] longestIncreasing(int[] values, int n) {
        int[] tails = new int[n]; // tails[len-1] = index of the smallest tail of an increasing run of length len
        int[] prev = new int[n];
        int len = 0;
        for (int i = 0; i < n; i++) {
            int lo = 0;
            int hi = len;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (values[tails[mid]] < values[i]) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            prev[i] = lo > 0 ? tails[lo - 1] : -1;
            tails[lo] = i;
            if (lo == len) {
                len++;
            }
        }
        int[] out = new int[len];
        for (int i = len - 1, at = len > 0 ? tails[len - 1] : -1; i >= 0; i--, at = prev[at]) {
            out[i] = at;
        }
        return out;
    }

    /** Appends a hunk, joined to the previous one if they touch on both sides (recursion leaves such pairs). */
    private void emit(int aLo, int aHi, int bLo, int bHi) {
        if (!out.isEmpty()) {
            Hunk last = out.get(out.size() - 1);
            if (last.end() == aLo && last.toEnd() == bLo) {
                out.set(out.size() - 1, new Hunk(last.start(), aHi, last.toStart(), bHi));
                return;
            }
        }
        out.add(new Hunk(aLo, aHi, bLo, bHi));
    }

    /** Dense integer names for manifest entries: equal entries (id and size) get equal symbols. */
    static final class Symbols {
        private final Map<ManifestEntry, Integer> ids = new HashMap<>();

        int[] of(Manifest m) {
            int[] out = new int[m.chunkCount()];
            for (int i = 0; i < out.length; i++) {
                Integer s = ids.putIfAbsent(m.entry(i), ids.size());
                out[i] = s == null ? ids.size() - 1 : s;
            }
            return out;
        }

        int count() {
            return ids.size();
        }
    }
}
