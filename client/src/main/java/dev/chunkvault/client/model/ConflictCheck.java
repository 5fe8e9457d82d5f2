package dev.chunkvault.client.model;

import dev.chunkvault.core.manifest.Manifest;
import java.util.List;

/** The verdict of {@code POST /v1/conflict-check}. */
public record ConflictCheck(String outcome, String direction, VersionInfo ancestor, VersionInfo head,
                            boolean mergeable, Manifest mergedManifest, String conflictedCopyName,
                            List<Region> regions, List<Collision> collisions) {
    public ConflictCheck {
        regions = regions == null ? List.of() : List.copyOf(regions);
        collisions = collisions == null ? List.of() : List.copyOf(collisions);
    }

    public static final String NO_CHANGE = "NO_CHANGE";
    public static final String FAST_FORWARD = "FAST_FORWARD";
    public static final String IDENTICAL_CONTENT = "IDENTICAL_CONTENT";
    public static final String MODIFY_MODIFY = "MODIFY_MODIFY";
    public static final String MODIFY_DELETE = "MODIFY_DELETE";
    public static final String DELETE_MODIFY = "DELETE_MODIFY";
    public static final String DELETE_DELETE = "DELETE_DELETE";

    /** A byte range of the ancestor that both sides changed. */
    public record Region(long ancestorByteStart, long ancestorByteEnd) {}

    /** Another file whose name collides with this one by case or Unicode normalisation. */
    public record Collision(String kind, String existingPath) {}
}
