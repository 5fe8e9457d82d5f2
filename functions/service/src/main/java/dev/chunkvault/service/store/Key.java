package dev.chunkvault.service.store;

import java.util.Objects;

/**
 * The primary key of an item: the partition key value and, for tables with a sort key, the sort key
 * value. Attribute names come from the table's {@link TableSchema}.
 */
public record Key(Object partition, Object sort) {
    public Key {
        partition = Item.checkValue("partition key", partition);
        sort = sort == null ? null : Item.checkValue("sort key", sort);
    }

    public static Key of(Object partition) {
        return new Key(partition, null);
    }

    public static Key of(Object partition, Object sort) {
        return new Key(partition, Objects.requireNonNull(sort, "sort"));
    }
}
