package dev.chunkvault.core.manifest;

import java.io.ByteArrayOutputStream;

/** Unsigned LEB128 varints, shortest form only, for the binary encodings of this package. */
final class Varint {
    private Varint() {}

    static void write(ByteArrayOutputStream out, long value) {
        if (value < 0) {
            throw new IllegalArgumentException("varints are unsigned");
        }
        while ((value & ~0x7FL) != 0) {
            out.write((int) ((value & 0x7F) | 0x80));
            value >>>= 7;
        }
        out.write((int) value);
    }

    /** A cursor over an encoded buffer that rejects anything malformed. */
    static final class Reader {
        private final byte[] buf;
        private int pos;

        Reader(byte[] buf) {
            this.buf = buf;
        }

        int position() {
            return pos;
        }

        int remaining() {
            return buf.length - pos;
        }

        long read(long max) {
            long value = 0;
            int shift = 0;
            for (int i = 0; i < 10; i++) {
                if (pos >= buf.length) {
                    throw new ManifestFormatException("truncated data");
                }
                int b = buf[pos++] & 0xFF;
                if (shift == 63 && b > 1) {
                    throw new ManifestFormatException("number out of range");
                }
                value |= (long) (b & 0x7F) << shift;
                if ((b & 0x80) == 0) {
                    if (b == 0 && i > 0) {
                        throw new ManifestFormatException("number not in shortest form");
                    }
                    if (value > max) {
                        throw new ManifestFormatException("number out of range");
                    }
                    return value;
                }
                shift += 7;
            }
            throw new ManifestFormatException("number too long");
        }

        int readInt(int max) {
            return (int) read(max);
        }

        byte[] bytes(int n) {
            if (n < 0 || n > remaining()) {
                throw new ManifestFormatException("truncated data");
            }
            byte[] out = new byte[n];
            System.arraycopy(buf, pos, out, 0, n);
            pos += n;
            return out;
        }

        int u8() {
            if (pos >= buf.length) {
                throw new ManifestFormatException("truncated data");
            }
            return buf[pos++] & 0xFF;
        }

        void copyTo(byte[] target, int offset, int n) {
            if (n > remaining()) {
                throw new ManifestFormatException("truncated data");
            }
            System.arraycopy(buf, pos, target, offset, n);
            pos += n;
        }

        void expectEnd() {
            if (pos != buf.length) {
                throw new ManifestFormatException("trailing data");
            }
        }
    }
}
