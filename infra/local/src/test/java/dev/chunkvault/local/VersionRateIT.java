package dev.chunkvault.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * New versions per file per hour over HTTP on a local cloud started with {@code MaxVersionsPerFilePerHour=3} (issue
 * 14, item 7): the fourth new version of a file within a clock hour is 429 TOO_MANY_VERSIONS with Retry-After until the
 * hour ends, and changes nothing; other files, deletes and restores are not limited; in a commit batch only the busy
 * file's commit is refused.
 */
class VersionRateIT {
    private static final long HOUR = 3_600_000L;

    @Test
    void theFourthVersionOfAFileInAnHourIsRefusedUntilTheHourEnds() {
        try (LocalCloud cloud = LocalCloud.start(LocalCloud.Options.inMemory()
                .withParameters(Map.of("MaxVersionsPerFilePerHour", "3")));
             RawState raw = new RawState(cloud)) {
            Tenant t = new Tenant(cloud, "rate-alice");
            // The window is the clock hour: a run that straddles the turn of an hour starts again on a new file.
            for (int attempt = 0; ; attempt++) {
                long hour = System.currentTimeMillis() / HOUR;
                String path = "busy-" + attempt + ".bin";
                String head = null;
                String first = null;
                for (int i = 0; i < 3; i++) {
                    head = t.putId(path, head, Tenant.Content.of(Tenant.random(8600 + i, 5_000)));
                    first = first == null ? head : first;
                }
                Tenant.Content fourth = Tenant.Content.of(Tenant.random(8610, 5_000));
                t.upload(fourth);
                ObjectNode commit = Tenant.commitBody(path, head, fourth, Tenant.key());
                RawState.Snapshot before = raw.snapshot();
                Http.Response r = t.post("/v1/commits", commit);
                if (System.currentTimeMillis() / HOUR != hour) {
                    assertTrue(attempt == 0, "two turns of the hour during one run");
                    continue;
                }
                JsonNode refused = Tenant.expect(429, r);
                assertEquals("TOO_MANY_VERSIONS", refused.path("error").asText(), r.text());
                assertEquals(3, refused.path("details").path("limit").asInt(), r.text());
                String retryAfter = r.header("Retry-After");
                assertNotNull(retryAfter, "a 429 says when to come back");
                long seconds = Long.parseLong(retryAfter);
                assertTrue(seconds >= 1 && seconds <= 3600, "until the end of the hour: " + seconds);
                assertEquals(List.of(), before.diff(raw.snapshot()), "a refused commit changes nothing");

                // Another file is not limited by this one.
                t.put("other-" + attempt + ".bin", null, fourth);
                // Deletes and restores are not limited, and do not count.
                JsonNode deleted = t.delete(path, head);
                JsonNode restored = Tenant.expect(201, t.post("/v1/restore", Map.of("path", path, "version", first,
                        "parentVersion", deleted.path("versionId").asText(), "idempotencyKey", Tenant.key())))
                        .path("version");
                // A batch refuses only the busy file's commit.
                Tenant.Content fresh = Tenant.Content.of(Tenant.random(8611, 5_000));
                t.upload(fresh);
                JsonNode batch = Tenant.expect(200, t.post("/v1/commit-batch", Map.of("commits", List.of(
                        Tenant.commitBody(path, restored.path("versionId").asText(), fourth, Tenant.key()),
                        Tenant.commitBody("fresh-" + attempt + ".bin", null, fresh, Tenant.key())))));
                if (System.currentTimeMillis() / HOUR != hour) {
                    assertTrue(attempt == 0, "two turns of the hour during one run");
                    continue;
                }
                assertEquals(429, batch.path("results").get(0).path("status").asInt(), batch.toString());
                assertEquals("TOO_MANY_VERSIONS", batch.path("results").get(0).path("error").asText());
                assertEquals(201, batch.path("results").get(1).path("status").asInt(), batch.toString());
                return;
            }
        }
    }
}
