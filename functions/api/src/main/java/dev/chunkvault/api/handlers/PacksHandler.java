package dev.chunkvault.api.handlers;

import dev.chunkvault.api.dto.PackRequest;
import dev.chunkvault.api.dto.PackResponse;
import dev.chunkvault.api.dto.SealRequest;
import dev.chunkvault.api.dto.SealResponse;
import dev.chunkvault.api.http.ApiRequest;
import dev.chunkvault.api.http.BadInput;
import dev.chunkvault.api.http.HttpFunction;
import dev.chunkvault.api.http.HttpResponse;
import dev.chunkvault.api.http.StructuredLog;
import dev.chunkvault.api.wiring.Wiring;
import dev.chunkvault.service.vault.PackService;
import java.io.IOException;
import java.util.Map;

/**
 * Packs of small chunks: {@code POST /v1/packs} declares one (its checksum, size and chunks) and answers one presigned
 * PUT; {@code POST /v1/packs/seal} verifies the uploaded pack chunk by chunk and stores its chunks.
 */
public final class PacksHandler extends HttpFunction {
    private final PackService packs;

    public PacksHandler() {
        this(System.getenv());
    }

    public PacksHandler(Map<String, String> env) {
        this(Wiring.fromEnv(env));
    }

    /** The injecting constructor: everything from one {@link Wiring}. */
    public PacksHandler(Wiring wiring) {
        super("packs", wiring.log("packs"));
        this.packs = wiring.packs();
    }

    @Override
    protected HttpResponse handle(ApiRequest request, StructuredLog log) throws IOException {
        return switch (request.routeKey()) {
            case "POST /v1/packs" -> {
                PackRequest body = request.json(PackRequest.class);
                PackService.Declared d = packs.declare(request.caller(), body.checksum(), body.size(), body.entries(),
                        body.onlyIfNoneHeld());
                log.metrics(Map.of("PackChunks", body.chunks().size(), "PackBytes", body.size()), Map.of("PackBytes", "Bytes"));
                yield HttpResponse.ok(PackResponse.of(d));
            }
            case "POST /v1/packs/seal" -> {
                SealRequest body = request.json(SealRequest.class);
                PackService.Sealed s = packs.seal(request.caller(), body.packId());
                sealMetrics(s, log);
                yield HttpResponse.ok(SealResponse.of(s));
            }
            default -> throw new BadInput("UNKNOWN_ROUTE", "This function does not serve that route.");
        };
    }

    /**
     * A seal's metrics: chunks placed and sent alone, and, when this seal verified the object, the time the
     * verification took (the pack's SHA-256, then each entry decoded and hashed; the read excluded) and its bytes.
     */
    static void sealMetrics(PackService.Sealed s, StructuredLog log) {
        if (s.verifyNanos() == 0) {
            log.metrics(Map.of("PackChunksPlaced", s.placed(), "PackChunksAlone", s.uploads().size()), Map.of());
            return;
        }
        log.metrics(Map.of("PackChunksPlaced", s.placed(), "PackChunksAlone", s.uploads().size(),
                "SealVerifyMs", s.verifyNanos() / 1e6, "SealVerifiedBytes", s.verifiedBytes()),
                Map.of("SealVerifyMs", "Milliseconds", "SealVerifiedBytes", "Bytes"));
    }
}
