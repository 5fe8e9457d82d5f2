package dev.chunkvault.api.http;

import java.util.HashMap;
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
}
