package dev.chunkvault.bench.e2e;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactGetItemsRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;

/**
 * Counts the DynamoDB calls the functions make, by function and operation, with the items each names: a transaction's
 * actions by kind (put, update, delete, check) and table, a batch's keys. On DynamoDB Local the cost is per item and per
 * expression (docs/perf-many-files.md), so the profile reports both per file.
 */
final class StoreCalls implements ExecutionInterceptor {
    private final String function;
    private final Map<String, LongAdder[]> counts;

    private StoreCalls(String function, Map<String, LongAdder[]> counts) {
        this.function = function;
        this.counts = counts;
    }

    /** The counters all functions share, keyed "function operation [detail]"; each is {calls, items}. */
    static final class Tally {
        final Map<String, LongAdder[]> counts = new ConcurrentHashMap<>();

        StoreCalls forFunction(String function) {
            return new StoreCalls(function, counts);
        }

        Map<String, long[]> snapshot() {
            Map<String, long[]> m = new TreeMap<>();
            counts.forEach((k, v) -> m.put(k, new long[] {v[0].sum(), v[1].sum()}));
            return m;
        }

        /** A markdown table of what happened since {@code before} (a snapshot), per file. */
        String since(Map<String, long[]> before, long files) {
            StringBuilder sb = new StringBuilder("| DynamoDB calls of | calls | items | items per file |\n|---|---:|---:|---:|\n");
            long calls = 0;
            long items = 0;
            for (Map.Entry<String, long[]> e : snapshot().entrySet()) {
                long[] b = before.getOrDefault(e.getKey(), new long[2]);
                long c = e.getValue()[0] - b[0];
                long i = e.getValue()[1] - b[1];
                if (c == 0 && i == 0) {
                    continue;
                }
                calls += e.getKey().contains(" action ") ? 0 : c;
                items += e.getKey().contains(" action ") ? 0 : i;
                sb.append(String.format(Locale.ROOT, "| %s | %,d | %,d | %.2f |%n", e.getKey(), c, i, (double) i / files));
            }
            sb.append(String.format(Locale.ROOT, "| **all** | %,d | %,d | %.2f |%n%n", calls, items, (double) items / files));
            return sb.toString();
        }
    }

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        SdkRequest r = context.request();
        String op = r.getClass().getSimpleName().replaceFirst("Request$", "");
        if (!r.getClass().getPackageName().endsWith("dynamodb.model")) {
            return;
        }
        long items = 1;
        if (r instanceof TransactWriteItemsRequest t) {
            items = t.transactItems().size();
            for (TransactWriteItem i : t.transactItems()) {
                String action = i.put() != null ? "put " + shortName(i.put().tableName())
                        : i.update() != null ? "update " + shortName(i.update().tableName())
                        : i.delete() != null ? "delete " + shortName(i.delete().tableName())
                        : "check " + shortName(i.conditionCheck().tableName());
                add(function + " action " + action, 1, 1);
            }
        } else if (r instanceof BatchGetItemRequest b) {
            items = b.requestItems().values().stream().mapToLong(k -> k.keys().size()).sum();
        } else if (r instanceof BatchWriteItemRequest b) {
            items = b.requestItems().values().stream().mapToLong(java.util.List::size).sum();
        } else if (r instanceof TransactGetItemsRequest t) {
            items = t.transactItems().size();
        }
        String table = r.getValueForField("TableName", String.class).map(t -> " " + shortName(t)).orElse("");
        add(function + " " + op + table, 1, items);
    }

    /** A physical table's name without the stack's prefix. */
    private static String shortName(String table) {
        return table.substring(table.lastIndexOf('-') + 1);
    }

    private void add(String key, long calls, long items) {
        LongAdder[] a = counts.computeIfAbsent(key, k -> new LongAdder[] {new LongAdder(), new LongAdder()});
        a[0].add(calls);
        a[1].add(items);
    }
}
