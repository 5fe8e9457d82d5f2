package dev.chunkvault.client;

import dev.chunkvault.core.compress.ChunkCodec;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Loads the chunk codec (zstd-jni's native library and its round-trip check: about 35 ms in a fresh JVM) on a daemon
 * thread of its own, once per process, as a file starts to be chunked. Otherwise the first chunk to compress, or the
 * first large chunk's probe, pays for it on the path of the upload (a 1 GiB push waits for it between its first grant
 * and its first PUT). Nothing here refers to {@link ChunkCodec} outside the new thread, so the class is initialised
 * there; a caller that needs the codec meanwhile waits for that initialisation, as the JVM guarantees.
 */
final class CodecWarmUp {
    private static final AtomicBoolean STARTED = new AtomicBoolean();

    private CodecWarmUp() {}

    /** Starts the warm-up unless it has started already in this process. */
    static void start() {
        if (STARTED.compareAndSet(false, true)) {
            Thread t = new Thread(ChunkCodec::nativeZstd, "chunk-codec-warm-up");
            t.setDaemon(true);
            t.start();
        }
    }
}
