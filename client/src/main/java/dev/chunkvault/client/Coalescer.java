package dev.chunkvault.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.ToIntFunction;

/**
 * Group calls for many files: requests that threads working on different files make at about the same time go to the
 * service as one request (a grant for the chunks of many small files, the download plans of many files), instead of
 * one each — a request's head alone (the bearer token is about 0.9 KB) is most of what one small file's call costs,
 * and the service answers a hundred files in one call in little more than the time of one.
 *
 * <p>A caller waits until its request has been sent with others: at once when the batch reaches {@code maxItems}
 * requests or {@code maxWeight} (chunks, say), else after about {@code linger}, when the first of the batch's callers
 * to stop waiting sends it (no thread of its own). Each caller gets its own answer, or the failure of the batch request
 * it was part of.
 *
 * <p>With a bound on the batches in flight ({@code maxInFlight}), a batch that is not full waits past its linger while
 * that many are being sent, gathering the callers that arrive meanwhile (as a database groups commits): under load the
 * batches grow with the time a batch takes, and a lone caller still goes after the linger.
 *
 * @param <Q> one caller's request
 * @param <A> one caller's answer
 */
public final class Coalescer<Q, A> {
    /** Sends a batch of requests as one; answers them in order, each with its answer or its own failure. */
    @FunctionalInterface
    public interface Batch<Q, A> {
        List<Answer<A>> send(List<Q> requests);
    }

    /** One request's answer, or the failure that is its alone (exactly one is set). */
    public record Answer<A>(A value, RuntimeException error) {
        public static <A> Answer<A> of(A value) {
            return new Answer<>(value, null);
        }

        public static <A> Answer<A> failed(RuntimeException error) {
            return new Answer<>(null, error);
        }
    }

    private record Pending<Q, A>(Q request, CompletableFuture<A> answer) {}

    private final Batch<Q, A> batch;
    private final ToIntFunction<Q> weight;
    private final int maxItems;
    private final int maxWeight;
    private final Duration linger;
    private final int maxInFlight;
    private int inFlight;
    private List<Pending<Q, A>> pending = new ArrayList<>();
    private int pendingWeight;
    private int batchesSent;
    private int requestsSent;

    public Coalescer(Batch<Q, A> batch, ToIntFunction<Q> weight, int maxItems, int maxWeight, Duration linger) {
        this(batch, weight, maxItems, maxWeight, linger, Integer.MAX_VALUE);
    }

    /** @param maxInFlight batches being sent at once before one that is not full waits for one of them to finish */
    public Coalescer(Batch<Q, A> batch, ToIntFunction<Q> weight, int maxItems, int maxWeight, Duration linger,
                     int maxInFlight) {
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("at least one batch in flight");
        }
        this.maxInFlight = maxInFlight;
        this.batch = Objects.requireNonNull(batch);
        this.weight = Objects.requireNonNull(weight);
        if (maxItems < 1 || maxWeight < 1) {
            throw new IllegalArgumentException("a batch holds at least one request");
        }
        this.maxItems = maxItems;
        this.maxWeight = maxWeight;
        this.linger = Objects.requireNonNull(linger);
    }

    /** Sends {@code request} with whatever else comes along, and waits for its answer. */
    public A call(Q request) {
        Pending<Q, A> mine = new Pending<>(request, new CompletableFuture<>());
        List<List<Pending<Q, A>>> toSend = new ArrayList<>(2);
        int w = Math.max(1, weight.applyAsInt(request));
        synchronized (this) {
            if (!pending.isEmpty() && pendingWeight + w > maxWeight) {
                toSend.add(take()); // this one would not fit: the others go now, it starts the next batch
            }
            pending.add(mine);
            pendingWeight += w;
            if (pending.size() >= maxItems || pendingWeight >= maxWeight) {
                toSend.add(take());
            }
        }
        toSend.forEach(this::send);
        // Once its batch is taken, a caller only waits for the answer (send answers every request it takes): looking
        // again each linger, with a timeout's exception each time, was 5 % of a first sync's client CPU.
        boolean taken = false;
        while (true) {
            try {
                return taken ? mine.answer().get() : mine.answer().get(linger.toNanos(), TimeUnit.NANOSECONDS);
            } catch (TimeoutException lingered) {
                // Nobody filled the batch within the linger: the first of its callers to notice sends it, unless as
                // many batches as allowed are being sent (then it goes on gathering, and is looked at again).
                List<Pending<Q, A>> late = null;
                synchronized (this) {
                    taken = !pending.contains(mine);
                    if (inFlight < maxInFlight && !taken) {
                        late = take();
                    }
                }
                if (late != null) {
                    send(late);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ChunkvaultException("Interrupted.", e);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException re) {
                    throw re;
                }
                throw new ChunkvaultException("A grouped request failed.", e.getCause());
            }
        }
    }

    /** Requests waiting for their batch to be sent (for tests). */
    synchronized int waiting() {
        return pending.size();
    }

    /** Batches sent and the requests they carried (for reports and tests). */
    public synchronized int[] stats() {
        return new int[] {batchesSent, requestsSent};
    }

    private List<Pending<Q, A>> take() {
        List<Pending<Q, A>> out = pending;
        pending = new ArrayList<>();
        pendingWeight = 0;
        inFlight++;
        batchesSent++;
        requestsSent += out.size();
        return out;
    }

    private void send(List<Pending<Q, A>> requests) {
        try {
            List<Answer<A>> answers = batch.send(requests.stream().map(Pending::request).toList());
            if (answers.size() != requests.size()) {
                throw new BadResponseException("A grouped answer holds " + answers.size() + " answers for "
                        + requests.size() + " requests.", null);
            }
            for (int i = 0; i < requests.size(); i++) {
                Answer<A> a = answers.get(i);
                if (a.error() != null) {
                    requests.get(i).answer().completeExceptionally(a.error());
                } else {
                    requests.get(i).answer().complete(a.value());
                }
            }
        } catch (RuntimeException | Error e) {
            requests.forEach(p -> p.answer().completeExceptionally(e));
        } finally {
            synchronized (this) {
                inFlight--;
            }
        }
    }
}
