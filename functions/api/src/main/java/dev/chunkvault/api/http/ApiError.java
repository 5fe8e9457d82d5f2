package dev.chunkvault.api.http;

import java.util.Map;

/** The error body of every non-2xx answer: {"error": CODE, "message": ..., "requestId": ..., ...details}. */
public record ApiError(String error, String message, String requestId, Map<String, Object> details) {}
