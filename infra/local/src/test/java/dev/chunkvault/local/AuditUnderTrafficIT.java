package dev.chunkvault.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /v1/admin/audit?fix=true} while tenants commit (issue 13, item 1), over HTTP on the local cloud: edits
 * that share chunks between files and tenants, deletes and restores run on three threads while audits with fix run one
 * after another. No audit may report drift or write a count (nothing here drifts: every difference it sees is a change
 * in flight, and some are seen); once the traffic stops, an audit finds everything settled, and every file downloads as last committed.
 * The old audit counted the edges before it read the counters, and "fixed" a counter a commit had raised in between
 * one below its edges — which a later expiry and GC turned into deleted chunks of head versions.
 */
class AuditUnderTrafficIT {
    @Test
    void auditsWithFixWhileTenantsCommitNeitherReportNorWriteDrift() throws Exception {
        try (LocalCloud cloud = LocalCloud.start(LocalCloud.Options.inMemory())) {
            String admin = cloud.mintToken("audit-admin", List.of("chunkvault/admin"), Duration.ofMinutes(30));
            // A shared pool of chunk-sized blocks: files and tenants reference the same chunks, so commits add and
            // remove edges of chunks that other files hold too.
            Random seed = new Random(1301);
            List<byte[]> pool = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                pool.add(Tenant.random(seed.nextLong(), 20_000 + seed.nextInt(30_000)));
            }
            Map<String, byte[]> lastCommitted = new ConcurrentHashMap<>();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger commits = new AtomicInteger();
            ExecutorService writers = Executors.newFixedThreadPool(3);
            List<Future<?>> running = new ArrayList<>();
            for (int w = 0; w < 3; w++) {
                Tenant t = new Tenant(cloud, "audit-traffic-" + (w % 2)); // two writers share one tenant
                Random random = new Random(w);
                String prefix = "w" + w + "/";
                running.add(writers.submit(() -> {
                    Map<String, String> heads = new java.util.HashMap<>();
                    while (!stop.get()) {
                        String path = prefix + "f" + random.nextInt(4) + ".bin";
                        String parent = heads.get(path);
                        if (parent != null && random.nextInt(8) == 0) {
                            t.delete(path, parent);
                            heads.remove(path);
                            lastCommitted.remove(t.user + ":" + path);
                            continue;
                        }
                        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
                        for (int k = 0, n = 1 + random.nextInt(4); k < n; k++) {
                            out.writeBytes(pool.get(random.nextInt(pool.size())));
                        }
                        Tenant.Content c = Tenant.Content.of(out.toByteArray());
                        t.upload(c);
                        Http.Response r = t.commit(path, parent, c);
                        for (int again = 0; again < 5 && r.status() == 422
                                && "MISSING_CHUNKS".equals(r.json().path("error").asText()); again++) {
                            // The other tenant's PUT of a pool chunk may land between this tenant's PUT and its commit:
                            // the object then carries the other uploader's tag, the commit (which wrote nothing) asks
                            // for the chunk, and a client sends it again, as the CLI does (VersionCommitter).
                            t.upload(c);
                            r = t.commit(path, parent, c);
                        }
                        if (r.status() == 201 || r.status() == 200) {
                            heads.put(path, r.json().path("version").path("versionId").asText());
                            lastCommitted.put(t.user + ":" + path, c.bytes());
                            commits.incrementAndGet();
                        } else {
                            throw new AssertionError("commit answered " + r.status() + ": " + r.text());
                        }
                    }
                    return null;
                }));
            }

            long inFlight = 0;
            int audits = 0;
            try {
                // Audits back to back until the writers have committed a good deal meanwhile.
                for (; audits < 12 || commits.get() < 150; audits++) {
                    assertTrue(audits < 5_000, "the writers make progress");
                    JsonNode r = Tenant.expect(200, Http.postJson(cloud.apiEndpoint(), "/v1/admin/audit?fix=true", admin, "{}"))
                            .path("audit");
                    assertTrue(r.path("complete").asBoolean(), r.toString());
                    assertEquals(0, r.path("driftCount").asLong(), "drift reported under traffic: " + r.path("drifts"));
                    assertEquals(0, r.path("fixed").asLong(), "a count written under traffic: " + r);
                    inFlight += r.path("inFlight").asLong();
                }
            } finally {
                stop.set(true);
                for (Future<?> f : running) {
                    f.get(2, TimeUnit.MINUTES); // rethrows a writer's failure
                }
                writers.shutdown();
            }
            System.out.println("AuditUnderTrafficIT: " + commits.get() + " commits during " + audits + " audits; "
                    + inFlight + " differences in flight");
            assertTrue(inFlight > 0, "the audits met changes in flight");

            JsonNode settled = Tenant.expect(200, Http.postJson(cloud.apiEndpoint(), "/v1/admin/audit?checkObjects=true",
                    admin, "{}")).path("audit");
            assertEquals(0, settled.path("driftCount").asLong(), settled.toString());
            assertEquals(0, settled.path("inFlight").asLong(), "nothing moves any more: " + settled);
            for (Map.Entry<String, byte[]> e : lastCommitted.entrySet()) {
                String user = e.getKey().substring(0, e.getKey().indexOf(':'));
                new Tenant(cloud, user).assertContent(e.getKey().substring(user.length() + 1), e.getValue());
            }
        }
    }
}
