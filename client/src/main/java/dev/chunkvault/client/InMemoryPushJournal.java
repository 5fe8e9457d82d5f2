package dev.chunkvault.client;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** A {@link PushJournal} in memory: resumes within a process, not across a crash. */
final class InMemoryPushJournal implements PushJournal {
    private final Map<String, Instant> uploaded = new ConcurrentHashMap<>();
    private final Map<String, String[]> keys = new ConcurrentHashMap<>();
    private final SignatureCache signatures = SignatureCache.inMemory(64L << 20);

    @Override
    public Optional<byte[]> signature(String chunkId) {
        return signatures.signature(chunkId);
    }

    @Override
    public void recordSignature(String chunkId, byte[] encoded) {
        signatures.recordSignature(chunkId, encoded);
    }

    @Override
    public Optional<Instant> uploadedAt(String chunkId) {
        return Optional.ofNullable(uploaded.get(chunkId));
    }

    @Override
    public void recordUploaded(String chunkId, int size, Instant at) {
        uploaded.put(chunkId, at);
    }

    @Override
    public void forgetUploaded(String chunkId) {
        uploaded.remove(chunkId);
    }

    @Override
    public Optional<String> commitKey(String pathKey, String parent, String manifestHash) {
        String[] k = keys.get(pathKey);
        return k != null && java.util.Objects.equals(k[0], parent) && k[1].equals(manifestHash)
                ? Optional.of(k[2]) : Optional.empty();
    }

    @Override
    public void recordCommitKey(String pathKey, String parent, String manifestHash, String key) {
        keys.put(pathKey, new String[] {parent, manifestHash, key});
    }

    @Override
    public void clearCommitKey(String pathKey) {
        keys.remove(pathKey);
    }
}
