package dev.chunkvault.local;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chunkvault.core.delta.BlockSignature;
import dev.chunkvault.core.delta.Delta;
import dev.chunkvault.core.delta.DeltaEncoder;
import dev.chunkvault.core.delta.DeltaOp;
import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.core.manifest.Manifest;
import dev.chunkvault.core.manifest.ManifestDelta;
import dev.chunkvault.local.auth.LocalIssuer;
import dev.chunkvault.service.vault.DeltaService;
import dev.chunkvault.service.vault.Limits;
import dev.chunkvault.service.vault.Owner;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Delta upload end to end over the real local cloud: the block signature of a stored chunk, a delta encoded with
 * core's {@link DeltaEncoder}, {@code POST /v1/delta-uploads}, a commit that uses the rebuilt chunk, a download of
 * the same bytes — and every delta the service must refuse, each checked to have stored nothing: no chunk row in
 * DynamoDB Local and no object in s3proxy for its target, and no change anywhere else.
 */
@ExtendWith(LocalCloudExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DeltaUploadIT {
    private final LocalCloud cloud;
    private final RawState raw;

    DeltaUploadIT(LocalCloud cloud) {
        this.cloud = cloud;
        this.raw = new RawState(cloud);
    }

    @AfterAll
    void close() {
        raw.close();
    }

    private static ObjectNode body(ChunkId base, ChunkId target, byte[] delta) {
        return Tenant.MAPPER.createObjectNode().put("baseChunk", base.hex()).put("targetChunk", target.hex())
                .put("delta", Base64.getEncoder().encodeToString(delta));
    }

    /** The stored chunk's block signature, from /v1/signatures (checked against the bytes it describes). */
    private static BlockSignature signature(Tenant t, String path, String version, ChunkId chunk, byte[] expectedBytes) {
        ObjectNode req = Tenant.MAPPER.createObjectNode().put("path", path).put("version", version);
        req.putArray("chunks").add(chunk.hex());
        JsonNode sig = Tenant.expect(200, t.post("/v1/signatures", req)).path("signatures").get(0);
        assertEquals(chunk.hex(), sig.path("id").asText());
        assertEquals(expectedBytes.length, sig.path("size").asInt());
        byte[] encoded = Base64.getDecoder().decode(sig.path("signature").asText());
        assertArrayEquals(BlockSignature.compute(expectedBytes).encode(), encoded, "the signature of the stored bytes");
        // The signature comes with a GET of the chunk for ranged reads of the blocks a client lacks.
        Map<String, String> headers = new LinkedHashMap<>(Tenant.headers(sig.path("get")));
        headers.put("Range", "bytes=100-199");
        Http.Response range = Http.send("GET", URI.create(sig.path("get").path("url").asText()), null, null, null, headers);
        assertEquals(206, range.status(), range.text());
        assertArrayEquals(Arrays.copyOfRange(expectedBytes, 100, 200), range.body());
        return BlockSignature.decode(encoded);
    }

    private void assertNotStored(ChunkId target) {
        assertTrue(raw.chunkRow(target.hex()).isEmpty(), "no chunk row for " + target);
        assertFalse(raw.objectExists("chunks/" + target.hex()), "no object for " + target);
    }

    @Test
    void aDeltaRebuildsTheEditedChunkWhichIsCommittedAndDownloaded() {
        Tenant t = new Tenant(cloud, "delta-alice");
        Tenant.Content a = ConflictCheckIT.ancestor(1001);
        Tenant.Content b = Tenant.Content.of(Tenant.edit(a.bytes(), 10_000, 64, 1002));
        assertEquals(a.chunks().size(), b.chunks().size(), "an in-place edit keeps the chunk boundaries");
        assertFalse(a.id(0).equals(b.id(0)));
        for (int i = 1; i < a.chunks().size(); i++) {
            assertEquals(a.id(i), b.id(i), "only the first chunk changes");
        }
        String v1 = t.putId("d/big.bin", null, a);

        BlockSignature sig = signature(t, "d/big.bin", v1, a.id(0), a.chunk(0));
        byte[] delta = DeltaEncoder.encode(sig, b.chunk(0)).encode();
        assertTrue(delta.length < b.chunk(0).length / 20, "a small edit is a small delta: " + delta.length + " bytes for a "
                + b.chunk(0).length + "-byte chunk");
        assertNotStored(b.id(0));

        JsonNode stored = Tenant.expect(201, t.post("/v1/delta-uploads", body(a.id(0), b.id(0), delta)));
        assertEquals(b.id(0).hex(), stored.path("id").asText());
        assertEquals(b.chunk(0).length, stored.path("size").asInt());
        assertTrue(stored.path("stored").asBoolean());
        assertEquals("PENDING", raw.chunkRow(b.id(0).hex()).orElseThrow().get("state").s(), "stored under the normal lifecycle");
        assertEquals(new Owner(LocalIssuer.subjectOf(t.user)).tag(), raw.objectMetadata("chunks/" + b.id(0).hex()).get("owner"),
                "tagged as the caller's own upload");

        // Commit the new version as a manifest delta: nothing was uploaded but the delta.
        ObjectNode commit = Tenant.MAPPER.createObjectNode().put("path", "d/big.bin").put("parentVersion", v1);
        commit.set("manifestDelta", Tenant.json(ManifestDelta.compute(a.manifest(), b.manifest())));
        commit.put("size", b.bytes().length).put("contentHash", b.sha256()).put("idempotencyKey", Tenant.key());
        String v2 = Tenant.expect(201, t.post("/v1/commits", commit)).path("version").path("versionId").asText();
        t.assertContent("d/big.bin", b.bytes());
        assertEquals("LIVE", raw.chunkRow(b.id(0).hex()).orElseThrow().get("state").s());

        // Held now: the same delta again stores nothing new.
        JsonNode again = Tenant.expect(200, t.post("/v1/delta-uploads", body(a.id(0), b.id(0), delta)));
        assertFalse(again.path("stored").asBoolean());

        // A pull the other way: v2 as a manifest delta against v1, and v1's chunk rebuilt from v2's by a delta.
        ObjectNode pull = Tenant.MAPPER.createObjectNode().put("path", "d/big.bin").put("version", v2).put("against", v1);
        JsonNode sigs = Tenant.expect(200, t.post("/v1/signatures", pull));
        assertEquals(v1, sigs.path("against").asText());
        assertTrue(sigs.path("manifest").isMissingNode());
        Manifest applied = Tenant.manifestDelta(sigs.path("manifestDelta")).apply(a.manifest());
        assertEquals(b.manifest(), applied, "the manifest delta against the client's version gives the new manifest");
    }

    @Test
    void rejectedDeltasStoreNothing() {
        Tenant t = new Tenant(cloud, "delta-bob");
        Tenant other = new Tenant(cloud, "delta-carol");
        Tenant.Content a = Tenant.Content.of(Tenant.random(1011, 300_000));
        String v1 = t.putId("r/base.bin", null, a);
        byte[] base = a.chunk(0);
        ChunkId baseId = a.id(0);
        BlockSignature sig = signature(t, "r/base.bin", v1, baseId, base);
        byte[] target = Tenant.edit(base, 1000, 32, 1012);
        Delta good = DeltaEncoder.encode(sig, target);

        Tenant.Content theirs = Tenant.Content.of(Tenant.random(1013, 200_000));
        other.putId("theirs.bin", null, theirs);
        Tenant.Content uploadedOnly = Tenant.Content.of(Tenant.random(1014, 200_000));
        t.upload(uploadedOnly); // granted and uploaded, but in none of t's versions

        List<Rejection> cases = new ArrayList<>();
        ChunkId wrong = ChunkId.sha256("some other chunk".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        cases.add(new Rejection("a targetChunk that is not the delta's", body(baseId, wrong, good.encode()), 422,
                "DELTA_MISMATCH", List.of(wrong, good.targetId())));
        Delta forged = new Delta(good.baseLength(), good.baseId(), good.targetLength(), wrong, good.ops());
        cases.add(new Rejection("a delta whose bytes do not hash to its target", body(baseId, wrong, forged.encode()), 422,
                "DELTA_TARGET_MISMATCH", List.of(wrong, good.targetId())));
        Delta otherLength = new Delta(good.baseLength() + 1, good.baseId(), good.targetLength(), good.targetId(), good.ops());
        cases.add(new Rejection("a delta for a base of another length", body(baseId, good.targetId(), otherLength.encode()), 422,
                "DELTA_BASE_MISMATCH", List.of(good.targetId())));
        Delta onTheirs = DeltaEncoder.encode(BlockSignature.compute(theirs.chunk(0)), target);
        cases.add(new Rejection("another tenant's chunk as the base", body(theirs.id(0), onTheirs.targetId(), onTheirs.encode()),
                404, "NOT_FOUND", List.of(onTheirs.targetId())));
        Delta onUploaded = DeltaEncoder.encode(BlockSignature.compute(uploadedOnly.chunk(0)), target);
        cases.add(new Rejection("a base uploaded but in none of one's versions",
                body(uploadedOnly.id(0), onUploaded.targetId(), onUploaded.encode()), 404, "NOT_FOUND", List.of(onUploaded.targetId())));

        byte[] literal = Tenant.random(1015, DeltaService.MAX_DELTA_BYTES);
        Delta huge = new Delta(base.length, baseId, literal.length, ChunkId.sha256(literal),
                List.of(DeltaOp.Literal.copyOf(literal, 0, literal.length)));
        assertTrue(huge.encode().length > DeltaService.MAX_DELTA_BYTES);
        cases.add(new Rejection("a delta over " + DeltaService.MAX_DELTA_BYTES + " bytes", body(baseId, huge.targetId(), huge.encode()),
                413, "DELTA_TOO_LARGE", List.of(huge.targetId())));
        Delta tooBig = repeatBase(base, baseId, Limits.MAX_CHUNK_SIZE + 1);
        assertTrue(tooBig.encode().length < 1000, "a small delta for a large result");
        cases.add(new Rejection("a result over the largest chunk", body(baseId, tooBig.targetId(), tooBig.encode()), 413,
                "DELTA_RESULT_TOO_LARGE", List.of(tooBig.targetId())));

        byte[] enc = good.encode();
        cases.add(new Rejection("random bytes", body(baseId, good.targetId(), Tenant.random(1016, 500)), 400, "MALFORMED_DELTA",
                List.of(good.targetId())));
        cases.add(new Rejection("a truncated delta", body(baseId, good.targetId(), Arrays.copyOf(enc, enc.length - 1)), 400,
                "MALFORMED_DELTA", List.of(good.targetId())));
        cases.add(new Rejection("a trailing byte", body(baseId, good.targetId(), Arrays.copyOf(enc, enc.length + 1)), 400,
                "MALFORMED_DELTA", List.of(good.targetId())));
        byte[] v2 = enc.clone();
        v2[0] = 2;
        cases.add(new Rejection("an unknown version", body(baseId, good.targetId(), v2), 400, "MALFORMED_DELTA",
                List.of(good.targetId())));
        cases.add(new Rejection("a copy past the end of the base", body(baseId, good.targetId(), copyPastBase(base.length, baseId,
                good.targetId())), 400, "MALFORMED_DELTA", List.of(good.targetId())));
        cases.add(new Rejection("an empty delta", body(baseId, good.targetId(), new byte[0]), 400, "MALFORMED_DELTA",
                List.of(good.targetId())));

        List<String> failures = new ArrayList<>();
        for (Rejection c : cases) {
            RawState.Snapshot before = raw.snapshot();
            Http.Response r = t.post("/v1/delta-uploads", c.body());
            if (r.status() != c.status() || !c.code().equals(r.json().path("error").asText())) {
                failures.add(c.name() + " -> " + r.status() + " " + r.text());
            }
            for (ChunkId id : c.notStored()) {
                if (raw.chunkRow(id.hex()).isPresent() || raw.objectExists("chunks/" + id.hex())) {
                    failures.add(c.name() + " stored " + id);
                }
            }
            List<String> diff = before.diff(raw.snapshot());
            if (!diff.isEmpty()) {
                failures.add(c.name() + " changed: " + diff);
            }
        }
        assertTrue(failures.isEmpty(), "refused deltas:\n  " + String.join("\n  ", failures));

        // Another tenant's base answers exactly like a base nobody stores.
        ChunkId nobody = ChunkId.sha256(Tenant.random(1017, 200_000));
        Delta onNobody = new Delta(theirs.chunk(0).length, nobody, onTheirs.targetLength(), onTheirs.targetId(), onTheirs.ops());
        Http.Response theirsAnswer = t.post("/v1/delta-uploads", body(theirs.id(0), onTheirs.targetId(), onTheirs.encode()));
        Http.Response nobodyAnswer = t.post("/v1/delta-uploads", body(nobody, onNobody.targetId(), onNobody.encode()));
        assertEquals(404, nobodyAnswer.status());
        assertEquals(withoutRequestId(nobodyAnswer), withoutRequestId(theirsAnswer));

        // And the good delta, after all that, is still stored.
        Tenant.expect(201, t.post("/v1/delta-uploads", body(baseId, good.targetId(), enc)));
        assertTrue(raw.objectExists("chunks/" + good.targetId().hex()));
    }

    @Test
    void aChunkRebuiltForOneTenantIsNotAnotherTenants() {
        Tenant alice = new Tenant(cloud, "delta-dan");
        Tenant bob = new Tenant(cloud, "delta-eve");
        Tenant.Content a = Tenant.Content.of(Tenant.random(1021, 150_000));
        String v1 = alice.putId("x.bin", null, a);
        Tenant.Content b = Tenant.Content.of(Tenant.edit(a.bytes(), 500, 10, 1022));
        byte[] delta = DeltaEncoder.encode(signature(alice, "x.bin", v1, a.id(0), a.chunk(0)), b.chunk(0)).encode();
        Tenant.expect(201, alice.post("/v1/delta-uploads", body(a.id(0), b.id(0), delta)));

        Http.Response stolen = bob.commit("y.bin", null, b);
        assertEquals(422, stolen.status(), stolen.text());
        assertEquals("MISSING_CHUNKS", stolen.json().path("error").asText());
        Http.Response viaDelta = bob.post("/v1/delta-uploads", body(a.id(0), b.id(0), delta));
        assertEquals(404, viaDelta.status(), "bob does not hold the base: " + viaDelta.text());
    }

    /**
     * The binary form: the delta's own encoding as an application/octet-stream body, as it is or gzip-compressed;
     * compressed bodies that do not inflate, inflate past the limit, or use another coding are refused storing nothing.
     * And the JSON answers of a route come gzip-compressed to a caller that accepts it.
     */
    @Test
    void binaryAndCompressedDeltasOverHttp() throws Exception {
        Tenant t = new Tenant(cloud, "delta-fay");
        Tenant.Content a = Tenant.Content.of(Tenant.random(1031, 250_000));
        String v1 = t.putId("b/base.bin", null, a);
        BlockSignature sig = signature(t, "b/base.bin", v1, a.id(0), a.chunk(0));
        byte[] first = Tenant.edit(a.chunk(0), 2000, 100, 1032);
        byte[] second = Tenant.edit(a.chunk(0), 9000, 100, 1033);
        Delta d1 = DeltaEncoder.encode(sig, first);
        Delta d2 = DeltaEncoder.encode(sig, second);

        Http.Response plain = binary(t, d1.encode(), false, Map.of());
        assertEquals(201, plain.status(), plain.text());
        assertEquals(d1.targetId().hex(), plain.json().path("id").asText());
        Http.Response zipped = binary(t, d2.encode(), true, Map.of());
        assertEquals(201, zipped.status(), zipped.text());
        assertEquals(d2.targetId().hex(), zipped.json().path("id").asText());
        assertTrue(raw.objectExists("chunks/" + d2.targetId().hex()));

        Delta d3 = DeltaEncoder.encode(sig, Tenant.edit(a.chunk(0), 20_000, 100, 1034));
        byte[] bomb = gzip(new byte[8 << 20]);
        List<String> failures = new ArrayList<>();
        record Bad(String name, byte[] body, boolean gzip, Map<String, String> headers, int status, String code) {}
        List<Bad> bad = List.of(
                new Bad("not a delta", Tenant.random(1035, 300), false, Map.of(), 400, "MALFORMED_DELTA"),
                new Bad("a truncated delta", Arrays.copyOf(d3.encode(), d3.encode().length - 1), true, Map.of(), 400,
                        "MALFORMED_DELTA"),
                new Bad("corrupt gzip", new byte[] {31, -117, 8, 0, 9, 9, 9, 9}, false, Map.of("Content-Encoding", "gzip"),
                        400, "MALFORMED_BODY"),
                new Bad("a gzip bomb", bomb, false, Map.of("Content-Encoding", "gzip"), 413, "PAYLOAD_TOO_LARGE"),
                new Bad("brotli", d3.encode(), false, Map.of("Content-Encoding", "br"), 415, "UNSUPPORTED_ENCODING"));
        for (Bad b : bad) {
            RawState.Snapshot before = raw.snapshot();
            Http.Response r = binary(t, b.body(), b.gzip(), b.headers());
            if (r.status() != b.status() || !b.code().equals(r.json().path("error").asText())) {
                failures.add(b.name() + " -> " + r.status() + " " + r.text());
            }
            List<String> diff = before.diff(raw.snapshot());
            if (!diff.isEmpty()) {
                failures.add(b.name() + " changed: " + diff);
            }
        }
        assertTrue(failures.isEmpty(), "refused:\n  " + String.join("\n  ", failures));
        assertNotStored(d3.targetId());

        // A JSON answer over 1 KiB (a signature) comes compressed when asked for, plain otherwise.
        ObjectNode req = Tenant.MAPPER.createObjectNode().put("path", "b/base.bin").put("version", v1);
        req.putArray("chunks").add(a.id(0).hex());
        byte[] json = Tenant.MAPPER.writeValueAsBytes(req);
        Http.Response gz = Http.send("POST", cloud.apiEndpoint().resolve("/v1/signatures"), t.token, "application/json", json,
                Map.of("Accept-Encoding", "gzip"));
        assertEquals(200, gz.status());
        assertEquals("gzip", gz.header("content-encoding"));
        byte[] inflated = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(gz.body())).readAllBytes();
        Http.Response asIs = t.post("/v1/signatures", req);
        assertEquals(null, asIs.header("content-encoding"));
        assertTrue(gz.body().length < asIs.body().length, gz.body().length + " vs " + asIs.body().length);
        JsonNode unzipped = Tenant.MAPPER.readTree(inflated);
        assertEquals(asIs.json().path("manifest"), unzipped.path("manifest"));
        assertEquals(asIs.json().path("signatures").get(0).path("signature"), unzipped.path("signatures").get(0).path("signature"));
    }

    private Http.Response binary(Tenant t, byte[] body, boolean gzip, Map<String, String> headers) throws Exception {
        Map<String, String> h = new LinkedHashMap<>(headers);
        if (gzip) {
            h.put("Content-Encoding", "gzip");
        }
        return Http.send("POST", cloud.apiEndpoint().resolve("/v1/delta-uploads"), t.token, "application/octet-stream",
                gzip ? gzip(body) : body, h);
    }

    private static byte[] gzip(byte[] b) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream z = new java.util.zip.GZIPOutputStream(out)) {
            z.write(b);
        }
        return out.toByteArray();
    }

    private static String withoutRequestId(Http.Response r) {
        ObjectNode n = (ObjectNode) r.json().deepCopy();
        n.remove("requestId");
        return n.toString();
    }

    record Rejection(String name, ObjectNode body, int status, String code, List<ChunkId> notStored) {}

    /** A delta that copies the whole base again and again: tiny, for a result of {@code length} bytes. */
    private static Delta repeatBase(byte[] base, ChunkId baseId, int length) {
        List<DeltaOp> ops = new ArrayList<>();
        ByteArrayOutputStream result = new ByteArrayOutputStream();
        int left = length;
        while (left > 0) {
            int n = Math.min(left, base.length);
            ops.add(new DeltaOp.Copy(0, n));
            result.write(base, 0, n);
            left -= n;
        }
        return new Delta(base.length, baseId, length, ChunkId.sha256(result.toByteArray()), ops);
    }

    /** A v1 delta, encoded by hand, with one copy that starts past the end of the base. */
    private static byte[] copyPastBase(int baseLength, ChunkId baseId, ChunkId targetId) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(1);
        varint(out, baseLength);
        out.writeBytes(baseId.toBytes());
        varint(out, 10);
        out.writeBytes(targetId.toBytes());
        varint(out, (10L << 1) | 1);
        varint(out, baseLength + 5);
        return out.toByteArray();
    }

    private static void varint(ByteArrayOutputStream out, long v) {
        while (v >= 0x80) {
            out.write((int) (v & 0x7f) | 0x80);
            v >>>= 7;
        }
        out.write((int) v);
    }
}
