package dev.chunkvault.api.handlers;

import dev.chunkvault.api.dto.DeltaUploadRequest;
import dev.chunkvault.api.http.ApiRequest;
import dev.chunkvault.api.http.BadInput;
import dev.chunkvault.api.http.ErrorMapper;
import dev.chunkvault.api.http.HttpFunction;
import dev.chunkvault.api.http.HttpResponse;
import dev.chunkvault.api.http.StructuredLog;
import dev.chunkvault.api.wiring.Wiring;
import dev.chunkvault.core.delta.Delta;
import dev.chunkvault.core.delta.DeltaBatch;
import dev.chunkvault.core.delta.DeltaException;
import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.service.error.ServiceException;
import dev.chunkvault.service.vault.DeltaService;
import dev.chunkvault.service.vault.Owner;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * POST /v1/delta-uploads — rebuilds a new chunk from a base chunk the caller holds and a binary delta, verifies its
 * SHA-256 and stores it (201), or answers 200 if the caller already holds it.
 *
 * <p>Two forms: JSON ({@code baseChunk}, {@code targetChunk}, {@code delta} in base64), or the delta's own binary
 * encoding as an {@code application/octet-stream} body (optionally {@code Content-Encoding: gzip}), whose header
 * already names the base and the target — a third smaller on the wire, and literal bytes compress.
 *
 * <p>POST /v1/delta-upload-batch — many deltas across files in one {@code application/octet-stream} body (optionally
 * {@code Content-Encoding: gzip}), framed as {@link DeltaBatch} says: 200 with one result per delta, in order, each
 * the status and body POST /v1/delta-uploads would have answered for it alone (one refused delta stores nothing and
 * does not stop the others). Malformed framing is 400 and an oversize batch 413, before anything is stored.
 */
public final class DeltaUploadHandler extends HttpFunction {
    static final String BINARY = "application/octet-stream";

    private final DeltaService deltas;

    public DeltaUploadHandler() {
        this(System.getenv());
    }

    public DeltaUploadHandler(Map<String, String> env) {
        this(Wiring.fromEnv(env));
    }

    /** The injecting constructor: everything from one {@link Wiring}. */
    public DeltaUploadHandler(Wiring wiring) {
        super("delta-upload", wiring.log("delta-upload"));
        this.deltas = wiring.deltas();
    }

    static final String BATCH_ROUTE = "POST /v1/delta-upload-batch";

    @Override
    protected HttpResponse handle(ApiRequest request, StructuredLog log) throws Exception {
        var owner = request.caller();
        if (BATCH_ROUTE.equals(request.routeKey())) {
            return batch(request, owner, log);
        }
        byte[] delta;
        ChunkId base;
        ChunkId target;
        if (request.mediaType().equals(BINARY)) {
            delta = request.body();
            Delta.Header h = Delta.Header.read(delta).orElseThrow(() -> new BadInput("MALFORMED_DELTA",
                    "The body is not a binary delta (see the delta encoding in the API document)."));
            base = h.baseId();
            target = h.targetId();
        } else {
            DeltaUploadRequest body = request.json(DeltaUploadRequest.class);
            delta = body.deltaBytes();
            base = ChunkId.parse(body.baseChunk());
            target = ChunkId.parse(body.targetChunk());
        }
        DeltaService.DeltaResult r = deltas.deltaUpload(owner, base, target, delta);
        log.metrics(Map.of("DeltaUploadBytes", delta.length, "DeltaRebuiltBytes", r.size()),
                Map.of("DeltaUploadBytes", "Bytes", "DeltaRebuiltBytes", "Bytes"));
        Map<String, Object> out = Map.of("id", r.id().hex(), "size", r.size(), "stored", r.stored());
        return r.stored() ? HttpResponse.created(out) : HttpResponse.ok(out);
    }

    private HttpResponse batch(ApiRequest request, Owner owner, StructuredLog log) {
        if (!request.mediaType().equals(BINARY)) {
            throw new BadInput("MALFORMED_BATCH", "A delta batch is sent as " + BINARY + " (see the API document).");
        }
        byte[] body = request.body();
        List<byte[]> items;
        try {
            items = DeltaBatch.decode(body, deltas.batchLimits().maxItems());
        } catch (DeltaException e) {
            if (e.reason() == DeltaException.Reason.TOO_LARGE) {
                throw ServiceException.tooLarge("TOO_MANY_DELTAS", "At most " + deltas.batchLimits().maxItems()
                        + " deltas per batch.");
            }
            throw new BadInput("MALFORMED_BATCH", "The body is not a delta batch (see the delta batch encoding in the API document).");
        }
        List<DeltaService.BatchItem> done = deltas.deltaUploadBatch(owner, items);
        List<Map<String, Object>> results = new ArrayList<>(done.size());
        long rebuilt = 0;
        int refused = 0;
        for (DeltaService.BatchItem item : done) {
            HttpResponse one;
            if (item.result() != null) {
                DeltaService.DeltaResult r = item.result();
                rebuilt += r.size();
                Map<String, Object> out = Map.of("id", r.id().hex(), "size", r.size(), "stored", r.stored());
                one = r.stored() ? HttpResponse.created(out) : HttpResponse.ok(out);
            } else {
                refused++;
                one = ErrorMapper.map(item.error(), request.requestId(), log);
            }
            results.add(one.asBatchItem());
        }
        log.metrics(Map.of("DeltaBatchSize", done.size(), "DeltaBatchRefused", refused, "DeltaUploadBytes", body.length,
                "DeltaRebuiltBytes", rebuilt), Map.of("DeltaUploadBytes", "Bytes", "DeltaRebuiltBytes", "Bytes"));
        return HttpResponse.ok(Map.of("results", results));
    }
}
