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

/**
 * An {@link ItemStore} whose every call is a scheduling point of a {@link Sim}. A transaction is sent when it is
 * called and lands at the scheduling point: if the test clock moved on by more than a call's timeout in between
 * (other actors advanced time), it timed out and did nothing, as the SDK's call timeout would have cut it off — no
 * real call lands hours after it was sent, and the protocols' time margins (change keys, leases) rely on that.
 */
public final class SimItemStore implements ItemStore {
    private final ItemStore inner;
    private final Sim sim;
    private final java.time.Clock clock;
    private final java.time.Duration callTimeout;

    public SimItemStore(ItemStore inner, Sim sim, java.time.Clock clock, java.time.Duration callTimeout) {
        this.inner = inner;
        this.sim = sim;
        this.clock = clock;
        this.callTimeout = callTimeout;
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
        long sent = clock.millis();
        sim.yieldPoint();
        if (clock.millis() - sent > callTimeout.toMillis()) {
            throw new dev.chunkvault.service.store.TransientStoreException(
                    dev.chunkvault.service.store.TransientStoreException.Kind.UNAVAILABLE, "transaction timed out", null);
        }
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
