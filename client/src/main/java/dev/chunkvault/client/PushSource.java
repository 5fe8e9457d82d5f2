package dev.chunkvault.client;

import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * One local file whose chunks are being sent: where their bytes are re-read (by offset, from a channel the push
 * keeps open), whom its progress is told, where what was sent is counted, and which of its chunks went in packs still
 * to be sealed (by its commit's batch). The stages take a chunk together with its source, so a stage's batch can hold
 * chunks of several files.
 */
record PushSource(Path file, FileChannel channel, TransferListener listener, PushCounters counters, UnsealedChunks unsealed) {
    PushSource(Path file, FileChannel channel, TransferListener listener, PushCounters counters) {
        this(file, channel, listener, counters, new UnsealedChunks());
    }
}
