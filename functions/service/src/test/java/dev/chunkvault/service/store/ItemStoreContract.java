package dev.chunkvault.service.store;

import static dev.chunkvault.service.store.Condition.and;
import static dev.chunkvault.service.store.Condition.eq;
import static dev.chunkvault.service.store.Condition.exists;
import static dev.chunkvault.service.store.Condition.gt;
import static dev.chunkvault.service.store.Condition.in;
import static dev.chunkvault.service.store.Condition.lt;
import static dev.chunkvault.service.store.Condition.ne;
import static dev.chunkvault.service.store.Condition.not;
import static dev.chunkvault.service.store.Condition.notExists;
import static dev.chunkvault.service.store.Condition.or;
import static dev.chunkvault.service.store.Update.update;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.service.store.Query.SortCondition;
import dev.chunkvault.service.store.TableSchema.IndexSchema;
import dev.chunkvault.service.store.TableSchema.KeyAttribute;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The semantics every {@link ItemStore} must have, written once and run against each implementation
 * (the in-memory fake and DynamoDB Local): restic's backend test suite is the model. Each test works in
 * its own partition, so implementations may keep data between tests.
 */
public abstract class ItemStoreContract {
    /** A table with a string partition and sort key and a sparse index on (g, n). */
    public static final TableSchema RANGE = new TableSchema("contract_range", KeyAttribute.string("pk"),
            KeyAttribute.string("sk"), Map.of("byN", new IndexSchema(KeyAttribute.string("g"), KeyAttribute.number("n"))));
    /** A table with a string partition key only. */
    public static final TableSchema HASH = new TableSchema("contract_hash", KeyAttribute.string("id"), null, Map.of());

    public static List<TableSchema> schemas() {
        return List.of(RANGE, HASH);
    }

    protected abstract ItemStore store();

    private ItemStore store;
    private String p;

    @BeforeEach
    void setUpPartition() {
        store = store();
        p = "p-" + UUID.randomUUID();
    }

    private Item row(String sk, Object... kv) {
        Item.Builder b = Item.builder().set("pk", p).set("sk", sk);
        for (int i = 0; i < kv.length; i += 2) {
            b.set((String) kv[i], kv[i + 1]);
        }
        return b.build();
    }

    private Optional<Item> get(String sk) {
        return store.get(RANGE.name(), Key.of(p, sk));
    }

    @Test
    void putGetRoundTripsEveryValueType() {
        byte[] bytes = {0, 1, (byte) 0xff, 42};
        Item item = row("a", "s", "text ✓ 文字", "n", Long.MIN_VALUE + 1, "big", Long.MAX_VALUE, "b", true, "bin", bytes);
        store.put(RANGE.name(), item, Condition.ALWAYS);
        Item got = get("a").orElseThrow();
        assertEquals(item, got);
        assertArrayEquals(bytes, got.binary("bin").toByteArray());
        assertTrue(get("missing").isEmpty());
    }

    @Test
    void putConditionsOnAbsenceAndReportTheCurrentItem() {
        store.put(RANGE.name(), row("a", "v", 1), notExists("pk"));
        ConditionFailedException e = assertThrows(ConditionFailedException.class,
                () -> store.put(RANGE.name(), row("a", "v", 2), notExists("pk")));
        assertEquals(1L, e.current().orElseThrow().number("v"));
        assertEquals(1L, get("a").orElseThrow().number("v"));
    }

    @Test
    void updateCreatesFromTheKeyAddsAndRemoves() {
        Item created = store.update(RANGE.name(), Key.of(p, "c"), update().add("refs", 1).set("state", "LIVE"), Condition.ALWAYS);
        assertEquals(1L, created.number("refs"));
        assertEquals(p, created.string("pk"));
        Item next = store.update(RANGE.name(), Key.of(p, "c"),
                update().add("refs", -1).remove("state").setIfAbsent("inc", "x").setIfAbsent("refs2", 5), Condition.ALWAYS);
        assertEquals(0L, next.number("refs"));
        assertFalse(next.has("state"));
        assertEquals("x", next.string("inc"));
        Item again = store.update(RANGE.name(), Key.of(p, "c"), update().setIfAbsent("inc", "y"), Condition.ALWAYS);
        assertEquals("x", again.string("inc"));
        assertEquals(again, get("c").orElseThrow());
    }

    @Test
    void failedUpdateWritesNothing() {
        store.put(RANGE.name(), row("c", "refs", 3L, "state", "LIVE"), Condition.ALWAYS);
        ConditionFailedException e = assertThrows(ConditionFailedException.class, () -> store.update(RANGE.name(),
                Key.of(p, "c"), update().set("state", "DELETING"), eq("refs", 0L)));
        assertEquals(3L, e.current().orElseThrow().number("refs"));
        assertEquals("LIVE", get("c").orElseThrow().string("state"));
        assertThrows(ConditionFailedException.class, () -> store.update(RANGE.name(), Key.of(p, "absent"),
                update().set("x", 1), exists("pk")));
        assertTrue(get("absent").isEmpty());
    }

