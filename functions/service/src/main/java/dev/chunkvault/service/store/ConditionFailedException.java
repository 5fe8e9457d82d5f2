package dev.chunkvault.service.store;

import java.util.Optional;

/** A single-item write's condition was false; nothing was written. Carries the item as it is. */
public final class ConditionFailedException extends StoreException {
    private final transient Item current;

    public ConditionFailedException(String table, Item current) {
        super("condition failed on " + table);
        this.current = current;
    }

    /** The item as the failed condition saw it, if it exists. */
    public Optional<Item> current() {
        return Optional.ofNullable(current);
    }
}
