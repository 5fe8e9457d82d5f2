package dev.chunkvault.service.vault;

import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.core.manifest.Manifest;
import dev.chunkvault.service.blob.BlobStore;
import dev.chunkvault.service.store.Binary;
import java.util.Map;

/**
 * Where a version's manifest lives: inline in the version item up to {@link Settings#inlineManifestBytes()},
 * else in the blob store under {@code manifests/<fileId>/<versionId>/<sha256>} (written BEFORE the version
 * item that points at it: data first, publish last). Every read is checked against the recorded hash.
 */
final class ManifestStore {
    private final BlobStore blobs;
    private final Settings settings;
    private final Retry retry;

    ManifestStore(BlobStore blobs, Settings settings, Retry retry) {
        this.blobs = blobs;
        this.settings = settings;
        this.retry = retry;
    }

    /** Where one manifest goes: exactly one of {@code inline} and {@code key} is set. */
    record Placement(Binary inline, String key, ChunkId hash) {}

    static String key(String fileId, String versionId, ChunkId hash) {
        return "manifests/" + fileId + "/" + versionId + "/" + hash.hex();
    }

    /** Decides where the manifest goes and, for the blob store, writes it there now. */
    Placement place(String fileId, String versionId, Manifest manifest) {
        byte[] encoded = manifest.encode();
        ChunkId hash = ChunkId.sha256(encoded);
        if (encoded.length <= settings.inlineManifestBytes()) {
            return new Placement(Binary.wrap(encoded), null, hash);
        }
        String key = key(fileId, versionId, hash);
        retry.run(() -> blobs.put(key, encoded, Map.of()));
        return new Placement(null, key, hash);
    }

    Manifest load(VersionRow v) {
        return loadIfPresent(v).orElseThrow(() -> new IllegalStateException("manifest object " + v.manifestKey()
                + " of version " + v.versionId() + " is missing"));
    }

    /** The manifest, or empty if its object is gone (only a half-finished rollback leaves that state). */
    java.util.Optional<Manifest> loadIfPresent(VersionRow v) {
        byte[] encoded;
        if (v.manifest() != null) {
            encoded = v.manifest().toByteArray();
        } else {
            java.util.Optional<byte[]> stored = retry.call(() -> blobs.get(v.manifestKey()));
            if (stored.isEmpty()) {
                return java.util.Optional.empty();
            }
            encoded = stored.get();
        }
        if (!ChunkId.sha256(encoded).equals(v.manifestHash())) {
            throw new IllegalStateException("manifest of version " + v.versionId() + " does not match its hash");
        }
        return java.util.Optional.of(Manifest.decode(encoded));
    }

    /** Deletes the version's manifest object, if it has one (idempotent). */
    void delete(VersionRow v) {
        if (v.manifestKey() != null) {
            retry.run(() -> blobs.delete(v.manifestKey(), null));
        }
    }
}
