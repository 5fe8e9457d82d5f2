package dev.chunkvault.service.vault;

import static dev.chunkvault.service.store.Condition.and;
import static dev.chunkvault.service.store.Condition.eq;
import static dev.chunkvault.service.store.Condition.exists;
import static dev.chunkvault.service.store.Condition.ne;
import static dev.chunkvault.service.store.Condition.notExists;

import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.service.blob.BlobInfo;
import dev.chunkvault.service.error.ServiceException;
import dev.chunkvault.service.store.Condition;
import dev.chunkvault.service.store.ConditionFailedException;
import dev.chunkvault.service.store.ItemStore;
import dev.chunkvault.service.store.Update;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;

/**
 * Damaged chunk objects: an object that is missing, or whose bytes do not hash to its chunk id, although a chunk row
 * says it is stored. Whoever finds one (a service read of its bytes, the audit's content check) sets the row's
 * {@code damagedAt}: the chunk is then quarantined — never used as a delta base, and a grant asks for a fresh upload
 * of it even from an owner who holds it, so any client that has the bytes heals it. The mark is lifted only once the
 * object is seen to be right again (by its S3 checksum at a grant, or its bytes at an audit). Nothing is deleted and no
 * count changes: a damaged chunk stays referenced by every version that needs it.
 */
final class Quarantine {
    static final String DAMAGED_CODE = "CHUNK_DAMAGED";

    private final ItemStore store;
    private final Clock clock;
    private final Retry retry;

    Quarantine(ItemStore store, Clock clock, Retry retry) {
        this.store = store;
        this.clock = clock;
        this.retry = retry;
    }

    /**
     * Sets the row's mark (once; a row being collected or gone is left alone), if the row still locates the chunk where
     * its bytes were found wrong: {@code pack} and {@code offset}, or its own object when {@code pack} is null (a chunk
     * moved by a repack meanwhile is not quarantined for its old location).
     */
    void markDamaged(ChunkId id, String pack, long offset) {
        Condition at = pack == null ? notExists(ChunkRow.PACK) : and(eq(ChunkRow.PACK, pack), eq(ChunkRow.PACK_OFFSET, offset));
        try {
            retry.run(() -> store.update(Tables.CHUNKS, ChunkRow.key(id), Update.update().set(ChunkRow.DAMAGED_AT,
                    clock.millis()), and(exists(ChunkRow.ID), ne(ChunkRow.STATE, ChunkRow.State.DELETING.name()), at)));
        } catch (ConditionFailedException goneOrCollected) {
            // nothing to quarantine
        }
    }

    /** Lifts the mark set at {@code damagedAt} (a later mark, from a newer finding, stays). */
    boolean clear(ChunkId id, long damagedAt) {
        try {
            retry.run(() -> store.update(Tables.CHUNKS, ChunkRow.key(id), Update.update().remove(ChunkRow.DAMAGED_AT),
                    eq(ChunkRow.DAMAGED_AT, damagedAt)));
            return true;
        } catch (ConditionFailedException changed) {
            return false;
        }
    }

    /**
     * Whether the object, as HEAD describes it, is the chunk: its size, and the SHA-256 that S3 computed of its body
     * when it was written (every presigned PUT signs it, and S3 checks the body against it).
     */
    static boolean intact(ChunkId id, long size, Optional<BlobInfo> head) {
        return head.isPresent() && (size < 0 || head.get().size() == size) && id.base64().equals(head.get().sha256Base64());
    }

    /** The answer to a request that needed a damaged chunk's bytes. */
    static ServiceException damaged(ChunkId id) {
        return ServiceException.unprocessable(DAMAGED_CODE, "The stored copy of a chunk is damaged and was set aside;"
                + " it heals when a device that has it uploads it again (a new upload grant asks for it).",
                Map.of("chunk", id.hex()));
    }
}
