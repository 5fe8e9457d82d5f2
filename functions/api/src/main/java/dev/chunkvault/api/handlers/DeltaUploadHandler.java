package dev.chunkvault.api.handlers;

import dev.chunkvault.api.dto.DeltaUploadRequest;
import dev.chunkvault.api.http.ApiRequest;
import dev.chunkvault.api.http.BadInput;
import dev.chunkvault.api.http.HttpFunction;
import dev.chunkvault.api.http.HttpResponse;
import dev.chunkvault.api.http.StructuredLog;
import dev.chunkvault.api.wiring.Wiring;
import dev.chunkvault.core.delta.Delta;
import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.service.vault.DeltaService;
import java.util.Map;

/**
 * POST /v1/delta-uploads — rebuilds a new chunk from a base chunk the caller holds and a binary delta, verifies its
 * SHA-256 and stores it (201), or answers 200 if the caller already holds it.
 *
 * <p>Two forms: JSON ({@code baseChunk}, {@code targetChunk}, {@code delta} in base64), or the delta's own binary
 * encoding as an {@code application/octet-stream} body (optionally {@code Content-Encoding: gzip}), whose header
 * already names the base and the target — a third smaller on the wire, and literal bytes compress.
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

    @Override
    protected HttpResponse handle(ApiRequest request, StructuredLog log) throws Exception {
        var owner = request.caller();
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
}