    @Test
    void conditionOperatorsFollowDynamoDb() {
        store.put(RANGE.name(), row("c", "n", 5L, "s", "LIVE"), Condition.ALWAYS);
        Map<Condition, Boolean> cases = new java.util.LinkedHashMap<>();
        cases.put(eq("n", 5L), true);
        cases.put(eq("n", 6L), false);
        cases.put(ne("n", 6L), true);
        cases.put(ne("missing", 6L), true);
        cases.put(eq("missing", 6L), false);
        cases.put(lt("n", 6L), true);
        cases.put(lt("n", 5L), false);
        cases.put(gt("n", 4L), true);
        cases.put(lt("missing", 6L), false);
        cases.put(eq("n", "5"), false);
        cases.put(in("s", "PENDING", "LIVE"), true);
        cases.put(in("s", "PENDING", "DELETING"), false);
        cases.put(and(eq("n", 5L), eq("s", "LIVE")), true);
        cases.put(and(eq("n", 5L), eq("s", "X")), false);
        cases.put(or(eq("n", 1L), eq("s", "LIVE")), true);
        cases.put(not(eq("s", "LIVE")), false);
        cases.put(Condition.missingOrLt("missing", 3L), true);
        cases.put(Condition.missingOrLt("n", 3L), false);
        cases.put(Condition.missingOrLt("n", 9L), true);
        cases.put(new Condition.BeginsWith("s", "LI"), true);
        cases.put(new Condition.BeginsWith("s", "IV"), false);
        cases.put(Condition.ALWAYS, true);
        cases.forEach((condition, expected) -> {
            boolean held;
            try {
                store.update(RANGE.name(), Key.of(p, "c"), update().add("probe", 1), condition);
                held = true;
            } catch (ConditionFailedException e) {
                held = false;
            }
            assertEquals(expected, held, condition.toString());
        });
    }

    @Test
    void stringsCompareByUtf8Bytes() {
        // U+FF21 sorts before U+1F600 in UTF-8 (EF.. < F0..) but after it in UTF-16 (FF21 > D83D).
        store.put(RANGE.name(), row("c", "s", "\uFF21"), Condition.ALWAYS);
        store.update(RANGE.name(), Key.of(p, "c"), update().set("ok", true), lt("s", "\uD83D\uDE00"));
        assertTrue(get("c").orElseThrow().bool("ok"));
    }

    @Test
    void deleteIsConditionalAndIdempotent() {
        store.put(RANGE.name(), row("d", "state", "DELETING", "gcRun", 7L), Condition.ALWAYS);
        assertThrows(ConditionFailedException.class,
                () -> store.delete(RANGE.name(), Key.of(p, "d"), eq("gcRun", 8L)));
        assertTrue(get("d").isPresent());
        store.delete(RANGE.name(), Key.of(p, "d"), eq("gcRun", 7L));
        assertTrue(get("d").isEmpty());
        store.delete(RANGE.name(), Key.of(p, "d"), Condition.ALWAYS);
        assertThrows(ConditionFailedException.class, () -> store.delete(RANGE.name(), Key.of(p, "d"), exists("pk")));
    }

    @Test
    void transactionAppliesAllActions() {
        store.put(RANGE.name(), row("gone"), Condition.ALWAYS);
        store.put(RANGE.name(), row("checked", "v", 1L), Condition.ALWAYS);
        store.transact(List.of(
                TxAction.put(RANGE.name(), row("new", "v", 1L), notExists("pk")),
                TxAction.update(RANGE.name(), Key.of(p, "counter"), update().add("n", 2), Condition.ALWAYS),
                TxAction.delete(RANGE.name(), Key.of(p, "gone"), exists("pk")),
                TxAction.check(RANGE.name(), Key.of(p, "checked"), eq("v", 1L)),
                TxAction.put(HASH.name(), Item.builder().set("id", p).set("x", "y").build(), Condition.ALWAYS)));
        assertTrue(get("new").isPresent());
        assertEquals(2L, get("counter").orElseThrow().number("n"));
        assertTrue(get("gone").isEmpty());
        assertEquals("y", store.get(HASH.name(), Key.of(p)).orElseThrow().string("x"));
    }

