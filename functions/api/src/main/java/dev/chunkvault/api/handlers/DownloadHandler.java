package dev.chunkvault.api.handlers;

import dev.chunkvault.api.dto.DownloadRequestDto;
import dev.chunkvault.api.dto.DownloadResponse;
import dev.chunkvault.service.vault.ReadService;
import dev.chunkvault.api.http.ApiRequest;
import dev.chunkvault.api.http.HttpFunction;
import dev.chunkvault.api.http.HttpResponse;
import dev.chunkvault.api.http.StructuredLog;
import dev.chunkvault.api.wiring.Wiring;
import java.util.Map;

/** POST /v1/downloads — a version's manifest and presigned GETs for its chunks (only chunks of that version). */
public final class DownloadHandler extends HttpFunction {
    private final ReadService reads;

    public DownloadHandler() {
        this(System.getenv());
    }

    public DownloadHandler(Map<String, String> env) {
        this(Wiring.fromEnv(env));
    }

    /** The injecting constructor: everything from one {@link Wiring}. */
    public DownloadHandler(Wiring wiring) {
        super("download", wiring.log("download"));
        this.reads = wiring.reads();
    }

    @Override
    protected HttpResponse handle(ApiRequest request, StructuredLog log) throws Exception {
        var owner = request.caller();
        DownloadRequestDto body = request.json(DownloadRequestDto.class);
        return HttpResponse.ok(DownloadResponse.of(reads.download(owner, body.path(), body.version(), body.chunkIds())));
    }
}
