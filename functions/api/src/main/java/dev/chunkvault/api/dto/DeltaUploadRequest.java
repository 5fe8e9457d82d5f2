package dev.chunkvault.api.dto;

import dev.chunkvault.api.http.BadInput;
import java.util.Base64;

/** POST /v1/delta-uploads: rebuild {@code targetChunk} from the stored {@code baseChunk} and {@code delta} (base64). */
public record DeltaUploadRequest(String baseChunk, String targetChunk, String delta) {
    public DeltaUploadRequest {
        Check.chunkId(baseChunk, "baseChunk");
        Check.chunkId(targetChunk, "targetChunk");
        Check.required(delta, "delta");
    }

    public byte[] deltaBytes() {
        try {
            return Base64.getDecoder().decode(delta);
        } catch (IllegalArgumentException e) {
            throw new BadInput("INVALID_FIELD", "'delta' must be base64.");
        }
    }
}
