package dev.chunkvault.service.store;

import java.util.List;
import java.util.Optional;

/**
 * A transaction was cancelled and wrote nothing, because at least one action's condition was false.
 * {@link #reasons()} has one entry per action, in order.
 */
public final class TransactionCancelledException extends StoreException {
    /** Why one action did not apply. {@code current} is the item as it is, for failed conditions. */
    public record Reason(Code code, Item current) {
        public Optional<Item> currentItem() {
            return Optional.ofNullable(current);
        }

        public boolean conditionFailed() {
            return code == Code.CONDITION_FAILED;
        }
    }

    public enum Code { NONE, CONDITION_FAILED }

    private final transient List<Reason> reasons;

    public TransactionCancelledException(List<Reason> reasons) {
        super("transaction cancelled: " + reasons.stream().map(r -> r.code().name()).toList());
        this.reasons = List.copyOf(reasons);
    }

    public List<Reason> reasons() {
        return reasons;
    }

    public boolean conditionFailed(int actionIndex) {
        return reasons.get(actionIndex).conditionFailed();
    }
}
