package dev.chunkvault.client;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The chunks of one file's push that went up in packs still to be sealed ({@link PackSeal}), by chunk id: its commit
 * carries those packs, and a commit that then misses one of these chunks finds here what the seal answered for it.
 * Thread-safe: a large file's pack slices go side by side.
 */
final class UnsealedChunks {
    private final Map<String, PackSeal> byChunk = new ConcurrentHashMap<>();

    void add(String chunkId, PackSeal seal) {
        byChunk.put(chunkId, seal);
    }

    /** The pack {@code chunkId} went in, if it went in one still to be sealed by this push's commit. */
    Optional<PackSeal> of(String chunkId) {
        return Optional.ofNullable(byChunk.get(chunkId));
    }

    /** The chunk is being sent again: its old pack is no longer this push's business. */
    void forget(String chunkId) {
        byChunk.remove(chunkId);
    }

    /**
     * The packs this push's commit should carry, each once: those whose seal the service has not answered yet, and
     * those whose seal asked for one of these chunks alone (stored already by another owner) — sealed again in the
     * commit's batch, the pack proves the chunk to that batch's commits (a seal of a sealed pack reads no object).
     */
    List<PackSeal> toCarry() {
        Set<PackSeal> seen = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        List<PackSeal> out = new ArrayList<>();
        byChunk.forEach((id, s) -> {
            if ((!s.answered() || s.asksAlone(id)) && seen.add(s)) {
                out.add(s);
            }
        });
        return out;
    }
}
