package dev.chunkvault.core.pack;

import dev.chunkvault.core.compress.ChunkCodec;
import dev.chunkvault.core.compress.Encoding;
import dev.chunkvault.core.hash.ChunkId;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The pack object: chunks back to back from offset 0, then the index — per chunk its id (32 bytes), offset and length
 * (4 bytes each, big-endian) — then the index's length (4 bytes, big-endian) and the magic {@code CVPK1}. The pack's
 * id is the SHA-256 of the whole object. An index is valid when its chunks are contiguous from 0, each 1..{@link
 * #MAX_CHUNK_BYTES} long (but see large chunks below), at most {@link #MAX_CHUNKS} of them, no id twice, and the whole object is at most {@link
 * #MAX_PACK_BYTES}. Chunk bytes are not checked here: the service hashes every range before a chunk may be used.
 *
 * <p>Format 2 (magic {@code CVPK2}) holds compressed chunks (docs/compression.md): an entry is the id, offset, stored
 * length, plain length (4 bytes each after the id) and the encoding (1 byte, {@link Encoding#code}); a range holds the
 * chunk's stored bytes, which decode to its plain length. A pack with no compressed chunk is written in format 1, as
 * before, so an older service reads every pack it is sent unless it holds compressed chunks.
 *
 * <p>A large chunk (the large-file profile's, over {@link #MAX_CHUNK_BYTES} and at most {@link #MAX_LARGE_CHUNK_BYTES}
 * plain bytes) may be in a pack only compressed, stored in fewer bytes than its plain size, and alone: a one-entry pack
 * of format 2. That is the only way a chunk over {@link #MAX_CHUNK_BYTES} is ever in a pack (docs/compression.md).
 */
public final class PackFormat {
    private PackFormat() {}

    public static final byte[] MAGIC = "CVPK1".getBytes(StandardCharsets.US_ASCII);
    /** The magic of format 2: entries with an encoding and a plain length. */
    public static final byte[] MAGIC_V2 = "CVPK2".getBytes(StandardCharsets.US_ASCII);
    /** One index entry of format 1: id, offset, length. */
    public static final int ENTRY_BYTES = ChunkId.BYTES + 4 + 4;
    /** One index entry of format 2: id, offset, stored length, plain length, encoding. */
    public static final int ENTRY_BYTES_V2 = ChunkId.BYTES + 4 + 4 + 4 + 1;
    /** The index length and the magic after the index. */
    public static final int TRAILER_BYTES = 4 + MAGIC.length;
    /** Only chunks up to this size go in packs; larger ones stay objects of their own. */
    public static final int MAX_CHUNK_BYTES = 1 << 20;
    /**
     * The plain size of a large chunk that may be a pack's only entry, compressed: the large-file profile's maximum
     * ({@code ChunkingProfile.LARGE}). Its seal decodes at most this many bytes.
     */
    public static final int MAX_LARGE_CHUNK_BYTES = 8 << 20;
    public static final int MAX_CHUNKS = 4096;
    public static final int MAX_PACK_BYTES = 16 << 20;
    /** The size a client aims at. */
    public static final int TARGET_PACK_BYTES = 8 << 20;
    /**
     * Plain bytes a pack's entries may declare together (the sum of their {@code plainLength}): what its seal decodes
     * and hashes. A pack of honest text of {@link #TARGET_PACK_BYTES} stored holds 30–60 MiB plain; this allows 32 × on
     * such a pack and bounds the work of one seal (the service refuses a declaration over it: 413
     * {@code PACK_PLAIN_TOO_LARGE}; the client's packer closes a pack before it).
     */
    public static final long MAX_PACK_PLAIN_BYTES = 256L << 20;

    /**
     * One chunk of a pack: its range {@code [offset, offset + length)} holds its stored bytes, which encode {@code
     * plainLength} plain bytes (the same number for {@link Encoding#RAW}).
     */
    public record Entry(ChunkId id, int offset, int length, Encoding encoding, int plainLength) {
        public Entry {
            if (id == null || offset < 0 || length <= 0 || encoding == null || plainLength <= 0
                    || (encoding == Encoding.RAW && plainLength != length)) {
                throw new PackFormatException("bad pack entry");
            }
        }

        /** A raw chunk's entry. */
        public Entry(ChunkId id, int offset, int length) {
            this(id, offset, length, Encoding.RAW, length);
        }

        public int end() {
            return offset + length;
        }

        public boolean compressed() {
            return encoding != Encoding.RAW;
        }
    }

    /** The plain bytes the entries declare together (what a seal of their pack decodes and hashes). */
    public static long plainBytes(List<Entry> entries) {
        long sum = 0;
        for (Entry e : entries) {
            sum += e.plainLength();
        }
        return sum;
    }

    /** The format a pack of these entries is written in: 2 if any is compressed, else 1. */
    public static int formatOf(List<Entry> entries) {
        return entries.stream().anyMatch(Entry::compressed) ? 2 : 1;
    }

    public static int entryBytes(int format) {
        return format == 2 ? ENTRY_BYTES_V2 : ENTRY_BYTES;
    }

    private static byte[] magic(int format) {
        return format == 2 ? MAGIC_V2 : MAGIC;
    }

    /** The entries' encoding as it ends a pack (without the trailer), in {@link #formatOf their format}. */
    public static byte[] encodeIndex(List<Entry> entries) {
        int format = formatOf(entries);
        ByteBuffer b = ByteBuffer.allocate(entries.size() * entryBytes(format));
        for (Entry e : entries) {
            b.put(e.id().toBytes()).putInt(e.offset()).putInt(e.length());
            if (format == 2) {
                b.putInt(e.plainLength()).put((byte) e.encoding().code());
            }
        }
        return b.array();
    }

    /** Decodes and checks an index of format 1 (see the class comment); {@code packSize} is the whole object's size. */
    public static List<Entry> decodeIndex(byte[] index, long packSize) {
        return decodeIndex(index, packSize, 1);
    }

    /** Decodes and checks an index of the given format; {@code packSize} is the whole object's size. */
    public static List<Entry> decodeIndex(byte[] index, long packSize, int format) {
        if (format != 1 && format != 2) {
            throw new PackFormatException("Unknown pack format " + format + ".");
        }
        int entryBytes = entryBytes(format);
        if (index.length == 0 || index.length % entryBytes != 0) {
            throw new PackFormatException("The pack index is not a whole number of entries.");
        }
        int n = index.length / entryBytes;
        List<Entry> out = new ArrayList<>(n);
        ByteBuffer b = ByteBuffer.wrap(index);
        for (int i = 0; i < n; i++) {
            byte[] id = new byte[ChunkId.BYTES];
            b.get(id);
            int offset = b.getInt();
            int length = b.getInt();
            int plain = format == 2 ? b.getInt() : length;
            Encoding encoding = format == 2 ? Encoding.ofCode(b.get()) : Encoding.RAW;
            if (length <= 0 || offset < 0 || plain <= 0 || encoding == null || (encoding == Encoding.RAW && plain != length)) {
                throw new PackFormatException("A pack entry has a bad offset, length or encoding.");
            }
            out.add(new Entry(ChunkId.ofDigest(id), offset, length, encoding, plain));
        }
        check(out, packSize);
        if (formatOf(out) != format) {
            throw new PackFormatException("A pack of format 2 must hold a compressed chunk.");
        }
        return out;
    }

    /** Checks entries against the rules of the class comment, for a pack of {@code packSize} bytes. */
    public static void check(List<Entry> entries, long packSize) {
        if (entries.isEmpty() || entries.size() > MAX_CHUNKS) {
            throw new PackFormatException("A pack holds 1.." + MAX_CHUNKS + " chunks.");
        }
        if (packSize > MAX_PACK_BYTES) {
            throw new PackFormatException("A pack is at most " + MAX_PACK_BYTES + " bytes.");
        }
        Set<ChunkId> seen = new HashSet<>();
        long next = 0;
        for (Entry e : entries) {
            if (e.offset() != next) {
                throw new PackFormatException("Pack chunks must follow each other from offset 0.");
            }
            checkSize(e, entries.size());
            if (!seen.add(e.id())) {
                throw new PackFormatException("A chunk is listed twice in a pack.");
            }
            next += e.length();
        }
        if (next + (long) entries.size() * entryBytes(formatOf(entries)) + TRAILER_BYTES != packSize) {
            throw new PackFormatException("The pack's size does not match its chunks and index.");
        }
    }

    /** Whether an entry is a large chunk's (over {@link #MAX_CHUNK_BYTES}, stored or plain). */
    public static boolean large(int storedLength, int plainLength) {
        return storedLength > MAX_CHUNK_BYTES || plainLength > MAX_CHUNK_BYTES;
    }

    /**
     * Checks one entry's sizes in a pack of {@code entries} entries: at most {@link #MAX_CHUNK_BYTES} stored and plain,
     * or a large chunk's (at most {@link #MAX_LARGE_CHUNK_BYTES} plain), compressed into fewer bytes, alone in its pack.
     */
    static void checkSize(Entry e, int entries) {
        checkSize(e.length(), e.encoding(), e.plainLength(), entries);
    }

    private static void checkSize(int length, Encoding encoding, int plainLength, int entries) {
        if (!large(length, plainLength)) {
            return;
        }
        if (plainLength > MAX_LARGE_CHUNK_BYTES) {
            throw new PackFormatException("A chunk in a pack is at most " + MAX_LARGE_CHUNK_BYTES + " plain bytes.");
        }
        if (encoding == Encoding.RAW || length >= plainLength || entries != 1) {
            throw new PackFormatException("A chunk of more than " + MAX_CHUNK_BYTES + " bytes goes in a pack only"
                    + " compressed (into fewer bytes) and alone.");
        }
    }

    /** The size of a pack holding these entries. */
    public static long packSize(List<Entry> entries) {
        long data = entries.isEmpty() ? 0 : entries.get(entries.size() - 1).end();
        return data + (long) entries.size() * entryBytes(formatOf(entries)) + TRAILER_BYTES;
    }

    /** The format a whole pack's magic names (1 or 2). */
    public static int formatOfObject(byte[] pack) {
        for (int format = 1; format <= 2; format++) {
            byte[] m = magic(format);
            if (pack.length >= TRAILER_BYTES && Arrays.equals(pack, pack.length - m.length, pack.length, m, 0, m.length)) {
                return format;
            }
        }
        throw new PackFormatException("The object is not a pack.");
    }

    /** The index bytes a whole pack ends with, checked against its trailer; no entry rule is checked. */
    public static byte[] trailingIndex(byte[] pack) {
        formatOfObject(pack);
        int indexLength = ByteBuffer.wrap(pack, pack.length - TRAILER_BYTES, 4).getInt();
        if (indexLength <= 0 || indexLength > pack.length - TRAILER_BYTES) {
            throw new PackFormatException("The pack's index length is out of range.");
        }
        int start = pack.length - TRAILER_BYTES - indexLength;
        return Arrays.copyOfRange(pack, start, start + indexLength);
    }

    /**
     * Builds a pack in memory: {@link #add} chunks, then {@link #finish}, which allocates the pack once, at its exact
     * size (the chunks are held by reference until then, not copied). Not thread-safe.
     */
    public static final class Builder {
        private final List<byte[]> chunks = new ArrayList<>();
        private final List<Entry> entries = new ArrayList<>();
        private final Set<ChunkId> ids = new HashSet<>();
        private long bodySize;
        private int format = 1;
        private boolean holdsLarge;

        /** Adds a raw chunk unless it is in already; @return false if it was. */
        public boolean add(ChunkId id, byte[] bytes) {
            return add(id, new ChunkCodec.Stored(Encoding.RAW, bytes, bytes.length));
        }

        /**
         * Adds a chunk's stored bytes (raw or compressed) unless it is in already; @return false if it was. A large
         * chunk ({@link #large}) goes only compressed into an empty builder, and nothing goes in after it.
         */
        public boolean add(ChunkId id, ChunkCodec.Stored stored) {
            byte[] bytes = stored.bytes();
            if (bytes.length == 0) {
                throw new PackFormatException("A chunk in a pack is 1.." + MAX_CHUNK_BYTES + " bytes.");
            }
            boolean large = large(bytes.length, stored.plainLength());
            if (large || holdsLarge) {
                if (!entries.isEmpty() && !ids.contains(id)) {
                    throw new PackFormatException("A chunk of more than " + MAX_CHUNK_BYTES + " bytes goes in a pack alone.");
                }
                checkSize(bytes.length, stored.encoding(), stored.plainLength(), 1);
            }
            if (!ids.add(id)) {
                return false;
            }
            holdsLarge |= large;
            entries.add(new Entry(id, (int) bodySize, bytes.length, stored.encoding(), stored.plainLength()));
            chunks.add(bytes);
            bodySize += bytes.length;
            if (stored.compressed()) {
                format = 2;
            }
            return true;
        }

        public int chunks() {
            return entries.size();
        }

        /** The size of the pack if finished now. */
        public long size() {
            return bodySize + (long) entries.size() * entryBytes(format) + TRAILER_BYTES;
        }

        public List<Entry> entries() {
            return List.copyOf(entries);
        }

        /** 2 once a compressed chunk is in, else 1. */
        public int format() {
            return format;
        }

        public byte[] finish() {
            if (size() > MAX_PACK_BYTES) {
                throw new PackFormatException("A pack is at most " + MAX_PACK_BYTES + " bytes.");
            }
            ByteBuffer out = ByteBuffer.allocate((int) size());
            chunks.forEach(out::put);
            out.put(encodeIndex(entries)).putInt(entries.size() * entryBytes(format)).put(magic(format));
            return out.array();
        }
    }
}
