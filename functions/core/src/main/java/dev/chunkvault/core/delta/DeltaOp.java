package dev.chunkvault.core.delta;

import java.util.Arrays;
import java.util.Objects;

/** One instruction of a {@link Delta}: copy a range of the base, or insert literal bytes. */
public sealed interface DeltaOp permits DeltaOp.Copy, DeltaOp.Literal {

    /** The number of output bytes this op produces; always positive. */
    int length();

    /** Copies {@code base[baseOffset, baseOffset+length)} to the output. */
    record Copy(int baseOffset, int length) implements DeltaOp {
        public Copy {
            if (baseOffset < 0 || length <= 0) {
                throw new IllegalArgumentException("a copy has a non-negative offset and a positive length");
            }
        }

        /** The base offset just past this copy. */
        long baseEnd() {
            return (long) baseOffset + length;
        }
    }

    /**
     * Bytes the base does not have. A final class rather than a record so that its array is never
     * shared: it is copied in and only ever copied out.
     */
    final class Literal implements DeltaOp {
        private final byte[] bytes;

        private Literal(byte[] bytes) {
            if (bytes.length == 0) {
                throw new IllegalArgumentException("a literal has at least one byte");
            }
            this.bytes = bytes;
        }

        /** A literal holding a copy of {@code source[offset, offset+length)}. */
        public static Literal copyOf(byte[] source, int offset, int length) {
            Objects.checkFromIndexSize(offset, length, source.length);
            return new Literal(Arrays.copyOfRange(source, offset, offset + length));
        }

        @Override
        public int length() {
            return bytes.length;
        }

        /** Writes the bytes into {@code target} at {@code offset}. */
        public void copyTo(byte[] target, int offset) {
            System.arraycopy(bytes, 0, target, offset, bytes.length);
        }

        public byte[] toBytes() {
            return bytes.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Literal l && Arrays.equals(bytes, l.bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes);
        }

        @Override
        public String toString() {
            return "Literal[length=" + bytes.length + "]";
        }
    }
}
