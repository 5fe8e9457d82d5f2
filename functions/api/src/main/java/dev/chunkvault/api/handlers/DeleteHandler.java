package dev.chunkvault.api.handlers;

import dev.chunkvault.api.dto.CommitResponse;
import dev.chunkvault.api.dto.DeleteRequestDto;
import dev.chunkvault.service.vault.CommitService;
import dev.chunkvault.api.http.ApiRequest;
import dev.chunkvault.api.http.HttpFunction;
import dev.chunkvault.api.http.HttpResponse;
import dev.chunkvault.api.http.StructuredLog;
import dev.chunkvault.api.wiring.Wiring;
import java.util.Map;

/** POST /v1/delete — deletes a file by committing a tombstone (restorable for the retention period). */
public final class DeleteHandler extends HttpFunction {
    private final CommitService commits;

    public DeleteHandler() {
        this(System.getenv());
    }

    public DeleteHandler(Map<String, String> env) {
        this(Wiring.fromEnv(env));
    }

    /** The injecting constructor: everything from one {@link Wiring}. */
    public DeleteHandler(Wiring wiring) {
        super("delete", wiring.log("delete"));
        this.commits = wiring.commits();
    }

    @Override
    protected HttpResponse handle(ApiRequest request, StructuredLog log) throws Exception {
        var owner = request.caller();
        DeleteRequestDto body = request.json(DeleteRequestDto.class);
        return CommitResponse.of(commits.commit(body.toDomain(owner).withWriter(request.writer())));
    }
}
