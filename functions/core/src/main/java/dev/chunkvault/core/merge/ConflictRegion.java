package dev.chunkvault.core.merge;

import java.util.Objects;

/**
 * A region both sides changed differently: the {@code ancestor} range, and what each side made of it
 * ({@code local} and {@code remote} are ranges of the local and remote manifests that replace it). An empty
 * ancestor range is a position where both sides inserted different chunks.
 */
public record ConflictRegion(Span ancestor, Span local, Span remote) {
    public ConflictRegion {
        Objects.requireNonNull(ancestor, "ancestor");
        Objects.requireNonNull(local, "local");
        Objects.requireNonNull(remote, "remote");
    }
}
