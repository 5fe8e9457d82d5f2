package dev.chunkvault.api.handlers;

import dev.chunkvault.api.dto.CommitResponse;
import dev.chunkvault.api.dto.RestoreRequestDto;
import dev.chunkvault.service.vault.CommitService;
import dev.chunkvault.api.http.ApiRequest;
import dev.chunkvault.api.http.HttpFunction;
import dev.chunkvault.api.http.HttpResponse;
import dev.chunkvault.api.http.StructuredLog;
import dev.chunkvault.api.wiring.Wiring;
import java.util.Map;

/** POST /v1/restore — commits an earlier version's content as the new head. */
public final class RestoreHandler extends HttpFunction {
    private final CommitService commits;

    public RestoreHandler() {
        this(System.getenv());
    }

    public RestoreHandler(Map<String, String> env) {
        this(Wiring.fromEnv(env));
    }

    /** The injecting constructor: everything from one {@link Wiring}. */
    public RestoreHandler(Wiring wiring) {
        super("restore", wiring.log("restore"));
        this.commits = wiring.commits();
    }

    @Override
    protected HttpResponse handle(ApiRequest request, StructuredLog log) throws Exception {
        var owner = request.caller();
        RestoreRequestDto body = request.json(RestoreRequestDto.class);
        return CommitResponse.of(commits.commit(body.toDomain(owner).withWriter(request.writer())));
    }
}
