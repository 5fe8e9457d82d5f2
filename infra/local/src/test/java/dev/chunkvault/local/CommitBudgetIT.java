package dev.chunkvault.local;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The template parameter {@code CommitBudgetSeconds} reaches the commit function: with a budget of 0, a large commit
 * pins one slice of 132 chunks per request and answers 503 COMMIT_IN_PROGRESS until the same request, sent again,
 * has pinned them all; nothing is visible before, and the file is whole after.
 */
class CommitBudgetIT {
    /** More than two slices of 132 default-profile chunks (256 KiB on average). */
    private static final int SIZE = 80 << 20;
    private static final String HISTORY = "/v1/history?path=big%2Ffile.bin";

    @Test
    void aZeroBudgetMakesALargeCommitGoOnOneSliceAtATime() {
        try (LocalCloud cloud = LocalCloud.start(LocalCloud.Options.inMemory()
                .withParameters(Map.of("CommitBudgetSeconds", "0")))) {
            Tenant t = new Tenant(cloud, "budget-alice");
            Tenant.Content c = Tenant.Content.of(Tenant.random(7001, SIZE));
            int chunks = c.chunkBytes().size();
            assertTrue(chunks > 2 * 132, "the file needs more than two slices: " + chunks + " distinct chunks");
            t.upload(c);
            ObjectNode body = Tenant.commitBody("big/file.bin", null, c, "budget-it-1");

            int inProgress = 0;
            Http.Response r = t.post("/v1/commits", body);
            while (r.status() == 503) {
                assertEquals("COMMIT_IN_PROGRESS", r.json().path("error").asText(), r.text());
                assertTrue(r.header("Retry-After") != null, "a 503 says when to come back");
                assertEquals(404, t.get(HISTORY).status(), "nothing is visible while the commit is in progress");
                inProgress++;
                assertTrue(inProgress < 10, "the commit does not make progress");
                r = t.post("/v1/commits", body);
            }
            JsonNode version = Tenant.expect(201, r).path("version");
            // The same route that answered 404 above now lists the version (so the 404 was the file's, not the route's).
            assertEquals(version.path("versionId").asText(),
                    Tenant.expect(200, t.get(HISTORY)).path("versions").path(0).path("versionId").asText());
            // One slice per request: ceil(chunks / 132) requests, all but the last answered 503.
            assertEquals((chunks + 131) / 132 - 1, inProgress, "requests answered in progress");
            assertArrayEquals(c.bytes(), t.download("big/file.bin", null));
            assertEquals(version.path("versionId").asText(),
                    Tenant.expect(201, t.post("/v1/commits", body)).path("version").path("versionId").asText(),
                    "the same request once more replays the commit");
        }
    }
}
