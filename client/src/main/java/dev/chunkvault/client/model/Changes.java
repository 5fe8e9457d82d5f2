package dev.chunkvault.client.model;

import java.util.List;

/** Files changed since a cursor, oldest first; poll again with {@code cursor}, at once while {@code more}. */
public record Changes(List<FileEntry> changes, String cursor, boolean more) {
    public Changes {
        changes = changes == null ? List.of() : List.copyOf(changes);
    }
}
