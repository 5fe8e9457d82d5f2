package dev.chunkvault.service.store;

import java.util.Objects;

/** One action of an all-or-nothing {@link ItemStore#transact transaction}. */
public sealed interface TxAction {
    String table();

    Condition condition();

    record Put(String table, Item item, Condition condition) implements TxAction {
        public Put {
            Objects.requireNonNull(table);
            Objects.requireNonNull(item);
            Objects.requireNonNull(condition);
        }
    }

    record UpdateItem(String table, Key key, Update update, Condition condition) implements TxAction {
        public UpdateItem {
            Objects.requireNonNull(table);
            Objects.requireNonNull(key);
            Objects.requireNonNull(update);
            Objects.requireNonNull(condition);
            if (update.isEmpty()) {
                throw new IllegalArgumentException("an update needs at least one action");
            }
        }
    }

    record Delete(String table, Key key, Condition condition) implements TxAction {
        public Delete {
            Objects.requireNonNull(table);
            Objects.requireNonNull(key);
            Objects.requireNonNull(condition);
        }
    }

    /** Checks a condition on an item without writing it. */
    record Check(String table, Key key, Condition condition) implements TxAction {
        public Check {
            Objects.requireNonNull(table);
            Objects.requireNonNull(key);
            Objects.requireNonNull(condition);
        }
    }

    static Put put(String table, Item item, Condition condition) {
        return new Put(table, item, condition);
    }

    static UpdateItem update(String table, Key key, Update update, Condition condition) {
        return new UpdateItem(table, key, update, condition);
    }

    static Delete delete(String table, Key key, Condition condition) {
        return new Delete(table, key, condition);
    }

    static Check check(String table, Key key, Condition condition) {
        return new Check(table, key, condition);
    }
}
