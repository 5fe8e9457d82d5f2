package dev.chunkvault.client.sync;

import dev.chunkvault.client.ChunkvaultClient;
import dev.chunkvault.client.Coalescer;
import dev.chunkvault.client.Planner;
import dev.chunkvault.client.model.DownloadPlan;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * The download plans of a sync's new files, asked for ahead, a hundred to a request: the sync knows in which order its
 * transfer threads take the files to pull, so the first thread to need the plan of a file asks for it and the plans of
 * the files after it in one {@code POST /v1/download-batch} (through {@code batch}), and the threads that come next
 * find theirs there (a second device getting a tree of small files asked two plans per file). Only whole-file plans of
 * the files named are asked ahead; anything else goes to {@code other}. Plans are asked for only a window ahead of the
 * threads, so their presigned URLs are fresh when used.
 */
final class PlanPrefetcher implements Planner {
    /** Files per ahead-of-time request (the service's limit). */
    static final int WINDOW = ChunkvaultClient.MAX_BATCH_PLANS;

    interface Batch {
        List<Coalescer.Answer<DownloadPlan>> plans(List<ChunkvaultClient.PlanRequest> files);
    }

    private final List<ChunkvaultClient.PlanRequest> order;
    /**
     * Where each file is in {@code order}, by its version (the version's own string, not a new key per file: a second
     * device holds this for every file it gets, issue 15); the path is checked against the file's there.
     */
    private final Map<String, Integer> index = new HashMap<>();
    private final Map<Integer, CompletableFuture<Coalescer.Answer<DownloadPlan>>> asked = new HashMap<>();
    private final Batch batch;
    private final Planner other;
    private int requests;

    PlanPrefetcher(List<ChunkvaultClient.PlanRequest> order, Batch batch, Planner other) {
        this.order = List.copyOf(order);
        for (int i = 0; i < this.order.size(); i++) {
            index.putIfAbsent(this.order.get(i).version(), i);
        }
        this.batch = batch;
        this.other = other;
    }

    /** Ahead-of-time requests sent (for tests and reports). */
    synchronized int requests() {
        return requests;
    }

    @Override
    public DownloadPlan plan(String path, String version, List<String> chunks) {
        Integer at = chunks == null && version != null ? index.get(version) : null;
        if (at == null || !order.get(at).path().equals(path)) {
            return other.plan(path, version, chunks);
        }
        CompletableFuture<Coalescer.Answer<DownloadPlan>> mine;
        List<Integer> window = null;
        synchronized (this) {
            mine = asked.get(at);
            if (mine == null) {
                window = new java.util.ArrayList<>();
                for (int i = at; i < order.size() && window.size() < WINDOW; i++) {
                    if (!asked.containsKey(i)) {
                        asked.put(i, new CompletableFuture<>());
                        window.add(i);
                    }
                }
                mine = asked.get(at);
                requests++;
            }
        }
        if (window != null) {
            fetch(window);
        }
        try {
            Coalescer.Answer<DownloadPlan> a = mine.get();
            synchronized (this) {
                asked.remove(at); // used: a later pull of the same file (a retry) asks again, freshly
            }
            if (a.error() != null) {
                throw a.error();
            }
            return a.value();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new dev.chunkvault.client.ChunkvaultException("Interrupted.", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException re ? re
                    : new dev.chunkvault.client.ChunkvaultException("A download plan failed.", e.getCause());
        }
    }

    private void fetch(List<Integer> window) {
        List<CompletableFuture<Coalescer.Answer<DownloadPlan>>> futures;
        synchronized (this) {
            futures = window.stream().map(asked::get).toList();
        }
        try {
            List<Coalescer.Answer<DownloadPlan>> answers = batch.plans(window.stream().map(order::get).toList());
            for (int i = 0; i < futures.size(); i++) {
                futures.get(i).complete(answers.get(i));
            }
        } catch (RuntimeException e) {
            futures.forEach(f -> f.complete(Coalescer.Answer.failed(e)));
        }
    }
}
