package dev.chunkvault.api.handlers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chunkvault.api.http.Json;
import dev.chunkvault.api.wiring.Wiring;
import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.core.hash.Sha256;
import dev.chunkvault.core.manifest.Manifest;
import dev.chunkvault.core.manifest.ManifestDelta;
import dev.chunkvault.core.manifest.ManifestEntry;
import dev.chunkvault.service.TestClock;
import dev.chunkvault.service.blob.InMemoryBlobStore;
import dev.chunkvault.service.sim.FakeClient.Content;
import dev.chunkvault.service.store.InMemoryItemStore;
import dev.chunkvault.service.vault.CommitService;
import dev.chunkvault.service.vault.Owner;
import dev.chunkvault.service.vault.Settings;
import dev.chunkvault.service.vault.Tables;
import dev.chunkvault.service.vault.UploadService;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The conflict-check route end to end in JSON: verdicts, and committing a merged manifest delta it returns. */
class ConflictCheckHandlerTest {
    private final Random random = new Random(0xC0DE_C4ECL);
    private final TestClock clock = new TestClock();
    private final InMemoryBlobStore blobs = new InMemoryBlobStore(clock, true);
    private final Wiring w = Wiring.of(new InMemoryItemStore(Tables.all()), blobs, blobs, clock,
            Settings.DEFAULTS.withParallelism(1));
    private final ConflictCheckHandler check = new ConflictCheckHandler(w);
    private final CommitHandler commit = new CommitHandler(w);
    private final Owner alice = new Owner("alice");
    private final Map<ChunkId, byte[]> store = new HashMap<>();
    private int requests;
    private int keys;

    private APIGatewayV2HTTPEvent event(String route, String body) {
        return CommitFieldFixture.httpEvent(route, body, alice.sub(), "conflict-test-" + (++requests));
    }

    private JsonNode conflictCheck(ObjectNode body, int expectedStatus) throws Exception {
        APIGatewayV2HTTPResponse r = check.handleRequest(event("POST /v1/conflict-check", body.toString()), null);
        assertEquals(expectedStatus, r.getStatusCode(), r.getBody());
        return Json.MAPPER.readTree(r.getBody());
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private Content content(int chunks) {
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < chunks; i++) {
            out.add(bytes(200 + random.nextInt(800)));
        }
        return new Content(out);
    }

    private static Content replaced(Content c, int index, byte[] chunk) {
        List<byte[]> out = new ArrayList<>(c.chunks());
        out.set(index, chunk);
        return new Content(out);
    }

    /** Uploads the chunks through presigned PUTs, as a client would. */
    private void upload(Content c) {
        List<UploadService.ChunkRequest> asks = new ArrayList<>();
        for (byte[] chunk : c.chunks()) {
            store.putIfAbsent(ChunkId.sha256(chunk), chunk);
            asks.add(new UploadService.ChunkRequest(ChunkId.sha256(chunk), chunk.length));
        }
        for (UploadService.Upload u : w.uploads().grant(alice, asks).uploads()) {
            assertEquals(200, blobs.execute(u.request().method(), u.request().url(), u.request().headers(),
                    store.get(u.id())).status());
        }
    }

    private String commitContent(String path, String parent, Content c) {
        upload(c);
        return w.commits().commit(new CommitService.CommitRequest(alice, path, parent,
                new CommitService.Source.Full(c.manifest()), c.size(), c.sha256(), 0, "handler-key-" + (++keys)))
                .version().versionId();
    }

    private static ObjectNode body(String path) {
        ObjectNode b = Json.MAPPER.createObjectNode();
        b.put("path", path);
        b.put("device", "phone");
        b.put("localTime", "2026-05-06T07:08:09");
        return b;
    }

    @Test
    void modifyModifyMergesAndTheMergedDeltaCommitsInOneStep() throws Exception {
        Content base = content(8);
        String v1 = commitContent("docs/plan.bin", null, base);
        Content remote = replaced(base, 1, bytes(321));
        String v2 = commitContent("docs/plan.bin", v1, remote);
        Content local = replaced(base, 6, bytes(654));

        ObjectNode req = body("docs/plan.bin");
        req.put("baseVersion", v1);
        req.set("localManifestDelta", Json.MAPPER.valueToTree(ManifestDelta.compute(base.manifest(), local.manifest())));
        JsonNode verdict = conflictCheck(req, 200);
        assertEquals("MODIFY_MODIFY", verdict.path("outcome").asText(), verdict.toString());
        assertEquals("COMMIT_MERGED", verdict.path("action").asText());
        assertEquals("RETAINED", verdict.path("baseStatus").asText());
        assertTrue(verdict.path("mergeable").asBoolean());
        assertEquals(v1, verdict.path("ancestor").path("versionId").asText());
        assertEquals(v2, verdict.path("head").path("versionId").asText());
        assertFalse(verdict.has("direction"));
        assertFalse(verdict.has("conflictedCopyPath"));
        Manifest expected = replaced(remote, 6, local.chunks().get(6)).manifest();
        assertEquals(expected, Json.MAPPER.treeToValue(verdict.path("mergedManifest"), Manifest.class));
        assertEquals(expected, Json.MAPPER.treeToValue(verdict.path("mergedFromLocal"), ManifestDelta.class)
                .apply(local.manifest()));
        assertEquals(expected.totalSize(), verdict.path("mergedSize").asLong());
        assertEquals(expected.chunkCount(), verdict.path("mergedChunkCount").asInt());

        // The client writes the merged file (local chunks + the head's), hashes it, uploads its own new chunk and
        // commits the delta against the head, as JSON, through the commit route.
        upload(local);
        ByteArrayOutputStream merged = new ByteArrayOutputStream();
        for (ManifestEntry e : expected.entries()) {
            merged.writeBytes(store.get(e.id()));
        }
        ObjectNode commitBody = Json.MAPPER.createObjectNode();
        commitBody.put("path", "docs/plan.bin");
        commitBody.put("parentVersion", verdict.path("head").path("versionId").asText());
        commitBody.set("manifestDelta", verdict.path("mergedManifestDelta"));
        commitBody.put("size", verdict.path("mergedSize").asLong());
        commitBody.put("contentHash", HexFormat.of().formatHex(Sha256.newDigest().digest(merged.toByteArray())));
        commitBody.put("idempotencyKey", "merge-commit-0001");
        APIGatewayV2HTTPResponse committed = commit.handleRequest(event("POST /v1/commits", commitBody.toString()), null);
        assertEquals(201, committed.getStatusCode(), committed.getBody());
        assertEquals(expected, w.reads().download(alice, "docs/plan.bin", null, null).manifest());
    }

