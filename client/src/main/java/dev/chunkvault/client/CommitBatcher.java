package dev.chunkvault.client;

import dev.chunkvault.client.model.CommitResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Group commit for a sync's small files: commits that several transfer threads reach at about the same time go to
 * the service in one {@code POST /v1/commit-batch} instead of one request each — a request's head (the bearer token
 * alone is about 0.9 KB) is most of what a small file's commit costs on the wire.
 *
 * <p>A thread calling {@link #commit} waits until its commit is sent: at once when every thread of the sync that is
 * still working is waiting here too (nothing more can join), when half of them are (the other half make the next
 * batch while this one is committed) or the batch is full, else once the batch's oldest commit has waited
 * {@code maxGather} (at least {@code linger}) and no other batch is being sent. The threads that are not committing
 * may be held elsewhere (a slow upstream stage, such as shared delta requests, answers its callers in groups): their
 * commits then arrive in waves smaller than half the threads, and a batch that went after one {@code linger} carried
 * one wave. Each caller gets
 * exactly what {@link ChunkvaultClient#commit} would have given it (its result, or
 * the {@link StaleParentException} / {@link ApiException} for its own commit); a failure of the batch request
 * itself is thrown to each of its callers. Large commits (many manifest entries) and a batch of one go alone, by
 * the plain route; a service without the batch route (404) is sent single commits from then on.
 *
 * <p>A commit may come with packs still to be sealed ({@link PackSeal}): the batch carries them ({@code seal}), up to
 * what one batch may seal, and the service seals them before it looks at the commits; each pack's answer is recorded
 * in its {@link PackSeal} for the pushes that need it. The rest, and the packs of a commit that goes alone, are sealed
 * by their own request first.
 *
 * <p>Threads register with {@link #enter} and {@link #leave} around their work so the batcher knows how many may
 * still come.
 *
 * <p>One owner: the sync ({@code SyncEngine}) that runs the transfer threads. It makes the batcher, registers each of
 * its transfer threads, and hands the batcher to its pushes only as their {@link Committer}; a push never makes one,
 * never registers, and cannot tell a batcher from {@link ChunkvaultClient#commit}. A batcher is not shared between
 * syncs: its count of registered threads is what lets a commit go without waiting out {@link #linger}.
 */
public final class CommitBatcher implements Committer {
    /**
     * Batches sent at once before one that only lingered waits for it (gathering the commits that arrive meanwhile, as
     * a database groups commits); a batch of half the threads, a full one, or one that every working thread waits in
     * goes whatever is in flight.
     */
    static final int LINGERED_IN_FLIGHT = 1;
    /** Manifest entries above which a commit goes alone (the service allows 2,000 per batch). */
    static final int MAX_ENTRIES_BATCHED = 500;
    static final int MAX_BATCH_ENTRIES = 2_000;

    private final ChunkvaultClient client;
    private final int maxBatch;
    private final Duration linger;
    /** How long a batch that is not full, nor half the threads, may gather commits (from its oldest one's arrival). */
    private final Duration maxGather;
    private final List<Pending> pending = new ArrayList<>();
    /** Batches being sent now. */
    private int inFlight;
    private int active;
    private int waiting;
    private volatile boolean unsupported;
    private int batchesSent;
    private int commitsBatched;

    private record Pending(ChunkvaultClient.Commit commit, Collection<PackSeal> seals, CompletableFuture<CommitResult> done,
                           long since) {}

    /** A batcher whose batches that are not full, nor half the threads, go after one {@code linger}. */
    public CommitBatcher(ChunkvaultClient client, int maxBatch, Duration linger) {
        this(client, maxBatch, linger, linger);
    }

    /**
     * @param linger    how often a waiting commit looks whether its batch may go
     * @param maxGather how long a batch that is not full, nor half the threads, gathers commits before it goes (counted
     *                  from its oldest commit, at least {@code linger}): the bound on a lone commit's wait, beyond the
     *                  time another batch takes to be sent
     */
    public CommitBatcher(ChunkvaultClient client, int maxBatch, Duration linger, Duration maxGather) {
        this.client = Objects.requireNonNull(client, "client");
        if (maxBatch < 1 || maxBatch > ChunkvaultClient.MAX_BATCH_COMMITS) {
            throw new IllegalArgumentException("maxBatch must be 1.." + ChunkvaultClient.MAX_BATCH_COMMITS);
        }
        this.maxBatch = maxBatch;
        this.linger = Objects.requireNonNull(linger, "linger");
        this.maxGather = Objects.requireNonNull(maxGather, "maxGather");
        if (maxGather.compareTo(linger) < 0) {
            throw new IllegalArgumentException("maxGather must be at least linger");
        }
    }

    /** A thread that may commit starts working. */
    public synchronized void enter() {
        active++;
    }

    /** A thread is done: if every thread left is waiting, their batch goes now. */
    public void leave() {
        List<Pending> batch;
        synchronized (this) {
            active--;
            batch = waiting > 0 && waiting >= active ? takeAll() : null;
        }
        send(batch);
    }

    /** Commits waiting for their batch to be sent (for tests). */
    synchronized int unsent() {
        return pending.size();
    }

    /** Batches sent and the commits they carried (for reports and tests). */
    public synchronized int[] stats() {
        return new int[] {batchesSent, commitsBatched};
    }

    @Override
    public CommitResult commit(ChunkvaultClient.Commit c) {
        return commit(c, List.of());
    }

    /**
     * As {@link #commit(ChunkvaultClient.Commit)}; the packs in {@code seals} still to be sealed travel in the batch
     * ({@code seal}: the service seals them before it looks at the batch's commits), up to what one batch may seal —
     * the others, and those of a commit sent alone, are sealed by their own request first.
     */
    @Override
    public CommitResult commit(ChunkvaultClient.Commit c, Collection<PackSeal> seals) {
        if (unsupported || entries(c) > MAX_ENTRIES_BATCHED) {
            PackSeal.sealEachAlone(seals);
            return client.commit(c);
        }
        Pending mine = new Pending(c, List.copyOf(seals), new CompletableFuture<>(), System.nanoTime());
        List<Pending> batch = null;
        synchronized (this) {
            pending.add(mine);
            waiting++;
            if (pending.size() >= maxBatch || waiting >= active || pending.size() >= cohort()
                    || pendingEntries() >= MAX_BATCH_ENTRIES - MAX_ENTRIES_BATCHED) {
                batch = takeAll();
            }
        }
        send(batch);
        try {
            return await(mine);
        } finally {
            synchronized (this) {
                waiting--;
            }
        }
    }

    private CommitResult await(Pending mine) {
        try {
            boolean taken = false; // once its batch is taken, only the answer is waited for (send answers every commit)
            while (true) {
                try {
                    return taken ? mine.done().get() : mine.done().get(linger.toMillis(), TimeUnit.MILLISECONDS);
                } catch (TimeoutException lingered) {
                    // Lingered: once the batch's oldest commit has gathered for maxGather, the first of its callers to
                    // notice sends it, unless a batch is being sent (then the commits arriving meanwhile join it, and it
                    // is looked at again after another linger).
                    List<Pending> batch;
                    synchronized (this) {
                        taken = !pending.contains(mine);
                        batch = inFlight < LINGERED_IN_FLIGHT && !taken && gathered() ? takeAll() : null;
                    }
                    send(batch);
                }
            }
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new ChunkvaultException("Commit failed.", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChunkvaultException("Interrupted.", e);
        }
    }

    /**
     * A batch goes once half the registered threads wait in it: the other half go on uploading meanwhile and make the
     * next batch, so a sync's uploads and commits overlap instead of every thread stopping for each batch's answer.
     */
    private int cohort() {
        return Math.max(2, (active + 1) / 2);
    }

    /** Whether the oldest commit waiting for a batch has waited {@link #maxGather}. */
    private boolean gathered() {
        return !pending.isEmpty() && System.nanoTime() - pending.get(0).since() >= maxGather.toNanos();
    }

    private List<Pending> takeAll() {
        if (pending.isEmpty()) {
            return null;
        }
        List<Pending> batch = new ArrayList<>(pending);
        pending.clear();
        inFlight++;
        return batch;
    }

    private int pendingEntries() {
        return pending.stream().mapToInt(p -> entries(p.commit())).sum();
    }

    /** Sends a batch (on the calling thread) and completes each of its commits. */
    private void send(List<Pending> batch) {
        if (batch == null || batch.isEmpty()) {
            return;
        }
        try {
            sendNow(batch);
        } finally {
            // Every commit taken is answered (its callers wait for nothing else): one that is not, after a failure
            // sendNow did not expect, hears of it.
            for (Pending p : batch) {
                if (!p.done().isDone()) {
                    p.done().completeExceptionally(new ChunkvaultException("The commit batch failed."));
                }
            }
            synchronized (this) {
                inFlight--;
            }
        }
    }

    private void sendNow(List<Pending> batch) {
        // One commit goes by the plain route, unless it has packs to carry: a batch of one seals them in the same request.
        if ((batch.size() == 1 && (batch.get(0).seals().isEmpty() || !client.sealsInCommits())) || unsupported) {
            for (Pending p : batch) {
                single(p);
            }
            return;
        }
        List<ChunkvaultClient.BatchOutcome> outcomes;
        List<PackSeal> deferred = new ArrayList<>();
        try {
            List<PackSeal> carried = new ArrayList<>();
            ChunkvaultClient.BatchAnswer answer;
            try {
                carried.addAll(toCarry(batch));
                answer = sendBatch(batch, carried);
                for (ChunkvaultClient.SealOutcome o : answer.seals()) {
                    PackSeal seal = carried.stream().filter(p -> p.packId().equals(o.packId())).findFirst().orElseThrow();
                    if (o.error() != null && isDeferred(o.error())) {
                        deferred.add(seal); // not refused: unread and unchanged, sealed below by its own request
                    } else if (o.error() != null) {
                        seal.refused(o.error());
                    } else {
                        seal.sealed(o.sealed());
                    }
                }
                sealDeferred(deferred); // still claimed by this batch: no other batch carries them meanwhile
            } finally {
                carried.forEach(p -> p.release(batch)); // answered, or free to be carried again after a failure
            }
            outcomes = answer.commits();
        } catch (ApiException e) {
            if (e.isNoSuchRoute()) {
                unsupported = true; // a gateway without the route: single commits from now on
                batch.forEach(this::single);
                return;
            }
            batch.forEach(p -> p.done().completeExceptionally(e));
            return;
        } catch (RuntimeException e) {
            batch.forEach(p -> p.done().completeExceptionally(e));
            return;
        }
        synchronized (this) {
            batchesSent++;
            commitsBatched += batch.size();
        }
        for (int i = 0; i < batch.size(); i++) {
            ChunkvaultClient.BatchOutcome o = outcomes.get(i);
            if (o.error() instanceof ApiException a && a.isMissingChunks()
                    && batch.get(i).seals().stream().anyMatch(s -> deferred.contains(s) && s.result().isPresent())) {
                // It missed the chunks of a pack the service deferred, sealed since: the commit again, alone.
                single(batch.get(i));
                continue;
            }
            if (o.error() != null) {
                batch.get(i).done().completeExceptionally(o.error());
            } else {
                batch.get(i).done().complete(o.result());
            }
        }
    }

    /** Whether a seal in a batch was left for another request: the request's budget of plain bytes was spent. */
    static boolean isDeferred(ApiException e) {
        return e.status() == 413 && "SEAL_DEFERRED".equals(e.code());
    }

    /**
     * Seals by their own requests the packs a batch's service deferred (its budget per request is smaller than this
     * client's {@link ChunkvaultClient#MAX_BATCH_SEAL_PLAIN_BYTES}), before the batch's commits are answered: a commit
     * that missed their chunks then finds them held when it is sent again, instead of sending them again. A failure here
     * leaves the pack unanswered (still PENDING): its chunks are then sent again, as for any pack not sealed. Called
     * while the batch still claims them, so no other batch carries them meanwhile.
     */
    private static void sealDeferred(List<PackSeal> deferred) {
        for (PackSeal s : deferred) {
            try {
                s.sealNow();
            } catch (RuntimeException e) {
                // unsealed: the commit that needs it resends its chunks (ChunkUploader#resend)
            }
        }
    }

    /**
     * The packs the batch's commits need that are still to be sealed, in the batch as far as one may carry them
     * ({@link ChunkvaultClient#MAX_BATCH_SEALS}, {@link ChunkvaultClient#MAX_BATCH_SEAL_BYTES}); the others are sealed
     * now, each by its own request (so are all of them with a service whose batches do not seal).
     */
    private List<PackSeal> toCarry(List<Pending> batch) {
        Set<PackSeal> needed = new LinkedHashSet<>(); // PackSeal is compared by identity: one per pack
        // Those answered meanwhile by another batch go again only if their seal asked for chunks alone (see
        // UnsealedChunks#toCarry): sealed again in this batch, the pack proves those chunks to its commits.
        batch.forEach(p -> p.seals().stream().filter(s -> !s.answered() || s.asksAnyAlone()).forEach(needed::add));
        // Another batch carrying one of them answers it: wait for that first, while this one carries none.
        needed.forEach(PackSeal::awaitCarrier);
        List<PackSeal> carried = new ArrayList<>();
        List<PackSeal> alone = new ArrayList<>();
        long bytes = 0;
        long plain = 0;
        for (PackSeal s : needed) {
            if (s.answered() && (!s.asksAnyAlone() || !client.sealsInCommits())) {
                continue; // answered meanwhile (by the batch waited for); what it asked for alone is sent if a commit misses it
            }
            if (client.sealsInCommits() && carried.size() < ChunkvaultClient.MAX_BATCH_SEALS
                    && bytes + s.size() <= ChunkvaultClient.MAX_BATCH_SEAL_BYTES
                    && (carried.isEmpty() || plain + s.plainSize() <= ChunkvaultClient.MAX_BATCH_SEAL_PLAIN_BYTES)) {
                s.claim(batch); // false: claimed meanwhile by another batch, which carries it too
                carried.add(s);
                bytes += s.size();
                plain += s.plainSize();
            } else {
                alone.add(s);
            }
        }
        try {
            alone.forEach(PackSeal::sealNow); // not sealAlone: this batch carries packs, it must not wait for others
        } catch (RuntimeException e) {
            carried.forEach(s -> s.release(batch));
            throw e;
        }
        return carried;
    }

    /** Sends the batch with {@code carried} to seal; a service that refuses the field gets them sealed alone first. */
    private ChunkvaultClient.BatchAnswer sendBatch(List<Pending> batch, List<PackSeal> carried) {
        List<ChunkvaultClient.Commit> commits = batch.stream().map(Pending::commit).toList();
        try {
            return client.commitBatch(commits, carried.stream().map(PackSeal::packId).toList());
        } catch (ApiException e) {
            if (carried.isEmpty() || client.sealsInCommits()) {
                throw e;
            }
            carried.forEach(PackSeal::sealNow); // older than this client: as before, a request per pack
            return client.commitBatch(commits, List.of());
        }
    }

    private void single(Pending p) {
        try {
            PackSeal.sealEachAlone(p.seals());
            p.done().complete(client.commit(p.commit()));
        } catch (RuntimeException e) {
            p.done().completeExceptionally(e);
        }
    }

    static int entries(ChunkvaultClient.Commit c) {
        if (c.manifest() != null) {
            return c.manifest().chunkCount();
        }
        if (c.manifestDelta() != null) {
            return c.manifestDelta().addedEntryCount();
        }
        return 0;
    }
}
