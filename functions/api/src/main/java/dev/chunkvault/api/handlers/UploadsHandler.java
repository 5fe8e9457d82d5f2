package dev.chunkvault.api.handlers;

import dev.chunkvault.api.dto.UploadsRequest;
import dev.chunkvault.api.dto.UploadsResponse;
import dev.chunkvault.api.http.ApiRequest;
import dev.chunkvault.api.http.HttpFunction;
import dev.chunkvault.api.http.HttpResponse;
import dev.chunkvault.api.http.StructuredLog;
import dev.chunkvault.api.wiring.Wiring;
import dev.chunkvault.service.vault.Owner;
import dev.chunkvault.service.vault.UploadService;
import java.io.IOException;
import java.util.Map;

/** POST /v1/uploads — presigned chunk upload: which chunks the caller holds, and a PUT URL for each other one. */
public final class UploadsHandler extends HttpFunction {
    private final UploadService uploads;

    public UploadsHandler() {
        this(System.getenv());
    }

    public UploadsHandler(Map<String, String> env) {
        this(Wiring.fromEnv(env));
    }

    /** The injecting constructor: everything from one {@link Wiring}. */
    public UploadsHandler(Wiring wiring) {
        super("uploads", wiring.log("uploads"));
        this.uploads = wiring.uploads();
    }

    @Override
    protected HttpResponse handle(ApiRequest request, StructuredLog log) throws IOException {
        Owner owner = request.caller();
        UploadsRequest body = request.json(UploadsRequest.class);
        UploadService.Grant grant = uploads.grant(owner, body.toDomain(), body.packs());
        int asked = body.chunks().size();
        log.metrics(Map.of("ChunksOffered", asked, "ChunksAlreadyHeld", grant.have().size(),
                "UploadDedupRatio", asked == 0 ? 0.0 : (double) grant.have().size() / asked), Map.of("UploadDedupRatio", "None"));
        return HttpResponse.ok(UploadsResponse.of(grant));
    }
}
