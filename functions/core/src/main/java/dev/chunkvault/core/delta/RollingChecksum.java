package dev.chunkvault.core.delta;

/**
 * rsync's weak block checksum: two 16-bit sums over a window of {@code L} bytes {@code x[0..L)},
 * <pre>
 *   a = sum(x[i])            mod 2^16
 *   b = sum((L - i) * x[i])  mod 2^16
 * </pre>
 * packed as {@code a | b << 16}. Bytes are taken unsigned. Sliding the window one byte to the right
 * (dropping {@code out}, taking {@code in}) is O(1): {@code a' = a - out + in}, {@code b' = b - L*out + a'}.
 * The checksum is weak by design (cheap, not collision resistant): a hit is only a candidate that the
 * strong hash then confirms.
 */
final class RollingChecksum {
    private RollingChecksum() {}

    /** The checksum of {@code data[offset, offset+length)}. */
    static int of(byte[] data, int offset, int length) {
        // The plain loop is the fast one: an eight-bytes-a-step form of the same sums measured 1.5-2.0 GB/s against
        // this loop's 2.4-3.3 GB/s (windows of 1,400 bytes, 2026-12-07), and a block signature's time is its SHA-256.
        java.util.Objects.checkFromIndexSize(offset, length, data.length);
        int a = 0;
        int b = 0;
        for (int i = 0; i < length; i++) {
            a += data[offset + i] & 0xff;
            b += a;
        }
        // b accumulated the prefix sums: sum over i of (length - i) * x[i], as the definition says.
        return (a & 0xffff) | (b << 16);
    }

    /** Slides a window of {@code length} bytes one byte right: {@code out} leaves, {@code in} enters. */
    static int roll(int checksum, byte out, byte in, int length) {
        int o = out & 0xff;
        int a = (checksum - o + (in & 0xff)) & 0xffff;
        int b = ((checksum >>> 16) - length * o + a) & 0xffff;
        return a | (b << 16);
    }
}
