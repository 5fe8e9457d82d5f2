package dev.chunkvault.service.store;

import java.util.Objects;

/**
 * A query: the items of one partition of a table or index, optionally restricted by a sort key
 * condition, in sort key order, at most {@code limit} per page, resuming after {@code after}.
 *
 * @param table      logical table name
 * @param index      index name, or null for the table itself
 * @param partition  the partition key value
 * @param sort       sort key condition, or null for the whole partition
 * @param forward    ascending sort key order when true
 * @param limit      page size, 1..1000
 * @param after      the {@link Page#next()} of the previous page, or null
 * @param consistent strongly consistent read (tables only; indexes are eventually consistent)
 */
public record Query(String table, String index, Object partition, SortCondition sort, boolean forward, int limit,
                    Cursor after, boolean consistent) {
    public Query {
        Objects.requireNonNull(table);
        partition = Item.checkValue("partition key", partition);
        if (limit < 1 || limit > 1000) {
            throw new IllegalArgumentException("query limit must be within 1..1000");
        }
        if (index != null && consistent) {
            throw new IllegalArgumentException("index queries are eventually consistent");
        }
    }

    public static Query table(String table, Object partition) {
        return new Query(table, null, partition, null, true, 1000, null, true);
    }

    public static Query index(String table, String index, Object partition) {
        return new Query(table, index, partition, null, true, 1000, null, false);
    }

    public Query where(SortCondition condition) {
        return new Query(table, index, partition, condition, forward, limit, after, consistent);
    }

    public Query descending() {
        return new Query(table, index, partition, sort, false, limit, after, consistent);
    }

    public Query limit(int n) {
        return new Query(table, index, partition, sort, forward, n, after, consistent);
    }

    public Query after(Cursor cursor) {
        return new Query(table, index, partition, sort, forward, limit, cursor, consistent);
    }

    /** A condition on the sort key of the table or index queried. */
    public sealed interface SortCondition {
        record Compare(Condition.Op op, Object value) implements SortCondition {
            public Compare {
                if (op == Condition.Op.NE) {
                    throw new IllegalArgumentException("sort key conditions have no <>");
                }
                value = Item.checkValue("sort key", value);
            }
        }

        record Between(Object low, Object high) implements SortCondition {
            public Between {
                low = Item.checkValue("sort key", low);
                high = Item.checkValue("sort key", high);
            }
        }

        record BeginsWith(String prefix) implements SortCondition {
            public BeginsWith {
                Objects.requireNonNull(prefix);
            }
        }

        static SortCondition lt(Object v) {
            return new Compare(Condition.Op.LT, v);
        }

        static SortCondition le(Object v) {
            return new Compare(Condition.Op.LE, v);
        }

        static SortCondition gt(Object v) {
            return new Compare(Condition.Op.GT, v);
        }

        static SortCondition ge(Object v) {
            return new Compare(Condition.Op.GE, v);
        }

        static SortCondition eq(Object v) {
            return new Compare(Condition.Op.EQ, v);
        }

        static SortCondition between(Object low, Object high) {
            return new Between(low, high);
        }

        static SortCondition beginsWith(String prefix) {
            return new BeginsWith(prefix);
        }
    }
}
