package dev.chunkvault.service.store;

import java.util.Map;
import java.util.Objects;

/**
 * The key schema of a table and of its global secondary indexes. Index keys are sparse: an item is in an
 * index only while it has the index's key attributes. All attributes are projected into indexes.
 *
 * @param name      the logical table name (adapters map it to a physical name)
 * @param partition partition key attribute
 * @param sort      sort key attribute, or null
 * @param indexes   global secondary indexes by name
 */
public record TableSchema(String name, KeyAttribute partition, KeyAttribute sort, Map<String, IndexSchema> indexes) {
    public TableSchema {
        Objects.requireNonNull(name);
        Objects.requireNonNull(partition);
        indexes = Map.copyOf(indexes);
    }

    public enum KeyType {
        STRING(String.class), NUMBER(Long.class);

        private final Class<?> javaType;

        KeyType(Class<?> javaType) {
            this.javaType = javaType;
        }

        public boolean accepts(Object value) {
            return javaType.isInstance(value);
        }
    }

    public record KeyAttribute(String name, KeyType type) {
        public KeyAttribute {
            Objects.requireNonNull(name);
            Objects.requireNonNull(type);
        }

        public static KeyAttribute string(String name) {
            return new KeyAttribute(name, KeyType.STRING);
        }

        public static KeyAttribute number(String name) {
            return new KeyAttribute(name, KeyType.NUMBER);
        }
    }

    public record IndexSchema(KeyAttribute partition, KeyAttribute sort) {
        public IndexSchema {
            Objects.requireNonNull(partition);
        }
    }

    public Key keyOf(Item item) {
        Object pk = item.get(partition.name());
        Object sk = sort == null ? null : item.get(sort.name());
        if (pk == null || (sort != null && sk == null)) {
            throw new IllegalArgumentException("item lacks the key attributes of table " + name);
        }
        return new Key(pk, sk);
    }

    /** The key as an item of its key attributes, checking it fits the schema. */
    public Item keyItem(Key key) {
        checkKeyValue(partition, key.partition());
        Item.Builder b = Item.builder().set(partition.name(), key.partition());
        if (sort != null) {
            if (key.sort() == null) {
                throw new IllegalArgumentException("table " + name + " needs a sort key");
            }
            checkKeyValue(sort, key.sort());
            b.set(sort.name(), key.sort());
        } else if (key.sort() != null) {
            throw new IllegalArgumentException("table " + name + " has no sort key");
        }
        return b.build();
    }

    /** Key attribute values must have the declared type; strings must not be empty (DynamoDB rejects them). */
    public static void checkKeyValue(KeyAttribute attribute, Object value) {
        if (!attribute.type().accepts(value)) {
            throw new IllegalArgumentException("key attribute " + attribute.name() + " must be a " + attribute.type());
        }
        if (value instanceof String s && s.isEmpty()) {
            throw new IllegalArgumentException("key attribute " + attribute.name() + " must not be empty");
        }
    }

    public boolean isKeyAttribute(String attribute) {
        return partition.name().equals(attribute) || (sort != null && sort.name().equals(attribute));
    }
}
