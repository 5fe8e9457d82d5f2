package dev.chunkvault.core.manifest;

import dev.chunkvault.core.hash.ChunkId;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A manifest described against a parent manifest: runs of the parent to copy and new entries to add, in order.
 * Committing a one-chunk edit of a 40,000-chunk file sends a few operations instead of 40,000 entries. The
 * child has the parent's chunking profile.
 *
 * <p>Binary encoding: {@code "CVD1"}, varint op count, then per op a tag byte — {@code 1} copy: varint parent
 * start, varint count; {@code 2} add: varint n, then n × (32-byte id, varint size).
 */
public final class ManifestDelta {
    static final byte[] MAGIC = {'C', 'V', 'D', '1'};
    private static final int TAG_COPY = 1;
    private static final int TAG_ADD = 2;
    /** Candidate parent positions tried when a run breaks (duplicated ids such as all-zero chunks). */
    private static final int CANDIDATES = 16;
    private static final int PROBE = 64;

    public sealed interface Op permits Copy, Add {}

    /** Copy {@code count} entries of the parent starting at {@code parentStart}. */
    public record Copy(int parentStart, int count) implements Op {
        public Copy {
            if (parentStart < 0 || count < 1) {
                throw new ManifestFormatException("a copy needs a start >= 0 and a count >= 1");
            }
        }
    }

    /** Add these entries. */
    public record Add(List<ManifestEntry> entries) implements Op {
        public Add {
            Objects.requireNonNull(entries, "entries");
            if (entries.isEmpty()) {
                throw new ManifestFormatException("an add needs at least one entry");
            }
            entries = List.copyOf(entries);
        }
    }

    private final List<Op> ops;

    private ManifestDelta(List<Op> ops) {
        this.ops = ops;
    }

    public static ManifestDelta of(List<Op> ops) {
        Objects.requireNonNull(ops, "ops");
        for (Op op : ops) {
            Objects.requireNonNull(op, "op");
        }
        return new ManifestDelta(List.copyOf(ops));
    }

    public List<Op> ops() {
        return ops;
    }

    /** Total entries in the add operations (bounded by callers before applying). */
    public int addedEntryCount() {
        long n = 0;
        for (Op op : ops) {
            if (op instanceof Add a) {
                n += a.entries().size();
            }
        }
        return (int) Math.min(Integer.MAX_VALUE, n);
    }

    /**
     * Entries of the manifest this delta makes (copied and added), known without applying it: a delta of a few bytes can
     * copy a long run of its parent, or the same run, many times over. Saturates at {@link Long#MAX_VALUE}.
     */
    public long expandedEntryCount() {
        long n = 0;
        for (Op op : ops) {
            long k = op instanceof Copy c ? c.count() : ((Add) op).entries().size();
            n = n > Long.MAX_VALUE - k ? Long.MAX_VALUE : n + k;
        }
        return n;
    }

    /**
     * The delta from {@code parent} to {@code child}: greedily extends runs of consecutive parent entries, found
     * through a compact hash index of the parent's ids. Roughly linear time.
     */
    public static ManifestDelta compute(Manifest parent, Manifest child) {
        if (!parent.profile().equals(child.profile())) {
            throw new IllegalArgumentException("a delta cannot change the chunking profile");
        }
        Index index = new Index(parent);
        List<Op> ops = new ArrayList<>();
        List<ManifestEntry> pendingAdd = new ArrayList<>();
        int copyStart = -1;
        int copyCount = 0;
        int lastCopyEnd = 0;
        int j = 0;
        int n = child.chunkCount();
        while (j < n) {
            int next = copyStart < 0 ? -1 : copyStart + copyCount;
            if (next >= 0 && next < parent.chunkCount() && parent.sameEntry(next, child, j)) {
                copyCount++;
                j++;
                continue;
            }
            // Where the parent most likely continues: right after the last copy (an insertion) or after as many
            // entries as were added since (a replacement); then whatever the index finds.
            int best = -1;
            for (int guess : new int[] {lastCopyEnd, lastCopyEnd + pendingAdd.size()}) {
                if (best < 0 && guess < parent.chunkCount() && parent.sameEntry(guess, child, j)) {
                    best = guess;
                }
            }
            if (best < 0) {
                best = index.bestMatch(child, j);
            }
            if (best < 0) {
                if (copyStart >= 0) {
                    ops.add(new Copy(copyStart, copyCount));
                    lastCopyEnd = copyStart + copyCount;
                    copyStart = -1;
                }
                pendingAdd.add(child.entry(j));
                j++;
                continue;
            }
            if (!pendingAdd.isEmpty()) {
                ops.add(new Add(pendingAdd));
                pendingAdd = new ArrayList<>();
            }
            if (copyStart >= 0) {
                ops.add(new Copy(copyStart, copyCount));
            }
            lastCopyEnd = best;
            copyStart = best;
            copyCount = 1;
            j++;
        }
        if (copyStart >= 0) {
            ops.add(new Copy(copyStart, copyCount));
        }
        if (!pendingAdd.isEmpty()) {
            ops.add(new Add(pendingAdd));
        }
        return new ManifestDelta(List.copyOf(ops));
    }

