package dev.chunkvault.api.handlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import dev.chunkvault.api.http.StructuredLog;
import dev.chunkvault.api.wiring.Wiring;
import dev.chunkvault.service.vault.AuditService;
import dev.chunkvault.service.vault.GcReport;
import dev.chunkvault.service.vault.GcService;
import dev.chunkvault.service.time.Deadline;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;

/**
 * The nightly GC, run by the EventBridge schedule (reserved concurrency 1). It stops a minute before the
 * Lambda time limit and leaves the rest to the next run. Invoked with {@code {"detail": {"audit": true}}}
 * (add {@code "fix": true} to repair counters) it runs the reference-count audit instead; with
 * {@code {"detail": {"continuation": true}}} (the hourly schedule after the nightly one) it runs only if no run has
 * completed within the last 20 hours, so a night's run that ran out of time goes on the same night.
 */
public final class GcHandler implements RequestHandler<ScheduledEvent, Map<String, Object>> {
    /** Stop starting new work when less than this is left of the invocation. */
    static final long SAFETY_MILLIS = 60_000;

    private final GcService gc;
    private final AuditService audit;
    private final StructuredLog log;

    public GcHandler() {
        this(System.getenv());
    }

    public GcHandler(Map<String, String> env) {
        this(Wiring.fromEnv(env));
    }

    /** The injecting constructor: everything from one {@link Wiring}. */
    public GcHandler(Wiring wiring) {
        this.gc = wiring.gc();
        this.audit = wiring.audit();
        this.log = wiring.log("gc");
    }

    @Override
    public Map<String, Object> handleRequest(ScheduledEvent event, Context context) {
        String requestId = context != null ? context.getAwsRequestId() : UUID.randomUUID().toString();
        StructuredLog requestLog = log.forRequest(requestId);
        BooleanSupplier hasTime = () -> context == null || context.getRemainingTimeInMillis() > SAFETY_MILLIS;
        // New work stops a minute before the limit (hasTime); no store call starts, and none runs on, past this.
        Deadline deadline = context == null ? Deadline.none()
                : Deadline.in(Duration.ofMillis(Math.max(0, context.getRemainingTimeInMillis() - DEADLINE_MARGIN_MILLIS)));
        return deadline.call(() -> run(event, requestLog, hasTime));
    }

    /** No store call of a run starts or goes on this close to the Lambda time limit (its lease release excepted). */
    static final long DEADLINE_MARGIN_MILLIS = 10_000;

    private Map<String, Object> run(ScheduledEvent event, StructuredLog requestLog, BooleanSupplier hasTime) {
        Map<String, Object> detail = event == null || event.getDetail() == null ? Map.of() : event.getDetail();
        if (Boolean.TRUE.equals(detail.get("audit"))) {
            Object after = detail.get("contentAfter");
            AuditService.AuditReport r = audit.audit(new AuditService.Options(Boolean.TRUE.equals(detail.get("fix")),
                    Boolean.TRUE.equals(detail.get("checkObjects")), Boolean.TRUE.equals(detail.get("checkContent")),
                    after instanceof String a && dev.chunkvault.core.hash.ChunkId.isValid(a) ? a : null, 0,
                    !Boolean.TRUE.equals(detail.get("contentOnly"))), hasTime);
            requestLog.info("audit done", Map.of("driftCount", r.driftCount(), "complete", r.complete(), "fixed", r.fixed()));
            requestLog.metrics(Map.of("AuditDrift", r.driftCount()), Map.of());
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("audit", r);
            return out;
        }
        GcReport r = Boolean.TRUE.equals(detail.get("continuation")) ? gc.continueNight(hasTime)
                : gc.run(event == null ? null : event.getId(), hasTime);
        requestLog.info("gc done", Map.of("report", r));
        requestLog.metrics(Map.of("GcBytesReclaimed", r.bytesReclaimed(), "GcChunksSwept", r.chunksSwept(),
                "GcVersionsExpired", r.versionsExpired(), "GcFilesPurged", r.filesPurged(),
                "GcComplete", r.complete() ? 1 : 0), Map.of("GcBytesReclaimed", "Bytes"));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("gc", r);
        return out;
    }
}
