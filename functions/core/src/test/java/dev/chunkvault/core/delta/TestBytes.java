package dev.chunkvault.core.delta;

import java.io.ByteArrayOutputStream;
import java.util.Random;

/** Deterministic test data: random bytes and random edits of them. */
final class TestBytes {
    private TestBytes() {}

    static byte[] random(Random random, int length) {
        byte[] b = new byte[length];
        random.nextBytes(b);
        return b;
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    static byte[] slice(byte[] b, int from, int to) {
        return java.util.Arrays.copyOfRange(b, from, to);
    }

    /** One edit: what it did and how many new bytes it introduced. */
    record Edited(byte[] bytes, int newBytes, String description) {}

    /**
     * A random small edit of {@code base}: insert, delete, overwrite, append, prepend or truncate, of
     * 1..{@code maxEdit} bytes.
     */
    static Edited edit(Random random, byte[] base, int maxEdit) {
        int n = 1 + random.nextInt(maxEdit);
        int at = random.nextInt(base.length + 1);
        switch (random.nextInt(6)) {
            case 0:
                return new Edited(concat(slice(base, 0, at), random(random, n), slice(base, at, base.length)), n,
                        "insert " + n + " at " + at);
            case 1: {
                int to = Math.min(base.length, at + n);
                return new Edited(concat(slice(base, 0, at), slice(base, to, base.length)), 0,
                        "delete " + (to - at) + " at " + at);
            }
            case 2: {
                byte[] b = base.clone();
                int to = Math.min(base.length, at + n);
                for (int i = at; i < to; i++) {
                    b[i] = (byte) random.nextInt(256);
                }
                return new Edited(b, to - at, "overwrite " + (to - at) + " at " + at);
            }
            case 3:
                return new Edited(concat(base, random(random, n)), n, "append " + n);
            case 4:
                return new Edited(concat(random(random, n), base), n, "prepend " + n);
            default:
                return new Edited(slice(base, 0, at), 0, "truncate to " + at);
        }
    }
}
