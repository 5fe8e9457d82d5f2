package dev.chunkvault.core.merge;

/**
 * One change of a diff from a sequence {@code from} to a sequence {@code to}: the entries
 * {@code from[start, end)} are replaced by {@code to[toStart, toEnd)}. An insertion has {@code start == end}, a
 * deletion {@code toStart == toEnd}; never both. Hunks of one diff are in order and never touch: between two of
 * them at least one entry is common to both sequences.
 */
public record Hunk(int start, int end, int toStart, int toEnd) {
    public Hunk {
        if (start < 0 || end < start || toStart < 0 || toEnd < toStart) {
            throw new IllegalArgumentException("a hunk has ordered, non-negative bounds");
        }
        if (start == end && toStart == toEnd) {
            throw new IllegalArgumentException("an empty hunk changes nothing");
        }
    }

    /** Whether this hunk only inserts (replaces no entry of {@code from}). */
    public boolean isInsertion() {
        return start == end;
    }

    /** Entries of {@code to} minus entries of {@code from}: how much this hunk grows the sequence. */
    int growth() {
        return (toEnd - toStart) - (end - start);
    }
}
