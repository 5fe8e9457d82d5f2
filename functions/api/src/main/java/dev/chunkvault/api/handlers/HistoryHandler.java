package dev.chunkvault.api.handlers;

import dev.chunkvault.service.vault.ReadService;
import dev.chunkvault.api.http.ApiRequest;
import dev.chunkvault.api.http.HttpFunction;
import dev.chunkvault.api.http.HttpResponse;
import dev.chunkvault.api.http.StructuredLog;
import dev.chunkvault.api.wiring.Wiring;
import java.util.Map;

/** GET /v1/history?path=&cursor=&limit= — the retained versions of a file, newest first. */
public final class HistoryHandler extends HttpFunction {
    private final ReadService reads;

    public HistoryHandler() {
        this(System.getenv());
    }

    public HistoryHandler(Map<String, String> env) {
        this(Wiring.fromEnv(env));
    }

    /** The injecting constructor: everything from one {@link Wiring}. */
    public HistoryHandler(Wiring wiring) {
        super("history", wiring.log("history"));
        this.reads = wiring.reads();
    }

    @Override
    protected HttpResponse handle(ApiRequest request, StructuredLog log) throws Exception {
        var owner = request.caller();
        return HttpResponse.ok(reads.history(owner, request.requiredQuery("path"), request.query("cursor").orElse(null),
                request.intQuery("limit", 100, 1, 100)));
    }
}
