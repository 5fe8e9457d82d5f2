package dev.chunkvault.client.model;

/** The answer to {@code POST /v1/delta-uploads}: {@code stored} false when the caller already held the chunk. */
public record DeltaStored(String id, int size, boolean stored) {}
