package dev.chunkvault.service.sim;

import dev.chunkvault.service.store.Condition;
import dev.chunkvault.service.store.Cursor;
import dev.chunkvault.service.store.Item;
import dev.chunkvault.service.store.ItemStore;
import dev.chunkvault.service.store.Key;
import dev.chunkvault.service.store.Page;
import dev.chunkvault.service.store.Query;
import dev.chunkvault.service.store.TxAction;
import dev.chunkvault.service.store.Update;
import java.util.List;
import java.util.Optional;

/** An {@link ItemStore} whose every call is a scheduling point of a {@link Sim}. */
public final class SimItemStore implements ItemStore {
    private final ItemStore inner;
    private final Sim sim;

    public SimItemStore(ItemStore inner, Sim sim) {
        this.inner = inner;
        this.sim = sim;
    }

    @Override
    public Optional<Item> get(String table, Key key) {
        sim.yieldPoint();
        return inner.get(table, key);
    }

    @Override
    public List<Item> batchGet(String table, List<Key> keys) {
        sim.yieldPoint();
        return inner.batchGet(table, keys);
    }

    @Override
    public void put(String table, Item item, Condition condition) {
        sim.yieldPoint();
        inner.put(table, item, condition);
    }

    @Override
    public Item update(String table, Key key, Update update, Condition condition) {
        sim.yieldPoint();
        return inner.update(table, key, update, condition);
    }

    @Override
    public void delete(String table, Key key, Condition condition) {
        sim.yieldPoint();
        inner.delete(table, key, condition);
    }

    @Override
    public void transact(List<TxAction> actions) {
        sim.yieldPoint();
        inner.transact(actions);
    }

    @Override
    public Page<Item> query(Query query) {
        sim.yieldPoint();
        return inner.query(query);
    }

    @Override
    public Page<Item> scan(String table, Cursor after, int limit) {
        sim.yieldPoint();
        return inner.scan(table, after, limit);
    }
}
