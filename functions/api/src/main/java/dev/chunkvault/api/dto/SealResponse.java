package dev.chunkvault.api.dto;

import dev.chunkvault.service.vault.PackService;
import java.util.List;

/**
 * The answer to POST /v1/packs/{packId}/seal: the pack was verified; {@code placed} of its chunks are stored from it,
 * {@code uploads} are chunks to send alone before committing (presigned PUTs, as from POST /v1/uploads), and
 * {@code retry} chunks to ask for again later.
 */
public record SealResponse(String packId, int placed, List<UploadsResponse.Upload> uploads, List<UploadsResponse.Later> retry) {
    public static SealResponse of(PackService.Sealed s) {
        return new SealResponse(s.packId(), s.placed(), s.uploads().stream().map(UploadsResponse.Upload::of).toList(),
                s.retry().stream().map(UploadsResponse.Later::of).toList());
    }
}
