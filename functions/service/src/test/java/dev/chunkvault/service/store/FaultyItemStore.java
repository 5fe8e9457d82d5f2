package dev.chunkvault.service.store;

import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Injects the failures a real DynamoDB shows, at a given rate (kopia's faulty storage is the model): an error
 * before the call reaches the store, a success whose answer is lost (the write happened, the caller sees an
 * error), throttling, and transaction conflicts. Every failure is a {@link TransientStoreException}, as the
 * DynamoDB adapter reports them.
 */
public final class FaultyItemStore implements ItemStore {
    private final ItemStore inner;
    private final Random random;
    private final double rate;
    private final AtomicLong injected = new AtomicLong();
    private volatile boolean enabled = true;

    public FaultyItemStore(ItemStore inner, long seed, double rate) {
        this.inner = inner;
        this.random = new Random(seed);
        this.rate = rate;
    }

    public void enabled(boolean on) {
        this.enabled = on;
    }

    public long injected() {
        return injected.get();
    }

    private enum Fault { NONE, BEFORE, LOST, THROTTLE, CONFLICT }

    private synchronized Fault draw(boolean write, boolean transaction) {
        if (!enabled || random.nextDouble() >= rate) {
            return Fault.NONE;
        }
        injected.incrementAndGet();
        int n = random.nextInt(transaction ? 4 : write ? 3 : 2);
        return switch (n) {
            case 0 -> Fault.BEFORE;
            case 1 -> write ? Fault.LOST : Fault.THROTTLE;
            case 2 -> Fault.THROTTLE;
            default -> Fault.CONFLICT;
        };
    }

    private static TransientStoreException error(Fault f) {
        return switch (f) {
            case THROTTLE -> new TransientStoreException(TransientStoreException.Kind.THROTTLED, "injected throttle", null);
            case CONFLICT -> new TransientStoreException(TransientStoreException.Kind.CONFLICT, "injected conflict", null);
            default -> new TransientStoreException(TransientStoreException.Kind.UNAVAILABLE, "injected " + f, null);
        };
    }

    private <T> T read(java.util.function.Supplier<T> op) {
        Fault f = draw(false, false);
        if (f != Fault.NONE) {
            throw error(f);
        }
        return op.get();
    }

    private <T> T write(boolean transaction, java.util.function.Supplier<T> op) {
        Fault f = draw(true, transaction);
        if (f == Fault.NONE) {
            return op.get();
        }
        if (f == Fault.LOST) {
            try {
                op.get(); // it happened; the answer is lost
            } catch (ConditionFailedException | TransactionCancelledException refused) {
                // a refusal is an answer too, and it is lost as well
            }
        }
        throw error(f);
    }

    @Override
    public Optional<Item> get(String table, Key key) {
        return read(() -> inner.get(table, key));
    }

    @Override
    public List<Item> batchGet(String table, List<Key> keys) {
        return read(() -> inner.batchGet(table, keys));
    }

    @Override
    public void put(String table, Item item, Condition condition) {
        write(false, () -> {
            inner.put(table, item, condition);
            return null;
        });
    }

    @Override
    public Item update(String table, Key key, Update update, Condition condition) {
        return write(false, () -> inner.update(table, key, update, condition));
    }

    @Override
    public void delete(String table, Key key, Condition condition) {
        write(false, () -> {
            inner.delete(table, key, condition);
            return null;
        });
    }

    @Override
    public void transact(List<TxAction> actions) {
        write(true, () -> {
            inner.transact(actions);
            return null;
        });
    }

    @Override
    public Page<Item> query(Query query) {
        return read(() -> inner.query(query));
    }

    @Override
    public Page<Item> scan(String table, Cursor after, int limit) {
        return read(() -> inner.scan(table, after, limit));
    }
}
