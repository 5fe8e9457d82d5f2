package dev.chunkvault.api.handlers;

import dev.chunkvault.api.dto.DownloadRequestDto;
import dev.chunkvault.api.dto.DownloadResponse;
import dev.chunkvault.service.vault.ReadService;
import dev.chunkvault.api.http.ApiRequest;
import dev.chunkvault.api.http.HttpFunction;
import dev.chunkvault.api.http.HttpResponse;
import dev.chunkvault.api.http.StructuredLog;
import dev.chunkvault.api.wiring.Wiring;
import dev.chunkvault.api.dto.DownloadBatchRequestDto;
import dev.chunkvault.api.http.ErrorMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * POST /v1/downloads — a version's manifest and presigned GETs for its chunks (only chunks of that version).
 *
 * <p>POST /v1/download-batch — the plans of up to 100 files in one request (a device getting a tree of small files):
 * 200 with one result per file, in order, each the status and body POST /v1/downloads would have answered for it.
 */
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

    static final String BATCH_ROUTE = "POST /v1/download-batch";

    @Override
    protected HttpResponse handle(ApiRequest request, StructuredLog log) throws Exception {
        var owner = request.caller();
        if (BATCH_ROUTE.equals(request.routeKey())) {
            DownloadBatchRequestDto body = request.json(DownloadBatchRequestDto.class);
            List<Map<String, Object>> results = new ArrayList<>();
            for (ReadService.BatchPlan item : reads.downloadBatch(owner, body.toDomain())) {
                HttpResponse one = item.plan() != null ? HttpResponse.ok(DownloadResponse.of(item.plan()))
                        : ErrorMapper.map(item.error(), request.requestId(), log);
                results.add(one.asBatchItem());
            }
            return HttpResponse.ok(Map.of("results", results));
        }
        DownloadRequestDto body = request.json(DownloadRequestDto.class);
        return HttpResponse.ok(DownloadResponse.of(reads.download(owner, body.path(), body.version(), body.chunkIds())));
    }
}
