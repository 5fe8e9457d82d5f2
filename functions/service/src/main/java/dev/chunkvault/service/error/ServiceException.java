package dev.chunkvault.service.error;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * A failure meant for the caller. {@code code} is a stable machine-readable name (e.g. {@code STALE_PARENT}),
 * {@code message} a human sentence written for callers (never an exception message), {@code details}
 * structured data the caller needs (the current head, the missing chunks). Everything else is a bug,
 * logged and answered as a generic 500.
 */
public final class ServiceException extends RuntimeException {
    private final ErrorKind kind;
    private final String code;
    private final transient Map<String, Object> details;
    private final Duration retryAfter;

    private ServiceException(ErrorKind kind, String code, String message, Map<String, Object> details,
                             Duration retryAfter, Throwable cause) {
        super(message, cause, false, false);
        this.kind = Objects.requireNonNull(kind);
        this.code = Objects.requireNonNull(code);
        // Values may be null (e.g. "head": null when the file does not exist), which Map.copyOf refuses.
        this.details = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(details));
        this.retryAfter = retryAfter;
    }

    public static ServiceException badRequest(String code, String message) {
        return new ServiceException(ErrorKind.BAD_REQUEST, code, message, Map.of(), null, null);
    }

    public static ServiceException notFound(String message) {
        return new ServiceException(ErrorKind.NOT_FOUND, "NOT_FOUND", message, Map.of(), null, null);
    }

    public static ServiceException conflict(String code, String message, Map<String, Object> details) {
        return new ServiceException(ErrorKind.CONFLICT, code, message, details, null, null);
    }

    public static ServiceException unprocessable(String code, String message, Map<String, Object> details) {
        return new ServiceException(ErrorKind.UNPROCESSABLE, code, message, details, null, null);
    }

    public static ServiceException forbidden(String code, String message, Map<String, Object> details) {
        return new ServiceException(ErrorKind.FORBIDDEN, code, message, details, null, null);
    }

    /** A limit of the caller's own (not the service's load): retry after {@code retryAfter}, not sooner (429). */
    public static ServiceException limited(String code, String message, Duration retryAfter, Map<String, Object> details) {
        return new ServiceException(ErrorKind.THROTTLED, code, message, details, retryAfter, null);
    }

    public static ServiceException tooLarge(String code, String message) {
        return new ServiceException(ErrorKind.TOO_LARGE, code, message, Map.of(), null, null);
    }

    public static ServiceException throttled(Duration retryAfter, Throwable cause) {
        return new ServiceException(ErrorKind.THROTTLED, "THROTTLED", "Too many requests; retry later.", Map.of(),
                retryAfter, cause);
    }

    public static ServiceException unavailable(String code, String message, Duration retryAfter, Throwable cause) {
        return new ServiceException(ErrorKind.UNAVAILABLE, code, message, Map.of(), retryAfter, cause);
    }

    /**
     * The service's own trouble (the store unavailable or throttling after retries), not a refusal of what was asked:
     * a request that meets it ends, to be retried whole.
     */
    public boolean isServiceTrouble() {
        return kind == ErrorKind.UNAVAILABLE || kind == ErrorKind.THROTTLED;
    }

    public ErrorKind kind() {
        return kind;
    }

    public String code() {
        return code;
    }

    public Map<String, Object> details() {
        return details;
    }

    /** For THROTTLED and UNAVAILABLE: when to retry. */
    public Duration retryAfter() {
        return retryAfter;
    }
}
