package dev.chunkvault.client;

import dev.chunkvault.client.model.PackSealed;
import java.util.Collection;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A pack that has been declared and uploaded and is still to be sealed (docs/storage-model.md, "Packs"): the
 * {@link Packer} leaves its seal to the commit batch that first uses one of its chunks ({@link CommitBatcher}: the
 * batch names it in {@code seal} and the service seals it before it looks at the commits), which saves a request per
 * pack. Whoever sends a commit that needs it and cannot carry it in a batch (a commit sent alone, more packs than one
 * batch may seal, a service older than this client) seals it by its own request first ({@link #sealAlone}).
 *
 * <p>The seal's answer — the pack's chunks placed, some to send alone or to ask for later, or the pack refused — is
 * kept here: a push whose commit then misses one of these chunks looks it up ({@link ChunkUploader#resend}). A batch
 * claims the packs it carries ({@link #claim}); another batch whose commits need one waits for that one's answer
 * before it claims any, rather than have the service read and hash the pack twice (which would be harmless: a
 * retried seal answers the same, so a pack claimed meanwhile is carried by both).
 */
public final class PackSeal {
    private final ChunkvaultClient client;
    private final String packId;
    private final long size;
    private final long plainSize;
    private final CompletableFuture<PackSealed> answer = new CompletableFuture<>();
    /** The batch being sent that carries this pack now, or null (guarded by this). */
    private Object carrier;

    PackSeal(ChunkvaultClient client, String packId, long size) {
        this(client, packId, size, size);
    }

    PackSeal(ChunkvaultClient client, String packId, long size, long plainSize) {
        this.client = client;
        this.packId = packId;
        this.size = size;
        this.plainSize = plainSize;
    }

    public String packId() {
        return packId;
    }

    /** The pack's declared size: what the service reads to seal it. */
    public long size() {
        return size;
    }

    /** The plain bytes its chunks declare together: what the service decodes and hashes to seal it. */
    public long plainSize() {
        return plainSize;
    }

    /** Whether the service has answered a seal of this pack (sealed or refused). */
    public boolean answered() {
        return answer.isDone();
    }

    /** Records the service's answer (the first one counts: a second seal answers the same). */
    synchronized void sealed(PackSealed s) {
        answer.complete(s);
        notifyAll();
    }

    /** Records the service's refusal of this pack (damaged, collected before its seal...). */
    synchronized void refused(ApiException e) {
        answer.completeExceptionally(e);
        notifyAll();
    }

    /**
     * Claims the pack for {@code batch}, about to carry it; false if it is answered already or another batch carries it
     * now (this one may carry it too: a second seal answers the same). Release it with {@link #release}.
     */
    synchronized boolean claim(Object batch) {
        if (carrier != null || answered()) {
            return false;
        }
        carrier = batch;
        return true;
    }

    /** {@code batch} has been answered, or failed (then the pack may be carried again). */
    synchronized void release(Object batch) {
        if (carrier == batch) {
            carrier = null;
            notifyAll();
        }
    }

    /**
     * Waits while a batch carries the pack: its answer answers the seal. Only a caller that carries no pack itself may
     * wait (two batches each waiting for the other's pack would wait forever).
     */
    synchronized void awaitCarrier() {
        try {
            while (carrier != null && !answered()) {
                wait();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChunkvaultException("Interrupted.", e);
        }
    }

    /** The seal's answer once there is one: the sealed pack, or empty if it was refused ({@link #refusal}). */
    Optional<PackSealed> result() {
        return answered() && !answer.isCompletedExceptionally() ? Optional.of(answer.join()) : Optional.empty();
    }

    /** Whether the seal answered that {@code chunkId} is to be sent alone (its verified bytes are stored elsewhere). */
    boolean asksAlone(String chunkId) {
        return result().map(s -> s.uploads().stream().anyMatch(u -> u.id().equals(chunkId))).orElse(false);
    }

    /** Whether the seal answered that some of the pack's chunks are to be sent alone. */
    boolean asksAnyAlone() {
        return result().map(s -> !s.uploads().isEmpty()).orElse(false);
    }

    /** Why the service refused the pack, once it did. */
    Optional<ApiException> refusal() {
        if (!answer.isCompletedExceptionally()) {
            return Optional.empty();
        }
        return Optional.of((ApiException) answer.handle((s, e) -> e instanceof java.util.concurrent.CompletionException c
                ? c.getCause() : e).join());
    }

    /**
     * Seals the pack by {@code POST /v1/packs/seal} unless it was answered already. A refusal of the pack is recorded,
     * not thrown (the commit that needs it then misses its chunks, and the push looks here); a failure of the request
     * itself is thrown.
     */
    synchronized void sealAlone() { // two pushes sharing the pack: the second waits for the first one's answer
        awaitCarrier();
        sealNow();
    }

    /** As {@link #sealAlone}, without waiting for a batch that carries the pack (for a batch that carries others). */
    synchronized void sealNow() {
        if (answered()) {
            return;
        }
        try {
            sealed(client.sealPack(packId));
        } catch (ApiException e) {
            if (e.status() >= 500 || e.status() == 429 || e.status() == 401) {
                throw e;
            }
            refused(e);
        }
    }

    /** Seals each of {@code seals} not yet answered by its own request (by a caller that carries no pack). */
    static void sealEachAlone(Collection<PackSeal> seals) {
        seals.forEach(PackSeal::sealAlone);
    }
}
