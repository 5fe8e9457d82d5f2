package dev.chunkvault.core.manifest;

import dev.chunkvault.core.hash.ChunkId;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.AbstractList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A file version's content as an ordered list of chunks (id, size), with the name of the chunking profile that
 * cut it. Immutable. Stored compactly — the ids in one {@code byte[32 n]}, the sizes in an {@code int[n]}, the
 * offsets as prefix sums — because a manifest can have hundreds of thousands of entries.
 *
 * <p>Binary encoding (canonical; {@link #hash()} is the SHA-256 of it): {@code "CVM1"}, varint length + UTF-8
 * profile name, varint entry count, then per entry the 32-byte id and the size as an unsigned LEB128 varint
 * (shortest form). Decoding rejects anything else.
 */
public final class Manifest {
    static final byte[] MAGIC = {'C', 'V', 'M', '1'};
    static final int MAX_PROFILE_NAME = 128;

    private final String profile;
    private final byte[] ids;
    private final int[] sizes;
    private final long[] offsets;
    private volatile Set<ChunkId> distinct;
    private volatile ChunkId hash;

    private Manifest(String profile, byte[] ids, int[] sizes) {
        this.profile = profile;
        this.ids = ids;
        this.sizes = sizes;
        this.offsets = new long[sizes.length + 1];
        for (int i = 0; i < sizes.length; i++) {
            offsets[i + 1] = offsets[i] + sizes[i];
        }
    }

    public static Manifest of(String profile, List<ManifestEntry> entries) {
        checkProfile(profile);
        byte[] ids = new byte[entries.size() * ChunkId.BYTES];
        int[] sizes = new int[entries.size()];
        for (int i = 0; i < entries.size(); i++) {
            ManifestEntry e = Objects.requireNonNull(entries.get(i), "entry");
            e.id().writeTo(ids, i * ChunkId.BYTES);
            sizes[i] = e.size();
        }
        return new Manifest(profile, ids, sizes);
    }

    public static Manifest empty(String profile) {
        checkProfile(profile);
        return new Manifest(profile, new byte[0], new int[0]);
    }

    private static void checkProfile(String profile) {
        if (profile == null || profile.isEmpty() || profile.getBytes(StandardCharsets.UTF_8).length > MAX_PROFILE_NAME) {
            throw new ManifestFormatException("invalid chunking profile name");
        }
    }

    public String profile() {
        return profile;
    }

    public int chunkCount() {
        return sizes.length;
    }

    public long totalSize() {
        return offsets[sizes.length];
    }

    public ChunkId id(int index) {
        Objects.checkIndex(index, sizes.length);
        return ChunkId.ofDigest(ids, index * ChunkId.BYTES);
    }

    public int size(int index) {
        return sizes[Objects.checkIndex(index, sizes.length)];
    }

    public long offset(int index) {
        return offsets[Objects.checkIndex(index, sizes.length)];
    }

    public ManifestEntry entry(int index) {
        return new ManifestEntry(id(index), size(index));
    }

    /** The entries as an unmodifiable list view (entries are made on access). */
    public List<ManifestEntry> entries() {
        return new AbstractList<>() {
            @Override
            public ManifestEntry get(int index) {
                return entry(index);
            }

            @Override
            public int size() {
                return sizes.length;
            }
        };
    }

    /** Index of the chunk that holds byte {@code byteOffset}. */
    public int indexAt(long byteOffset) {
        if (byteOffset < 0 || byteOffset >= totalSize()) {
            throw new IndexOutOfBoundsException("offset outside the file");
        }
        int i = Arrays.binarySearch(offsets, 0, sizes.length, byteOffset);
        return i >= 0 ? i : -i - 2;
    }

    /** The distinct chunk ids, in order of first appearance; unmodifiable. */
    public Set<ChunkId> distinctIds() {
        Set<ChunkId> d = distinct;
        if (d == null) {
            Set<ChunkId> s = new LinkedHashSet<>(Math.max(16, sizes.length * 2));
            for (int i = 0; i < sizes.length; i++) {
                s.add(id(i));
            }
            d = Collections.unmodifiableSet(s);
            distinct = d;
        }
        return d;
    }

    /** Whether entry {@code i} of this manifest equals entry {@code j} of {@code other} (id and size). */
    boolean sameEntry(int i, Manifest other, int j) {
        return sizes[i] == other.sizes[j] && Arrays.equals(ids, i * ChunkId.BYTES, (i + 1) * ChunkId.BYTES,
                other.ids, j * ChunkId.BYTES, (j + 1) * ChunkId.BYTES);
    }

    public byte[] encode() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 + sizes.length * (ChunkId.BYTES + 3));
        out.writeBytes(MAGIC);
        byte[] name = profile.getBytes(StandardCharsets.UTF_8);
        Varint.write(out, name.length);
        out.writeBytes(name);
        writeEntries(out, this, 0, sizes.length);
        return out.toByteArray();
    }

    static void writeEntries(ByteArrayOutputStream out, Manifest m, int from, int to) {
        Varint.write(out, to - from);
        for (int i = from; i < to; i++) {
            out.write(m.ids, i * ChunkId.BYTES, ChunkId.BYTES);
            Varint.write(out, m.sizes[i]);
        }
    }

    public static Manifest decode(byte[] bytes) {
        Varint.Reader r = new Varint.Reader(bytes);
        byte[] magic = r.bytes(MAGIC.length);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new ManifestFormatException("not a manifest (bad magic)");
        }
        int nameLength = r.readInt(MAX_PROFILE_NAME);
        String profile = new String(r.bytes(nameLength), StandardCharsets.UTF_8);
        checkProfile(profile);
        Manifest m = readEntries(r, profile);
        r.expectEnd();
        return m;
    }

    /** Reads a count and that many entries; the count is checked against the bytes left before allocating. */
    static Manifest readEntries(Varint.Reader r, String profile) {
        int count = r.readInt(Integer.MAX_VALUE);
        if ((long) count * (ChunkId.BYTES + 1) > r.remaining()) {
            throw new ManifestFormatException("entry count larger than the data");
        }
        byte[] ids = new byte[count * ChunkId.BYTES];
        int[] sizes = new int[count];
        for (int i = 0; i < count; i++) {
            r.copyTo(ids, i * ChunkId.BYTES, ChunkId.BYTES);
            sizes[i] = r.readInt(Integer.MAX_VALUE);
            if (sizes[i] == 0) {
                throw new ManifestFormatException("a chunk has size 0");
            }
        }
        return new Manifest(profile, ids, sizes);
    }

    /** Entries {@code [from, to)} as a manifest of the same profile (a copy). */
    Manifest slice(int from, int to) {
        return new Manifest(profile, Arrays.copyOfRange(ids, from * ChunkId.BYTES, to * ChunkId.BYTES),
                Arrays.copyOfRange(sizes, from, to));
    }

    /** Concatenates parts of one profile. */
    static Manifest concat(String profile, List<Manifest> parts) {
        int n = parts.stream().mapToInt(Manifest::chunkCount).sum();
        byte[] ids = new byte[n * ChunkId.BYTES];
        int[] sizes = new int[n];
        int at = 0;
        for (Manifest p : parts) {
            System.arraycopy(p.ids, 0, ids, at * ChunkId.BYTES, p.ids.length);
            System.arraycopy(p.sizes, 0, sizes, at, p.sizes.length);
            at += p.sizes.length;
        }
        return new Manifest(profile, ids, sizes);
    }

    /** The manifest's content address: SHA-256 of {@link #encode()}. */
    public ChunkId hash() {
        ChunkId h = hash;
        if (h == null) {
            h = ChunkId.sha256(encode());
            hash = h;
        }
        return h;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Manifest m && profile.equals(m.profile) && Arrays.equals(sizes, m.sizes)
                && Arrays.equals(ids, m.ids);
    }

    @Override
    public int hashCode() {
        return 31 * profile.hashCode() + Arrays.hashCode(ids);
    }

    @Override
    public String toString() {
        return "Manifest[" + profile + ", " + sizes.length + " chunks, " + totalSize() + " bytes]";
    }
}
