package dev.chunkvault.service.store;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An immutable item: top-level attributes whose values are {@link String}, {@link Long}, {@link Boolean}
 * or {@link Binary}. (Integers are widened to Long on the way in.) These are the only types the domain
 * stores, and every {@link ItemStore} implementation must round-trip them exactly.
 */
public final class Item {
    /** DynamoDB's item size limit; implementations reject bigger items. */
    public static final int MAX_SIZE_BYTES = 400 * 1024;

    private final Map<String, Object> attributes;

    private Item(Map<String, Object> attributes) {
        this.attributes = Collections.unmodifiableMap(attributes);
    }

    public static Item of(Map<String, ?> attributes) {
        Builder b = builder();
        attributes.forEach(b::set);
        return b.build();
    }

    public static Builder builder() {
        return new Builder(new LinkedHashMap<>());
    }

    /** A builder starting from this item's attributes. */
    public Builder toBuilder() {
        return new Builder(new LinkedHashMap<>(attributes));
    }

    public Map<String, Object> attributes() {
        return attributes;
    }

    public boolean has(String name) {
        return attributes.containsKey(name);
    }

    public Object get(String name) {
        return attributes.get(name);
    }

    public String string(String name) {
        return typed(name, String.class);
    }

    public long number(String name) {
        Long v = typed(name, Long.class);
        if (v == null) {
            throw new IllegalStateException("item has no number attribute " + name);
        }
        return v;
    }

    public long numberOr(String name, long fallback) {
        Long v = typed(name, Long.class);
        return v == null ? fallback : v;
    }

    public boolean bool(String name) {
        return Boolean.TRUE.equals(typed(name, Boolean.class));
    }

    public Binary binary(String name) {
        return typed(name, Binary.class);
    }

    public Optional<String> optString(String name) {
        return Optional.ofNullable(string(name));
    }

    private <T> T typed(String name, Class<T> type) {
        Object v = attributes.get(name);
        if (v != null && !type.isInstance(v)) {
            throw new IllegalStateException("attribute " + name + " is a " + v.getClass().getSimpleName()
                    + ", not a " + type.getSimpleName());
        }
        return type.cast(v);
    }

    /** The item's size as DynamoDB counts it (names + values), close enough to enforce the limit. */
    public int sizeBytes() {
        int size = 0;
        for (Map.Entry<String, Object> e : attributes.entrySet()) {
            size += utf8Length(e.getKey()) + valueSize(e.getValue());
        }
        return size;
    }

    static int valueSize(Object v) {
        if (v instanceof String s) {
            return utf8Length(s);
        }
        if (v instanceof Binary b) {
            return b.length();
        }
        if (v instanceof Long) {
            return 21;
        }
        return 1;
    }

    private static int utf8Length(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    /** Normalises an attribute value to one of the supported types, or rejects it. */
    static Object checkValue(String name, Object value) {
        Objects.requireNonNull(value, () -> "attribute " + name + " is null; remove it instead");
        if (value instanceof Integer i) {
            return i.longValue();
        }
        if (value instanceof byte[] bytes) {
            return Binary.copyOf(bytes);
        }
        if (value instanceof String || value instanceof Long || value instanceof Boolean || value instanceof Binary) {
            return value;
        }
        throw new IllegalArgumentException("unsupported attribute type for " + name + ": " + value.getClass());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Item other && attributes.equals(other.attributes);
    }

    @Override
    public int hashCode() {
        return attributes.hashCode();
    }

    @Override
    public String toString() {
        return attributes.toString();
    }

    public static final class Builder {
        private final Map<String, Object> attributes;

        private Builder(Map<String, Object> attributes) {
            this.attributes = attributes;
        }

        public Builder set(String name, Object value) {
            attributes.put(Objects.requireNonNull(name), checkValue(name, value));
            return this;
        }

        /** Sets the attribute when {@code value} is non-null, removes it otherwise. */
        public Builder setOrRemove(String name, Object value) {
            return value == null ? remove(name) : set(name, value);
        }

        public Builder remove(String name) {
            attributes.remove(name);
            return this;
        }

        public Item build() {
            return new Item(new LinkedHashMap<>(attributes));
        }
    }
}
