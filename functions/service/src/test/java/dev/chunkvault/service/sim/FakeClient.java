package dev.chunkvault.service.sim;

import dev.chunkvault.core.chunking.ChunkingProfile;
import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.core.hash.Sha256;
import dev.chunkvault.core.manifest.Manifest;
import dev.chunkvault.core.manifest.ManifestEntry;
import dev.chunkvault.service.vault.CommitService;
import dev.chunkvault.service.vault.Owner;
import dev.chunkvault.service.vault.UploadService;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A client of a {@link TestVault}: uploads chunks through presigned URLs (checked like S3) and commits. */
public final class FakeClient {
    private final TestVault vault;
    public final Owner owner;

    private final CommitService commits;

    public FakeClient(TestVault vault, String sub) {
        this(vault, sub, vault.commits);
    }

    /** A client whose commits go to {@code commits} (e.g. a function whose clock is skewed). */
    public FakeClient(TestVault vault, String sub, CommitService commits) {
        this.vault = vault;
        this.owner = new Owner(sub);
        this.commits = commits;
    }

    /** A file's content as its chunks (the tests choose the cut points; the service never re-chunks). */
    public record Content(List<byte[]> chunks) {
        /** {@code chunks} chunks of {@code size} random bytes each, drawn from {@code random} in order. */
        /** Source-like text of {@code n} bytes: words of a small vocabulary, compressible as code is. */
        public static byte[] text(java.util.Random random, int n) {
            String[] words = {"package", "import", "class", "void", "return", "final", "chunk", "pack", "{", "}", ";\n"};
            StringBuilder sb = new StringBuilder(n + 16);
            while (sb.length() < n) {
                sb.append(words[random.nextInt(words.length)]).append(' ');
            }
            return java.util.Arrays.copyOf(sb.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII), n);
        }

        public static Content random(java.util.Random random, int chunks, int size) {
            List<byte[]> out = new ArrayList<>();
            for (int i = 0; i < chunks; i++) {
                byte[] b = new byte[size];
                random.nextBytes(b);
                out.add(b);
            }
            return new Content(out);
        }

        public Manifest manifest() {
            List<ManifestEntry> entries = new ArrayList<>();
            for (byte[] c : chunks) {
                entries.add(new ManifestEntry(ChunkId.sha256(c), c.length));
            }
            return Manifest.of(ChunkingProfile.DEFAULT.name(), entries);
        }

        public byte[] bytes() {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            chunks.forEach(out::writeBytes);
            return out.toByteArray();
        }

        public long size() {
            return chunks.stream().mapToLong(c -> c.length).sum();
        }

