package dev.chunkvault.core.merge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.chunkvault.core.chunking.Chunk;
import dev.chunkvault.core.chunking.ChunkedContent;
import dev.chunkvault.core.chunking.Chunker;
import dev.chunkvault.core.chunking.ChunkingProfile;
import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.core.manifest.Manifest;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Three-way merges of real files: random ancestor bytes, random byte edits on each side (insertions, deletions,
 * overwrites), every version cut with the project's FastCDC (a small profile, so a few MiB give hundreds of
 * chunks), merged on the chunk ids alone, and checked on the bytes:
 * <ul>
 *   <li>whenever the merge is clean, the merged file (its chunks' bytes, concatenated) is the ancestor with both
 *       sides' edits applied;</li>
 *   <li>edits more than a few maximum chunk sizes apart always merge cleanly;</li>
 *   <li>edits that overlap (share at least {@value #OVERLAP} bytes of the ancestor, or one inserts inside the
 *       other's range) are always a conflict, and the conflict's ancestor byte range covers the overlap;</li>
 *   <li>identical edits always merge cleanly.</li>
 * </ul>
 */
class ThreeWayMergePropertyTest {
    private static final long SEED = 0x3E26_E000_0001L;
    /** 2 KiB min, 8 KiB average, 32 KiB max: a 3 MiB file has about 350 chunks. */
    static final ChunkingProfile PROFILE = new ChunkingProfile("test-fastcdc-2k-8k-32k", 2 << 10, 8 << 10, 32 << 10,
            2, 0x4D45524745L);
    private static final int MAX = PROFILE.maxSize();
    /** "Far apart": more than this many bytes of untouched ancestor between a local and a remote edit. */
    private static final int FAR = 8 * MAX;
    /** Overlapping edits share at least this many ancestor bytes (an insertion: this far inside the range). */
    private static final int OVERLAP = 16;
    private static final Chunker CHUNKER = Chunker.of(PROFILE);

    /** Replace {@code ancestor[pos, pos + deleted)} by {@code inserted}, in ancestor coordinates. */
    record Edit(int pos, int deleted, byte[] inserted) {
        int end() {
            return pos + deleted;
        }

        boolean isInsertion() {
            return deleted == 0;
        }

        @Override
        public String toString() {
            String kind = deleted == 0 ? "insert" : inserted.length == 0 ? "delete" : "overwrite";
            return kind + "@" + pos + "+" + Math.max(deleted, inserted.length);
        }
    }

    enum Case { FAR_APART, OVERLAPPING, IDENTICAL, IDENTICAL_PLUS_FAR, NEAR }

    @Test
    void mergesOfRealChunkedFiles() {
        Random r = new Random(SEED);
        System.out.println("ThreeWayMergePropertyTest seed=" + SEED);
        Map<Case, int[]> tally = new HashMap<>(); // case -> {iterations, clean}
        for (int iteration = 0; iteration < 150; iteration++) {
            Case kind = Case.values()[iteration % Case.values().length];
            byte[] ancestor = new byte[(1 << 20) + r.nextInt(3 << 20)];
            r.nextBytes(ancestor);
            List<Edit> local = new ArrayList<>();
            List<Edit> remote = new ArrayList<>();
            generate(r, kind, ancestor.length, local, remote);
            changeEveryOverwrittenByte(ancestor, local);
            changeEveryOverwrittenByte(ancestor, remote);
            String context = "iteration " + iteration + " " + kind + ", ancestor " + ancestor.length + " bytes, local "
                    + local + ", remote " + remote;

            Map<ChunkId, byte[]> store = new HashMap<>();
            Manifest a = chunk(ancestor, store);
            Manifest l = chunk(apply(ancestor, local), store);
            Manifest rm = chunk(apply(ancestor, remote), store);
            MergeResult result = ThreeWayMerge.merge(a, l, rm);
            tally.computeIfAbsent(kind, k -> new int[2])[0]++;
            if (result.isClean()) {
                tally.get(kind)[1]++;
                List<Edit> both = new ArrayList<>(local);
                both.addAll(remote);
                if (kind == Case.IDENTICAL || kind == Case.IDENTICAL_PLUS_FAR) {
                    both = new ArrayList<>(remote); // the shared edit once, plus the far one
                    both.addAll(local.subList(remote.size(), local.size()));
                }
                assertArrayEquals(apply(ancestor, both), bytes(result.merged(), store),
                        "a clean merge must be the ancestor with both edits applied; " + context);
            }
            switch (kind) {
                case FAR_APART, IDENTICAL, IDENTICAL_PLUS_FAR -> assertTrue(result.isClean(),
                        "must merge cleanly: " + context + ", conflicts " + result.conflicts());
                case OVERLAPPING -> {
                    assertFalse(result.isClean(), "overlapping edits must conflict: " + context);
                    assertOverlapCovered(local, remote, result.conflicts(), context);
                }
                case NEAR -> { }
            }
        }
        tally.forEach((k, v) -> System.out.println("  " + k + ": " + v[0] + " merges, " + v[1] + " clean"));
        assertTrue(tally.get(Case.NEAR)[1] > 0 && tally.get(Case.NEAR)[1] < tally.get(Case.NEAR)[0],
                "near edits should sometimes merge and sometimes conflict: " + Arrays.toString(tally.get(Case.NEAR)));
    }

    @Test
    void editAtTheVeryEndAndStartOnDifferentSides() {
        Random r = new Random(SEED + 1);
        System.out.println("ThreeWayMergePropertyTest.ends seed=" + (SEED + 1));
        for (int iteration = 0; iteration < 10; iteration++) {
            byte[] ancestor = new byte[(1 << 20) + r.nextInt(1 << 20)];
            r.nextBytes(ancestor);
            List<Edit> local = List.of(new Edit(0, r.nextInt(100), random(r, 1 + r.nextInt(100))));
            List<Edit> remote = List.of(new Edit(ancestor.length - (iteration % 2) * 50, (iteration % 2) * 50,
                    random(r, 1 + r.nextInt(100)))); // an append, or an overwrite of the last bytes
            Map<ChunkId, byte[]> store = new HashMap<>();
            MergeResult result = ThreeWayMerge.merge(chunk(ancestor, store), chunk(apply(ancestor, local), store),
                    chunk(apply(ancestor, remote), store));
            assertTrue(result.isClean(), "iteration " + iteration);
            List<Edit> both = new ArrayList<>(local);
            both.addAll(remote);
            assertArrayEquals(apply(ancestor, both), bytes(result.merged(), store), "iteration " + iteration);
        }
    }

    /** Fills {@code local} and {@code remote} with edits of the given kind; each side's edits are disjoint. */
    private static void generate(Random r, Case kind, int n, List<Edit> local, List<Edit> remote) {
        switch (kind) {
            case FAR_APART -> {
                addRandom(r, n, local, 1 + r.nextInt(3), remote, FAR);
                addRandom(r, n, remote, 1 + r.nextInt(3), local, FAR);
            }
            case OVERLAPPING -> {
                addRandom(r, n, local, 1 + r.nextInt(3), List.of(), 0);
                // Overlap an insertion or a range long enough to share OVERLAP bytes with.
                List<Edit> targets = local.stream().filter(e -> e.isInsertion() || e.deleted() >= OVERLAP).toList();
                while (targets.isEmpty()) {
                    local.clear();
                    addRandom(r, n, local, 1 + r.nextInt(3), List.of(), 0);
                    targets = local.stream().filter(e -> e.isInsertion() || e.deleted() >= OVERLAP).toList();
                }
                remote.add(overlapping(r, n, targets.get(r.nextInt(targets.size()))));
                addRandom(r, n, remote, r.nextInt(2), local, FAR);
            }
            case IDENTICAL -> {
                addRandom(r, n, remote, 1 + r.nextInt(3), List.of(), 0);
                local.addAll(remote);
            }
            case IDENTICAL_PLUS_FAR -> {
                addRandom(r, n, remote, 1 + r.nextInt(2), List.of(), 0);
                local.addAll(remote);
                addRandom(r, n, local, 1, remote, FAR); // appended after the shared ones, see the check
            }
            case NEAR -> {
                addRandom(r, n, local, 1, List.of(), 0);
                Edit e = local.get(0);
                for (int attempt = 0; remote.isEmpty() && attempt < 1000; attempt++) {
                    int gap = 1 + r.nextInt(MAX);
                    Edit candidate = r.nextBoolean()
                            ? randomEdit(r, e.end() + gap, n)
                            : randomEditEndingBefore(r, e.pos() - gap);
                    if (candidate != null && apart(candidate, List.of(e), 1)) {
                        remote.add(candidate);
                    }
                }
                if (remote.isEmpty()) {
                    fail("could not place a near edit");
                }
            }
        }
    }

    /** Adds {@code count} random edits to {@code side}, disjoint from its own and at least {@code gap} from {@code other}'s. */
    private static void addRandom(Random r, int n, List<Edit> side, int count, List<Edit> other, int gap) {
        for (int added = 0, attempt = 0; added < count; attempt++) {
            if (attempt > 10_000) {
                fail("could not place " + count + " edits");
            }
            Edit e = randomEdit(r, r.nextInt(n + 1), n);
            if (e != null && apart(e, side, 1) && apart(e, other, gap)) {
                side.add(e);
                added++;
            }
        }
    }

    /** A random insert, delete or overwrite at {@code pos}, of 1 byte to 64 KiB (log-uniform), within the file. */
    private static Edit randomEdit(Random r, int pos, int n) {
        if (pos < 0 || pos > n) {
            return null;
        }
        int len = (int) Math.round(Math.pow(2, r.nextDouble() * 16));
        return switch (r.nextInt(3)) {
            case 0 -> new Edit(pos, 0, random(r, len));
            case 1 -> pos + len > n ? null : new Edit(pos, len, new byte[0]);
            default -> pos + len > n ? null : new Edit(pos, len, random(r, len));
        };
    }

    private static Edit randomEditEndingBefore(Random r, int end) {
        int len = (int) Math.round(Math.pow(2, r.nextDouble() * 12));
        if (end - len < 0) {
            return null;
        }
        return switch (r.nextInt(3)) {
            case 0 -> new Edit(end, 0, random(r, len));
            case 1 -> new Edit(end - len, len, new byte[0]);
            default -> new Edit(end - len, len, random(r, len));
        };
    }

    /** An edit of the other side that overlaps {@code e} by at least {@link #OVERLAP} bytes. */
    private static Edit overlapping(Random r, int n, Edit e) {
        for (int attempt = 0; attempt < 10_000; attempt++) {
            Edit c;
            if (e.isInsertion()) {
                // A range with the insertion point well inside it, or an insertion at the same position.
                if (r.nextInt(4) == 0) {
                    byte[] other = random(r, 1 + r.nextInt(4096));
                    c = new Edit(e.pos(), 0, other);
                } else {
                    int before = OVERLAP + r.nextInt(4096);
                    int after = OVERLAP + r.nextInt(4096);
                    int start = e.pos() - before;
                    int len = before + after;
                    c = start < 0 || start + len > n ? null
                            : r.nextBoolean() ? new Edit(start, len, new byte[0]) : new Edit(start, len, random(r, len));
                }
            } else if (e.deleted() >= 2 * OVERLAP + 1 && r.nextBoolean()) {
                // An insertion well inside the range.
                c = new Edit(e.pos() + OVERLAP + r.nextInt(e.deleted() - 2 * OVERLAP), 0, random(r, 1 + r.nextInt(4096)));
            } else {
                // A range sharing at least OVERLAP bytes with e's.
                int share = Math.min(e.deleted(), OVERLAP + r.nextInt(Math.max(1, e.deleted())));
                if (share < OVERLAP) {
                    continue;
                }
                int len = share + r.nextInt(8192);
                int start = r.nextBoolean() ? e.end() - share : e.pos() + share - len;
                c = start < 0 || start + len > n ? null
                        : r.nextBoolean() ? new Edit(start, len, new byte[0]) : new Edit(start, len, random(r, len));
            }
            if (c != null && overlaps(c, e)) {
                return c;
            }
        }
        throw new IllegalStateException("could not place an overlapping edit");
    }

    /** Whether two edits of different sides overlap as defined in the class comment. */
    private static boolean overlaps(Edit x, Edit y) {
        if (x.isInsertion() && y.isInsertion()) {
            return x.pos() == y.pos() && !Arrays.equals(x.inserted(), y.inserted());
        }
        if (x.isInsertion()) {
            return y.pos() + OVERLAP <= x.pos() && x.pos() <= y.end() - OVERLAP;
        }
        if (y.isInsertion()) {
            return overlaps(y, x);
        }
        return Math.min(x.end(), y.end()) - Math.max(x.pos(), y.pos()) >= OVERLAP;
    }

    /** At least {@code gap} untouched ancestor bytes between {@code e} and every edit of {@code others}. */
    private static boolean apart(Edit e, List<Edit> others, int gap) {
        for (Edit o : others) {
            boolean before = (long) e.end() + gap <= o.pos();
            boolean after = (long) o.end() + gap <= e.pos();
            if (!before && !after) {
                return false;
            }
        }
        return true;
    }

    /** The conflict regions, in ancestor bytes, cover the overlap of some local and remote edit. */
    private static void assertOverlapCovered(List<Edit> local, List<Edit> remote, List<ConflictRegion> regions,
                                             String context) {
        for (Edit x : local) {
            for (Edit y : remote) {
                if (overlaps(x, y)) {
                    long from = Math.max(x.pos(), y.pos());
                    long to = Math.min(x.end(), y.end());
                    boolean covered = regions.stream().anyMatch(c -> c.ancestor().startByte() <= from
                            && to <= c.ancestor().endByte());
                    assertTrue(covered, "no conflict region covers [" + from + ", " + to + "): " + regions + "; " + context);
                    return;
                }
            }
        }
        fail("no overlapping pair in an OVERLAPPING case: " + context);
    }

    /**
     * Makes every overwritten byte differ from the ancestor's, so an overwrite changes every chunk it touches (a
     * random byte equal to the old one would make the edit shorter than it says).
     */
    private static void changeEveryOverwrittenByte(byte[] ancestor, List<Edit> edits) {
        for (Edit e : edits) {
            if (!e.isInsertion() && e.inserted().length == e.deleted()) {
                for (int i = 0; i < e.deleted(); i++) {
                    if (e.inserted()[i] == ancestor[e.pos() + i]) {
                        e.inserted()[i] ^= 0x5A;
                    }
                }
            }
        }
    }

    /** The ancestor with the (disjoint) edits applied. */
    static byte[] apply(byte[] ancestor, List<Edit> edits) {
        List<Edit> sorted = new ArrayList<>(edits);
        sorted.sort(Comparator.comparingInt(Edit::pos).thenComparingInt(Edit::end));
        ByteArrayOutputStream out = new ByteArrayOutputStream(ancestor.length + 65536);
        int at = 0;
        for (Edit e : sorted) {
            if (e.pos() < at) {
                throw new IllegalArgumentException("overlapping edits of one side: " + sorted);
            }
            out.write(ancestor, at, e.pos() - at);
            out.writeBytes(e.inserted());
            at = e.end();
        }
        out.write(ancestor, at, ancestor.length - at);
        return out.toByteArray();
    }

    /** Chunks {@code data} with the test profile, remembering every chunk's bytes by id. */
    static Manifest chunk(byte[] data, Map<ChunkId, byte[]> store) {
        ChunkedContent content = CHUNKER.chunkAll(data);
        for (Chunk c : content.chunks()) {
            store.putIfAbsent(c.id(), Arrays.copyOfRange(data, (int) c.offset(), (int) c.end()));
        }
        return Manifest.of(PROFILE.name(), content.manifestEntries());
    }

    /** The file a manifest describes. */
    static byte[] bytes(Manifest m, Map<ChunkId, byte[]> store) {
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) m.totalSize());
        for (int i = 0; i < m.chunkCount(); i++) {
            byte[] c = store.get(m.id(i));
            assertEquals(m.size(i), c.length);
            out.writeBytes(c);
        }
        return out.toByteArray();
    }

    private static byte[] random(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }
}
