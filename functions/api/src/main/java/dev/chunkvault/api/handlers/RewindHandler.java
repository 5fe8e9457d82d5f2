package dev.chunkvault.api.handlers;

import dev.chunkvault.api.dto.RewindRequestDto;
import dev.chunkvault.api.http.ApiRequest;
import dev.chunkvault.api.http.HttpFunction;
import dev.chunkvault.api.http.HttpResponse;
import dev.chunkvault.api.http.StructuredLog;
import dev.chunkvault.api.wiring.Wiring;
import dev.chunkvault.service.vault.RewindService;
import java.util.Map;

/** POST /v1/rewind — one page of a folder's rewind to an earlier instant (as new versions), or of its dry run. */
public final class RewindHandler extends HttpFunction {
    private final RewindService rewinds;

    public RewindHandler() {
        this(System.getenv());
    }

    public RewindHandler(Map<String, String> env) {
        this(Wiring.fromEnv(env));
    }

    /** The injecting constructor: everything from one {@link Wiring}. */
    public RewindHandler(Wiring wiring) {
        super("rewind", wiring.log("rewind"));
        this.rewinds = wiring.rewinds();
    }

    @Override
    protected HttpResponse handle(ApiRequest request, StructuredLog log) throws Exception {
        var owner = request.caller();
        RewindRequestDto body = request.json(RewindRequestDto.class);
        RewindService.Result r = rewinds.rewind(body.toDomain(owner));
        long skipped = r.changes().stream().filter(c -> c.status() == RewindService.Status.SKIPPED).count();
        log.metrics(Map.of("RewindExamined", r.examined(), "RewindChanges", r.changes().size() - skipped,
                "RewindSkipped", skipped), Map.of());
        return HttpResponse.ok(r);
    }
}
