package dev.chunkvault.client.model;

import java.util.List;

/** One page of a folder listing; continue with {@code cursor} while it is present. */
public record Listing(List<FileEntry> files, List<String> folders, String cursor, String changeCursor) {
    public Listing {
        files = files == null ? List.of() : List.copyOf(files);
        folders = folders == null ? List.of() : List.copyOf(folders);
    }
}
