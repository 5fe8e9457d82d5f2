package dev.chunkvault.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chunkvault.core.chunking.Chunk;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Quotas and usage over HTTP on the local cloud (issue 14, item 7): the template's default quota reaches the
 * functions; a commit past the quota is 403 QUOTA_EXCEEDED and changes nothing in DynamoDB Local or s3proxy; deletes
 * and restores still work over the quota; the admin route raises one account's quota and the same commit then goes
 * through; concurrent commits cannot pass the quota together; {@code GET /v1/usage} shows exact numbers after commits
 * and deletes, and the bytes after dedup once an audit with fix measured them.
 */
@ExtendWith(LocalCloudExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QuotaIT {
    /** The template's DefaultQuotaGiB. */
    static final long DEFAULT_QUOTA = 100L << 30;

    private final LocalCloud cloud;
    private RawState raw;

    QuotaIT(LocalCloud cloud) {
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

    private static Tenant.Content file(long seed, int size) {
        return Tenant.Content.of(Tenant.random(seed, size));
    }

    private static void assertOverQuota(Http.Response r, long quota, long used, long needed) {
        JsonNode body = Tenant.expect(403, r);
        assertEquals("QUOTA_EXCEEDED", body.path("error").asText(), r.text());
        assertEquals(quota, body.path("details").path("quota").asLong(), r.text());
        assertEquals(used, body.path("details").path("used").asLong(), r.text());
        assertEquals(needed, body.path("details").path("needed").asLong(), r.text());
    }

    @Test
    void aCommitPastTheQuotaIsRefusedChangesNothingAndGoesThroughOnceTheAdminRaisesIt() {
        Tenant t = new Tenant(cloud, "quota-over");
        JsonNode fresh = t.usage();
        assertEquals(DEFAULT_QUOTA, fresh.path("quota").asLong(), "the template's DefaultQuotaGiB: " + fresh);
        assertEquals(0, fresh.path("logicalBytes").asLong());
        JsonNode set = t.setQuota(150_000L);
        assertEquals(t.subject(), set.path("owner").asText());
        assertEquals(150_000, set.path("quota").asLong());

        t.put("docs/a.bin", null, file(8101, 100_000));
        Tenant.Content b = file(8102, 60_000);
        t.upload(b);
        ObjectNode commit = Tenant.commitBody("docs/b.bin", null, b, "quota-over-b-1");
        RawState.Snapshot before = raw.snapshot();
        assertOverQuota(t.post("/v1/commits", commit), 150_000, 100_000, 60_000);
        assertEquals(List.of(), before.diff(raw.snapshot()), "a refused commit changes nothing");
        assertEquals(404, t.get("/v1/file?path=docs/b.bin").status());

        JsonNode raised = t.setQuota(1_000_000L);
        assertEquals(1_000_000, raised.path("quota").asLong());
        assertEquals(100_000, raised.path("logicalBytes").asLong(), "the answer is the account's usage: " + raised);
        Tenant.expect(201, t.post("/v1/commits", commit));
        t.assertContent("docs/b.bin", b.bytes());
        assertEquals(160_000, t.usage().path("logicalBytes").asLong());

        assertEquals(DEFAULT_QUOTA, t.setQuota(null).path("quota").asLong(), "cleared: the default again");
    }

    @Test
    void deletesAndRestoresStillWorkOverTheQuota() {
        Tenant t = new Tenant(cloud, "quota-restore");
        Tenant.Content big = file(8201, 100_000);
        String v1 = t.putId("a.bin", null, big);
        String v2 = t.putId("a.bin", v1, file(8202, 40_000));
        t.setQuota(50_000L);
        Tenant.Content small = file(8203, 20_000);
        t.upload(small);
        assertOverQuota(t.commit("small.bin", null, small), 50_000, 40_000, 20_000);

        JsonNode restored = Tenant.expect(201, t.post("/v1/restore", Map.of("path", "a.bin", "version", v1,
                "parentVersion", v2, "idempotencyKey", Tenant.key()))).path("version");
        t.assertContent("a.bin", big.bytes());
        JsonNode over = t.usage();
        assertEquals(100_000, over.path("logicalBytes").asLong(), "a restore may pass the quota: " + over);
        assertEquals(50_000, over.path("quota").asLong());

        t.delete("a.bin", restored.path("versionId").asText());
        assertEquals(0, t.usage().path("logicalBytes").asLong());
        Tenant.expect(201, t.commit("small.bin", null, small));
    }

    /** Eight commits of 50,000 bytes at once against room for three: three go through, whatever the interleaving. */
    @Test
    void concurrentCommitsCannotPassTheQuotaTogether() throws Exception {
        Tenant t = new Tenant(cloud, "quota-race");
        t.setQuota(150_010L);
        List<Tenant.Content> files = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Tenant.Content c = file(8300 + i, 50_000);
            t.upload(c);
            files.add(c);
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Http.Response>> answers = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                int n = i;
                answers.add(pool.submit(() -> t.commit("race/f" + n + ".bin", null, files.get(n))));
            }
            Map<Integer, Integer> statuses = new HashMap<>();
            for (Future<Http.Response> a : answers) {
                Http.Response r = a.get();
                statuses.merge(r.status(), 1, Integer::sum);
                if (r.status() == 403) {
                    assertEquals("QUOTA_EXCEEDED", r.json().path("error").asText());
                }
            }
            assertEquals(Map.of(201, 3, 403, 5), statuses);
        } finally {
            pool.shutdownNow();
        }
        assertEquals(150_000, t.usage().path("logicalBytes").asLong());
        assertEquals(3, Tenant.expect(200, t.get("/v1/files?folder=race")).path("files").size());
    }

    @Test
    void usageShowsExactNumbersAndTheBytesAfterDedupOnceAudited() {
        Tenant t = new Tenant(cloud, "usage-numbers");
        Tenant.Content a1 = file(8401, 70_000);
        Tenant.Content a2 = file(8402, 30_000);
        Tenant.Content b = file(8403, 50_000);
        Tenant.Content c = file(8404, 20_000);
        String va1 = t.putId("a.bin", null, a1);
        t.putId("a.bin", va1, a2);
        t.putId("b.bin", null, b);
        t.putId("copy-of-b.bin", null, b); // dedup: stored once
        String vc = t.putId("c.bin", null, c);
        t.delete("c.bin", vc);

        JsonNode u = t.usage();
        assertEquals(30_000 + 50_000 + 50_000, u.path("logicalBytes").asLong(), u.toString());
        assertEquals(3, u.path("files").asLong(), u.toString());
        assertEquals(5, u.path("versions").asLong(), "a1, a2, b, its copy, c (a deletion is not a version): " + u);
        assertEquals(70_000 + 20_000, u.path("historyBytes").asLong(), u.toString());
        assertEquals(DEFAULT_QUOTA, u.path("quota").asLong());
        assertFalse(u.has("storedBytes"), "not measured yet: " + u);

        JsonNode audit = Tenant.expect(200, Http.postJson(cloud.apiEndpoint(), "/v1/admin/audit?fix=true", t.token, "{}"))
                .path("audit");
        assertTrue(audit.path("complete").asBoolean(), audit.toString());
        JsonNode measured = t.usage();
        long distinct = 0;
        Map<String, Long> sizes = new HashMap<>();
        for (Tenant.Content x : List.of(a1, a2, b, c)) {
            for (Chunk ch : x.chunks()) {
                sizes.put(ch.id().hex(), (long) ch.size());
            }
        }
        for (long s : sizes.values()) {
            distinct += s;
        }
        assertEquals(distinct, measured.path("storedBytes").asLong(), measured.toString());
        assertTrue(measured.path("storedBytesAt").isTextual(), measured.toString());
        assertEquals(u.path("logicalBytes"), measured.path("logicalBytes"), "the audit found the counters exact");
    }
}
