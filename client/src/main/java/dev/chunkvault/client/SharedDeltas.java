package dev.chunkvault.client;

import dev.chunkvault.client.model.DeltaStored;
import dev.chunkvault.core.delta.Delta;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The deltas of many files' pushes in shared {@code POST /v1/delta-upload-batch} requests: an update of a tree of small
 * edits sent one request per changed chunk, most of whose bytes were the request's and answer's heads (the bearer token
 * alone is about 0.9 KB). The deltas that a sync's transfer threads have ready at about the same time go together, cut
 * into requests of at most {@link ChunkvaultClient#MAX_BATCH_DELTAS} deltas, {@link ChunkvaultClient#MAX_BATCH_DELTA_BYTES}
 * and {@link ChunkvaultClient#MAX_BATCH_REBUILT_BYTES} of targets; each caller gets the answers of exactly its own.
 *
 * <p>A service without the batch route (404 with no error code: an older deployment) is sent one delta per request
 * from then on ({@code POST /v1/delta-uploads}). A batch the service finds too large (413) lowers the bounds for the
 * rest of the run to half of that batch (its count; its bytes and rebuilt bytes too unless the service said the count
 * was too many), never below one delta, and is sent again cut so; a single delta found too large goes by the single
 * route. A delta the service refuses is answered with its own {@link ApiException}, and the others are not affected.
 */
public final class SharedDeltas implements DeltaSender {
    /** Callers (files) per shared batch, before their deltas are cut into requests. */
    static final int MAX_CALLERS = 64;

    private final ChunkvaultClient client;
    private final Coalescer<List<byte[]>, List<Coalescer.Answer<DeltaStored>>> coalescer;
    private volatile boolean unsupported;
    /** The bounds of one request: the service's, or lower once it found a batch too large (413). */
    private volatile int maxDeltas = ChunkvaultClient.MAX_BATCH_DELTAS;
    private volatile long maxBytes = ChunkvaultClient.MAX_BATCH_DELTA_BYTES;
    private volatile long maxRebuilt = ChunkvaultClient.MAX_BATCH_REBUILT_BYTES;
    private final java.util.concurrent.atomic.AtomicInteger batchRequests = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicInteger singleRequests = new java.util.concurrent.atomic.AtomicInteger();

    /** @param linger how long a caller waits for others' deltas before its batch goes (zero: at once) */
    public SharedDeltas(ChunkvaultClient client, Duration linger) {
        this.client = client;
        this.coalescer = new Coalescer<>(this::sendTogether, SharedDeltas::weight, MAX_CALLERS, ChunkvaultClient.MAX_BATCH_DELTA_BYTES,
                linger);
    }

    @Override
    public List<Coalescer.Answer<DeltaStored>> send(List<byte[]> encodedDeltas) {
        if (encodedDeltas.isEmpty()) {
            return List.of();
        }
        return coalescer.call(encodedDeltas);
    }

    /** Batch requests and single delta requests sent (for reports and tests). */
    public int[] stats() {
        return new int[] {batchRequests.get(), singleRequests.get()};
    }

    private static int weight(List<byte[]> deltas) {
        long w = 0;
        for (byte[] d : deltas) {
            w += d.length;
        }
        return (int) Math.min(Integer.MAX_VALUE, w);
    }

    /** The callers' deltas, cut into bounded requests; each caller's answers in its own order. */
    private List<Coalescer.Answer<List<Coalescer.Answer<DeltaStored>>>> sendTogether(List<List<byte[]>> callers) {
        List<byte[]> all = new ArrayList<>();
        callers.forEach(all::addAll);
        List<Coalescer.Answer<DeltaStored>> answers = sendCut(all);
        List<Coalescer.Answer<List<Coalescer.Answer<DeltaStored>>>> out = new ArrayList<>(callers.size());
        int at = 0;
        for (List<byte[]> c : callers) {
            out.add(Coalescer.Answer.of(List.copyOf(answers.subList(at, at + c.size()))));
            at += c.size();
        }
        return out;
    }

    /** {@code all} in requests within the bounds as they are when each request is cut; the answers in order. */
    private List<Coalescer.Answer<DeltaStored>> sendCut(List<byte[]> all) {
        List<Coalescer.Answer<DeltaStored>> answers = new ArrayList<>(all.size());
        int from = 0;
        while (from < all.size()) {
            int to = from;
            long bytes = 0;
            long rebuilt = 0;
            int count = maxDeltas;
            long byteBound = maxBytes;
            long rebuiltBound = maxRebuilt;
            while (to < all.size() && to - from < count) {
                byte[] d = all.get(to);
                long target = target(d);
                if (to > from && (bytes + d.length + 5 > byteBound || rebuilt + target > rebuiltBound)) {
                    break;
                }
                bytes += d.length + 5;
                rebuilt += target;
                to++;
            }
            answers.addAll(request(all.subList(from, to)));
            from = to;
        }
        return answers;
    }

    private static long target(byte[] delta) {
        return Delta.Header.read(delta).map(Delta.Header::targetLength).orElse(0);
    }

    /** The bounds of one request now: deltas, framed bytes, rebuilt bytes (for tests). */
    long[] bounds() {
        return new long[] {maxDeltas, maxBytes, maxRebuilt};
    }

    /**
     * The service found {@code refused} too large: the bounds for the rest of the run are at most half of it (its
     * count alone when the service said the count was too many), never below one delta.
     */
    private synchronized void lowerBounds(List<byte[]> refused, ApiException e) {
        maxDeltas = Math.min(maxDeltas, Math.max(1, refused.size() / 2));
        if ("TOO_MANY_DELTAS".equals(e.code())) {
            return;
        }
        long bytes = 0;
        long rebuilt = 0;
        for (byte[] d : refused) {
            bytes += d.length + 5;
            rebuilt += target(d);
        }
        maxBytes = Math.min(maxBytes, Math.max(1, bytes / 2));
        maxRebuilt = Math.min(maxRebuilt, Math.max(1, rebuilt / 2));
    }

    /**
     * One bounded request, or one per delta where the service has no batch route. A batch the service finds too large
     * lowers the bounds and goes again in smaller requests (a single delta too large goes by the single route). A batch
     * the service refuses as a whole otherwise (e.g. unavailable after the transport's retries) is each delta's
     * refusal: its chunks are sent whole, as when a single delta is refused.
     */
    private List<Coalescer.Answer<DeltaStored>> request(List<byte[]> deltas) {
        if (!unsupported) {
            try {
                batchRequests.incrementAndGet();
                return client.deltaUploads(deltas);
            } catch (ApiException e) {
                if (e.isNoSuchRoute()) {
                    unsupported = true; // an older service: one delta per request from now on
                } else if (e.status() == 413 && deltas.size() > 1) {
                    lowerBounds(deltas, e); // for the rest of the run, and this batch again, cut smaller
                    return sendCut(deltas);
                } else if (e.status() != 413) {
                    return deltas.stream().map(d -> Coalescer.Answer.<DeltaStored>failed(e)).toList();
                }
            }
        }
        List<Coalescer.Answer<DeltaStored>> out = new ArrayList<>(deltas.size());
        for (byte[] d : deltas) {
            out.add(single(d));
        }
        return out;
    }

    private Coalescer.Answer<DeltaStored> single(byte[] encoded) {
        Delta.Header h = Delta.Header.read(encoded).orElse(null);
        if (h == null) {
            return Coalescer.Answer.failed(new IllegalArgumentException("not an encoded delta"));
        }
        try {
            singleRequests.incrementAndGet();
            return Coalescer.Answer.of(client.deltaUpload(h.baseId().hex(), h.targetId().hex(), encoded));
        } catch (ApiException refused) {
            return Coalescer.Answer.failed(refused);
        }
    }
}
