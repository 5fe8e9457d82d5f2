package dev.chunkvault.api.dto;

import dev.chunkvault.api.http.BadInput;
import dev.chunkvault.service.vault.Owner;
import dev.chunkvault.service.vault.RewindService;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * POST /v1/rewind: one page of a rewind of {@code folder} ("" or absent: the root) to the instant {@code to} (ISO-8601
 * with an offset, as {@code 2026-12-01T10:00:00Z}). {@code dryRun} writes nothing; otherwise {@code idempotencyKey} names
 * the rewind (the same for all its pages and their retries). {@code cursor} is the previous page's; {@code limit} bounds
 * the changes of this page (1..100, default 100).
 */
public record RewindRequestDto(String folder, String to, Boolean dryRun, String idempotencyKey, String cursor,
                               Integer limit) {
    public RewindRequestDto {
        Check.required(to, "to");
    }

    public RewindService.Request toDomain(Owner owner) {
        Instant instant;
        try {
            instant = java.time.OffsetDateTime.parse(to).toInstant();
        } catch (DateTimeParseException e) {
            throw new BadInput("INVALID_TIME", "'to' must be an ISO-8601 instant with an offset, like 2026-12-01T10:00:00Z.");
        }
        return new RewindService.Request(owner, folder == null ? "" : folder, instant, Boolean.TRUE.equals(dryRun),
                idempotencyKey, cursor, limit == null ? RewindService.MAX_CHANGES : limit);
    }
}
