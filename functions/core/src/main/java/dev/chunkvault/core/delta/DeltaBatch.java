package dev.chunkvault.core.delta;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Many encoded {@link Delta}s in one body ({@code POST /v1/delta-upload-batch}): each item is a delta's own binary
 * encoding, whose header already names its base and target, so the framing adds only a length per item.
 *
 * <h2>Encoding (version 1)</h2>
 * <pre>
 *   4 bytes  magic "CVDB"
 *   u8       version = 1
 *   varint   item count (at least 1)
 *   per item:
 *     varint   length (at least 1)
 *     length bytes: an encoded delta (not checked here: each item is judged on its own by its receiver)
 * </pre>
 * Varints as in {@link Delta}. Reading is strict: the count is checked against the caller's bound before any item is
 * read, each item must lie inside the input, and nothing may follow the last item.
 */
public final class DeltaBatch {
    public static final int VERSION = 1;
    private static final byte[] MAGIC = {'C', 'V', 'D', 'B'};

    private DeltaBatch() {}

    /** The framed form of {@code items} (each an encoded delta). */
    public static byte[] encode(List<byte[]> items) {
        if (items.isEmpty()) {
            throw new IllegalArgumentException("a batch holds at least one delta");
        }
        long size = MAGIC.length + 1L + Wire.varintSize(items.size());
        for (byte[] item : items) {
            if (item.length == 0) {
                throw new IllegalArgumentException("an empty item");
            }
            size += Wire.varintSize(item.length) + (long) item.length;
        }
        if (size > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("a batch of " + size + " bytes");
        }
        byte[] out = new byte[(int) size];
        System.arraycopy(MAGIC, 0, out, 0, MAGIC.length);
        int pos = MAGIC.length;
        out[pos++] = VERSION;
        pos = Wire.putVarint(out, pos, items.size());
        for (byte[] item : items) {
            pos = Wire.putVarint(out, pos, item.length);
            System.arraycopy(item, 0, out, pos, item.length);
            pos += item.length;
        }
        return out;
    }

    /**
     * The items of a framed batch, in order.
     *
     * @param maxItems the most items the caller takes: a larger count is {@link DeltaException.Reason#TOO_LARGE}
     * @throws DeltaException MALFORMED (no magic, truncated, an empty item, trailing bytes), UNSUPPORTED_VERSION, or
     *     TOO_LARGE (more than {@code maxItems})
     */
    public static List<byte[]> decode(byte[] body, int maxItems) {
        if (body.length < MAGIC.length + 1 || !Arrays.equals(body, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw Wire.malformed("not a delta batch (no CVDB magic)");
        }
        Wire.Reader in = new Wire.Reader(body);
        in.skip(MAGIC.length);
        int version = in.readUnsignedByte();
        if (version != VERSION) {
            throw new DeltaException(DeltaException.Reason.UNSUPPORTED_VERSION, "delta batch version " + version);
        }
        long count = in.readVarint(Integer.MAX_VALUE, "item count");
        if (count < 1) {
            throw Wire.malformed("a batch holds at least one delta");
        }
        if (count > maxItems) {
            throw new DeltaException(DeltaException.Reason.TOO_LARGE, count + " deltas, more than " + maxItems);
        }
        List<byte[]> out = new ArrayList<>((int) count);
        for (long i = 0; i < count; i++) {
            int length = (int) in.readVarint(Integer.MAX_VALUE, "item length");
            if (length < 1) {
                throw Wire.malformed("an empty item");
            }
            if (length > in.remaining()) {
                throw Wire.malformed("item " + i + " is truncated");
            }
            int at = in.skip(length);
            out.add(Arrays.copyOfRange(body, at, at + length));
        }
        if (in.remaining() != 0) {
            throw Wire.malformed(in.remaining() + " bytes after the last item");
        }
        return out;
    }
}