    @Test
    void cancelledTransactionWritesNothingAndSaysWhichConditionFailed() {
        store.put(RANGE.name(), row("head", "head", "v1"), Condition.ALWAYS);
        TransactionCancelledException e = assertThrows(TransactionCancelledException.class, () -> store.transact(List.of(
                TxAction.put(RANGE.name(), row("v2"), notExists("pk")),
                TxAction.update(RANGE.name(), Key.of(p, "head"), update().set("head", "v2"), eq("head", "v0")),
                TxAction.update(RANGE.name(), Key.of(p, "counter"), update().add("n", 1), Condition.ALWAYS))));
        assertEquals(3, e.reasons().size());
        assertFalse(e.conditionFailed(0));
        assertTrue(e.conditionFailed(1));
        assertFalse(e.conditionFailed(2));
        assertEquals("v1", e.reasons().get(1).currentItem().orElseThrow().string("head"));
        assertTrue(get("v2").isEmpty());
        assertTrue(get("counter").isEmpty());
        assertEquals("v1", get("head").orElseThrow().string("head"));
    }

    @Test
    void transactionOfOneHundredActionsIsAllowed() {
        List<TxAction> actions = new ArrayList<>();
        for (int i = 0; i < ItemStore.MAX_TRANSACTION_ACTIONS; i++) {
            actions.add(TxAction.put(RANGE.name(), row("i" + i), notExists("pk")));
        }
        store.transact(actions);
        assertEquals(100, store.query(Query.table(RANGE.name(), p)).items().size());
    }

    @Test
    void transactionLimitsAreEnforced() {
        List<TxAction> tooMany = new ArrayList<>();
        for (int i = 0; i <= ItemStore.MAX_TRANSACTION_ACTIONS; i++) {
            tooMany.add(TxAction.put(RANGE.name(), row("i" + i), Condition.ALWAYS));
        }
        assertThrows(RuntimeException.class, () -> store.transact(tooMany));
        assertThrows(RuntimeException.class, () -> store.transact(List.of(
                TxAction.put(RANGE.name(), row("same"), Condition.ALWAYS),
                TxAction.update(RANGE.name(), Key.of(p, "same"), update().add("n", 1), Condition.ALWAYS))));
        assertTrue(get("same").isEmpty());
        assertTrue(get("i0").isEmpty());
    }

    @Test
    void queryReturnsThePartitionInSortOrderWithRangesAndPaging() {
        for (String sk : List.of("0000000003-b", "0000000001-a", "0000000002-c", "0000000010-z", "x")) {
            store.put(RANGE.name(), row(sk), Condition.ALWAYS);
        }
        store.put(RANGE.name(), Item.builder().set("pk", p + "-other").set("sk", "0000000001-a").build(), Condition.ALWAYS);
        assertEquals(List.of("0000000001-a", "0000000002-c", "0000000003-b", "0000000010-z", "x"),
                sks(store.query(Query.table(RANGE.name(), p)).items()));
        assertEquals(List.of("0000000010-z", "0000000003-b"),
                sks(store.query(Query.table(RANGE.name(), p).where(SortCondition.beginsWith("00")).descending().limit(2)).items()));
        assertEquals(List.of("0000000001-a", "0000000002-c"),
                sks(store.query(Query.table(RANGE.name(), p).where(SortCondition.le("0000000002-c"))).items()));
        assertEquals(List.of("0000000002-c", "0000000003-b"),
                sks(store.query(Query.table(RANGE.name(), p).where(SortCondition.between("0000000002", "0000000003-c"))).items()));
        assertEquals(List.of("x"), sks(store.query(Query.table(RANGE.name(), p).where(SortCondition.gt("1"))).items()));

        List<String> paged = new ArrayList<>();
        Cursor cursor = null;
        int pages = 0;
        do {
            Page<Item> page = store.query(Query.table(RANGE.name(), p).limit(2).after(cursor));
            paged.addAll(sks(page.items()));
            cursor = page.next();
            pages++;
        } while (cursor != null);
        assertEquals(List.of("0000000001-a", "0000000002-c", "0000000003-b", "0000000010-z", "x"), paged);
        assertTrue(pages >= 3);
    }

    /** DynamoDB refuses empty strings as key values even inside key conditions; so must every store. */
    @Test
    void keyConditionsRefuseEmptyStrings() {
        store.put(RANGE.name(), row("a"), Condition.ALWAYS);
        assertThrows(IllegalArgumentException.class, () -> store.query(Query.table(RANGE.name(), p)
                .where(SortCondition.between("", "z"))));
        assertThrows(IllegalArgumentException.class, () -> store.query(Query.table(RANGE.name(), p)
                .where(SortCondition.ge(""))));
        assertEquals(List.of("a"), sks(store.query(Query.table(RANGE.name(), p).where(SortCondition.le("z"))).items()));
    }

