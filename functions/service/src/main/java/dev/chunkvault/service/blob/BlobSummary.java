package dev.chunkvault.service.blob;

import java.time.Instant;

/** One entry of a listing. */
public record BlobSummary(String key, long size, Instant lastModified) {}
