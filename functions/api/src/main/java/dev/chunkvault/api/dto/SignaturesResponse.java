package dev.chunkvault.api.dto;

import dev.chunkvault.core.manifest.Manifest;
import dev.chunkvault.core.manifest.ManifestDelta;
import dev.chunkvault.service.vault.DeltaService;
import dev.chunkvault.service.vault.VersionView;
import java.util.Base64;
import java.util.List;

/**
 * A version's manifest (or manifest delta against {@code against}) and block signatures. Each signature is the
 * base64 of the binary block-signature encoding (see dev.chunkvault.core.delta.BlockSignature), with a presigned
 * GET of the chunk for ranged reads of the blocks a client lacks.
 */
public record SignaturesResponse(VersionView version, String against, Manifest manifest, ManifestDelta manifestDelta,
                                 List<Signature> signatures) {
    /**
     * {@code offset}, when given, is where the chunk starts in the object at {@code get} (a pack); with {@code encoding}
     * ({@code zstd}) its {@code storedLength} bytes there are compressed, and block ranges cannot be read from them.
     */
    public record Signature(String id, int size, String signature, Presigned get, Long offset, String encoding,
                            Long storedLength) {}

    public static SignaturesResponse of(DeltaService.Signatures s) {
        return new SignaturesResponse(s.version(), s.against(), s.manifest(), s.manifestDelta(),
                s.signatures().stream().map(c -> new Signature(c.id().hex(), c.size(),
                        Base64.getEncoder().encodeToString(c.signature()), Presigned.of(c.get().request()),
                        c.get().ranged() ? c.get().offset() : null, c.get().compressed() ? c.get().encoding().wireName() : null,
                        c.get().compressed() ? c.get().length() : null)).toList());
    }
}
