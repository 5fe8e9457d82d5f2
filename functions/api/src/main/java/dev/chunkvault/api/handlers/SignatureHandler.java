package dev.chunkvault.api.handlers;

import dev.chunkvault.api.dto.SignaturesRequest;
import dev.chunkvault.api.dto.SignaturesResponse;
import dev.chunkvault.api.http.ApiRequest;
import dev.chunkvault.api.http.HttpFunction;
import dev.chunkvault.api.http.HttpResponse;
import dev.chunkvault.api.http.StructuredLog;
import dev.chunkvault.api.wiring.Wiring;
import dev.chunkvault.service.vault.DeltaService;
import java.util.Map;

/** POST /v1/signatures — delta-signature: a version's manifest (or manifest delta) and block signatures of its chunks. */
public final class SignatureHandler extends HttpFunction {
    private final DeltaService deltas;

    public SignatureHandler() {
        this(System.getenv());
    }

    public SignatureHandler(Map<String, String> env) {
        this(Wiring.fromEnv(env));
    }

    /** The injecting constructor: everything from one {@link Wiring}. */
    public SignatureHandler(Wiring wiring) {
        super("signatures", wiring.log("signatures"));
        this.deltas = wiring.deltas();
    }

    @Override
    protected HttpResponse handle(ApiRequest request, StructuredLog log) throws Exception {
        var owner = request.caller();
        SignaturesRequest body = request.json(SignaturesRequest.class);
        return HttpResponse.ok(SignaturesResponse.of(deltas.signatures(owner, body.path(), body.version(), body.against(),
                body.chunkIds())));
    }
}
