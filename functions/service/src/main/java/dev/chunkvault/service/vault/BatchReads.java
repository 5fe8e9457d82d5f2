package dev.chunkvault.service.vault;

import dev.chunkvault.service.store.Item;
import dev.chunkvault.service.store.ItemStore;
import dev.chunkvault.service.store.Key;
import java.util.ArrayList;
import java.util.List;

/** Strongly consistent reads of any number of keys: batches of {@link ItemStore#MAX_BATCH_GET}, run on {@link Parallel}. */
final class BatchReads {
    private BatchReads() {}

    /** The items of {@code keys} (distinct) that exist, in no particular order. */
    static List<Item> getAll(ItemStore store, Parallel parallel, Retry retry, String table, List<Key> keys) {
        List<List<Key>> batches = new ArrayList<>();
        for (int i = 0; i < keys.size(); i += ItemStore.MAX_BATCH_GET) {
            batches.add(keys.subList(i, Math.min(keys.size(), i + ItemStore.MAX_BATCH_GET)));
        }
        List<Item> out = new ArrayList<>();
        parallel.map(batches, b -> retry.call(() -> store.batchGet(table, b))).forEach(out::addAll);
        return out;
    }
}
