package dev.chunkvault.client.model;

import dev.chunkvault.core.manifest.Manifest;
import dev.chunkvault.core.manifest.ManifestDelta;
import java.util.List;

/** The answer to {@code POST /v1/signatures}. */
public record Signatures(VersionInfo version, String against, Manifest manifest, ManifestDelta manifestDelta,
                         List<Signature> signatures) {
    public Signatures {
        signatures = signatures == null ? List.of() : List.copyOf(signatures);
    }

    /**
     * One chunk's block signature (base64 of the binary encoding) and a presigned GET of the object holding the chunk,
     * which starts at {@code offset} in it (a pack), or is the whole object (no offset).
     */
    public record Signature(String id, int size, String signature, Presigned get, Long offset) {
        public Signature(String id, int size, String signature, Presigned get) {
            this(id, size, signature, get, null);
        }
    }
}
