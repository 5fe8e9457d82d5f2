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
 */
public class ApiException extends ChunkvaultException {
    private final int status;
    private final String code;
    private final String requestId;
    private final transient JsonNode details;
    private final Duration retryAfter;

    public ApiException(int status, String code, String message, String requestId, JsonNode details,
                        Duration retryAfter) {
        super(message == null || message.isBlank() ? "The server answered HTTP " + status + "." : message);
        this.status = status;
        this.code = code == null ? "HTTP_" + status : code;
        this.requestId = requestId;
        this.details = details == null ? MissingNode.getInstance() : details;
        this.retryAfter = retryAfter;
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

    public boolean isNotFound() {
        return status == 404;
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
        return "ApiException[" + status + " " + code + (requestId == null ? "" : ", requestId=" + requestId) + "]: "
                + getMessage();
    }
}
