package dev.chunkvault.api.handlers;

import dev.chunkvault.api.dto.CommitRequestDto;
import dev.chunkvault.api.dto.CommitResponse;
import dev.chunkvault.service.vault.CommitService;
import dev.chunkvault.service.vault.Owner;
import dev.chunkvault.api.http.ApiRequest;
import dev.chunkvault.api.http.HttpFunction;
import dev.chunkvault.api.http.HttpResponse;
import dev.chunkvault.api.http.StructuredLog;
import dev.chunkvault.api.wiring.Wiring;
import java.util.Map;

/** POST /v1/commits — commit-version: 201 new head, 409 stale parent (with the head), 422 missing chunks, 200 unchanged. */
public final class CommitHandler extends HttpFunction {
    private final CommitService commits;

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
    }

    @Override
    protected HttpResponse handle(ApiRequest request, StructuredLog log) throws Exception {
        Owner owner = request.caller();
        CommitRequestDto body = request.json(CommitRequestDto.class);
        CommitService.CommitResult r = commits.commit(body.toDomain(owner));
        log.metrics(Map.of("CommitChunks", r.chunks(), "CommitAddedChunks", r.addedChunks(),
                "CommitDedupRatio", r.chunks() == 0 ? 1.0 : 1.0 - (double) r.addedChunks() / Math.max(1, r.distinctChunks()),
                "CommitLarge", r.large() ? 1 : 0), Map.of("CommitDedupRatio", "None"));
        return CommitResponse.of(r);
    }
}
