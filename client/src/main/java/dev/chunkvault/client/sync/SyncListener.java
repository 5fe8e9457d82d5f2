package dev.chunkvault.client.sync;

import dev.chunkvault.client.TransferListener;

/** Hears what a sync does, for progress output. */
public interface SyncListener {
    /** Something happened to {@code path}: {@code kind} is e.g. "push", "pull", "conflict", "warning". */
    default void event(String kind, String path, String detail) {}

    /** The transfers are about to start: {@code files} files of {@code bytes} bytes in all. */
    default void plan(int files, long bytes) {}

    /** A progress listener for one file's transfer. */
    default TransferListener transfer(String path) {
        return TransferListener.NONE;
    }

    SyncListener NONE = new SyncListener() {};
}
