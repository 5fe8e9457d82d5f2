package dev.chunkvault.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chunkvault.core.hash.Sha256;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Manifest entries per version over HTTP on the local cloud (issue 14, item 7): a request of a few hundred bytes made
 * a 6.6 MB manifest, kept for the retention period, with a manifest delta repeating a run of its parent. A version has
 * at most 50,000 entries now, a delta counted as the manifest it makes: past that 413 TOO_MANY_CHUNKS, and nothing is
 * written; at the limit it commits.
 */
@ExtendWith(LocalCloudExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ManifestLimitIT {
    static final int LIMIT = 50_000;

    private final LocalCloud cloud;
    private RawState raw;

    ManifestLimitIT(LocalCloud cloud) {
        this.cloud = cloud;
    }

    @BeforeAll
    void open() {
        raw = new RawState(cloud);
    }

    @AfterAll
    void close() {
        raw.close();
    }

    /** A delta of {@code times} copies of the parent's first {@code run} entries. */
    private static ObjectNode repeat(int run, int times) {
        ObjectNode d = Tenant.MAPPER.createObjectNode();
        ArrayNode ops = d.putArray("ops");
        for (int i = 0; i < times; i++) {
            ops.addObject().putArray("copy").add(0).add(run);
        }
        return d;
    }

    /** The SHA-256 of {@code bytes} repeated {@code times} times. */
    private static String repeatedHash(byte[] bytes, long times) {
        MessageDigest md = Sha256.newDigest();
        for (long i = 0; i < times; i++) {
            md.update(bytes);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static ObjectNode deltaCommit(String path, String parent, ObjectNode delta, byte[] chunk, long entries,
                                          String key) {
        ObjectNode c = Tenant.MAPPER.createObjectNode();
        c.put("path", path).put("parentVersion", parent);
        c.set("manifestDelta", delta);
        c.put("size", (long) chunk.length * entries).put("contentHash", repeatedHash(chunk, entries));
        c.put("idempotencyKey", key);
        return c;
    }

    @Test
    void aDeltaRepeatingOneChunkPastTheLimitIsRefusedAndOneAtTheLimitCommits() throws Exception {
        Tenant t = new Tenant(cloud, "manifest-limit");
        byte[] chunk = Tenant.random(8501, 1000);
        Tenant.Content one = Tenant.Content.of(chunk);
        assertEquals(1, one.chunks().size());
        String v1 = t.putId("m/a.bin", null, one);
        String v2 = Tenant.expect(201, t.post("/v1/commits", deltaCommit("m/a.bin", v1, repeat(1, 1000), chunk, 1000,
                Tenant.key()))).path("version").path("versionId").asText();

        // 51 copies of the parent's 1,000 entries: a request of about 1 KB for a manifest of 51,000 entries.
        ObjectNode tooMany = deltaCommit("m/a.bin", v2, repeat(1000, 51), chunk, 51_000, Tenant.key());
        assertTrue(Tenant.MAPPER.writeValueAsBytes(tooMany).length < 2000);
        RawState.Snapshot before = raw.snapshot();
        JsonNode refused = Tenant.expect(413, t.post("/v1/commits", tooMany));
        assertEquals("TOO_MANY_CHUNKS", refused.path("error").asText(), refused.toString());
        assertEquals(List.of(), before.diff(raw.snapshot()), "nothing was written");

        // A full manifest past the limit is refused the same way.
        ObjectNode full = Tenant.commitBody("m/full.bin", null,
                dev.chunkvault.core.manifest.Manifest.of(Tenant.PROFILE,
                        java.util.Collections.nCopies(LIMIT + 1, one.manifest().entry(0))),
                (long) chunk.length * (LIMIT + 1), repeatedHash(chunk, LIMIT + 1), Tenant.key());
        assertEquals("TOO_MANY_CHUNKS", Tenant.expect(413, t.post("/v1/commits", full)).path("error").asText());
        assertEquals(List.of(), before.diff(raw.snapshot()), "nothing was written");

        // 50 copies make exactly the limit: committed.
        JsonNode atLimit = Tenant.expect(201, t.post("/v1/commits", deltaCommit("m/a.bin", v2, repeat(1000, 50), chunk,
                LIMIT, Tenant.key()))).path("version");
        assertEquals(LIMIT, atLimit.path("chunkCount").asInt(), atLimit.toString());
        assertEquals(repeatedHash(chunk, LIMIT), atLimit.path("contentHash").asText());
    }
}
