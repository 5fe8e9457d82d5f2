package dev.chunkvault.client.sync;

import dev.chunkvault.client.ChunkIndex;
import dev.chunkvault.core.manifest.Manifest;
import java.nio.file.Path;

/** Exposes the engine's per-file chunk index to tests in other packages. */
public final class SyncIndexHelper {
    private SyncIndexHelper() {}

    public static ChunkIndex of(Path file, Manifest m) {
        return ConflictResolver.indexOf(file, m);
    }
}
