package dev.chunkvault.api.dto;

/** POST /v1/packs/seal: the pack (from POST /v1/packs) that has been uploaded. */
public record SealRequest(String packId) {
    public SealRequest {
        Check.required(packId, "packId");
    }
}
