package dev.chunkvault.service.store;

import java.util.List;

/** One page of results; {@code next} is null on the last page. */
public record Page<T>(List<T> items, Cursor next) {
    public Page {
        items = List.copyOf(items);
    }

    public boolean hasMore() {
        return next != null;
    }
}
