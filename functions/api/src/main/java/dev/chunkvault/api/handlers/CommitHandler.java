package dev.chunkvault.api.handlers;

import dev.chunkvault.api.dto.CommitBatchRequestDto;
import dev.chunkvault.api.dto.CommitRequestDto;
import dev.chunkvault.api.http.ErrorMapper;
import java.util.ArrayList;
import java.util.List;
import dev.chunkvault.api.dto.CommitResponse;
import dev.chunkvault.service.vault.CommitBatches;
import dev.chunkvault.service.vault.CommitService;
import dev.chunkvault.service.vault.PackService;
import dev.chunkvault.api.dto.SealResponse;
import dev.chunkvault.service.vault.Owner;
import dev.chunkvault.api.http.ApiRequest;
import dev.chunkvault.api.http.HttpFunction;
import dev.chunkvault.api.http.HttpResponse;
import dev.chunkvault.api.http.StructuredLog;
import dev.chunkvault.api.wiring.Wiring;
import java.util.Map;

/**
 * POST /v1/commits — commit-version: 201 new head, 409 stale parent (with the head), 422 missing chunks, 200 unchanged.
 *
 * <p>POST /v1/commit-batch — several files' commits in one request (a sync's small files): 200 with one result per
 * commit, in order, each the status and body POST /v1/commits would have answered for it alone. With {@code seal}
 * (packs to seal first), also {@code sealed}: one answer per pack, in order, each the status and body POST
 * /v1/packs/seal would have answered for it, with its {@code packId}.
 *
 * <p>A sync client names itself in the {@code Chunkvault-Writer} header; its commits are then left out of the change
 * feed it reads ({@code GET /v1/changes?exceptWriter=}).
 */
public final class CommitHandler extends HttpFunction {
    private final CommitService commits;
    private final CommitBatches batches;

    public CommitHandler() {
        this(System.getenv());
    }

    public CommitHandler(Map<String, String> env) {
        this(Wiring.fromEnv(env));
    }

    /** The injecting constructor: everything from one {@link Wiring}. */
    public CommitHandler(Wiring wiring) {
        super("commit", wiring.log("commit"));
        this.commits = wiring.commits();
        this.batches = wiring.commitBatches();
    }

    static final String BATCH_ROUTE = "POST /v1/commit-batch";

    @Override
    protected HttpResponse handle(ApiRequest request, StructuredLog log) throws Exception {
        Owner owner = request.caller();
        if (BATCH_ROUTE.equals(request.routeKey())) {
            CommitBatchRequestDto body = request.json(CommitBatchRequestDto.class);
            CommitBatches.Answer answer = batches.commit(owner, body.seal(),
                    body.toDomain(owner).stream().map(c -> c.withWriter(request.writer())).toList());
            List<Map<String, Object>> sealed = new ArrayList<>();
            for (PackService.SealItem s : answer.seals()) {
                HttpResponse one = s.sealed() != null ? HttpResponse.ok(SealResponse.of(s.sealed()))
                        : ErrorMapper.map(s.error(), request.requestId(), log);
                sealed.add(one.asBatchItem(Map.of("packId", s.packId())));
                if (s.sealed() != null) {
                    PacksHandler.sealMetrics(s.sealed(), log);
                }
            }
            List<Map<String, Object>> results = new ArrayList<>();
            for (CommitService.BatchItem item : answer.commits()) {
                HttpResponse one = item.result() != null ? answer(item.result(), log)
                        : ErrorMapper.map(item.error(), request.requestId(), log);
                results.add(one.asBatchItem());
                if (one.status() == 409) {
                    log.metrics(Map.of("Conflicts", 1), Map.of());
                }
            }
            log.metrics(Map.of("CommitBatchSize", results.size(), "CommitBatchSeals", sealed.size()), Map.of());
            // Only asked-for seals are answered: a batch without any answers exactly as before the field.
            return HttpResponse.ok(sealed.isEmpty() ? Map.of("results", results) : Map.of("results", results, "sealed", sealed));
        }
        CommitRequestDto body = request.json(CommitRequestDto.class);
        return answer(commits.commit(body.toDomain(owner).withWriter(request.writer())), log);
    }

    private static HttpResponse answer(CommitService.CommitResult r, StructuredLog log) {
        log.metrics(Map.of("CommitChunks", r.chunks(), "CommitAddedChunks", r.addedChunks(),
                "CommitDedupRatio", r.chunks() == 0 ? 1.0 : 1.0 - (double) r.addedChunks() / Math.max(1, r.distinctChunks()),
                "CommitLarge", r.large() ? 1 : 0), Map.of("CommitDedupRatio", "None"));
        return CommitResponse.of(r);
    }
}
