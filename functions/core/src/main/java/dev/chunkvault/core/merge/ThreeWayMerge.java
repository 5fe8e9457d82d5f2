package dev.chunkvault.core.merge;

import dev.chunkvault.core.manifest.Manifest;
import dev.chunkvault.core.manifest.ManifestEntry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Three-way merge of chunk sequences: given the common {@code ancestor} of two versions of a file and the two
 * versions ({@code local}, {@code remote}), the manifest that has both sides' changes, or the regions where they
 * collide. All three must have been cut with the same chunking profile (otherwise equal bytes do not give equal
 * chunks and nothing can be compared).
 *
 * <h2>Rules</h2>
 * <ul>
 *   <li>Trivial cases first: {@code local == remote} gives that manifest (identical edits, or none);
 *       {@code local == ancestor} gives {@code remote}; {@code remote == ancestor} gives {@code local}.</li>
 *   <li>Otherwise each side is diffed against the ancestor ({@link ChunkDiff}) into hunks: ancestor ranges
 *       {@code [start, end)} and their replacements. Hunks of the two sides are grouped into clusters of
 *       hunks that <em>collide</em>, transitively. Two hunks of different sides collide when
 *       <ul>
 *         <li>their ancestor ranges overlap, or</li>
 *         <li>one is an insertion at a position inside or at either end of the other's range: for an insertion
 *             at the start or the end of a range the other side replaced, and for two insertions at the same
 *             position, the order of the two changes is ambiguous.</li>
 *       </ul>
 *       Two replacements of non-empty ranges that merely abut ({@code [a, b)} and {@code [b, c)}) do not
 *       collide: each replaces its own chunks and the order is that of the ancestor.</li>
 *   <li>A cluster with hunks of one side only is that side's change, taken as is. A cluster with hunks of both
 *       sides is taken once if both sides made the ancestor range {@code [S, E)} it covers into the same
 *       chunks (identical changes, however the diffs cut them into hunks); otherwise it is a conflict,
 *       reported as the ancestor range and the local and remote ranges that replace it, in chunks and in
 *       bytes.</li>
 *   <li>The merged manifest is the ancestor with every change applied, in ancestor order. If there is any
 *       conflict there is no merged manifest.</li>
 * </ul>
 * Pure and thread-safe; time is that of the two diffs plus linear work in the three sizes.
 */
public final class ThreeWayMerge {
    private ThreeWayMerge() {}

    /**
     * @throws IllegalArgumentException if the three manifests were not cut with the same chunking profile
     */
    public static MergeResult merge(Manifest ancestor, Manifest local, Manifest remote) {
        if (!ancestor.profile().equals(local.profile()) || !ancestor.profile().equals(remote.profile())) {
            throw new IllegalArgumentException("a three-way merge needs one chunking profile on all sides");
        }
        if (local.equals(remote) || remote.equals(ancestor)) {
            return MergeResult.clean(local);
        }
        if (local.equals(ancestor)) {
            return MergeResult.clean(remote);
        }
        ChunkDiff.Symbols symbols = new ChunkDiff.Symbols();
        int[] a = symbols.of(ancestor);
        int[] l = symbols.of(local);
        int[] r = symbols.of(remote);
        List<Hunk> lh = ChunkDiff.diff(a, l, symbols.count()).hunks();
        List<Hunk> rh = ChunkDiff.diff(a, r, symbols.count()).hunks();
        return new Sweep(ancestor, local, remote, l, r, lh, rh).run();
    }

    /** Whether hunks of different sides collide (see the class comment). */
    static boolean collide(int s1, int e1, int s2, int e2) {
        if (s1 < e2 && s2 < e1) {
            return true;
        }
        return (s1 == e1 && s2 <= s1 && s1 <= e2) || (s2 == e2 && s1 <= s2 && s2 <= e1);
    }

    /** One left-to-right pass over both sides' hunks in ancestor order. */
    private static final class Sweep {
        private final Manifest ancestor;
        private final Manifest local;
        private final Manifest remote;
        private final int[] l;
        private final int[] r;
        private final List<Hunk> lh;
        private final List<Hunk> rh;
        private final List<ManifestEntry> merged = new ArrayList<>();
        private final List<ConflictRegion> conflicts = new ArrayList<>();
        private int li;
        private int ri;
        /** Local (remote) index minus ancestor index, for ancestor positions after the hunks consumed so far. */
        private int lShift;
        private int rShift;
        /** The ancestor is copied up to here. */
        private int copied;