        public String sha256() {
            return HexFormat.of().formatHex(Sha256.newDigest().digest(bytes()));
        }
    }

    /**
     * Offers every distinct chunk and uploads the ones the service asks for; returns how many were uploaded.
     * A refused upload (an expired URL) is skipped, as a client would until its commit answers 422.
     */
    public int upload(Content content) {
        Map<ChunkId, byte[]> distinct = new LinkedHashMap<>();
        content.chunks().forEach(c -> distinct.putIfAbsent(ChunkId.sha256(c), c));
        if (distinct.isEmpty()) {
            return 0;
        }
        List<UploadService.ChunkRequest> asks = new ArrayList<>();
        distinct.forEach((id, bytes) -> asks.add(new UploadService.ChunkRequest(id, bytes.length)));
        int uploaded = 0;
        for (int i = 0; i < asks.size(); i += 1000) {
            UploadService.Grant g = vault.uploads.grant(owner, asks.subList(i, Math.min(asks.size(), i + 1000)));
            for (UploadService.Upload u : g.uploads()) {
                Backend.Sent r = vault.backend.send(u.request().method(), u.request().url(),
                        u.request().headers(), distinct.get(u.id()));
                if (r.status() / 100 == 2) {
                    uploaded++;
                } else if (r.status() != 403) {
                    throw new IllegalStateException("upload refused: " + r.status());
                }
            }
        }
        return uploaded;
    }

    /**
     * Uploads the chunks the service lacks as a client that packs does: one grant offering packs, one pack of the chunks
     * it says go in one (declared, PUT, sealed), then a PUT of each chunk the seal asks to be sent alone.
     *
     * @return the seal's answer, or null when no chunk needed a pack
     */
    public dev.chunkvault.service.vault.PackService.Sealed uploadPacked(Content content) {
        return uploadPacked(content, true);
    }

    /**
     * Uploads {@code content}'s chunks in one pack: with {@code grantFirst}, as a grant says (what the caller holds is
     * skipped, the small rest packed); without, every chunk goes straight to a declaration made {@code unlessHeld},
     * declared again without the chunks it names as held (what the CLI does). Null when nothing was packed.
     */
    public dev.chunkvault.service.vault.PackService.Sealed uploadPacked(Content content, boolean grantFirst) {
        String packId = uploadPackUnsealed(content, grantFirst);
        if (packId == null) {
            return null;
        }
        var sealed = vault.packs.seal(owner, packId);
        sendAlone(sealed, content);
        return sealed;
    }

    /** PUTs each chunk of {@code content} that {@code sealed} asks to be sent alone. */
    public void sendAlone(dev.chunkvault.service.vault.PackService.Sealed sealed, Content content) {
        Map<ChunkId, byte[]> distinct = new LinkedHashMap<>();
        content.chunks().forEach(c -> distinct.putIfAbsent(ChunkId.sha256(c), c));
        for (UploadService.Upload u : sealed.uploads()) {
            put(u, distinct.get(u.id()));
        }
    }

    /**
     * As {@link #uploadPacked(Content, boolean)} without the seal, left to the commit batch that uses the pack (what the
     * CLI does): the declared and uploaded pack's id, or null when nothing was packed.
     */
    public String uploadPackUnsealed(Content content, boolean grantFirst) {
        Map<ChunkId, byte[]> distinct = new LinkedHashMap<>();
        content.chunks().forEach(c -> distinct.putIfAbsent(ChunkId.sha256(c), c));
        if (distinct.isEmpty()) {
            return null;
        }
        List<ChunkId> toPack = new ArrayList<>(distinct.keySet());
        if (grantFirst) {
            List<UploadService.ChunkRequest> asks = new ArrayList<>();
            distinct.forEach((id, bytes) -> asks.add(new UploadService.ChunkRequest(id, bytes.length)));
            UploadService.Grant g = vault.uploads.grant(owner, asks, true);
            for (UploadService.Upload u : g.uploads()) {
                put(u, distinct.get(u.id()));
            }
            toPack = g.pack();
        }
        dev.chunkvault.core.pack.PackFormat.Builder b;
        byte[] pack;
        dev.chunkvault.service.vault.PackService.Declared declared;
        do {
            if (toPack.isEmpty()) {
                return null;
            }
            b = new dev.chunkvault.core.pack.PackFormat.Builder();
            for (ChunkId id : toPack) {
                b.add(id, stored(id, distinct.get(id)));
            }
            pack = b.finish();
            declared = vault.packs.declare(owner, ChunkId.sha256(pack), pack.length, b.entries(), !grantFirst);
            if (!declared.declared()) {
                java.util.Set<ChunkId> held = new java.util.HashSet<>(declared.have());
                toPack = toPack.stream().filter(id -> !held.contains(id)).toList();
            }
        } while (!declared.declared());
        Backend.Sent sent = vault.backend.send(declared.upload().method(), declared.upload().url(),
                declared.upload().headers(), pack);
        if (sent.status() / 100 != 2 && sent.status() != 403) {
            throw new IllegalStateException("pack upload refused: " + sent.status());
        } // 403: the URL expired (the clock moved on); the seal then answers that the pack was never uploaded
        return declared.packId();
    }

    /** A commit batch that seals {@code seal} first ({@link dev.chunkvault.service.vault.CommitBatches}). */
    public dev.chunkvault.service.vault.CommitBatches.Answer commitBatch(java.util.List<String> seal,
                                                                      java.util.List<CommitService.CommitRequest> requests) {
        return new dev.chunkvault.service.vault.CommitBatches(vault.packs, commits).commit(owner, seal, requests);
    }

    /**
     * How this client stores a chunk in a pack: compressed for about three in four chunks (those whose id does not start with a
     * multiple of 4), whether or not that saves anything, so that every pack test and the storage model run on packs of
     * mixed encodings (the service takes a compressed entry on its proof, not on its ratio; docs/compression.md).
     */
    static dev.chunkvault.core.compress.ChunkCodec.Stored stored(ChunkId id, byte[] plain) {
        if ((id.toBytes()[0] & 3) != 0) {
            byte[] z = dev.chunkvault.core.compress.ChunkCodec.compress(plain, 0, plain.length);
            if (z.length <= dev.chunkvault.core.pack.PackFormat.MAX_CHUNK_BYTES) {
                return new dev.chunkvault.core.compress.ChunkCodec.Stored(dev.chunkvault.core.compress.Encoding.ZSTD, z, plain.length);
            }
        }
        return new dev.chunkvault.core.compress.ChunkCodec.Stored(dev.chunkvault.core.compress.Encoding.RAW, plain, plain.length);
    }

    private void put(UploadService.Upload u, byte[] bytes) {
        Backend.Sent r = vault.backend.send(u.request().method(), u.request().url(), u.request().headers(), bytes);
        if (r.status() / 100 != 2 && r.status() != 403) { // 403: the URL expired; the commit will say what is missing
            throw new IllegalStateException("upload refused: " + r.status());
        }
    }

    public CommitService.CommitResult commit(String path, String parent, Content content, String idempotencyKey) {
        return commits.commit(new CommitService.CommitRequest(owner, path, parent,
                new CommitService.Source.Full(content.manifest()), content.size(), content.sha256(), 0, idempotencyKey));
    }

    /** A commit of a large file's version: its manifest names the large-file profile (chunks of up to 8 MiB). */
    public CommitService.CommitResult commitLarge(String path, String parent, Content content, String idempotencyKey) {
        Manifest m = Manifest.of(ChunkingProfile.LARGE.name(), content.manifest().entries());
        return commits.commit(new CommitService.CommitRequest(owner, path, parent, new CommitService.Source.Full(m),
                content.size(), content.sha256(), 0, idempotencyKey));
    }

    /**
     * Sends a large chunk (over 1 MiB) as the CLI sends a compressible one: compressed, a one-entry pack of its own,
     * declared (unless held, or after a grant), PUT and sealed at once; a chunk the seal asks to be sent alone (its
     * verified bytes are stored elsewhere) is PUT alone, raw. With {@code grantFirst} it is granted first, as the CLI's
     * first files are: a chunk the grant says is held is not sent.
     */
    public void sendLargePacked(byte[] plain, boolean grantFirst) {
        ChunkId id = ChunkId.sha256(plain);
        if (grantFirst) {
            UploadService.Grant g = vault.uploads.grant(owner, List.of(new UploadService.ChunkRequest(id, plain.length)), true);
            if (g.uploads().isEmpty()) {
                return; // held (or being collected: the commit will say it is missing)
            }
        }
        dev.chunkvault.core.pack.PackFormat.Builder b = new dev.chunkvault.core.pack.PackFormat.Builder();
        b.add(id, new dev.chunkvault.core.compress.ChunkCodec.Stored(dev.chunkvault.core.compress.Encoding.ZSTD,
                dev.chunkvault.core.compress.ChunkCodec.compress(plain, 0, plain.length), plain.length));
        byte[] pack = b.finish();
        var declared = vault.packs.declare(owner, ChunkId.sha256(pack), pack.length, b.entries(), !grantFirst);
        if (!declared.declared()) {
            return; // held already
        }
        Backend.Sent sent = vault.backend.send(declared.upload().method(), declared.upload().url(), declared.upload().headers(), pack);
        if (sent.status() / 100 != 2 && sent.status() != 403) {
            throw new IllegalStateException("pack upload refused: " + sent.status());
        }
        sendAlone(vault.packs.seal(owner, declared.packId()), new Content(List.of(plain)));
    }

    /** The commit request {@link #commit} sends. */
    public CommitService.CommitRequest request(String path, String parent, Content content, String idempotencyKey) {
        return new CommitService.CommitRequest(owner, path, parent, new CommitService.Source.Full(content.manifest()),
                content.size(), content.sha256(), 0, idempotencyKey);
    }

    /** Several commits in one batch request. */
    public java.util.List<CommitService.BatchItem> commitBatch(java.util.List<CommitService.CommitRequest> requests) {
        return commits.commitBatch(requests);
    }

    public CommitService.CommitResult delete(String path, String parent, String idempotencyKey) {
        return commits.commit(new CommitService.CommitRequest(owner, path, parent,
                new CommitService.Source.Tombstone(), 0, null, 0, idempotencyKey));
    }

    public CommitService.CommitResult restore(String path, String version, String idempotencyKey) {
        return commits.commit(new CommitService.CommitRequest(owner, path, null,
                new CommitService.Source.FromVersion(version), 0, null, 0, idempotencyKey));
    }
}