    /**
     * The child manifest.
     *
     * @throws ManifestFormatException if a copy reaches outside the parent
     */
    public Manifest apply(Manifest parent) {
        List<Manifest> parts = new ArrayList<>(ops.size());
        for (Op op : ops) {
            if (op instanceof Copy c) {
                if ((long) c.parentStart() + c.count() > parent.chunkCount()) {
                    throw new ManifestFormatException("a copy reaches outside the parent manifest");
                }
                parts.add(parent.slice(c.parentStart(), c.parentStart() + c.count()));
            } else {
                parts.add(Manifest.of(parent.profile(), ((Add) op).entries()));
            }
        }
        return Manifest.concat(parent.profile(), parts);
    }

    public byte[] encode() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(MAGIC);
        Varint.write(out, ops.size());
        for (Op op : ops) {
            if (op instanceof Copy c) {
                out.write(TAG_COPY);
                Varint.write(out, c.parentStart());
                Varint.write(out, c.count());
            } else {
                out.write(TAG_ADD);
                List<ManifestEntry> entries = ((Add) op).entries();
                Manifest.writeEntries(out, Manifest.of("x", entries), 0, entries.size());
            }
        }
        return out.toByteArray();
    }

    public static ManifestDelta decode(byte[] bytes) {
        Varint.Reader r = new Varint.Reader(bytes);
        if (!Arrays.equals(r.bytes(MAGIC.length), MAGIC)) {
            throw new ManifestFormatException("not a manifest delta (bad magic)");
        }
        int count = r.readInt(Integer.MAX_VALUE);
        if (count > r.remaining()) {
            throw new ManifestFormatException("op count larger than the data");
        }
        List<Op> ops = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int tag = r.u8();
            if (tag == TAG_COPY) {
                int start = r.readInt(Integer.MAX_VALUE);
                int n = r.readInt(Integer.MAX_VALUE);
                ops.add(new Copy(start, n));
            } else if (tag == TAG_ADD) {
                ops.add(new Add(Manifest.readEntries(r, "x").entries()));
            } else {
                throw new ManifestFormatException("unknown delta operation");
            }
        }
        r.expectEnd();
        return new ManifestDelta(List.copyOf(ops));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ManifestDelta d && ops.equals(d.ops);
    }

    @Override
    public int hashCode() {
        return ops.hashCode();
    }

    @Override
    public String toString() {
        return "ManifestDelta" + ops.stream().map(op -> op instanceof Copy c ? "C(" + c.parentStart() + "+" + c.count() + ")"
                : "A(" + ((Add) op).entries().size() + ")").toList();
    }

    /** Parent positions by id, in int arrays (no per-entry objects): a chained hash on the ids' first 8 bytes. */
    private static final class Index {
        private final Manifest parent;
        private final int[] heads;
        private final int[] next;
        private final int mask;

        Index(Manifest parent) {
            this.parent = parent;
            int n = parent.chunkCount();
            int size = Integer.highestOneBit(Math.max(16, n * 2 - 1)) << 1;
            this.heads = new int[size];
            Arrays.fill(heads, -1);
            this.next = new int[n];
            this.mask = size - 1;
            // Insert from the end so each chain lists positions in ascending order.
            for (int i = n - 1; i >= 0; i--) {
                int slot = slot(parent, i);
                next[i] = heads[slot];
                heads[slot] = i;
            }
        }

        private int slot(Manifest m, int i) {
            return Long.hashCode(prefix(m.id(i))) & mask;
        }

        private static long prefix(ChunkId id) {
            byte[] b = id.toBytes();
            long v = 0;
            for (int k = 0; k < 8; k++) {
                v = (v << 8) | (b[k] & 0xFF);
            }
            return v;
        }

        /** The parent position where child[j] starts the longest run (probing a few candidates), or -1. */
        int bestMatch(Manifest child, int j) {
            int best = -1;
            int bestLength = 0;
            int tried = 0;
            for (int p = heads[slot(child, j)]; p >= 0 && tried < CANDIDATES; p = next[p]) {
                if (!parent.sameEntry(p, child, j)) {
                    continue;
                }
                tried++;
                int length = 1;
                while (length < PROBE && p + length < parent.chunkCount() && j + length < child.chunkCount()
                        && parent.sameEntry(p + length, child, j + length)) {
                    length++;
                }
                if (length > bestLength) {
                    best = p;
                    bestLength = length;
                }
            }
            return best;
        }
    }
}
