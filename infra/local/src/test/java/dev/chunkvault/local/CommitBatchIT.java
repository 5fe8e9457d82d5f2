package dev.chunkvault.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * POST /v1/commit-batch over real HTTP: each commit's own outcome in order (created, stale with the head, missing
 * chunks), the whole batch replayed after a lost answer without writing twice, and another tenant's file untouched.
 */
@ExtendWith(LocalCloudExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CommitBatchIT {
    private final LocalCloud cloud;
    private final RawState raw;

    CommitBatchIT(LocalCloud cloud) {
        this.cloud = cloud;
        this.raw = new RawState(cloud);
    }

    @AfterAll
    void close() {
        raw.close();
    }

    @Test
    void eachCommitOfABatchHasItsOwnOutcomeAndTheBatchReplays() {
        Tenant t = new Tenant(cloud, "batch-alice");
        Tenant bob = new Tenant(cloud, "batch-bob");
        Tenant.Content a1 = Tenant.Content.of(Tenant.random(2001, 90_000));
        Tenant.Content a2 = Tenant.Content.of(Tenant.random(2002, 90_000));
        Tenant.Content b1 = Tenant.Content.of(Tenant.random(2003, 70_000));
        Tenant.Content b2 = Tenant.Content.of(Tenant.random(2004, 70_000));
        Tenant.Content c1 = Tenant.Content.of(Tenant.random(2005, 50_000));
        Tenant.Content never = Tenant.Content.of(Tenant.random(2006, 50_000));
        String va1 = t.putId("x/a.bin", null, a1);
        String vb1 = t.putId("x/b.bin", null, b1);
        String vb2 = t.putId("x/b.bin", vb1, b2); // b moved on: a commit on vb1 is stale
        String bobs = bob.putId("x/c.bin", null, b1);
        t.upload(a2);
        t.upload(c1);

        ObjectNode body = Tenant.MAPPER.createObjectNode();
        body.putArray("commits")
                .add(Tenant.commitBody("x/a.bin", va1, a2, "batch-it-a2"))
                .add(Tenant.commitBody("x/b.bin", vb1, a2, "batch-it-b3"))
                .add(Tenant.commitBody("x/c.bin", null, c1, "batch-it-c1"))
                .add(Tenant.commitBody("x/d.bin", null, never, "batch-it-d1"));
        JsonNode r = Tenant.expect(200, t.post("/v1/commit-batch", body)).path("results");
        assertEquals(4, r.size(), r.toString());
        assertEquals(201, r.get(0).path("status").asInt());
        assertEquals("created", r.get(0).path("outcome").asText());
        String va2 = r.get(0).path("version").path("versionId").asText();
        assertEquals(409, r.get(1).path("status").asInt());
        assertEquals("STALE_PARENT", r.get(1).path("error").asText());
        assertEquals(vb2, r.get(1).path("details").path("head").path("versionId").asText(), "the head comes with it");
        assertEquals(201, r.get(2).path("status").asInt(), "bob's x/c.bin is not alice's");
        assertEquals(422, r.get(3).path("status").asInt());
        assertEquals("MISSING_CHUNKS", r.get(3).path("error").asText());
        t.assertContent("x/a.bin", a2.bytes());
        t.assertContent("x/b.bin", b2.bytes());
        t.assertContent("x/c.bin", c1.bytes());
        assertEquals(404, t.get("/v1/file?path=x/d.bin").status());
        bob.assertContent("x/c.bin", b1.bytes());
        assertEquals(bobs, bob.get("/v1/file?path=x/c.bin").json().path("version").asText());

        // The answer was lost: the client sends the same batch again. The done commits replay; nothing is written.
        RawState.Snapshot before = raw.snapshot();
        JsonNode again = Tenant.expect(200, t.post("/v1/commit-batch", body)).path("results");
        assertEquals(201, again.get(0).path("status").asInt());
        assertEquals("replayed", again.get(0).path("outcome").asText());
        assertEquals(va2, again.get(0).path("version").path("versionId").asText());
        assertEquals(409, again.get(1).path("status").asInt());
        assertEquals("replayed", again.get(2).path("outcome").asText());
        assertEquals(422, again.get(3).path("status").asInt());
        assertTrue(before.diff(raw.snapshot()).isEmpty(), () -> "a replay changed " + before.diff(raw.snapshot()));
    }

    /** Deletions travel in a batch beside new versions, each with its own outcome; a bad one refuses the batch whole. */
    @Test
    void deletionsGoInABatchBesideNewVersions() {
        Tenant t = new Tenant(cloud, "batch-deleter");
        Tenant.Content a = Tenant.Content.of(Tenant.random(2101, 40_000));
        Tenant.Content b = Tenant.Content.of(Tenant.random(2102, 40_000));
        Tenant.Content c = Tenant.Content.of(Tenant.random(2103, 40_000));
        String va = t.putId("y/a.bin", null, a);
        String vb1 = t.putId("y/b.bin", null, b);
        String vb2 = t.putId("y/b.bin", vb1, a); // b moved on: deleting it on vb1 is stale
        t.upload(c);

        ObjectNode bad = Tenant.MAPPER.createObjectNode();
        ObjectNode withManifest = Tenant.commitBody("y/a.bin", va, c, "batch-del-bad");
        withManifest.put("delete", true);
        bad.putArray("commits").add(withManifest);
        RawState.Snapshot before = raw.snapshot();
        JsonNode refused = Tenant.expect(400, t.post("/v1/commit-batch", bad));
        assertEquals("INVALID_FIELD", refused.path("error").asText(), refused.toString());
        assertTrue(before.diff(raw.snapshot()).isEmpty(), "a refused batch changes nothing");

        ObjectNode body = Tenant.MAPPER.createObjectNode();
        body.putArray("commits")
                .add(deletion("y/a.bin", va, "batch-del-a"))
                .add(deletion("y/b.bin", vb1, "batch-del-b"))
                .add(Tenant.commitBody("y/c.bin", null, c, "batch-del-c"));
        JsonNode r = Tenant.expect(200, t.post("/v1/commit-batch", body)).path("results");
        assertEquals(201, r.get(0).path("status").asInt(), r.toString());
        assertTrue(r.get(0).path("version").path("deleted").asBoolean(), r.toString());
        assertEquals(409, r.get(1).path("status").asInt());
        assertEquals(vb2, r.get(1).path("details").path("head").path("versionId").asText(), "an edit is never deleted unseen");
        assertEquals(201, r.get(2).path("status").asInt());
        assertEquals(404, t.get("/v1/file?path=y/a.bin").status());
        t.assertContent("y/b.bin", a.bytes());
        t.assertContent("y/c.bin", c.bytes());
        JsonNode again = Tenant.expect(200, t.post("/v1/commit-batch", body)).path("results");
        assertEquals("replayed", again.get(0).path("outcome").asText(), again.toString());
    }

    private static ObjectNode deletion(String path, String parent, String key) {
        ObjectNode d = Tenant.MAPPER.createObjectNode();
        d.put("path", path);
        d.put("parentVersion", parent);
        d.put("idempotencyKey", key);
        d.put("delete", true);
        return d;
    }
}
