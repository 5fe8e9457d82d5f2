package dev.chunkvault.client.model;

import java.util.List;

/**
 * The answer to {@code POST /v1/packs/seal}: how many chunks the pack stored, chunks to send alone (their verified
 * bytes are stored elsewhere, so the uploader proves them the usual way) and chunks to ask for again later.
 */
public record PackSealed(String packId, int placed, List<UploadGrant.Upload> uploads, List<UploadGrant.Later> retry) {
    public PackSealed {
        uploads = uploads == null ? List.of() : List.copyOf(uploads);
        retry = retry == null ? List.of() : List.copyOf(retry);
    }
}
