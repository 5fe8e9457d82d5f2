package dev.chunkvault.core.compress;

import io.airlift.compress.MalformedInputException;
import io.airlift.compress.zstd.ZstdCompressor;
import io.airlift.compress.zstd.ZstdDecompressor;
import java.util.Arrays;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Compresses a chunk when that saves enough, and decodes stored bytes back to plain bytes with a declared and checked
 * plain size (docs/compression.md). zstd level 3, by zstd-jni (native); if the native library does not load (or
 * {@code -Dchunkvault.zstd.native=false}), aircompressor's pure-Java zstd, which reads and writes the same frames.
 *
 * <p>Whether to compress is decided cheaply: a chunk of at least {@link #PROBE_WHOLE_BELOW} bytes is first probed by
 * compressing its first {@link #PROBE_BYTES}; if that saves less than {@link #MIN_SAVING_PERCENT} %, the chunk is stored
 * raw without compressing the rest (media and archives). A compressed chunk is kept only when it is at least
 * {@link #MIN_SAVING_PERCENT} % smaller than its plain bytes.
 *
 * <p>Decoding never writes more than the declared plain size: a frame that would decode to more (a decompression bomb),
 * to less (truncated), or that is not zstd is refused with an {@link EncodingException}. The caller hashes the plain
 * bytes against the chunk's id.
 */
public final class ChunkCodec {
    private ChunkCodec() {}

    /** zstd's level: the best ratio for the client's speed (docs/compression.md). */
    public static final int LEVEL = 3;
    public static final int PROBE_BYTES = 8 << 10;
    /** Chunks shorter than this are compressed whole, without a probe (it would be most of the work). */
    public static final int PROBE_WHOLE_BELOW = 4 * PROBE_BYTES;
    /** A probe, and a compressed chunk, must save at least this much. */
    public static final int MIN_SAVING_PERCENT = 5;

    private static final Logger LOG = Logger.getLogger(ChunkCodec.class.getName());
    private static final boolean NATIVE = loadNative();

    /** A chunk as it is to be stored: its bytes, how they encode the plain bytes, and the plain size. */
    public record Stored(Encoding encoding, byte[] bytes, int plainLength) {
        public boolean compressed() {
            return encoding != Encoding.RAW;
        }
    }

    /** Whether zstd runs natively here (else by aircompressor, in pure Java). */
    public static boolean nativeZstd() {
        return NATIVE;
    }

    /** The chunk as it is best stored: zstd-compressed if that saves at least {@value #MIN_SAVING_PERCENT} %, else raw. */
    public static Stored encode(byte[] plain) {
        if (plain.length == 0) {
            return new Stored(Encoding.RAW, plain, 0);
        }
        if (plain.length >= PROBE_WHOLE_BELOW && !saves(compress(plain, 0, PROBE_BYTES).length, PROBE_BYTES)) {
            return new Stored(Encoding.RAW, plain, plain.length);
        }
        byte[] z = compress(plain, 0, plain.length);
        return saves(z.length, plain.length) ? new Stored(Encoding.ZSTD, z, plain.length) : new Stored(Encoding.RAW, plain, plain.length);
    }

    /**
     * The cheap probe of {@link #encode} on its own: whether compressing {@code head} (a chunk's first {@link
     * #PROBE_BYTES} or fewer bytes) saves at least {@value #MIN_SAVING_PERCENT} %. A large chunk is sent compressed only
     * if its head does (read from its file, without the rest); {@link #encode} then decides on the whole chunk.
     */
    public static boolean probeSaves(byte[] head) {
        return head.length > 0 && saves(compress(head, 0, head.length).length, head.length);
    }

    private static boolean saves(long compressed, long plain) {
        return compressed * 100 <= plain * (100 - MIN_SAVING_PERCENT);
    }

    /** zstd (level {@value #LEVEL}) of {@code plain[offset, offset + length)}: one frame that records its content size. */
    public static byte[] compress(byte[] plain, int offset, int length) {
        if (NATIVE) {
            byte[] out = new byte[(int) com.github.luben.zstd.Zstd.compressBound(length)];
            com.github.luben.zstd.ZstdCompressCtx ctx = ZstdContexts.COMPRESS.take();
            int n;
            try {
                n = ctx.compressByteArray(out, 0, out.length, plain, offset, length);
            } catch (RuntimeException e) {
                ZstdContexts.COMPRESS.discard(ctx);
                throw new IllegalStateException("zstd failed", e);
            }
            ZstdContexts.COMPRESS.give(ctx);
            return Arrays.copyOf(out, n);
        }
        ZstdCompressor c = new ZstdCompressor();
        byte[] out = new byte[c.maxCompressedLength(length)];
        int n = c.compress(plain, offset, length, out, 0, out.length);
        return Arrays.copyOf(out, n);
    }

    /**
     * The plain bytes that {@code stored[offset, offset + length)} encode, which must be exactly {@code plainLength}
     * bytes; no more than that is ever written. Raw bytes are copied (their length must be the plain length).
     *
     * @throws EncodingException if they decode to more or fewer bytes, or are not a valid encoding
     */
    public static byte[] decode(Encoding encoding, byte[] stored, int offset, int length, int plainLength) {
        if (plainLength < 0 || length < 0 || offset < 0 || offset + length > stored.length) {
            throw new EncodingException("Bad stored range or plain length.");
        }
        if (encoding == Encoding.RAW) {
            if (length != plainLength) {
                throw new EncodingException("A raw chunk of " + length + " bytes declared as " + plainLength + ".");
            }
            return Arrays.copyOfRange(stored, offset, offset + length);
        }
        if (encoding != Encoding.ZSTD) {
            throw new EncodingException("Unknown encoding.");
        }
        byte[] plain = new byte[plainLength];
        long n;
        try {
            n = NATIVE ? decodeNative(stored, offset, length, plain) : decodePureJava(stored, offset, length, plain);
        } catch (MalformedInputException | com.github.luben.zstd.ZstdException | IllegalArgumentException
                 | IndexOutOfBoundsException e) {
            throw new EncodingException("The stored bytes are not zstd frames of " + plainLength + " plain bytes.", e);
        }
        if (n != plainLength) {
            throw new EncodingException("The stored bytes decode to " + n + " bytes, not the declared " + plainLength + ".");
        }
        return plain;
    }

    /** As {@link #decode(Encoding, byte[], int, int, int)}, with only aircompressor (pure Java): for tests. */
    static byte[] decodePureJava(byte[] stored, int plainLength) {
        byte[] plain = new byte[plainLength];
        int n = decodePureJava(stored, 0, stored.length, plain);
        if (n != plainLength) {
            throw new EncodingException("The stored bytes decode to " + n + " bytes, not the declared " + plainLength + ".");
        }
        return plain;
    }

    private static long decodeNative(byte[] stored, int offset, int length, byte[] plain) {
        // A frame that records a different content size is refused before any work.
        long declared = com.github.luben.zstd.Zstd.getFrameContentSize(stored, offset, length);
        if (declared >= 0 && declared != plain.length) {
            throw new EncodingException("The zstd frame records " + declared + " plain bytes, not the declared " + plain.length + ".");
        }
        com.github.luben.zstd.ZstdDecompressCtx ctx = ZstdContexts.DECOMPRESS.take();
        int n;
        try {
            n = ctx.decompressByteArray(plain, 0, plain.length, stored, offset, length);
        } catch (RuntimeException e) {
            ZstdContexts.DECOMPRESS.discard(ctx); // the caller maps it (not zstd, or more bytes than declared)
            throw e;
        }
        ZstdContexts.DECOMPRESS.give(ctx);
        return n;
    }

    private static int decodePureJava(byte[] stored, int offset, int length, byte[] plain) {
        long declared = ZstdDecompressor.getDecompressedSize(stored, offset, length);
        if (declared >= 0 && declared != plain.length) {
            throw new EncodingException("The zstd frame records " + declared + " plain bytes, not the declared " + plain.length + ".");
        }
        return new ZstdDecompressor().decompress(stored, offset, length, plain, 0, plain.length);
    }

    private static boolean loadNative() {
        if ("false".equals(System.getProperty("chunkvault.zstd.native"))) {
            return false;
        }
        try {
            com.github.luben.zstd.util.Native.load();
            // One round trip, so that a library that loads but does not work is found here and not at a chunk.
            byte[] probe = "chunkvault".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            byte[] z = com.github.luben.zstd.Zstd.compress(probe, LEVEL);
            byte[] back = new byte[probe.length];
            com.github.luben.zstd.Zstd.decompressByteArray(back, 0, back.length, z, 0, z.length);
            return Arrays.equals(back, probe);
        } catch (LinkageError | RuntimeException e) {
            LOG.log(Level.WARNING, "zstd-jni's native library did not load; using aircompressor (pure Java): " + e);
            return false;
        }
    }
}
