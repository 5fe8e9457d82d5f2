package dev.chunkvault.client.model;

/** The answer to {@code POST /v1/packs}: the pack's id and its one presigned PUT. */
public record PackDeclared(String packId, Presigned upload) {}
