package dev.chunkvault.client;

import dev.chunkvault.core.delta.BlockSignature;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Block signatures of chunks this client has had in hand (uploaded, rebuilt by a delta, or pulled), kept so that
 * the next edit of such a chunk is encoded as a delta at once, without asking the service for the signature — a
 * round trip and about 2% of the chunk saved per edited chunk. A signature is a pure function of the chunk's bytes
 * ({@link BlockSignature#compute}, block size fixed by the length), so one computed here is exactly the one the
 * service would send; a wrong or stale entry can only cost a refused delta (the service verifies the rebuilt
 * chunk's SHA-256), never a wrong file.
 *
 * <p>Signatures are kept for files of at most {@link #MAX_FILE_BYTES}: computing one costs a pass over the chunk
 * (several hundred MB/s), negligible next to the transfer for files of that size; larger files ask the service for
 * the few signatures an edit needs, which is cheap relative to their size. Implementations are thread-safe.
 */
public interface SignatureCache {
    /** Files larger than this get no signatures computed locally. */
    long MAX_FILE_BYTES = 64L << 20;

    /** The encoded signature of {@code chunkId}, if kept. */
    Optional<byte[]> signature(String chunkId);

    void recordSignature(String chunkId, byte[] encoded);

    /** Computes and keeps the signature of a chunk held in {@code bytes}, when its file is small enough. */
    default void remember(String chunkId, byte[] bytes, long fileSize) {
        if (fileSize <= MAX_FILE_BYTES && bytes.length > 0) {
            recordSignature(chunkId, BlockSignature.compute(bytes).encode());
        }
    }

    SignatureCache NONE = new SignatureCache() {
        @Override
        public Optional<byte[]> signature(String chunkId) {
            return Optional.empty();
        }

        @Override
        public void recordSignature(String chunkId, byte[] encoded) {}

        @Override
        public void remember(String chunkId, byte[] bytes, long fileSize) {}
    };

    /** A cache in memory of at most {@code maxBytes} of signatures, least recently used dropped first. */
    static SignatureCache inMemory(long maxBytes) {
        return new SignatureCache() {
            private final LinkedHashMap<String, byte[]> map = new LinkedHashMap<>(64, 0.75f, true);
            private long bytes;

            @Override
            public synchronized Optional<byte[]> signature(String chunkId) {
                return Optional.ofNullable(map.get(chunkId));
            }

            @Override
            public synchronized void recordSignature(String chunkId, byte[] encoded) {
                byte[] old = map.put(chunkId, encoded);
                bytes += encoded.length - (old == null ? 0 : old.length);
                var it = map.entrySet().iterator();
                while (bytes > maxBytes && it.hasNext()) {
                    Map.Entry<String, byte[]> e = it.next();
                    bytes -= e.getValue().length;
                    it.remove();
                }
            }
        };
    }
}
