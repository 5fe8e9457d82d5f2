package dev.chunkvault.api.handlers;

import dev.chunkvault.api.http.BadInput;
import dev.chunkvault.service.vault.ReadService;
import dev.chunkvault.service.vault.Writers;
import dev.chunkvault.service.vault.UsageService;
import dev.chunkvault.api.http.ApiRequest;
import dev.chunkvault.api.http.HttpFunction;
import dev.chunkvault.api.http.HttpResponse;
import dev.chunkvault.api.http.StructuredLog;
import dev.chunkvault.api.wiring.Wiring;
import java.util.Map;

/**
 * GET /v1/files (list a folder), GET /v1/file (one file), GET /v1/changes (the change feed), GET /v1/usage (the caller's
 * usage and quota), GET /v1/notifications (where to open the notification socket: {@code url} is null where there is
 * none, and the client polls).
 */
public final class ListHandler extends HttpFunction {
    /** A socket silent this long is closed by API Gateway after 10 minutes: clients send a ping well before. */
    static final int KEEP_ALIVE_SECONDS = 540;

    private final ReadService reads;
    private final UsageService usage;
    private final Map<String, Object> notifications;

    public ListHandler() {
        this(System.getenv());
    }

    public ListHandler(Map<String, String> env) {
        this(Wiring.fromEnv(env));
    }

    /** The injecting constructor: everything from one {@link Wiring}. */
    public ListHandler(Wiring wiring) {
        super("list", wiring.log("list"));
        this.reads = wiring.reads();
        this.usage = wiring.usage();
        Map<String, Object> n = new java.util.LinkedHashMap<>();
        n.put("url", wiring.notifyUrl().orElse(null));
        n.put("keepAliveSeconds", KEEP_ALIVE_SECONDS);
        n.put("catchUpSeconds", wiring.notifyCatchUpSeconds());
        this.notifications = java.util.Collections.unmodifiableMap(n);
    }

    @Override
    protected HttpResponse handle(ApiRequest request, StructuredLog log) throws Exception {
        var owner = request.caller();
        return switch (request.routeKey()) {
            case "GET /v1/files" -> HttpResponse.ok(reads.list(owner, request.query("folder").orElse(""),
                    request.boolQuery("recursive", false), request.boolQuery("deletedOnly", false) ? ReadService.Shown.DELETED
                            : request.boolQuery("includeDeleted", false) ? ReadService.Shown.ALL : ReadService.Shown.LIVE,
                    request.query("cursor").orElse(null), request.intQuery("limit", 500, 1, 1000)));
            case "GET /v1/file" -> HttpResponse.ok(reads.file(owner, request.requiredQuery("path"),
                    request.boolQuery("includeDeleted", false)));
            case "GET /v1/changes" -> HttpResponse.ok(reads.changes(owner, request.requiredQuery("cursor"),
                    request.intQuery("limit", 500, 1, 1000),
                    Writers.checkAll(request.query("exceptWriter").orElse(null), "exceptWriter")));
            case "GET /v1/usage" -> HttpResponse.ok(usage.usage(owner));
            case "GET /v1/notifications" -> HttpResponse.ok(notifications);
            default -> throw new BadInput("UNKNOWN_ROUTE", "This function does not serve that route.");
        };
    }
}
