package dev.chunkvault.core.compress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.luben.zstd.ZstdCompressCtx;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ChunkCodecTest {
    private static final long SEED = 18;

    /** Text-like bytes: words from a small vocabulary, as source code and prose are. */
    static byte[] text(int length, long seed) {
        String[] words = {"public", "static", "final", "class", "return", "chunk", "pack", "the", "of", "{", "}", ";\n"};
        Random r = new Random(seed);
        StringBuilder sb = new StringBuilder();
        while (sb.length() < length) {
            sb.append(words[r.nextInt(words.length)]).append(' ');
        }
        return Arrays.copyOf(sb.toString().getBytes(StandardCharsets.US_ASCII), length);
    }

    static byte[] random(int length, long seed) {
        byte[] b = new byte[length];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void textIsStoredCompressedAndDecodesBackWithEitherLibrary() {
        for (int length : new int[] {1000, 20_000, 300_000, 1 << 20}) {
            byte[] plain = text(length, SEED + length);
            ChunkCodec.Stored s = ChunkCodec.encode(plain);
            assertEquals(Encoding.ZSTD, s.encoding(), "length " + length);
            assertEquals(length, s.plainLength());
            assertTrue(s.bytes().length * 100L <= length * 95L, "saves at least 5 %");
            assertArrayEquals(plain, ChunkCodec.decode(Encoding.ZSTD, s.bytes(), 0, s.bytes().length, length));
            assertArrayEquals(plain, ChunkCodec.decodePureJava(s.bytes(), length), "aircompressor reads zstd-jni's frames");
        }
    }

    @Test
    void incompressibleDataStaysRawSmallOrProbed() {
        for (int length : new int[] {1, 1000, ChunkCodec.PROBE_WHOLE_BELOW - 1, ChunkCodec.PROBE_WHOLE_BELOW, 1 << 20}) {
            byte[] plain = random(length, SEED + length);
            ChunkCodec.Stored s = ChunkCodec.encode(plain);
            assertEquals(Encoding.RAW, s.encoding(), "length " + length);
            assertFalse(s.compressed());
            assertEquals(plain, s.bytes(), "the plain bytes themselves, not a copy");
        }
        // A probe that saves too little leaves the chunk raw even though its tail would compress: the cheap detection.
        byte[] mixed = new byte[1 << 20];
        System.arraycopy(random(ChunkCodec.PROBE_BYTES, SEED), 0, mixed, 0, ChunkCodec.PROBE_BYTES);
        assertEquals(Encoding.RAW, ChunkCodec.encode(mixed).encoding());
    }

    @Test
    void aFrameThatWouldDecodeToMoreThanDeclaredIsRefusedWithoutWritingMore() {
        byte[] zeros = new byte[1 << 20];
        byte[] withSize = ChunkCodec.compress(zeros, 0, zeros.length);
        byte[] withoutSize;
        try (ZstdCompressCtx ctx = new ZstdCompressCtx()) {
            withoutSize = ctx.setLevel(3).setContentSize(false).compress(zeros);
        }
        for (byte[] bomb : new byte[][] {withSize, withoutSize}) {
            assertThrows(EncodingException.class, () -> ChunkCodec.decode(Encoding.ZSTD, bomb, 0, bomb.length, 4096));
            assertThrows(RuntimeException.class, () -> ChunkCodec.decodePureJava(bomb, 4096));
        }
        // Declared right, both decode.
        assertArrayEquals(zeros, ChunkCodec.decode(Encoding.ZSTD, withoutSize, 0, withoutSize.length, zeros.length));
    }

    @Test
    void truncatedGarbageAndMisdeclaredBytesAreRefused() {
        byte[] plain = text(200_000, SEED);
        byte[] z = ChunkCodec.encode(plain).bytes();
        assertThrows(EncodingException.class, () -> ChunkCodec.decode(Encoding.ZSTD, z, 0, z.length / 2, plain.length));
        assertThrows(EncodingException.class, () -> ChunkCodec.decode(Encoding.ZSTD, z, 0, z.length, plain.length + 1));
        assertThrows(EncodingException.class, () -> ChunkCodec.decode(Encoding.ZSTD, z, 0, z.length, plain.length - 1));
        byte[] garbage = random(5000, SEED);
        assertThrows(EncodingException.class, () -> ChunkCodec.decode(Encoding.ZSTD, garbage, 0, garbage.length, 10_000));
        assertThrows(EncodingException.class, () -> ChunkCodec.decode(Encoding.RAW, garbage, 0, garbage.length, 4999));
        // A frame without its content size that decodes to fewer bytes than declared.
        byte[] small;
        try (ZstdCompressCtx ctx = new ZstdCompressCtx()) {
            small = ctx.setLevel(3).setContentSize(false).compress(plain);
        }
        assertThrows(EncodingException.class, () -> ChunkCodec.decode(Encoding.ZSTD, small, 0, small.length, plain.length + 10));
        // A range inside a larger array decodes.
        byte[] framed = new byte[z.length + 20];
        System.arraycopy(z, 0, framed, 10, z.length);
        assertArrayEquals(plain, ChunkCodec.decode(Encoding.ZSTD, framed, 10, z.length, plain.length));
    }

    @Test
    void pooledContextsAreReusedGiveWhatAFreshOneGivesAndAFailedDecodeDoesNotSpoilThem() {
        org.junit.jupiter.api.Assumptions.assumeTrue(ChunkCodec.nativeZstd(), "zstd-jni loads here");
        byte[] first = text(300_000, SEED);
        byte[] second = text(70_000, SEED + 1);
        ChunkCodec.compress(first, 0, first.length); // a context made and given back
        int made = ZstdContexts.COMPRESS.made();
        for (int i = 0; i < 50; i++) {
            byte[] plain = i % 2 == 0 ? first : second;
            byte[] fresh;
            try (ZstdCompressCtx ctx = new ZstdCompressCtx().setLevel(ChunkCodec.LEVEL)) {
                fresh = ctx.compress(plain);
            }
            assertArrayEquals(fresh, ChunkCodec.compress(plain, 0, plain.length), "the same frame as a fresh context's");
        }
        assertEquals(made, ZstdContexts.COMPRESS.made(), "one thread's calls reuse the pool's context");

        byte[] z = ChunkCodec.compress(second, 0, second.length);
        assertArrayEquals(second, ChunkCodec.decode(Encoding.ZSTD, z, 0, z.length, second.length));
        int decoders = ZstdContexts.DECOMPRESS.made();
        byte[] bomb = ChunkCodec.compress(first, 0, first.length);
        assertThrows(EncodingException.class, () -> ChunkCodec.decode(Encoding.ZSTD, bomb, 0, bomb.length - 7, first.length));
        assertThrows(EncodingException.class, () -> ChunkCodec.decode(Encoding.ZSTD, random(5000, SEED), 0, 5000, 9000));
        assertEquals(decoders + 1, ZstdContexts.DECOMPRESS.made(), "the first failure used the idle context, the second a new one");
        assertEquals(0, ZstdContexts.DECOMPRESS.idle(), "each failed context freed instead of given back");
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(second, ChunkCodec.decode(Encoding.ZSTD, z, 0, z.length, second.length), "a new one decodes");
        }
        assertEquals(decoders + 2, ZstdContexts.DECOMPRESS.made());
        assertTrue(ZstdContexts.COMPRESS.idle() <= ZstdContexts.IDLE && ZstdContexts.DECOMPRESS.idle() <= ZstdContexts.IDLE);
    }

    @Test
    void namesAndCodesRoundTrip() {
        for (Encoding e : Encoding.values()) {
            assertEquals(e, Encoding.ofName(e.wireName()));
            assertEquals(e, Encoding.ofCode(e.code()));
        }
        assertEquals(Encoding.RAW, Encoding.ofName(null));
        assertEquals(null, Encoding.ofName("gzip"));
        assertEquals(null, Encoding.ofCode(7));
    }
}
