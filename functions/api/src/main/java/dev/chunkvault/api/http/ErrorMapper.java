package dev.chunkvault.api.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import dev.chunkvault.service.blob.BlobStoreException;
import dev.chunkvault.service.error.ServiceException;
import dev.chunkvault.service.store.TransientStoreException;
import dev.chunkvault.service.vault.Owner;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The one place where failures become HTTP answers. Callers get a stable code, a message written for them,
 * the request id and structured details; never an exception message or a stack trace (those go to the log).
 */
public final class ErrorMapper {
    private ErrorMapper() {}

    public static HttpResponse map(Throwable t, String requestId, StructuredLog log) {
        if (t instanceof ServiceException e) {
            HttpResponse r = HttpResponse.of(status(e), new ApiError(e.code(), e.getMessage(), requestId,
                    e.details().isEmpty() ? null : e.details()));
            return e.retryAfter() == null ? r : r.withHeader("Retry-After", seconds(e.retryAfter()));
        }
        if (t instanceof ApiRequest.NotAuthenticated e && e.badSubject()) {
            log.warn("token subject refused", Map.of("reason", e.getMessage()));
            return error(401, "INVALID_SUBJECT", "The token's subject (sub) must be a string of 1 to "
                    + Owner.MAX_SUBJECT_BYTES + " bytes (UTF-8) of well-formed Unicode text without control characters.",
                    requestId).withHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"");
        }
        if (t instanceof ApiRequest.NotAuthenticated) {
            return error(401, "UNAUTHORIZED", "Sign in: this route needs a valid bearer token.", requestId);
        }
        if (t instanceof ApiRequest.PayloadTooLarge e) {
            return error(413, "PAYLOAD_TOO_LARGE", "The request body " + (e.inflated() ? "inflates to" : "is")
                    + " more than " + ApiRequest.MAX_BODY_BYTES / (1024 * 1024) + " MiB.", requestId);
        }
        if (t instanceof ApiRequest.UnsupportedEncoding e) {
            return error(415, "UNSUPPORTED_ENCODING", e.getMessage(), requestId);
        }
        if (t instanceof BadInput e) {
            return error(400, e.code(), e.getMessage(), requestId);
        }
        if (t instanceof ValueInstantiationException e && e.getCause() instanceof BadInput b) {
            return error(400, b.code(), b.getMessage(), requestId);
        }
        if (t instanceof UnrecognizedPropertyException e) {
            return error(400, "UNKNOWN_FIELD", "Unknown field '" + clip(e.getPropertyName()) + "' at " + path(e) + ".",
                    requestId);
        }
        if (t instanceof MismatchedInputException e) {
            return error(400, "INVALID_FIELD", "Missing or wrongly typed value at " + path(e) + ".", requestId);
        }
        if (t instanceof JsonMappingException e && e.getCause() instanceof InputCoercionException) {
            return error(400, "INVALID_FIELD", "A number out of range at " + path(e) + ".", requestId);
        }
        if (t instanceof InputCoercionException) {
            return error(400, "INVALID_FIELD", "A number in the request is out of range.", requestId);
        }
        if (t instanceof JsonProcessingException) {
            return error(400, "MALFORMED_JSON", "The request body is not valid JSON of the expected shape.", requestId);
        }
        if (t instanceof TransientStoreException e && e.kind() == TransientStoreException.Kind.THROTTLED) {
            log.warn("throttled", Map.of("error", t.getClass().getSimpleName()));
            return error(429, "THROTTLED", "Too many requests; retry later.", requestId).withHeader("Retry-After", "1");
        }
        if (t instanceof TransientStoreException || t instanceof BlobStoreException) {
            log.warn("storage unavailable", Map.of("error", t.getClass().getSimpleName(), "detail", String.valueOf(t.getMessage())));
            return error(503, "UNAVAILABLE", "The service could not complete the request now; nothing was lost, retry later.",
                    requestId).withHeader("Retry-After", "1");
        }
        log.error("unhandled failure", t);
        return error(500, "INTERNAL", "Internal error.", requestId);
    }

    private static HttpResponse error(int status, String code, String message, String requestId) {
        return HttpResponse.of(status, new ApiError(code, message, requestId, null));
    }

    private static int status(ServiceException e) {
        return switch (e.kind()) {
            case BAD_REQUEST -> 400;
            case FORBIDDEN -> 403;
            case NOT_FOUND -> 404;
            case CONFLICT -> 409;
            case UNPROCESSABLE -> 422;
            case TOO_LARGE -> 413;
            case THROTTLED -> 429;
            case UNAVAILABLE -> 503;
        };
    }

    private static String seconds(Duration d) {
        return Long.toString(Math.max(1, (d.toMillis() + 999) / 1000));
    }

    /** The JSON path of the offending value, built from field names and indexes only. */
    private static String path(JsonMappingException e) {
        String p = e.getPath().stream()
                .map(r -> r.getFieldName() != null ? "." + clip(r.getFieldName()) : "[" + r.getIndex() + "]")
                .collect(Collectors.joining());
        return p.isEmpty() ? "the top level" : "$" + p;
    }

    private static String clip(String s) {
        if (s == null) {
            return "";
        }
        String printable = s.codePoints().filter(c -> c >= 0x20 && c != 0x7f && c < 0x10000)
                .limit(64).collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
        return printable.replace("'", "");
    }
}