        Sweep(Manifest ancestor, Manifest local, Manifest remote, int[] l, int[] r, List<Hunk> lh, List<Hunk> rh) {
            this.ancestor = ancestor;
            this.local = local;
            this.remote = remote;
            this.l = l;
            this.r = r;
            this.lh = lh;
            this.rh = rh;
        }

        MergeResult run() {
            while (li < lh.size() || ri < rh.size()) {
                // The next cluster starts with the hunk of either side that starts first; every hunk left starts
                // at or after the end of the previous cluster, so the ancestor is copied in order.
                boolean localFirst = ri >= rh.size()
                        || (li < lh.size() && lh.get(li).start() <= rh.get(ri).start());
                int start = (localFirst ? lh.get(li) : rh.get(ri)).start();
                int end = start;
                int lStart = start + lShift;
                int rStart = start + rShift;
                boolean hasLocal = false;
                boolean hasRemote = false;
                if (localFirst) {
                    end = takeLocal(end);
                    hasLocal = true;
                } else {
                    end = takeRemote(end);
                    hasRemote = true;
                }
                // Grow the cluster while a hunk of the other side collides with it. Hunks of one side never
                // collide with each other (common chunks separate them), so testing against the cluster's span
                // is testing against the other side's hunks in it.
                boolean grew = true;
                while (grew) {
                    grew = false;
                    if (hasRemote && li < lh.size() && collide(lh.get(li).start(), lh.get(li).end(), start, end)) {
                        end = takeLocal(end);
                        hasLocal = true;
                        grew = true;
                    }
                    if (hasLocal && ri < rh.size() && collide(rh.get(ri).start(), rh.get(ri).end(), start, end)) {
                        end = takeRemote(end);
                        hasRemote = true;
                        grew = true;
                    }
                }
                apply(start, end, lStart, end + lShift, rStart, end + rShift, hasLocal, hasRemote);
            }
            if (!conflicts.isEmpty()) {
                return MergeResult.conflicting(conflicts);
            }
            copyAncestor(ancestor.chunkCount());
            return MergeResult.clean(Manifest.of(ancestor.profile(), merged));
        }

        private int takeLocal(int end) {
            Hunk h = lh.get(li++);
            lShift += h.growth();
            return Math.max(end, h.end());
        }

        private int takeRemote(int end) {
            Hunk h = rh.get(ri++);
            rShift += h.growth();
            return Math.max(end, h.end());
        }

        private void apply(int start, int end, int lStart, int lEnd, int rStart, int rEnd, boolean hasLocal,
                           boolean hasRemote) {
            if (hasLocal && hasRemote && !Arrays.equals(l, lStart, lEnd, r, rStart, rEnd)) {
                conflicts.add(new ConflictRegion(span(ancestor, start, end), span(local, lStart, lEnd),
                        span(remote, rStart, rEnd)));
                copied = end;
                return;
            }
            if (!conflicts.isEmpty()) {
                copied = end; // no merged manifest will be built; keep only the regions
                return;
            }
            copyAncestor(start);
            Manifest side = hasLocal ? local : remote;
            int from = hasLocal ? lStart : rStart;
            int to = hasLocal ? lEnd : rEnd;
            for (int i = from; i < to; i++) {
                merged.add(side.entry(i));
            }
            copied = end;
        }

        private void copyAncestor(int upTo) {
            for (int i = copied; i < upTo; i++) {
                merged.add(ancestor.entry(i));
            }
            copied = Math.max(copied, upTo);
        }
    }

    /** The chunk range {@code [from, to)} of {@code m} with its byte range. */
    static Span span(Manifest m, int from, int to) {
        return new Span(from, to, offset(m, from), offset(m, to));
    }

    private static long offset(Manifest m, int index) {
        return index == m.chunkCount() ? m.totalSize() : m.offset(index);
    }
}
