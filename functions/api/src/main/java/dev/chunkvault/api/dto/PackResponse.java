package dev.chunkvault.api.dto;

import dev.chunkvault.service.vault.PackService;

/** The answer to POST /v1/packs: the pack's id and the one presigned PUT that uploads it (send exactly its headers). */
public record PackResponse(String packId, Presigned upload) {
    public static PackResponse of(PackService.Declared d) {
        return new PackResponse(d.packId(), Presigned.of(d.upload()));
    }
}
