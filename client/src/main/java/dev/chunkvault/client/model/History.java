package dev.chunkvault.client.model;

import java.util.List;

/** Retained versions of a file, newest first; continue with {@code cursor} while it is present. */
public record History(String path, List<VersionInfo> versions, String cursor) {
    public History {
        versions = versions == null ? List.of() : List.copyOf(versions);
    }
}
