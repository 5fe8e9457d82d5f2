package dev.chunkvault.service.store;

import java.util.Arrays;
import java.util.HexFormat;

/** An immutable byte string: the binary attribute type of an {@link Item}. */
public final class Binary implements Comparable<Binary> {
    private final byte[] bytes;

    private Binary(byte[] bytes) {
        this.bytes = bytes;
    }

    public static Binary copyOf(byte[] bytes) {
        return new Binary(bytes.clone());
    }

    /** Takes ownership of {@code bytes}: the caller must not change them afterwards. */
    public static Binary wrap(byte[] bytes) {
        return new Binary(bytes);
    }

    public byte[] toByteArray() {
        return bytes.clone();
    }

    public int length() {
        return bytes.length;
    }

    @Override
    public int compareTo(Binary o) {
        return Arrays.compareUnsigned(bytes, o.bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Binary b && Arrays.equals(bytes, b.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return bytes.length <= 16 ? "0x" + HexFormat.of().formatHex(bytes) : "<" + bytes.length + " bytes>";
    }
}
