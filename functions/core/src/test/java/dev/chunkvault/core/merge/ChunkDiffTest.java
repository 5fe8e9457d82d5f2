package dev.chunkvault.core.merge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The diff must rebuild its target, be minimal while the search is within bounds, and cost O((N+M)·D). */
class ChunkDiffTest {
    private static final long SEED = 0xD1FF_0001L;

    private static List<Hunk> diff(int[] a, int[] b) {
        return ChunkDiff.diff(a, b, symbols(a, b)).hunks();
    }

    private static int symbols(int[] a, int[] b) {
        return 1 + Math.max(Arrays.stream(a).max().orElse(0), Arrays.stream(b).max().orElse(0));
    }

    @Test
    void handWrittenCases() {
        assertEquals(List.of(), diff(new int[0], new int[0]));
        assertEquals(List.of(), diff(new int[] {1, 2, 3}, new int[] {1, 2, 3}));
        assertEquals(List.of(new Hunk(0, 0, 0, 2)), diff(new int[0], new int[] {4, 5}));
        assertEquals(List.of(new Hunk(0, 2, 0, 0)), diff(new int[] {4, 5}, new int[0]));
        assertEquals(List.of(new Hunk(1, 1, 1, 2)), diff(new int[] {1, 2, 3}, new int[] {1, 9, 2, 3}));
        assertEquals(List.of(new Hunk(1, 2, 1, 1)), diff(new int[] {1, 2, 3}, new int[] {1, 3}));
        assertEquals(List.of(new Hunk(1, 2, 1, 2)), diff(new int[] {1, 2, 3}, new int[] {1, 8, 3}));
        assertEquals(List.of(new Hunk(0, 1, 0, 1), new Hunk(4, 5, 4, 6)),
                diff(new int[] {0, 1, 2, 3, 4, 5}, new int[] {9, 1, 2, 3, 7, 8, 5}));
        // Moving a block is a deletion and an insertion.
        assertEquals(2, diff(new int[] {1, 2, 3, 4, 5, 6}, new int[] {4, 5, 6, 1, 2, 3}).size());
    }

    @Test
    void randomSequencesRebuildExactlyWithAShortestScript() {
        Random r = new Random(SEED);
        System.out.println("ChunkDiffTest.randomSequences seed=" + SEED);
        for (int iteration = 0; iteration < 2000; iteration++) {
            int alphabet = 1 + r.nextInt(iteration % 3 == 0 ? 3 : 40); // small alphabets: many repeats
            int[] a = randomSequence(r, r.nextInt(60), alphabet);
            int[] b = r.nextBoolean() ? randomSequence(r, r.nextInt(60), alphabet) : edit(r, a, alphabet, 1 + r.nextInt(6));
            List<Hunk> hunks = diff(a, b);
            String context = "iteration " + iteration + ": " + Arrays.toString(a) + " -> " + Arrays.toString(b);
            assertWellFormed(a, b, hunks, context);
            assertEquals(editDistance(a, b), cost(hunks), "not a shortest edit script, " + context);
        }
    }

    @Test
    void largeDistancesFallBackToAnchorsAndStayCorrect() {
        Random r = new Random(SEED + 1);
        System.out.println("ChunkDiffTest.largeDistances seed=" + (SEED + 1));
        int n = 40_000;
        int[] a = distinct(n, 0);
        // 3,000 scattered single-chunk replacements: D = 6,000, beyond the bounded search.
        int[] b = a.clone();
        int fresh = n;
        for (int i = 0; i < 3000; i++) {
            b[r.nextInt(n)] = fresh++;
        }
        ChunkDiff.Result result = ChunkDiff.diff(a, b, fresh);
        assertWellFormed(a, b, result.hunks(), "scattered");
        long changed = Arrays.stream(b).filter(x -> x >= n).count();
        // With unique ids the anchors recover the exact replacements (adjacent ones form one hunk).
        assertEquals(2 * changed, cost(result.hunks()));

        // Nothing in common: one hunk, found without a quadratic search.
        int[] c = distinct(n, n);
        ChunkDiff.Result disjoint = ChunkDiff.diff(a, c, 2 * n);
        assertEquals(List.of(new Hunk(0, n, 0, n)), disjoint.hunks());
        assertTrue(disjoint.work() < 20L * ChunkDiff.MAX_HALF_D * ChunkDiff.MAX_HALF_D,
                "work " + disjoint.work() + " for two disjoint 40,000-chunk manifests");
    }

