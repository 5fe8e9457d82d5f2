package dev.chunkvault.bench.storage;

import dev.chunkvault.service.blob.BlobInfo;
import dev.chunkvault.service.blob.BlobPage;
import dev.chunkvault.service.blob.BlobStore;
import dev.chunkvault.service.store.Condition;
import dev.chunkvault.service.store.ConditionFailedException;
import dev.chunkvault.service.store.Cursor;
import dev.chunkvault.service.store.Item;
import dev.chunkvault.service.store.ItemStore;
import dev.chunkvault.service.store.Key;
import dev.chunkvault.service.store.Page;
import dev.chunkvault.service.store.Query;
import dev.chunkvault.service.store.TransactionCancelledException;
import dev.chunkvault.service.store.TxAction;
import dev.chunkvault.service.store.Update;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Meters an item store and a blob store with DynamoDB's and S3's billing rules, so the storage-cost figures are
 * counted on the real protocol code rather than estimated:
 * <ul>
 *   <li>a write consumes ceil(size / 1 KB) write units, size being the larger of the item before and after;
 *       inside a transaction twice that (condition checks count as writes of the item's size);</li>
 *   <li>a strongly consistent read consumes ceil(size / 4 KB) read units per item; an index query (eventually
 *       consistent) half, summed over the page;</li>
 *   <li>every blob call is one S3 request of its kind; presigned requests clients send are added by the caller.</li>
 * </ul>
 * Failed conditional writes consume write units too, as on DynamoDB.
 */
final class Meter {
    final AtomicLong writeUnits = new AtomicLong();
    final AtomicLong readUnits = new AtomicLong();
    final AtomicLong itemWrites = new AtomicLong();
    final AtomicLong calls = new AtomicLong();
    final Map<String, AtomicLong> s3 = new ConcurrentHashMap<>();

    void reset() {
        writeUnits.set(0);
        readUnits.set(0);
        itemWrites.set(0);
        calls.set(0);
        s3.clear();
    }

    void s3(String kind, long n) {
        s3.computeIfAbsent(kind, k -> new AtomicLong()).addAndGet(n);
    }

    long s3Total() {
        return s3.values().stream().mapToLong(AtomicLong::get).sum();
    }

    static long wcu(long bytes) {
        return Math.max(1, (bytes + 1023) / 1024);
    }

    static long rcu(long bytes) {
        return Math.max(1, (bytes + 4095) / 4096);
    }

    ItemStore items(ItemStore inner) {
        return new ItemStore() {
            private long size(String table, Key key) {
                return inner.get(table, key).map(Item::sizeBytes).orElse(0);
            }

            @Override
            public Optional<Item> get(String table, Key key) {
                calls.incrementAndGet();
                Optional<Item> i = inner.get(table, key);
                readUnits.addAndGet(rcu(i.map(Item::sizeBytes).orElse(1)));
                return i;
            }

            @Override
            public List<Item> batchGet(String table, List<Key> keys) {
                calls.incrementAndGet();
                List<Item> out = inner.batchGet(table, keys);
                out.forEach(i -> readUnits.addAndGet(rcu(i.sizeBytes())));
                readUnits.addAndGet(keys.size() - out.size()); // a miss still costs a unit
                return out;
            }

            @Override
            public void put(String table, Item item, Condition condition) {
                calls.incrementAndGet();
                itemWrites.incrementAndGet();
                writeUnits.addAndGet(wcu(Math.max(item.sizeBytes(), size(table, keyOf(table, item)))));
                inner.put(table, item, condition);
            }

            private Key keyOf(String table, Item item) {
                return dev.chunkvault.service.vault.Tables.all().stream().filter(s -> s.name().equals(table))
                        .findFirst().orElseThrow().keyOf(item);
            }

            @Override
            public Item update(String table, Key key, Update update, Condition condition) {
                calls.incrementAndGet();
                itemWrites.incrementAndGet();
                long before = size(table, key);
                try {
                    Item after = inner.update(table, key, update, condition);
                    writeUnits.addAndGet(wcu(Math.max(before, after.sizeBytes())));
                    return after;
                } catch (ConditionFailedException e) {
                    writeUnits.addAndGet(wcu(before));
                    throw e;
                }
            }

            @Override
            public void delete(String table, Key key, Condition condition) {
                calls.incrementAndGet();
                itemWrites.incrementAndGet();
                writeUnits.addAndGet(wcu(size(table, key)));
                inner.delete(table, key, condition);
            }

            @Override
            public void transact(List<TxAction> actions) {
                calls.incrementAndGet();
                long units = 0;
                for (TxAction a : actions) {
                    long bytes;
                    if (a instanceof TxAction.Put p) {
                        bytes = Math.max(p.item().sizeBytes(), size(a.table(), keyOf(a.table(), p.item())));
                    } else if (a instanceof TxAction.UpdateItem u) {
                        bytes = size(a.table(), u.key()) + 64;
                    } else if (a instanceof TxAction.Delete d) {
                        bytes = size(a.table(), d.key());
                    } else {
                        bytes = size(a.table(), ((TxAction.Check) a).key());
                    }
                    units += 2 * wcu(bytes);
                }
                writeUnits.addAndGet(units);
                itemWrites.addAndGet(actions.size());
                try {
                    inner.transact(actions);
                } catch (TransactionCancelledException e) {
                    throw e;
                }
            }

            @Override
            public Page<Item> query(Query query) {
                calls.incrementAndGet();
                Page<Item> page = inner.query(query);
                long bytes = page.items().stream().mapToLong(Item::sizeBytes).sum();
                readUnits.addAndGet(query.index() == null ? rcu(bytes) : (rcu(bytes) + 1) / 2);
                return page;
            }

            @Override
            public Page<Item> scan(String table, Cursor after, int limit) {
                calls.incrementAndGet();
                Page<Item> page = inner.scan(table, after, limit);
                readUnits.addAndGet(rcu(page.items().stream().mapToLong(Item::sizeBytes).sum()));
                return page;
            }
        };
    }

    BlobStore blobs(BlobStore inner) {
        return new BlobStore() {
            @Override
            public Optional<BlobInfo> head(String key) {
                s3("HEAD", 1);
                return inner.head(key);
            }

            @Override
            public Optional<byte[]> get(String key) {
                s3("GET", 1);
                return inner.get(key);
            }

            @Override
            public void put(String key, byte[] bytes, Map<String, String> metadata) {
                s3("PUT", 1);
                inner.put(key, bytes, metadata);
            }

            @Override
            public void delete(String key, String versionId) {
                s3("DELETE", 1);
                inner.delete(key, versionId);
            }

            @Override
            public BlobPage list(String prefix, String startAfter, int limit) {
                s3("LIST", 1);
                return inner.list(prefix, startAfter, limit);
            }
        };
    }
}
