package dev.chunkvault.api.dto;

import dev.chunkvault.api.http.BadInput;
import dev.chunkvault.core.manifest.Manifest;
import dev.chunkvault.core.manifest.ManifestDelta;
import dev.chunkvault.service.vault.ConflictService;
import java.time.LocalDateTime;
import java.time.format.DateTimeParseException;

/**
 * POST /v1/conflict-check. The local state is exactly one of {@code localManifest} (the whole chunk list),
 * {@code localManifestDelta} (against {@code baseVersion}'s manifest) and {@code localDeleted: true}, or none of
 * them: unchanged since {@code baseVersion}.
 *
 * @param localName the file's name as on the client's disk, for collision checks (optional)
 * @param device    the device name used in conflicted-copy names (optional)
 * @param localTime the device's wall-clock time, {@code YYYY-MM-DDTHH:MM:SS} without an offset, for conflicted-copy
 *                  names (optional; the service's UTC time otherwise)
 */
public record ConflictCheckRequest(String path, String localName, String baseVersion, Manifest localManifest,
                                   ManifestDelta localManifestDelta, Boolean localDeleted, String device,
                                   String localTime) {
    /** Device names are cut to 40 bytes in names anyway; this only bounds the work on silly input. */
    static final int MAX_DEVICE_CHARS = 256;

    public ConflictCheckRequest {
        Check.required(path, "path");
        int states = (localManifest != null ? 1 : 0) + (localManifestDelta != null ? 1 : 0)
                + (Boolean.TRUE.equals(localDeleted) ? 1 : 0);
        if (states > 1) {
            throw new BadInput("AMBIGUOUS_LOCAL_STATE",
                    "Give at most one of 'localManifest', 'localManifestDelta' and 'localDeleted': true.");
        }
        if (device != null && device.length() > MAX_DEVICE_CHARS) {
            throw new BadInput("INVALID_FIELD", "'device' has more than " + MAX_DEVICE_CHARS + " characters.");
        }
        if (localTime != null) {
            parseTime(localTime);
        }
    }

    public ConflictService.LocalState localState() {
        if (localManifest != null) {
            return new ConflictService.LocalState.Modified(localManifest);
        }
        if (localManifestDelta != null) {
            return new ConflictService.LocalState.ModifiedDelta(localManifestDelta);
        }
        return Boolean.TRUE.equals(localDeleted) ? new ConflictService.LocalState.Deleted()
                : new ConflictService.LocalState.Unchanged();
    }

    /** The device's wall-clock time, or null. */
    public LocalDateTime deviceTime() {
        return localTime == null ? null : parseTime(localTime);
    }

    private static LocalDateTime parseTime(String s) {
        try {
            LocalDateTime t = LocalDateTime.parse(s);
            if (t.getYear() < 0 || t.getYear() > 9999) {
                throw new DateTimeParseException("year out of range", s, 0);
            }
            return t;
        } catch (DateTimeParseException e) {
            throw new BadInput("INVALID_LOCAL_TIME", "'localTime' must be a local date-time like 2026-01-02T03:04:05.");
        }
    }
}