    @Test
    void smallEditsOf40000ChunksCostLinearWork() {
        Random r = new Random(SEED + 2);
        System.out.println("ChunkDiffTest.smallEdits seed=" + (SEED + 2));
        int n = 40_000;
        for (int iteration = 0; iteration < 20; iteration++) {
            int[] a = distinct(n, 0);
            int[] b = edit(r, a, 1_000_000, 1 + r.nextInt(8));
            ChunkDiff.Result result = ChunkDiff.diff(a, b, 1_000_000 + n);
            assertWellFormed(a, b, result.hunks(), "iteration " + iteration);
            int d = cost(result.hunks());
            long bound = 4L * (a.length + b.length) * (d + 1);
            assertTrue(result.work() <= bound, "work " + result.work() + " > 4 (N+M)(D+1) = " + bound);
            // Linear in practice (the edits are few), far below the N·M = 1.6e9 cells of a dynamic program.
            assertTrue(result.work() <= 16L * (a.length + b.length), "work " + result.work());
        }
    }

    @Test
    void longestIncreasingSubsequence() {
        assertArrayEquals(new int[0], ChunkDiff.longestIncreasing(new int[0], 0));
        int[] v = {5, 1, 6, 2, 7, 3, 8};
        int[] idx = ChunkDiff.longestIncreasing(v, v.length);
        assertEquals(4, idx.length);
        for (int i = 1; i < idx.length; i++) {
            assertTrue(idx[i - 1] < idx[i] && v[idx[i - 1]] < v[idx[i]]);
        }
    }

    /** Hunks in order, not touching, within bounds; applying them to {@code a} gives {@code b}. */
    static void assertWellFormed(int[] a, int[] b, List<Hunk> hunks, String context) {
        List<Integer> rebuilt = new ArrayList<>();
        int at = 0;
        int toAt = 0;
        for (Hunk h : hunks) {
            assertTrue(h.start() >= at && h.toStart() >= toAt, "hunks out of order, " + context);
            assertEquals(h.start() - at, h.toStart() - toAt, "unequal common run, " + context);
            if (h != hunks.get(0)) {
                assertTrue(h.start() > at, "hunks touch, " + context);
            }
            for (int i = at; i < h.start(); i++) {
                assertEquals(a[i], b[toAt + (i - at)], "common run differs, " + context);
                rebuilt.add(a[i]);
            }
            for (int j = h.toStart(); j < h.toEnd(); j++) {
                rebuilt.add(b[j]);
            }
            at = h.end();
            toAt = h.toEnd();
        }
        for (int i = at; i < a.length; i++) {
            rebuilt.add(a[i]);
        }
        assertArrayEquals(b, rebuilt.stream().mapToInt(Integer::intValue).toArray(), context);
    }

    /** Insertions plus deletions of the script. */
    static int cost(List<Hunk> hunks) {
        return hunks.stream().mapToInt(h -> (h.end() - h.start()) + (h.toEnd() - h.toStart())).sum();
    }

    /** Reference: insert/delete edit distance by dynamic programming (small inputs only). */
    private static int editDistance(int[] a, int[] b) {
        int[][] dp = new int[a.length + 1][b.length + 1];
        for (int i = 0; i <= a.length; i++) {
            for (int j = 0; j <= b.length; j++) {
                if (i == 0 || j == 0) {
                    dp[i][j] = i + j;
                } else if (a[i - 1] == b[j - 1]) {
                    dp[i][j] = dp[i - 1][j - 1];
                } else {
                    dp[i][j] = 1 + Math.min(dp[i - 1][j], dp[i][j - 1]);
                }
            }
        }
        return dp[a.length][b.length];
    }

    private static int[] randomSequence(Random r, int n, int alphabet) {
        int[] s = new int[n];
        for (int i = 0; i < n; i++) {
            s[i] = r.nextInt(alphabet);
        }
        return s;
    }

    private static int[] distinct(int n, int from) {
        int[] s = new int[n];
        for (int i = 0; i < n; i++) {
            s[i] = from + i;
        }
        return s;
    }

    /** {@code edits} random insertions, deletions and replacements of runs of 1..5 entries. */
    private static int[] edit(Random r, int[] a, int alphabet, int edits) {
        List<Integer> s = new ArrayList<>();
        for (int x : a) {
            s.add(x);
        }
        for (int e = 0; e < edits; e++) {
            int at = r.nextInt(s.size() + 1);
            int len = 1 + r.nextInt(5);
            switch (r.nextInt(3)) {
                case 0 -> {
                    for (int k = 0; k < len; k++) {
                        s.add(at, alphabet > 1000 ? alphabet - 1 - r.nextInt(1000) : r.nextInt(alphabet));
                    }
                }
                case 1 -> {
                    for (int k = 0; k < len && at < s.size(); k++) {
                        s.remove(at);
                    }
                }
                default -> {
                    for (int k = 0; k < len && at + k < s.size(); k++) {
                        s.set(at + k, alphabet > 1000 ? alphabet - 1 - r.nextInt(1000) : r.nextInt(alphabet));
                    }
                }
            }
        }
        return s.stream().mapToInt(Integer::intValue).toArray();
    }
}
