package dev.chunkvault.service.store;

import java.util.List;
import java.util.Objects;

/**
 * A condition on the current state of one item (absent items have no attributes), evaluated atomically
 * with the write it guards. Comparisons between values of different types are false, as in DynamoDB;
 * a comparison on a missing attribute is false.
 */
public sealed interface Condition {
    /** Always true: an unconditional write. */
    Condition ALWAYS = new And(List.of());

    record Exists(String attribute) implements Condition {}

    record NotExists(String attribute) implements Condition {}

    /** {@code attribute op value}. */
    record Compare(String attribute, Op op, Object value) implements Condition {
        public Compare {
            Objects.requireNonNull(attribute);
            Objects.requireNonNull(op);
            value = Item.checkValue(attribute, value);
        }
    }

    record In(String attribute, List<Object> values) implements Condition {
        public In {
            if (values.isEmpty() || values.size() > 100) {
                throw new IllegalArgumentException("IN takes 1..100 values");
            }
            values = values.stream().map(v -> Item.checkValue(attribute, v)).toList();
        }
    }

    record BeginsWith(String attribute, String prefix) implements Condition {}

    record And(List<Condition> parts) implements Condition {
        public And {
            parts = List.copyOf(parts);
        }
    }

    record Or(List<Condition> parts) implements Condition {
        public Or {
            if (parts.isEmpty()) {
                throw new IllegalArgumentException("OR needs at least one part");
            }
            parts = List.copyOf(parts);
        }
    }

    record Not(Condition part) implements Condition {}

    enum Op { EQ, NE, LT, LE, GT, GE }

    static Condition exists(String attribute) {
        return new Exists(attribute);
    }

    static Condition notExists(String attribute) {
        return new NotExists(attribute);
    }

    static Condition eq(String attribute, Object value) {
        return new Compare(attribute, Op.EQ, value);
    }

    static Condition ne(String attribute, Object value) {
        return new Compare(attribute, Op.NE, value);
    }

    static Condition lt(String attribute, Object value) {
        return new Compare(attribute, Op.LT, value);
    }

    static Condition le(String attribute, Object value) {
        return new Compare(attribute, Op.LE, value);
    }

    static Condition gt(String attribute, Object value) {
        return new Compare(attribute, Op.GT, value);
    }

    static Condition ge(String attribute, Object value) {
        return new Compare(attribute, Op.GE, value);
    }

    static Condition in(String attribute, Object... values) {
        return new In(attribute, List.of(values));
    }

    static Condition and(Condition... parts) {
        return new And(List.of(parts));
    }

    static Condition or(Condition... parts) {
        return new Or(List.of(parts));
    }

    static Condition not(Condition part) {
        return new Not(part);
    }

    /** True when the attribute is missing or less than {@code value}: "never, or before". */
    static Condition missingOrLt(String attribute, Object value) {
        return or(notExists(attribute), lt(attribute, value));
    }
}
