package dev.chunkvault.client;

import dev.chunkvault.client.model.DownloadPlan;
import java.time.Duration;
import java.util.List;

/**
 * Download plans for the pulls of many files at once: the plan requests that a sync's transfer threads make at about
 * the same time go out as one {@code POST /v1/download-batch} of up to 100 files (a second device getting a tree of
 * small files asked two plans per file). Each caller gets its own file's plan, or the error asking for it alone
 * would have given. A service without the batch route is asked one plan at a time from then on.
 */
public final class SharedPlans implements Planner {
    private final ChunkvaultClient client;
    private final Coalescer<ChunkvaultClient.PlanRequest, DownloadPlan> coalescer;
    private volatile boolean unsupported;

    public SharedPlans(ChunkvaultClient client, Duration linger) {
        this.client = client;
        this.coalescer = new Coalescer<>(this::send, r -> r.chunks() == null ? 1 : Math.max(1, r.chunks().size()),
                ChunkvaultClient.MAX_BATCH_PLANS, ChunkvaultClient.MAX_GRANT_CHUNKS, linger);
    }

    @Override
    public DownloadPlan plan(String path, String version, List<String> chunks) {
        if (unsupported) {
            return client.downloadPlan(path, version, chunks);
        }
        return coalescer.call(new ChunkvaultClient.PlanRequest(path, version, chunks));
    }

    /** Batch requests sent and the plans they carried. */
    public int[] stats() {
        return coalescer.stats();
    }

    /**
     * The plans of these files in one request (a service without the batch route: one request each), each with its
     * own error: what a sync asks ahead of its transfer threads.
     */
    public List<Coalescer.Answer<DownloadPlan>> plans(List<ChunkvaultClient.PlanRequest> requests) {
        return send(requests);
    }

    private List<Coalescer.Answer<DownloadPlan>> send(List<ChunkvaultClient.PlanRequest> requests) {
        if (!unsupported) {
            try {
                return client.downloadPlans(requests);
            } catch (ApiException e) {
                if (!e.isNoSuchRoute()) {
                    throw e;
                }
                unsupported = true; // an older service: one plan per request
            }
        }
        return requests.stream().map(r -> {
            try {
                return Coalescer.Answer.of(client.downloadPlan(r.path(), r.version(), r.chunks()));
            } catch (RuntimeException e) {
                return Coalescer.Answer.<DownloadPlan>failed(e);
            }
        }).toList();
    }
}
