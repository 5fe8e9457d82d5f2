package dev.chunkvault.client;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToLongFunction;

/** Cuts a list into runs of consecutive items whose sizes add up to at most a bound (an item larger than it goes alone). */
final class Slices {
    private Slices() {}

    static <T> List<List<T>> of(List<T> items, ToLongFunction<T> size, long max) {
        List<List<T>> out = new ArrayList<>();
        for (int from = 0; from < items.size(); ) {
            int to = from;
            long bytes = 0;
            while (to < items.size() && (to == from || bytes + size.applyAsLong(items.get(to)) <= max)) {
                bytes += size.applyAsLong(items.get(to));
                to++;
            }
            out.add(items.subList(from, to));
            from = to;
        }
        return out;
    }

    /** The sizes of {@code items} added up. */
    static <T> long total(List<T> items, ToLongFunction<T> size) {
        return items.stream().mapToLong(size).sum();
    }
}
