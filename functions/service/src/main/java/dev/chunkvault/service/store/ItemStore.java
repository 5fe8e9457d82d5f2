package dev.chunkvault.service.store;

import java.util.List;
import java.util.Optional;

/**
 * Tables of items with conditional single-item writes, all-or-nothing transactions and key-range queries
 * on tables and sparse indexes — the subset of DynamoDB the protocols use, with its semantics:
 * <ul>
 *   <li>Conditions see the item as it is at the moment of the write; a failed condition writes nothing and
 *       reports the current item.</li>
 *   <li>{@link #transact} applies all actions or none; at most {@value #MAX_TRANSACTION_ACTIONS} actions,
 *       no two on the same item; if any condition fails it throws {@link TransactionCancelledException}
 *       with one reason per action.</li>
 *   <li>Index queries are eventually consistent: they may miss recent writes, never invent items.</li>
 *   <li>Any call may throw {@link TransientStoreException}, after which the write may or may not have
 *       happened.</li>
 * </ul>
 * Tables are named by their logical names ({@link TableSchema#name()}).
 */
public interface ItemStore {
    int MAX_TRANSACTION_ACTIONS = 100;
    int MAX_BATCH_GET = 100;

    Optional<Item> get(String table, Key key);

    /** Strongly consistent reads of up to {@value #MAX_BATCH_GET} keys; missing items are left out. */
    List<Item> batchGet(String table, List<Key> keys);

    /** @throws ConditionFailedException if {@code condition} is false for the item as it is */
    void put(String table, Item item, Condition condition);

    /**
     * Applies {@code update} to the item (creating it from its key if absent) if {@code condition} holds.
     *
     * @return the item after the update
     * @throws ConditionFailedException if {@code condition} is false
     */
    Item update(String table, Key key, Update update, Condition condition);

    /** Deletes the item if {@code condition} holds; deleting an absent item is a no-op. */
    void delete(String table, Key key, Condition condition);

    /** @throws TransactionCancelledException if any action's condition is false; nothing is written */
    void transact(List<TxAction> actions);

    Page<Item> query(Query query);

    /** Reads a whole table page by page (for audits, never on a request path). */
    Page<Item> scan(String table, Cursor after, int limit);
}
