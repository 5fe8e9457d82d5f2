package dev.chunkvault.service.sim;

import dev.chunkvault.service.blob.BlobInfo;
import dev.chunkvault.service.blob.BlobPage;
import dev.chunkvault.service.blob.BlobStore;
import java.util.Map;
import java.util.Optional;

/**
 * A {@link BlobStore} whose every call is a scheduling point of a {@link Sim}. A delete is sent when it is called
 * and lands at the scheduling point: if the test clock moved on by more than a call's timeout in between (other
 * actors advanced time), it timed out instead and did nothing, as the SDK's call timeout would have cut it off. Without
 * that, the simulation would let a delete decided under a valid GC lease land hours later, which no real call can.
 */
public final class SimBlobStore implements BlobStore {
    private final BlobStore inner;
    private final Sim sim;
    private final java.time.Clock clock;
    private final java.time.Duration callTimeout;

    public SimBlobStore(BlobStore inner, Sim sim, java.time.Clock clock, java.time.Duration callTimeout) {
        this.inner = inner;
        this.sim = sim;
        this.clock = clock;
        this.callTimeout = callTimeout;
    }

    @Override
    public Optional<BlobInfo> head(String key) {
        sim.yieldPoint();
        return inner.head(key);
    }

    @Override
    public Optional<byte[]> get(String key) {
        sim.yieldPoint();
        return inner.get(key);
    }

    @Override
    public void put(String key, byte[] bytes, Map<String, String> metadata) {
        sim.yieldPoint();
        inner.put(key, bytes, metadata);
    }

    @Override
    public void delete(String key, String versionId) {
        long sent = clock.millis();
        sim.yieldPoint();
        if (clock.millis() - sent > callTimeout.toMillis()) {
            throw new dev.chunkvault.service.blob.BlobStoreException("delete of " + key + " timed out", null);
        }
        inner.delete(key, versionId);
    }

    @Override
    public BlobPage list(String prefix, String startAfter, int limit) {
        sim.yieldPoint();
        return inner.list(prefix, startAfter, limit);
    }
}
