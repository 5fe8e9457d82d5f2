package dev.chunkvault.api.handlers;

import dev.chunkvault.api.http.ApiRequest;
import dev.chunkvault.api.http.BadInput;
import dev.chunkvault.api.http.HttpFunction;
import dev.chunkvault.api.http.HttpResponse;
import dev.chunkvault.api.http.StructuredLog;
import dev.chunkvault.api.wiring.Wiring;
import dev.chunkvault.service.vault.AuditService;
import dev.chunkvault.service.vault.GcService;
import dev.chunkvault.service.vault.UsageService;
import dev.chunkvault.api.dto.QuotaRequestDto;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Operator routes (scope chunkvault/admin): {@code POST /v1/admin/gc} runs one GC step within the API's time
 * limit (repeat until {@code complete}); {@code POST /v1/admin/audit} audits reference counts
 * ({@code ?fix=true} repairs counters and quarantines damaged objects, {@code ?checkObjects=true} also checks every
 * referenced object exists, {@code ?checkContent=true} reads and hashes them, going on from {@code contentAfter}). A
 * store too large to audit within the API's time limit answers {@code complete: false}: invoke the GC
 * function with {@code {"detail": {"audit": true}}} instead. {@code PUT /v1/admin/quota} sets (or clears) one account's
 * quota and answers with that account's usage.
 */
public final class AdminHandler extends HttpFunction {
    /** API Gateway gives an integration 30 s; leave room for the answer. */
    static final long BUDGET_MILLIS = 20_000;

    private final GcService gc;
    private final AuditService audit;
    private final UsageService usage;

    public AdminHandler() {
        this(System.getenv());
    }

    public AdminHandler(Map<String, String> env) {
        this(Wiring.fromEnv(env));
    }

    /** The injecting constructor: everything from one {@link Wiring}. */
    public AdminHandler(Wiring wiring) {
        super("admin", wiring.log("admin"));
        this.gc = wiring.gc();
        this.audit = wiring.audit();
        this.usage = wiring.usage();
    }

    /** Where a content check goes on: a chunk id an earlier report gave as {@code content.next}. */
    static String contentAfter(ApiRequest request) {
        String after = request.query("contentAfter").orElse(null);
        if (after != null && !dev.chunkvault.core.hash.ChunkId.isValid(after)) {
            throw new BadInput("INVALID_CURSOR", "contentAfter is a chunk id (64 lowercase hex) from an earlier report.");
        }
        return after;
    }

    @Override
    protected HttpResponse handle(ApiRequest request, StructuredLog log) throws Exception {
        request.caller();
        if (request.routeKey().equals("PUT /v1/admin/quota")) {
            QuotaRequestDto body = request.json(QuotaRequestDto.class);
            UsageService.OwnerUsage answer = usage.setQuota(body.target(), body.quotaBytes());
            log.info("quota set", java.util.Map.of("owner", body.owner(),
                    "quotaBytes", body.quotaBytes() == null ? "default" : body.quotaBytes()));
            return HttpResponse.ok(answer);
        }
        long deadline = System.nanoTime() + BUDGET_MILLIS * 1_000_000;
        BooleanSupplier hasTime = () -> System.nanoTime() < deadline;
        return switch (request.routeKey()) {
            case "POST /v1/admin/gc" -> HttpResponse.ok(Map.of("gc", gc.run(null, hasTime)));
            case "POST /v1/admin/audit" -> HttpResponse.ok(Map.of("audit", audit.audit(new AuditService.Options(
                    request.boolQuery("fix", false), request.boolQuery("checkObjects", false),
                    request.boolQuery("checkContent", false), contentAfter(request), 0,
                    !request.boolQuery("contentOnly", false)), hasTime)));
            default -> throw new BadInput("UNKNOWN_ROUTE", "This function does not serve that route.");
        };
    }
}
