package dev.chunkvault.core.compress;

/**
 * How a chunk's stored bytes encode its plain bytes. The chunk's id is always the SHA-256 of the plain bytes, so a
 * chunk stored one way or the other is the same chunk.
 */
public enum Encoding {
    /** The stored bytes are the plain bytes. */
    RAW("raw", 0),
    /** The stored bytes are one or more zstd frames that decompress to the plain bytes. */
    ZSTD("zstd", 1);

    private final String wireName;
    private final int code;

    Encoding(String wireName, int code) {
        this.wireName = wireName;
        this.code = code;
    }

    /** The name in JSON and in table attributes. */
    public String wireName() {
        return wireName;
    }

    /** The byte that names it in a pack index. */
    public int code() {
        return code;
    }

    /** The encoding of a name; null (absent) is {@link #RAW}; an unknown name is null. */
    public static Encoding ofName(String name) {
        if (name == null) {
            return RAW;
        }
        for (Encoding e : values()) {
            if (e.wireName.equals(name)) {
                return e;
            }
        }
        return null;
    }

    /** The encoding of an index byte, or null if unknown. */
    public static Encoding ofCode(int code) {
        for (Encoding e : values()) {
            if (e.code == code) {
                return e;
            }
        }
        return null;
    }
}