    /** DynamoDB refuses sort-key values over 1,024 bytes of UTF-8, in keys and key conditions; so must every store. */
    @Test
    void sortKeysOver1024BytesAreRefused() {
        String longest = "k".repeat(1022) + "\u00e9"; // 1,024 bytes
        String over = "k".repeat(1023) + "\u00e9"; // 1,025 bytes, 1,024 characters
        store.put(RANGE.name(), row(longest), Condition.ALWAYS);
        assertTrue(get(longest).isPresent());
        assertEquals(List.of(longest), sks(store.query(Query.table(RANGE.name(), p).where(SortCondition.le(longest))).items()));
        assertThrows(IllegalArgumentException.class, () -> store.put(RANGE.name(), row(over), Condition.ALWAYS));
        assertThrows(IllegalArgumentException.class, () -> get(over));
        assertThrows(IllegalArgumentException.class, () -> store.query(Query.table(RANGE.name(), p)
                .where(SortCondition.between("a", over))));
        assertThrows(IllegalArgumentException.class, () -> store.query(Query.table(RANGE.name(), p)
                .where(SortCondition.lt(over))));
        assertTrue(sks(store.query(Query.table(RANGE.name(), p).where(SortCondition.ge("l"))).items()).isEmpty());
    }

    @Test
    void sparseIndexHoldsOnlyItemsWithItsKeysAndFollowsUpdates() {
        String g = "g-" + p;
        store.put(RANGE.name(), row("a", "g", g, "n", 30L), Condition.ALWAYS);
        store.put(RANGE.name(), row("b", "g", g, "n", 10L), Condition.ALWAYS);
        store.put(RANGE.name(), row("c", "n", 20L), Condition.ALWAYS);
        // Distinct index sort keys: DynamoDB does not order index items whose index keys tie.
        store.put(RANGE.name(), row("d", "g", g, "n", 25L), Condition.ALWAYS);
        assertEquals(List.of("b", "d", "a"), sks(eventually(g, 3)));
        store.update(RANGE.name(), Key.of(p, "a"), update().remove("g").remove("n"), Condition.ALWAYS);
        store.update(RANGE.name(), Key.of(p, "c"), update().set("g", g), Condition.ALWAYS);
        List<Item> now = eventually(g, 3);
        assertEquals(List.of("b", "c", "d"), sks(now));
        assertEquals(List.of("b"), sks(store.query(Query.index(RANGE.name(), "byN", g).where(SortCondition.lt(20L))).items()));

        List<String> paged = new ArrayList<>();
        Cursor cursor = null;
        do {
            Page<Item> page = store.query(Query.index(RANGE.name(), "byN", g).limit(1).after(cursor));
            paged.addAll(sks(page.items()));
            cursor = page.next();
        } while (cursor != null);
        assertEquals(List.of("b", "c", "d"), paged);
    }

    /** Index queries are eventually consistent: wait (briefly) until the index shows {@code n} items. */
    private List<Item> eventually(String g, int n) {
        List<Item> items = List.of();
        for (int i = 0; i < 50; i++) {
            items = store.query(Query.index(RANGE.name(), "byN", g)).items();
            if (items.size() == n) {
                return items;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return items;
    }

    @Test
    void batchGetReturnsTheItemsThatExist() {
        List<Key> keys = new ArrayList<>();
        for (int i = 0; i < ItemStore.MAX_BATCH_GET; i++) {
            keys.add(Key.of(p, "k" + i));
            if (i % 3 == 0) {
                store.put(RANGE.name(), row("k" + i, "i", (long) i), Condition.ALWAYS);
            }
        }
        List<Item> got = store.batchGet(RANGE.name(), keys);
        assertEquals(34, got.size());
        assertTrue(got.stream().allMatch(it -> it.number("i") % 3 == 0));
    }

    @Test
    void scanVisitsEveryItemOnce() {
        String id = "scan-" + p;
        for (int i = 0; i < 7; i++) {
            store.put(HASH.name(), Item.builder().set("id", id + "-" + i).build(), Condition.ALWAYS);
        }
        List<String> seen = new ArrayList<>();
        Cursor cursor = null;
        do {
            Page<Item> page = store.scan(HASH.name(), cursor, 3);
            page.items().stream().map(it -> it.string("id")).filter(s -> s.startsWith(id)).forEach(seen::add);
            cursor = page.next();
        } while (cursor != null);
        assertEquals(7, seen.size());
        assertEquals(7, seen.stream().distinct().count());
    }

    @Test
    void invalidKeysAreRejected() {
        assertThrows(RuntimeException.class, () -> store.put(RANGE.name(), Item.builder().set("pk", p).build(), Condition.ALWAYS));
        assertThrows(RuntimeException.class, () -> store.put(RANGE.name(), row(""), Condition.ALWAYS));
        assertThrows(RuntimeException.class, () -> store.update(RANGE.name(), Key.of(p, "k"), update().set("sk", "other"), Condition.ALWAYS));
        assertNull(get("k").orElse(null));
    }

    private static List<String> sks(List<Item> items) {
        return items.stream().map(i -> i.string("sk")).toList();
    }
}
