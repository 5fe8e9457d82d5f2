package dev.chunkvault.client;

/**
 * Progress of one file transfer, for progress bars. Called from transfer threads: implementations must be
 * thread-safe and quick.
 */
public interface TransferListener {
    /** The transfer starts: {@code totalBytes} to read, hash or move in phase {@code phase}. */
    default void start(String phase, String name, long totalBytes) {}

    /** {@code bytes} more are done. */
    default void advance(long bytes) {}

    /** The phase ended. */
    default void finish() {}

    TransferListener NONE = new TransferListener() {};
}
