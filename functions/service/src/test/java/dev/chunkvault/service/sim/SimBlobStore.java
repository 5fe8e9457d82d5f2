package dev.chunkvault.service.sim;

import dev.chunkvault.service.blob.BlobInfo;
import dev.chunkvault.service.blob.BlobPage;
import dev.chunkvault.service.blob.BlobStore;
import java.util.Map;
import java.util.Optional;

/** A {@link BlobStore} whose every call is a scheduling point of a {@link Sim}. */
public final class SimBlobStore implements BlobStore {
    private final BlobStore inner;
    private final Sim sim;

    public SimBlobStore(BlobStore inner, Sim sim) {
        this.inner = inner;
        this.sim = sim;
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
        sim.yieldPoint();
        inner.delete(key, versionId);
    }

    @Override
    public BlobPage list(String prefix, String startAfter, int limit) {
        sim.yieldPoint();
        return inner.list(prefix, startAfter, limit);
    }
}
