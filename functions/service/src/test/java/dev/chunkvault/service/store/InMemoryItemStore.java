package dev.chunkvault.service.store;

import dev.chunkvault.service.store.TableSchema.IndexSchema;
import dev.chunkvault.service.store.TableSchema.KeyAttribute;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * An in-memory {@link ItemStore} with DynamoDB's semantics as far as the protocols rely on them (and as
 * {@code ItemStoreContract} pins down): conditions, atomic transactions with per-action cancellation
 * reasons, the transaction limits, sparse indexes, paging, strings ordered by UTF-8 bytes. Every call is
 * atomic (one lock); index queries are read from the same state, so this fake is "strongly consistent"
 * everywhere, which is allowed by the port's contract.
 */
public final class InMemoryItemStore implements ItemStore {
    private static final int MAX_TRANSACTION_BYTES = 4 * 1024 * 1024;

    private final Map<String, Table> tables = new HashMap<>();

    public InMemoryItemStore(List<TableSchema> schemas) {
        for (TableSchema s : schemas) {
            tables.put(s.name(), new Table(s));
        }
    }

    private static final class Table {
        final TableSchema schema;
        final TreeMap<Key, Item> items;
        /**
         * Per index, the keys of the items in each index partition: an index query reads its partition only, as on
         * DynamoDB, so a sparse index costs what it holds, not what the table holds.
         */
        final java.util.Map<String, java.util.Map<Object, java.util.Set<Key>>> partitions = new java.util.HashMap<>();

        Table(TableSchema schema) {
            this.schema = schema;
            this.items = new TreeMap<>(Comparator.comparing(Key::partition, InMemoryItemStore::compareValues)
                    .thenComparing(Key::sort, Comparator.nullsFirst(InMemoryItemStore::compareValues)));
            schema.indexes().keySet().forEach(ix -> partitions.put(ix, new java.util.HashMap<>()));
        }

        void put(Key key, Item item) {
            unindex(key, items.put(key, item));
            schema.indexes().forEach((ix, idx) -> {
                Object p = item.get(idx.partition().name());
                if (p != null) {
                    partitions.get(ix).computeIfAbsent(p, k -> new java.util.HashSet<>()).add(key);
                }
            });
        }

        void remove(Key key) {
            unindex(key, items.remove(key));
        }

        private void unindex(Key key, Item old) {
            if (old == null) {
                return;
            }
            schema.indexes().forEach((ix, idx) -> {
                Object p = old.get(idx.partition().name());
                if (p != null) {
                    java.util.Set<Key> keys = partitions.get(ix).get(p);
                    if (keys != null && keys.remove(key) && keys.isEmpty()) {
                        partitions.get(ix).remove(p);
                    }
                }
            });
        }

        /** The items of one index partition. */
        List<Item> indexPartition(String index, Object partition) {
            java.util.Set<Key> keys = partitions.get(index).getOrDefault(partition, java.util.Set.of());
            List<Item> out = new ArrayList<>(keys.size());
            keys.forEach(k -> out.add(items.get(k)));
            return out;
        }
    }

    /** DynamoDB's limits on key attribute values: 2,048 bytes for a partition key, 1,024 for a sort key (UTF-8). */
    static final int MAX_PARTITION_KEY_BYTES = 2048;
    static final int MAX_SORT_KEY_BYTES = 1024;

    /** Like DynamoDB, refuses key values over its size limits, in keys and in key conditions alike. */
    private static void checkKeySize(Object partition, Object sort) {
        if (partition instanceof String s && s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_PARTITION_KEY_BYTES) {
            throw new IllegalArgumentException("a partition key is at most " + MAX_PARTITION_KEY_BYTES + " bytes");
        }
        if (sort instanceof String s && s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_SORT_KEY_BYTES) {
            throw new IllegalArgumentException("a sort key is at most " + MAX_SORT_KEY_BYTES + " bytes");
        }
    }

