package dev.chunkvault.service.store;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * Changes to one item's attributes, applied atomically. Updating an absent item creates it from its key
 * (as DynamoDB's UpdateItem does), so guard with a {@link Condition} when that is not wanted.
 */
public final class Update {
    public sealed interface Action {
        String attribute();
    }

    public record Set(String attribute, Object value) implements Action {
        public Set {
            value = Item.checkValue(attribute, value);
        }
    }

    /** Sets the attribute only if it is absent. */
    public record SetIfAbsent(String attribute, Object value) implements Action {
        public SetIfAbsent {
            value = Item.checkValue(attribute, value);
        }
    }

    /** Adds {@code delta} to a number attribute, treating an absent one as 0. */
    public record Add(String attribute, long delta) implements Action {}

    public record Remove(String attribute) implements Action {}

    private final List<Action> actions;

    private Update(List<Action> actions) {
        this.actions = Collections.unmodifiableList(actions);
    }

    public static Update update() {
        return new Update(new ArrayList<>());
    }

    public List<Action> actions() {
        return actions;
    }

    public Update set(String attribute, Object value) {
        return with(new Set(attribute, value));
    }

    public Update setIfAbsent(String attribute, Object value) {
        return with(new SetIfAbsent(attribute, value));
    }

    public Update add(String attribute, long delta) {
        return with(new Add(attribute, delta));
    }

    public Update remove(String attribute) {
        return with(new Remove(attribute));
    }

    private Update with(Action action) {
        Objects.requireNonNull(action.attribute());
        for (Action a : actions) {
            if (a.attribute().equals(action.attribute())) {
                throw new IllegalArgumentException("attribute " + a.attribute() + " is updated twice");
            }
        }
        List<Action> next = new ArrayList<>(actions);
        next.add(action);
        return new Update(next);
    }

    public boolean isEmpty() {
        return actions.isEmpty();
    }

    /** Applies the actions to {@code current} (which already holds the key attributes). */
    public Item applyTo(Item current) {
        Item.Builder b = current.toBuilder();
        for (Action a : actions) {
            if (a instanceof Set s) {
                b.set(s.attribute(), s.value());
            } else if (a instanceof SetIfAbsent s) {
                if (!current.has(s.attribute())) {
                    b.set(s.attribute(), s.value());
                }
            } else if (a instanceof Add add) {
                Object v = current.get(add.attribute());
                if (v != null && !(v instanceof Long)) {
                    throw new IllegalArgumentException("ADD on non-number attribute " + add.attribute());
                }
                b.set(add.attribute(), (v == null ? 0L : (Long) v) + add.delta());
            } else {
                b.remove(a.attribute());
            }
        }
        return b.build();
    }

    @Override
    public String toString() {
        return actions.toString();
    }
}
