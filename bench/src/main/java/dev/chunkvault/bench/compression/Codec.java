package dev.chunkvault.bench.compression;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import io.airlift.compress.Compressor;
import io.airlift.compress.Decompressor;
import io.airlift.compress.lz4.Lz4Compressor;
import io.airlift.compress.lz4.Lz4Decompressor;
import io.airlift.compress.zstd.ZstdCompressor;
import io.airlift.compress.zstd.ZstdDecompressor;
import java.util.List;

/**
 * One compression library at one level, block API over byte arrays (a chunk is held whole in memory, as the client
 * and the function hold it). Not thread-safe: one instance per thread (zstd-jni contexts are reused, as a real
 * client would reuse them).
 */
public abstract class Codec {
    /** The names {@link #of} knows, in the order the reports list them. */
    public static final List<String> NAMES =
            List.of("zstd-jni-1", "zstd-jni-3", "zstd-jni-6", "air-zstd", "air-lz4");

    private final String name;

    Codec(String name) {
        this.name = name;
    }

    /** The codec's name, e.g. {@code zstd-jni-3}. */
    public String name() {
        return name;
    }

    /** The largest compressed size of {@code length} plain bytes. */
    public abstract int maxCompressedLength(int length);

    /** Compresses {@code src[off, off + len)} into {@code dst} from 0; returns the compressed length. */
    public abstract int compress(byte[] src, int off, int len, byte[] dst);

    /** Decompresses {@code src[0, len)} into {@code dst} from 0 (at most {@code maxPlain} bytes); returns the plain length. */
    public abstract int decompress(byte[] src, int len, byte[] dst, int maxPlain);

    /** A new codec by name: {@code zstd-jni-<level>}, {@code air-zstd} (its only level, 3) or {@code air-lz4}. */
    public static Codec of(String name) {
        if (name.startsWith("zstd-jni-")) {
            return new ZstdJni(name, Integer.parseInt(name.substring("zstd-jni-".length())));
        }
        if (name.equals("air-zstd")) {
            return new Air(name, new ZstdCompressor(), new ZstdDecompressor());
        }
        if (name.equals("air-lz4")) {
            return new Air(name, new Lz4Compressor(), new Lz4Decompressor());
        }
        throw new IllegalArgumentException("unknown codec " + name);
    }

    /** zstd-jni with a reused compression and decompression context. */
    static final class ZstdJni extends Codec {
        private final ZstdCompressCtx cctx;
        private final ZstdDecompressCtx dctx = new ZstdDecompressCtx();

        ZstdJni(String name, int level) {
            super(name);
            cctx = new ZstdCompressCtx().setLevel(level).setChecksum(false);
        }

        @Override
        public int maxCompressedLength(int length) {
            return (int) Zstd.compressBound(length);
        }

        @Override
        public int compress(byte[] src, int off, int len, byte[] dst) {
            return cctx.compressByteArray(dst, 0, dst.length, src, off, len);
        }

        @Override
        public int decompress(byte[] src, int len, byte[] dst, int maxPlain) {
            return dctx.decompressByteArray(dst, 0, maxPlain, src, 0, len);
        }
    }

    /** aircompressor's block API (pure Java). */
    static final class Air extends Codec {
        private final Compressor compressor;
        private final Decompressor decompressor;

        Air(String name, Compressor compressor, Decompressor decompressor) {
            super(name);
            this.compressor = compressor;
            this.decompressor = decompressor;
        }

        @Override
        public int maxCompressedLength(int length) {
            return compressor.maxCompressedLength(length);
        }

        @Override
        public int compress(byte[] src, int off, int len, byte[] dst) {
            return compressor.compress(src, off, len, dst, 0, dst.length);
        }

        @Override
        public int decompress(byte[] src, int len, byte[] dst, int maxPlain) {
            return decompressor.decompress(src, 0, len, dst, 0, maxPlain);
        }
    }
}
