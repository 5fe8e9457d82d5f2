package dev.chunkvault.api.handlers;

import dev.chunkvault.api.dto.ConflictCheckRequest;
import dev.chunkvault.api.dto.ConflictCheckResponse;
import dev.chunkvault.api.http.ApiRequest;
import dev.chunkvault.api.http.HttpFunction;
import dev.chunkvault.api.http.HttpResponse;
import dev.chunkvault.api.http.StructuredLog;
import dev.chunkvault.api.wiring.Wiring;
import dev.chunkvault.service.vault.ConflictService;
import java.util.Map;

/**
 * POST /v1/conflict-check — classifies a local change against the server head (with a three-way chunk merge for
 * modify-modify) and says what the client should do. Read-only: 200 with the verdict.
 */
public final class ConflictCheckHandler extends HttpFunction {
    private final ConflictService conflicts;

    public ConflictCheckHandler() {
        this(System.getenv());
    }

    public ConflictCheckHandler(Map<String, String> env) {
        this(Wiring.fromEnv(env));
    }

    /** The injecting constructor: everything from one {@link Wiring}. */
    public ConflictCheckHandler(Wiring wiring) {
        super("conflict-check", wiring.log("conflict-check"));
        this.conflicts = wiring.conflicts();
    }

    @Override
    protected HttpResponse handle(ApiRequest request, StructuredLog log) throws Exception {
        var owner = request.caller();
        ConflictCheckRequest body = request.json(ConflictCheckRequest.class);
        ConflictService.Verdict v = conflicts.check(owner, body.path(), body.baseVersion(), body.localState(),
                body.localName(), body.device(), body.deviceTime());
        boolean conflict = switch (v.outcome()) {
            case MODIFY_MODIFY, MODIFY_DELETE, DELETE_MODIFY -> true;
            default -> false;
        };
        log.metrics(Map.of("ConflictChecks", 1, "ConflictCheckConflicts", conflict ? 1 : 0,
                "ConflictCheckMerged", v.action() == ConflictService.Action.COMMIT_MERGED ? 1 : 0), Map.of());
        return HttpResponse.ok(ConflictCheckResponse.of(v));
    }
}
