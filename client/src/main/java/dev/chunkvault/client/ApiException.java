package dev.chunkvault.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The server answered with an error: {@code {"error": CODE, "message": ..., "requestId": ..., "details": {...}}}.
 * The message is the server's, which is written for callers.
 *
 * <p>A 404 is one of two things, told apart by its code: the service saying that what the request names does not
 * exist ({@link #isNoSuchFile}, code {@code NOT_FOUND}), or no handler for the request's route at all
 * ({@link #isNoSuchRoute}: an older or misconfigured service, or the wrong endpoint). Only the first may ever be taken
 * for "already gone".
 */
public class ApiException extends ChunkvaultException {
    private final int status;
    private final String code;
    private final String requestId;
    private final transient JsonNode details;
    private final Duration retryAfter;
    /** Whether the answer carried an error code of the service's (else {@link #code} is {@code HTTP_<status>}). */
    private final boolean coded;
    private final String route;

    public ApiException(int status, String code, String message, String requestId, JsonNode details,
                        Duration retryAfter) {
        this(status, code, message, requestId, details, retryAfter, null);
    }

    /** @param route the request's method and path ({@code POST /v1/delete}), when known */
    public ApiException(int status, String code, String message, String requestId, JsonNode details,
                        Duration retryAfter, String route) {
        super(message == null || message.isBlank() ? "The server answered HTTP " + status + "." : message);
        this.status = status;
        this.coded = code != null;
        this.code = code == null ? "HTTP_" + status : code;
        this.requestId = requestId;
        this.details = details == null ? MissingNode.getInstance() : details;
        this.retryAfter = retryAfter;
        this.route = route;
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public String requestId() {
        return requestId;
    }

    public JsonNode details() {
        return details;
    }

    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    /** The request's method and path ({@code POST /v1/delete}), when known. */
    public Optional<String> route() {
        return Optional.ofNullable(route);
    }

    /**
     * Any 404: a missing file and a missing route alike.
     *
     * @deprecated a 404 from a route that does not exist is not a missing file: ask {@link #isNoSuchFile} or
     *     {@link #isNoSuchRoute}
     */
    @Deprecated
    public boolean isNotFound() {
        return status == 404;
    }

    /**
     * The service says that what the request names does not exist: 404 {@code NOT_FOUND} (the file, the version, a
     * chunk among the caller's, or a deletion where content was asked for).
     */
    public boolean isNoSuchFile() {
        return status == 404 && "NOT_FOUND".equals(code);
    }

    /**
     * The request reached no handler for its route: a 404 that carries no error code of the service's (an API
     * gateway's own {@code {"message":"Not Found"}}, or a page that is not JSON), or {@code UNKNOWN_ROUTE} (a function
     * sent a route it does not serve). An older or misconfigured service, or the wrong endpoint; never a missing file.
     */
    public boolean isNoSuchRoute() {
        return status == 404 && !coded || "UNKNOWN_ROUTE".equals(code);
    }

    /**
     * 400 {@code UNKNOWN_FIELD}: the service refuses a field of the request it does not know (a deployment older than
     * this client).
     */
    public boolean isUnknownField() {
        return status == 400 && "UNKNOWN_FIELD".equals(code);
    }

    /** 401, or a 403 that is about the caller's token or scopes (not the account's quota). */
    public boolean isUnauthorized() {
        return status == 401 || (status == 403 && !isQuotaExceeded());
    }

    public boolean isStaleParent() {
        return status == 409 && "STALE_PARENT".equals(code);
    }

    /** 403 QUOTA_EXCEEDED: the commit would take the account past its storage quota; nothing changed. */
    public boolean isQuotaExceeded() {
        return status == 403 && "QUOTA_EXCEEDED".equals(code);
    }

    /** 429 TOO_MANY_VERSIONS: the file got its limit of new versions this hour; {@link #retryAfter()} says when. */
    public boolean isTooManyVersions() {
        return status == 429 && "TOO_MANY_VERSIONS".equals(code);
    }

    public boolean isMissingChunks() {
        return status == 422 && "MISSING_CHUNKS".equals(code);
    }

    /** For MISSING_CHUNKS: the chunk ids listed in {@code details.missing} (possibly a prefix of all). */
    public List<String> missingChunks() {
        List<String> out = new ArrayList<>();
        details.path("missing").forEach(n -> out.add(n.asText()));
        return out;
    }

    @Override
    public String toString() {
        return "ApiException[" + status + " " + code + (route == null ? "" : ", " + route)
                + (requestId == null ? "" : ", requestId=" + requestId) + "]: " + getMessage();
    }
}