    @Test
    void conflictingEditsGiveRegionsACopyNameAndCollisions() throws Exception {
        Content base = content(8);
        String v1 = commitContent("Docs/Plan.bin", null, base);
        commitContent("Docs/Plan.bin", v1, replaced(base, 3, bytes(100)));
        Content local = replaced(base, 3, bytes(200));

        ObjectNode req = body("docs/plan.bin");
        req.put("baseVersion", v1);
        req.put("localName", "PLAN.bin");
        req.set("localManifest", Json.MAPPER.valueToTree(local.manifest()));
        JsonNode verdict = conflictCheck(req, 200);
        assertEquals("MODIFY_MODIFY", verdict.path("outcome").asText(), verdict.toString());
        assertEquals("KEEP_BOTH", verdict.path("action").asText());
        assertFalse(verdict.path("mergeable").asBoolean());
        assertEquals("CONFLICTING_EDITS", verdict.path("unmergeableReason").asText());
        assertFalse(verdict.has("mergedManifest"));
        assertEquals(1, verdict.path("regionCount").asInt());
        JsonNode region = verdict.path("regions").path(0);
        assertEquals(3, region.path("ancestorChunkStart").asInt());
        assertEquals(4, region.path("ancestorChunkEnd").asInt());
        long start = 0;
        for (int i = 0; i < 3; i++) {
            start += base.chunks().get(i).length;
        }
        assertEquals(start, region.path("ancestorByteStart").asLong());
        assertEquals(start + base.chunks().get(3).length, region.path("ancestorByteEnd").asLong());
        assertEquals(start + 200, region.path("localByteEnd").asLong());
        assertEquals(start + 100, region.path("remoteByteEnd").asLong());
        assertEquals("Docs/Plan (conflicted copy phone 2026-05-06 070809).bin", verdict.path("conflictedCopyPath").asText());
        assertEquals("Plan (conflicted copy phone 2026-05-06 070809).bin", verdict.path("conflictedCopyName").asText());
        assertEquals(Json.MAPPER.readTree("[{\"kind\":\"CASE\",\"existingPath\":\"Docs\",\"localPath\":\"docs\"},"
                + "{\"kind\":\"CASE\",\"existingPath\":\"Docs/Plan.bin\",\"localPath\":\"docs/PLAN.bin\"}]"),
                verdict.path("collisions"));
    }

    @Test
    void fastForwardsAndErrors() throws Exception {
        Content base = content(3);
        String v1 = commitContent("a.txt", null, base);
        ObjectNode unchanged = body("a.txt");
        unchanged.put("baseVersion", v1);
        JsonNode none = conflictCheck(unchanged, 200);
        assertEquals("NO_CHANGE", none.path("outcome").asText());
        assertEquals("NONE", none.path("action").asText());
        assertFalse(none.has("mergeable"));

        ObjectNode deleted = body("a.txt");
        deleted.put("baseVersion", v1);
        deleted.put("localDeleted", true);
        JsonNode push = conflictCheck(deleted, 200);
        assertEquals("FAST_FORWARD", push.path("outcome").asText());
        assertEquals("PUSH", push.path("direction").asText());

        ObjectNode delta = body("a.txt");
        delta.put("baseVersion", v1);
        delta.set("localManifestDelta", Json.MAPPER.readTree("{\"ops\": [{\"copy\": [2, 9]}]}"));
        assertEquals("INVALID_MANIFEST_DELTA", conflictCheck(delta, 400).path("error").asText());

        ObjectNode both = body("a.txt");
        both.put("localDeleted", true);
        both.set("localManifest", Json.MAPPER.valueToTree(base.manifest()));
        JsonNode error = conflictCheck(both, 400);
        assertEquals("AMBIGUOUS_LOCAL_STATE", error.path("error").asText());
        assertTrue(error.path("requestId").asText().startsWith("conflict-test-"));
    }
}
