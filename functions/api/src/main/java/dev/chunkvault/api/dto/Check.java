package dev.chunkvault.api.dto;

import dev.chunkvault.api.http.BadInput;
import dev.chunkvault.core.hash.ChunkId;
import java.util.List;

/** Field checks for request DTOs; failures become 400s with the field named. */
final class Check {
    private Check() {}

    static <T> T required(T value, String field) {
        if (value == null) {
            throw new BadInput("MISSING_FIELD", "'" + field + "' is required.");
        }
        return value;
    }

    static ChunkId chunkId(String hex, String field) {
        if (!ChunkId.isValid(hex)) {
            throw new BadInput("INVALID_CHUNK_ID", "'" + field + "' must be 64 lowercase hex digits (a SHA-256).");
        }
        return ChunkId.parse(hex);
    }

    static <T> List<T> list(List<T> values, String field, int max) {
        required(values, field);
        if (values.size() > max) {
            throw new BadInput("TOO_MANY_ITEMS", "'" + field + "' has more than " + max + " items.");
        }
        for (T v : values) {
            if (v == null) {
                throw new BadInput("INVALID_FIELD", "'" + field + "' must not contain null.");
            }
        }
        return List.copyOf(values);
    }
}
