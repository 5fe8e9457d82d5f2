package dev.chunkvault.api.dto;

import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.service.vault.PackService;
import java.util.List;

/**
 * The answer to POST /v1/packs: the pack's id and the one presigned PUT that uploads it (send exactly its headers);
 * or, for a declaration made {@code unlessHeld} that named chunks the caller holds, only those in {@code have} (no
 * pack was declared: build it again without them).
 */
public record PackResponse(String packId, Presigned upload, List<String> have) {
    public static PackResponse of(PackService.Declared d) {
        if (!d.declared()) {
            return new PackResponse(null, null, d.have().stream().map(ChunkId::hex).toList());
        }
        return new PackResponse(d.packId(), Presigned.of(d.upload()), List.of());
    }
}
