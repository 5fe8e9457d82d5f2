package dev.chunkvault.api.http;

import com.fasterxml.jackson.core.type.TypeReference;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/** What a route answers: a status, a JSON body (or none) and extra headers. */
public record HttpResponse(int status, Object body, Map<String, String> headers) {
    public HttpResponse {
        headers = Map.copyOf(headers);
    }

    public static HttpResponse ok(Object body) {
        return new HttpResponse(200, body, Map.of());
    }

    public static HttpResponse created(Object body) {
        return new HttpResponse(201, body, Map.of());
    }

    public static HttpResponse of(int status, Object body) {
        return new HttpResponse(status, body, Map.of());
    }

    public HttpResponse withHeader(String name, String value) {
        Map<String, String> h = new HashMap<>(headers);
        h.put(name, value);
        return new HttpResponse(status, body, h);
    }

    /**
     * This answer as one item of a batch route's answer ({@code /v1/commit-batch}, {@code /v1/download-batch},
     * {@code /v1/delta-upload-batch}): {@code first} (e.g. the pack id), then {@code status}, then the body's fields.
     */
    public Map<String, Object> asBatchItem(Map<String, Object> first) {
        Map<String, Object> r = new LinkedHashMap<>(first);
        r.put("status", status);
        r.putAll(Json.MAPPER.convertValue(body, new TypeReference<Map<String, Object>>() {}));
        return r;
    }

    /** {@link #asBatchItem(Map)} with nothing before the status. */
    public Map<String, Object> asBatchItem() {
        return asBatchItem(Map.of());
    }
}
