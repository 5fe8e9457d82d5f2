package dev.chunkvault.api.handlers;

import dev.chunkvault.api.dto.DeltaUploadRequest;
import dev.chunkvault.api.http.ApiRequest;
import dev.chunkvault.api.http.HttpFunction;
import dev.chunkvault.api.http.HttpResponse;
import dev.chunkvault.api.http.StructuredLog;
import dev.chunkvault.api.wiring.Wiring;
import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.service.vault.DeltaService;
import java.util.Map;

/**
 * POST /v1/delta-uploads — rebuilds a new chunk from a base chunk the caller holds and a binary delta, verifies its
 * SHA-256 and stores it (201), or answers 200 if the caller already holds it.
 */
public final class DeltaUploadHandler extends HttpFunction {
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

    @Override
    protected HttpResponse handle(ApiRequest request, StructuredLog log) throws Exception {
        var owner = request.caller();
        DeltaUploadRequest body = request.json(DeltaUploadRequest.class);
        byte[] delta = body.deltaBytes();
        DeltaService.DeltaResult r = deltas.deltaUpload(owner, ChunkId.parse(body.baseChunk()),
                ChunkId.parse(body.targetChunk()), delta);
        log.metrics(Map.of("DeltaUploadBytes", delta.length, "DeltaRebuiltBytes", r.size()),
                Map.of("DeltaUploadBytes", "Bytes", "DeltaRebuiltBytes", "Bytes"));
        Map<String, Object> out = Map.of("id", r.id().hex(), "size", r.size(), "stored", r.stored());
        return r.stored() ? HttpResponse.created(out) : HttpResponse.ok(out);
    }
}