    private Table table(String name) {
        Table t = tables.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no table " + name);
        }
        return t;
    }

    @Override
    public synchronized Optional<Item> get(String table, Key key) {
        Table t = table(table);
        t.schema.keyItem(key);
        checkKeySize(key.partition(), key.sort());
        return Optional.ofNullable(t.items.get(key));
    }

    @Override
    public synchronized List<Item> batchGet(String table, List<Key> keys) {
        if (keys.size() > MAX_BATCH_GET) {
            throw new IllegalArgumentException("batchGet takes at most " + MAX_BATCH_GET + " keys");
        }
        if (new HashSet<>(keys).size() != keys.size()) {
            throw new IllegalArgumentException("batchGet keys must be distinct");
        }
        List<Item> out = new ArrayList<>();
        for (Key k : keys) {
            get(table, k).ifPresent(out::add);
        }
        return out;
    }

    @Override
    public synchronized void put(String table, Item item, Condition condition) {
        Table t = table(table);
        Key key = t.schema.keyOf(item);
        checkItem(t.schema, item);
        checkKeySize(key.partition(), key.sort());
        Item current = t.items.get(key);
        if (!evaluate(condition, current)) {
            throw new ConditionFailedException(table, current);
        }
        t.put(key, item);
    }

    @Override
    public synchronized Item update(String table, Key key, Update update, Condition condition) {
        Table t = table(table);
        checkKeySize(key.partition(), key.sort());
        Item current = t.items.get(key);
        Item next = applyUpdate(t.schema, key, current, update);
        if (!evaluate(condition, current)) {
            throw new ConditionFailedException(table, current);
        }
        t.put(key, next);
        return next;
    }

    @Override
    public synchronized void delete(String table, Key key, Condition condition) {
        Table t = table(table);
        t.schema.keyItem(key);
        checkKeySize(key.partition(), key.sort());
        Item current = t.items.get(key);
        if (!evaluate(condition, current)) {
            throw new ConditionFailedException(table, current);
        }
        t.remove(key);
    }

    @Override
    public synchronized void transact(List<TxAction> actions) {
        if (actions.isEmpty() || actions.size() > MAX_TRANSACTION_ACTIONS) {
            throw new IllegalArgumentException("a transaction has 1.." + MAX_TRANSACTION_ACTIONS + " actions");
        }
        Set<String> touched = new HashSet<>();
        List<TransactionCancelledException.Reason> reasons = new ArrayList<>();
        List<Runnable> writes = new ArrayList<>();
        boolean failed = false;
        long bytes = 0;
        for (TxAction a : actions) {
            Table t = table(a.table());
            Key key = a instanceof TxAction.Put p ? t.schema.keyOf(p.item()) : keyOf(a);
            t.schema.keyItem(key);
            checkKeySize(key.partition(), key.sort());
            if (!touched.add(a.table() + "\u0000" + key)) {
                throw new IllegalArgumentException("a transaction cannot touch one item twice");
            }
            Item current = t.items.get(key);
            if (a instanceof TxAction.Put p) {
                checkItem(t.schema, p.item());
                bytes += p.item().sizeBytes();
                writes.add(() -> t.put(key, p.item()));
            } else if (a instanceof TxAction.UpdateItem u) {
                Item next = applyUpdate(t.schema, key, current, u.update());
                bytes += next.sizeBytes();
                writes.add(() -> t.put(key, next));
            } else if (a instanceof TxAction.Delete) {
                writes.add(() -> t.remove(key));
            }
            boolean ok = evaluate(a.condition(), current);
            failed |= !ok;
            reasons.add(new TransactionCancelledException.Reason(
                    ok ? TransactionCancelledException.Code.NONE : TransactionCancelledException.Code.CONDITION_FAILED,
                    ok ? null : current));
        }
        if (bytes > MAX_TRANSACTION_BYTES) {
            throw new IllegalArgumentException("a transaction writes at most 4 MB");
        }
        if (failed) {
            throw new TransactionCancelledException(reasons);
        }
        writes.forEach(Runnable::run);
    }

    private static Key keyOf(TxAction a) {
        if (a instanceof TxAction.UpdateItem u) {
            return u.key();
        }
        if (a instanceof TxAction.Delete d) {
            return d.key();
        }
        return ((TxAction.Check) a).key();
    }

    @Override
    public synchronized Page<Item> query(Query q) {
        Table t = table(q.table());
        KeyAttribute pk;
        KeyAttribute sk;
        if (q.index() == null) {
            pk = t.schema.partition();
            sk = t.schema.sort();
        } else {
            IndexSchema idx = t.schema.indexes().get(q.index());
            if (idx == null) {
                throw new IllegalArgumentException("no index " + q.index() + " on " + q.table());
            }
            pk = idx.partition();
            sk = idx.sort();
        }
        if (q.sort() != null && sk == null) {
            throw new IllegalArgumentException("no sort key to query on");
        }
        // Like DynamoDB: "The AttributeValue for a key attribute cannot contain an empty string value".
        if ("".equals(q.partition()) || q.sort() instanceof Query.SortCondition.Compare c && "".equals(c.value())
                || q.sort() instanceof Query.SortCondition.Between b && ("".equals(b.low()) || "".equals(b.high()))
                || q.sort() instanceof Query.SortCondition.BeginsWith w && w.prefix().isEmpty()) {
            throw new IllegalArgumentException("a key condition cannot use an empty string");
        }
        checkKeySize(q.partition(), null);
        if (q.sort() instanceof Query.SortCondition.Compare c) {
            checkKeySize(null, c.value());
        } else if (q.sort() instanceof Query.SortCondition.Between b) {
            checkKeySize(null, b.low());
            checkKeySize(null, b.high());
        } else if (q.sort() instanceof Query.SortCondition.BeginsWith w) {
            checkKeySize(null, w.prefix());
        }
        Comparator<Item> order = Comparator.comparing((Item i) -> i.get(sk == null ? pk.name() : sk.name()),
                        InMemoryItemStore::compareValues)
                .thenComparing(i -> t.schema.keyOf(i), t.items.comparator());
        if (!q.forward()) {
            order = order.reversed();
        }
        List<Item> matching = new ArrayList<>();
        // Table queries read just the partition's slice of the sorted map (nulls sort first); index queries their partition.
        Iterable<Item> candidates = q.index() != null ? t.indexPartition(q.index(), q.partition())
                : t.items.tailMap(new Key(q.partition(), null), true).values();
        for (Item i : candidates) {
            if (q.index() == null && compareValues(i.get(pk.name()), q.partition()) != 0) {
                break;
            }
            Object p = i.get(pk.name());
            if (p == null || compareValues(p, q.partition()) != 0 || !pk.type().accepts(p)) {
                continue;
            }
            if (sk != null && (i.get(sk.name()) == null || !sk.type().accepts(i.get(sk.name())))) {
                continue;
            }
            if (q.sort() != null && !matchesSort(q.sort(), i.get(sk.name()))) {
                continue;
            }
            matching.add(i);
        }
        matching.sort(order);
        int start = 0;
        if (q.after() != null) {
            Item last = q.after().lastKey();
            while (start < matching.size() && order.compare(matching.get(start), last) <= 0) {
                start++;
            }
        }
        int end = Math.min(matching.size(), start + q.limit());
        List<Item> page = matching.subList(start, end);
        Cursor next = null;
        if (page.size() == q.limit()) {
            // Like DynamoDB: a full page carries a cursor even when it happens to be the last one.
            Item last = page.get(page.size() - 1);
            Item.Builder k = t.schema.keyItem(t.schema.keyOf(last)).toBuilder().set(pk.name(), last.get(pk.name()));
            if (sk != null) {
                k.set(sk.name(), last.get(sk.name()));
            }
            next = new Cursor(k.build());
        }
        return new Page<>(page, next);
    }

    @Override
    public synchronized Page<Item> scan(String table, Cursor after, int limit) {
        Table t = table(table);
        var tail = after == null ? t.items : t.items.tailMap(t.schema.keyOf(after.lastKey()), false);
        List<Item> page = new ArrayList<>();
        for (Item i : tail.values()) {
            if (page.size() == limit) {
                break;
            }
            page.add(i);
        }
        boolean more = tail.size() > page.size();
        Cursor next = more ? new Cursor(t.schema.keyItem(t.schema.keyOf(page.get(page.size() - 1)))) : null;
        return new Page<>(page, next);
    }

    /** Every item of one table (tests). */
    public synchronized List<Item> items(String table) {
        return List.copyOf(table(table).items.values());
    }

    /** Every item of every table, for tests that compare the whole state. */
    public synchronized Map<String, List<Item>> snapshot() {
        Map<String, List<Item>> out = new HashMap<>();
        tables.forEach((name, t) -> out.put(name, List.copyOf(t.items.values())));
        return out;
    }

    private static Item applyUpdate(TableSchema schema, Key key, Item current, Update update) {
        Item base = current != null ? current : schema.keyItem(key);
        for (Update.Action a : update.actions()) {
            if (schema.isKeyAttribute(a.attribute())) {
                throw new IllegalArgumentException("cannot update key attribute " + a.attribute());
            }
        }
        Item next = update.applyTo(base);
        checkItem(schema, next);
        return next;
    }

    private static void checkItem(TableSchema schema, Item item) {
        schema.keyItem(schema.keyOf(item));
        for (IndexSchema idx : schema.indexes().values()) {
            checkIndexKey(idx.partition(), item);
            if (idx.sort() != null) {
                checkIndexKey(idx.sort(), item);
            }
        }
        if (item.sizeBytes() > Item.MAX_SIZE_BYTES) {
            throw new IllegalArgumentException("item exceeds 400 KB");
        }
    }

    private static void checkIndexKey(KeyAttribute attribute, Item item) {
        Object v = item.get(attribute.name());
        if (v != null) {
            TableSchema.checkKeyValue(attribute, v);
        }
    }

    static boolean matchesSort(Query.SortCondition c, Object v) {
        if (c instanceof Query.SortCondition.Compare cmp) {
            return sameType(v, cmp.value()) && holds(cmp.op(), compareValues(v, cmp.value()));
        }
        if (c instanceof Query.SortCondition.Between b) {
            return sameType(v, b.low()) && sameType(v, b.high())
                    && compareValues(v, b.low()) >= 0 && compareValues(v, b.high()) <= 0;
        }
        String prefix = ((Query.SortCondition.BeginsWith) c).prefix();
        return v instanceof String s && s.startsWith(prefix);
    }

    static boolean evaluate(Condition c, Item item) {
        Map<String, Object> attrs = item == null ? Map.of() : item.attributes();
        if (c instanceof Condition.Exists e) {
            return attrs.containsKey(e.attribute());
        }
        if (c instanceof Condition.NotExists n) {
            return !attrs.containsKey(n.attribute());
        }
        if (c instanceof Condition.Compare cmp) {
            Object v = attrs.get(cmp.attribute());
            if (v == null || !sameType(v, cmp.value())) {
                // DynamoDB: <> against a missing attribute or a value of another type is true, the rest false.
                return cmp.op() == Condition.Op.NE;
            }
            return holds(cmp.op(), compareValues(v, cmp.value()));
        }
        if (c instanceof Condition.In in) {
            Object v = attrs.get(in.attribute());
            return v != null && in.values().stream().anyMatch(x -> sameType(v, x) && compareValues(v, x) == 0);
        }
        if (c instanceof Condition.BeginsWith b) {
            return attrs.get(b.attribute()) instanceof String s && s.startsWith(b.prefix());
        }
        if (c instanceof Condition.And and) {
            return and.parts().stream().allMatch(p -> evaluate(p, item));
        }
        if (c instanceof Condition.Or or) {
            return or.parts().stream().anyMatch(p -> evaluate(p, item));
        }
        return !evaluate(((Condition.Not) c).part(), item);
    }

    private static boolean holds(Condition.Op op, int cmp) {
        return switch (op) {
            case EQ -> cmp == 0;
            case NE -> cmp != 0;
            case LT -> cmp < 0;
            case LE -> cmp <= 0;
            case GT -> cmp > 0;
            case GE -> cmp >= 0;
        };
    }

    private static boolean sameType(Object a, Object b) {
        return a.getClass() == b.getClass();
    }

    /** DynamoDB's order: numbers numerically, strings and binaries by (UTF-8) bytes, unsigned. */
    static int compareValues(Object a, Object b) {
        if (a instanceof Long x && b instanceof Long y) {
            return Long.compare(x, y);
        }
        if (a instanceof String x && b instanceof String y) {
            return Arrays.compareUnsigned(x.getBytes(StandardCharsets.UTF_8), y.getBytes(StandardCharsets.UTF_8));
        }
        if (a instanceof Binary x && b instanceof Binary y) {
            return x.compareTo(y);
        }
        if (a instanceof Boolean x && b instanceof Boolean y) {
            return Boolean.compare(x, y);
        }
        return a.getClass().getName().compareTo(b.getClass().getName());
    }
}
