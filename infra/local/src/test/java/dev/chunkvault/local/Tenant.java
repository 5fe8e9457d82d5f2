package dev.chunkvault.local;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chunkvault.core.chunking.Chunk;
import dev.chunkvault.core.chunking.ChunkedContent;
import dev.chunkvault.core.chunking.Chunker;
import dev.chunkvault.core.chunking.ChunkingProfile;
import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.core.manifest.Manifest;
import dev.chunkvault.core.manifest.ManifestDelta;
import dev.chunkvault.core.manifest.ManifestEntry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

/**
 * One tenant of the shared local cloud, as a client program would be: its own token, real HTTP to the API and real
 * presigned requests to s3proxy. Content is cut with core's {@link Chunker} (the default FastCDC profile), so files
 * are real multi-chunk files whenever they are larger than a chunk.
 */
final class Tenant {
    /** The API's own strict mapper: it reads and writes manifests and manifest deltas in their JSON form. */
    static final ObjectMapper MAPPER = dev.chunkvault.api.http.Json.MAPPER;
    static final String PROFILE = ChunkingProfile.DEFAULT.name();
    private static final Chunker CHUNKER = Chunker.of(ChunkingProfile.DEFAULT);

    final LocalCloud cloud;
    final URI api;
    final String user;
    final String token;

    Tenant(LocalCloud cloud, String user) {
        this(cloud, user, cloud.mintToken(user));
    }

    /** A tenant that calls with {@code token} as it is (a token the test signed with claims of its own). */
    Tenant(LocalCloud cloud, String user, String token) {
        this.cloud = cloud;
        this.api = cloud.apiEndpoint();
        this.user = user;
        this.token = token;
    }

    /** A file's bytes cut into chunks as a client cuts them. */
    record Content(byte[] bytes, List<Chunk> chunks, String sha256) {
        static Content of(byte[] bytes) {
            ChunkedContent c = CHUNKER.chunkAll(bytes);
            return new Content(bytes, c.chunks(), c.hash().sha256Hex());
        }

        Manifest manifest() {
            return Manifest.of(PROFILE, Chunk.toManifestEntries(chunks));
        }

        byte[] chunk(int index) {
            Chunk c = chunks.get(index);
            return Arrays.copyOfRange(bytes, (int) c.offset(), (int) c.end());
        }

        ChunkId id(int index) {
            return chunks.get(index).id();
        }

        Map<ChunkId, byte[]> chunkBytes() {
            Map<ChunkId, byte[]> out = new LinkedHashMap<>();
            for (int i = 0; i < chunks.size(); i++) {
                out.putIfAbsent(chunks.get(i).id(), chunk(i));
            }
            return out;
        }

        /** The index of the chunk holding byte {@code offset}. */
        int chunkAt(long offset) {
            for (int i = 0; i < chunks.size(); i++) {
                if (chunks.get(i).end() > offset) {
                    return i;
                }
            }
            throw new IllegalArgumentException("offset " + offset + " is past the end");
        }
    }

    /** {@code n} pseudo-random bytes from a fixed seed (the tests print no seed: each one names its own). */
    static byte[] random(long seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** A copy of {@code bytes} with {@code length} bytes at {@code offset} replaced by ones derived from {@code seed}. */
    static byte[] edit(byte[] bytes, int offset, int length, long seed) {
        byte[] out = bytes.clone();
        byte[] patch = random(seed, length);
        for (int i = 0; i < length; i++) {
            out[offset + i] = (byte) (patch[i] == out[offset + i] ? ~patch[i] : patch[i]);
        }
        return out;
    }

    static String key() {
        return "it-" + UUID.randomUUID();
    }

    // ------------------------------------------------------------------------------------------ HTTP

    Http.Response post(String path, Object body) {
        return Http.postJson(api, path, token, body);
    }

    Http.Response get(String pathAndQuery) {
        return Http.get(api, pathAndQuery, token);
    }

    /** The subject ({@code sub}) of this tenant's tokens: the owner an operator names. */
    String subject() {
        return dev.chunkvault.local.auth.LocalIssuer.subjectOf(user);
    }

    /** Sets this tenant's own quota ({@code null}: back to the default) with the admin route; returns the answer. */
    JsonNode setQuota(Long quotaBytes) {
        ObjectNode body = MAPPER.createObjectNode().put("owner", subject());
        if (quotaBytes == null) {
            body.putNull("quotaBytes");
        } else {
            body.put("quotaBytes", quotaBytes);
        }
        return expect(200, Http.putJson(api, "/v1/admin/quota", token, body));
    }

    /** {@code GET /v1/usage}. */
    JsonNode usage() {
        return expect(200, get("/v1/usage"));
    }

    static JsonNode expect(int status, Http.Response r) {
        assertEquals(status, r.status(), () -> "answer: " + r.text());
        return r.json();
    }

    static String encode(String s) {
        return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8);
    }

    static ObjectNode json(Object value) {
        return MAPPER.valueToTree(value);
    }

    // ------------------------------------------------------------------------------------------ uploads and commits

