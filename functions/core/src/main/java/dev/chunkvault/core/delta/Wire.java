package dev.chunkvault.core.delta;

import dev.chunkvault.core.delta.DeltaException.Reason;

/**
 * The primitives of the signature and delta encodings: big-endian fixed-width integers, and unsigned
 * LEB128 varints (7 bits per byte, low group first, high bit = more follows) limited to five bytes.
 * Reading is strict: a varint has exactly one encoding (an overlong form, whose last byte is zero, is
 * rejected), and truncated or oversize input fails with {@link DeltaException} {@code MALFORMED}.
 */
final class Wire {
    static final int MAX_VARINT_BYTES = 5;

    private Wire() {}

    static int varintSize(long value) {
        int n = 1;
        while (value >= 0x80) {
            value >>>= 7;
            n++;
        }
        return n;
    }

    /** Writes {@code value} at {@code pos}; returns the position after it. */
    static int putVarint(byte[] out, int pos, long value) {
        while (value >= 0x80) {
            out[pos++] = (byte) (value | 0x80);
            value >>>= 7;
        }
        out[pos++] = (byte) value;
        return pos;
    }

    static void putInt(byte[] out, int pos, int v) {
        out[pos] = (byte) (v >>> 24);
        out[pos + 1] = (byte) (v >>> 16);
        out[pos + 2] = (byte) (v >>> 8);
        out[pos + 3] = (byte) v;
    }

    static DeltaException malformed(String message) {
        return new DeltaException(Reason.MALFORMED, message);
    }

    /** A cursor over an encoded buffer that throws {@link DeltaException} on any malformed input. */
    static final class Reader {
        private final byte[] in;
        private int pos;

        Reader(byte[] in) {
            this.in = in;
        }

        int remaining() {
            return in.length - pos;
        }

        boolean atEnd() {
            return pos == in.length;
        }

        int readUnsignedByte() {
            require(1);
            return in[pos++] & 0xff;
        }

        /** Advances past {@code n} bytes, which must be present; returns where they start. */
        int skip(int n) {
            require(n);
            int start = pos;
            pos += n;
            return start;
        }

        int readInt() {
            require(4);
            int v = ((in[pos] & 0xff) << 24) | ((in[pos + 1] & 0xff) << 16) | ((in[pos + 2] & 0xff) << 8)
                    | (in[pos + 3] & 0xff);
            pos += 4;
            return v;
        }

        long readLong() {
            return ((long) readInt() << 32) | (readInt() & 0xffffffffL);
        }

        /** A varint no greater than {@code max}; {@code what} names it in the error message. */
        long readVarint(long max, String what) {
            long value = 0;
            for (int i = 0; i < MAX_VARINT_BYTES; i++) {
                if (pos == in.length) {
                    throw malformed("truncated varint (" + what + ")");
                }
                int b = in[pos++] & 0xff;
                value |= (long) (b & 0x7f) << (7 * i);
                if ((b & 0x80) == 0) {
                    if (b == 0 && i > 0) {
                        throw malformed("overlong varint (" + what + ")");
                    }
                    if (value > max) {
                        throw malformed(what + " " + value + " exceeds " + max);
                    }
                    return value;
                }
            }
            throw malformed("varint longer than " + MAX_VARINT_BYTES + " bytes (" + what + ")");
        }

        private void require(int n) {
            if (n > in.length - pos) {
                throw malformed("truncated: needs " + n + " more bytes at offset " + pos);
            }
        }
    }
}