    /** Offers every chunk of {@code chunks} and PUTs each one granted with exactly the headers of its grant. */
    JsonNode upload(Map<ChunkId, byte[]> chunks) {
        ObjectNode req = MAPPER.createObjectNode();
        ArrayNode list = req.putArray("chunks");
        chunks.forEach((id, bytes) -> list.addObject().put("id", id.hex()).put("size", bytes.length));
        JsonNode grant = expect(200, post("/v1/uploads", req));
        for (JsonNode u : grant.path("uploads")) {
            byte[] bytes = chunks.get(ChunkId.parse(u.path("id").asText()));
            Http.Response put = Http.send("PUT", URI.create(u.path("url").asText()), null, null, bytes, headers(u));
            assertEquals(200, put.status(), () -> "presigned PUT: " + put.text());
        }
        return grant;
    }

    JsonNode upload(Content c) {
        return upload(c.chunkBytes());
    }

    static Map<String, String> headers(JsonNode presigned) {
        Map<String, String> h = new HashMap<>();
        presigned.path("headers").fields().forEachRemaining(e -> h.put(e.getKey(), e.getValue().asText()));
        return h;
    }

    static ObjectNode commitBody(String path, String parent, Manifest m, long size, String contentHash, String key) {
        ObjectNode c = MAPPER.createObjectNode();
        c.put("path", path);
        if (parent != null) {
            c.put("parentVersion", parent);
        }
        c.set("manifest", json(m));
        c.put("size", size);
        c.put("contentHash", contentHash);
        c.put("clientMtime", 1_700_000_000_000L);
        c.put("idempotencyKey", key);
        return c;
    }

    static ObjectNode commitBody(String path, String parent, Content c, String key) {
        return commitBody(path, parent, c.manifest(), c.bytes().length, c.sha256(), key);
    }

    Http.Response commit(String path, String parent, Content c) {
        return post("/v1/commits", commitBody(path, parent, c, key()));
    }

    /** Uploads and commits {@code c}; returns the new version (201 expected). */
    JsonNode put(String path, String parent, Content c) {
        upload(c);
        return expect(201, commit(path, parent, c)).path("version");
    }

    String putId(String path, String parent, Content c) {
        return put(path, parent, c).path("versionId").asText();
    }

    /** Deletes the file (a tombstone on {@code parent}); returns the tombstone version. */
    JsonNode delete(String path, String parent) {
        ObjectNode d = MAPPER.createObjectNode();
        d.put("path", path);
        if (parent != null) {
            d.put("parentVersion", parent);
        }
        d.put("idempotencyKey", key());
        return expect(201, post("/v1/delete", d)).path("version");
    }

    // ------------------------------------------------------------------------------------------ downloads

    /** The plan of {@code path} at {@code version} (null: the head). */
    JsonNode plan(String path, String version, List<ChunkId> chunks) {
        ObjectNode req = MAPPER.createObjectNode();
        req.put("path", path);
        if (version != null) {
            req.put("version", version);
        }
        if (chunks != null) {
            ArrayNode a = req.putArray("chunks");
            chunks.forEach(c -> a.add(c.hex()));
        }
        return expect(200, post("/v1/downloads", req));
    }

    /** The bytes of presigned GETs of {@code chunks} of {@code path}'s head (or {@code version}), checked against their ids. */
    Map<ChunkId, byte[]> fetch(String path, String version, List<ChunkId> chunks) {
        JsonNode plan = plan(path, version, chunks);
        Map<ChunkId, byte[]> out = new HashMap<>();
        for (JsonNode c : plan.path("chunks")) {
            Http.Response r = Http.send("GET", URI.create(c.path("url").asText()), null, null, null, headers(c));
            assertEquals(200, r.status(), () -> "presigned GET: " + r.text());
            ChunkId id = ChunkId.parse(c.path("id").asText());
            assertEquals(id, ChunkId.sha256(r.body()), "a downloaded chunk has the bytes its id names");
            out.put(id, r.body());
        }
        return out;
    }

    /** Downloads {@code path} (the head, or {@code version}) as a client would: the plan, then every chunk. */
    byte[] download(String path, String version) {
        JsonNode plan = plan(path, version, null);
        Manifest m = manifest(plan.path("manifest"));
        Map<ChunkId, byte[]> chunks = fetch(path, version, null);
        return assemble(m, chunks);
    }

    static byte[] assemble(Manifest m, Map<ChunkId, byte[]> chunks) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (ManifestEntry e : m.entries()) {
            byte[] b = chunks.get(e.id());
            if (b == null) {
                throw new AssertionError("no bytes for chunk " + e.id());
            }
            assertEquals(e.size(), b.length);
            out.writeBytes(b);
        }
        return out.toByteArray();
    }

    static Manifest manifest(JsonNode n) {
        try {
            return MAPPER.treeToValue(n, Manifest.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ManifestDelta manifestDelta(JsonNode n) {
        try {
            return MAPPER.treeToValue(n, ManifestDelta.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void assertContent(String path, byte[] expected) {
        assertArrayEquals(expected, download(path, null), "the downloaded bytes of " + path);
    }
}
