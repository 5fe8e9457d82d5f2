package dev.chunkvault.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chunkvault.api.wiring.Wiring;
import dev.chunkvault.aws.AwsClients;
import dev.chunkvault.core.hash.ChunkId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.interceptor.Context.BeforeTransmission;
import software.amazon.awssdk.core.interceptor.Context.ModifyHttpResponse;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Issue 13, items 4 and 5, over HTTP on the local cloud (DynamoDB Local + s3proxy), with the functions' own SDK calls
 * disturbed by interceptors the way a slow network or a dying sandbox disturbs them:
 * <ul>
 *   <li>a commit whose store call stalls past the function's time answers 503 TIMED_OUT before the platform kills
 *       it (it answered the platform's 500 though the commit had been applied), and the same request sent again
 *       finds the one version;</li>
 *   <li>a GC run that dies in the middle of its sweep leaves chunks DELETING: grants answer "retry" while its lease
 *       may still be renewed, take the chunks back once it has expired (they waited for the old 20-minute lease),
 *       the re-upload commits and downloads whole, the next run starts at once, and the dead run, when its stalled
 *       delete finally fails, deletes nothing.</li>
 * </ul>
 */
class DeadlinesIT {
    @TempDir
    Path tmp;

    /** An SDK interceptor that holds the response of the first call of one operation for a while (after it applied). */
    static final class SlowResponse implements ExecutionInterceptor {
        private final String operation;
        private final long millis;
        private final AtomicBoolean done = new AtomicBoolean();

        SlowResponse(String operation, long millis) {
            this.operation = operation;
            this.millis = millis;
        }

        @Override
        public SdkHttpResponse modifyHttpResponse(ModifyHttpResponse context, ExecutionAttributes attributes) {
            if (operation.equals(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME)) && done.compareAndSet(false, true)) {
                try {
                    Thread.sleep(millis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw SdkClientException.create("the response was cut off");
                }
            }
            return context.httpResponse();
        }
    }

    /** A template whose functions time out after {@code seconds} (the local cloud runs the template it is given). */
    private Path templateWithTimeout(int seconds) throws Exception {
        String yaml = Files.readString(findTemplate());
        assertTrue(yaml.contains("    Timeout: 29\n"), "the template's global function timeout");
        Path t = tmp.resolve("template.yaml");
        Files.writeString(t, yaml.replace("    Timeout: 29\n", "    Timeout: " + seconds + "\n"));
        return t;
    }

    /** A template whose GC function times out after {@code seconds}. */
    private Path templateWithGcTimeout(int seconds) throws Exception {
        String yaml = Files.readString(findTemplate());
        assertEquals(1, yaml.split("      Timeout: 900\n", -1).length - 1, "the GC function's own timeout");
        Path t = tmp.resolve("template-gc.yaml");
        Files.writeString(t, yaml.replace("      Timeout: 900\n", "      Timeout: " + seconds + "\n"));
        return t;
    }

    @Test
    void aGcRunThatRunsOutOfTimeTakingItsLeaseGivesItBackAndIsNotComplete() throws Exception {
        // The function stops its work GcHandler.DEADLINE_MARGIN_MILLIS (10 s) before its timeout, 4 s here; the
        // answer to its first update (taking the lease) would come after 8.
        SlowResponse slow = new SlowResponse("UpdateItem", 8_000);
        try (LocalCloud cloud = LocalCloud.start(LocalCloud.Options.inMemory().withTemplate(templateWithGcTimeout(14))
                .withHandlers((type, env, id) -> type.getConstructor(Wiring.class).newInstance(
                        Wiring.fromEnv(env, id.equals("GcFunction") ? List.of(slow) : List.of()))))) {
            Tenant t = new Tenant(cloud, "gc-deadline-alice");
            Tenant.Content c = Tenant.Content.of(Tenant.random(53, 200_000));
            t.putId("kept.bin", null, c);
            JsonNode first = cloud.runGc().path("gc");
            assertTrue(slow.done.get(), "the slow answer came");
            assertFalse(first.path("complete").asBoolean(true), "a run that ran out of time: " + first);
            assertEquals("OUT_OF_TIME", first.path("skipped").asText(), first.toString());
            // the lease it may have taken was given back: the next run (an operator's) does not wait out its 2 minutes
            String admin = cloud.mintToken("gc-deadline-admin", List.of("chunkvault/admin"), Duration.ofMinutes(5));
            JsonNode second = Tenant.expect(200, Http.postJson(cloud.apiEndpoint(), "/v1/admin/gc", admin, "{}")).path("gc");
            assertTrue(second.path("complete").asBoolean(), "the next run starts at once and finishes: " + second);
            t.assertContent("kept.bin", c.bytes());
        }
    }

    private static Path findTemplate() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("template.yaml"))) {
                return dir.resolve("template.yaml");
            }
        }
        throw new IllegalStateException("template.yaml not found");
    }

    @Test
    void aCommitThatRunsOutOfTimeAnswers503AndItsRetryFindsTheOneVersion() throws Exception {
        SlowResponse slow = new SlowResponse("TransactWriteItems", 15_000);
        try (LocalCloud cloud = LocalCloud.start(LocalCloud.Options.inMemory().withTemplate(templateWithTimeout(6))
                .withHandlers((type, env, id) -> type.getConstructor(Wiring.class).newInstance(
                        Wiring.fromEnv(env, id.equals("CommitFunction") ? List.of(slow) : List.of()))))) {
            Tenant t = new Tenant(cloud, "deadline-alice");
            Tenant.Content c = Tenant.Content.of(Tenant.random(51, 600_000));
            t.upload(c);
            ObjectNode body = Tenant.commitBody("slow/file.bin", null, c, "deadline-it-1");

            Http.Response first = t.post("/v1/commits", body);
            assertEquals(503, first.status(), first.text());
            assertEquals("TIMED_OUT", first.json().path("error").asText(), first.text());
            assertNotNull(first.header("Retry-After"), "a 503 says when to come back");

            JsonNode again = Tenant.expect(201, t.post("/v1/commits", body)).path("version");
            JsonNode history = Tenant.expect(200, t.get("/v1/history?path=slow%2Ffile.bin"));
            assertEquals(1, history.path("versions").size(), "one commit, one version: " + history);
            assertEquals(again.path("versionId").asText(), history.path("versions").path(0).path("versionId").asText());
            t.assertContent("slow/file.bin", c.bytes());
        }
    }

    /** Holds the GC function's object deletes until released, then fails them (the call timed out). */
    static final class StalledDeletes implements ExecutionInterceptor {
        final CountDownLatch reached = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public void beforeTransmission(BeforeTransmission context, ExecutionAttributes attributes) {
            if ("DeleteObject".equals(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME))) {
                reached.countDown();
                boolean interrupted = false;
                while (true) {
                    try {
                        release.await();
                        break;
                    } catch (InterruptedException e) {
                        interrupted = true; // a dead sandbox does not answer the runtime either
                    }
                }
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
                throw SdkClientException.create("the delete timed out");
            }
        }
    }

    @Test
    void aGcRunKilledMidSweepBlocksNothingOnceItsLeaseHasExpired() throws Exception {
        StalledDeletes stalled = new StalledDeletes();
        try (LocalCloud cloud = LocalCloud.start(LocalCloud.Options.inMemory()
                .withHandlers((type, env, id) -> type.getConstructor(Wiring.class).newInstance(
                        Wiring.fromEnv(env, id.equals("GcFunction") ? List.of(stalled) : List.of()))));
             DynamoDbClient dynamo = new AwsClients(cloud.ownerEnvironment("GcFunction"), Duration.ofSeconds(30),
                     List.of()).dynamo()) {
            Map<String, String> env = cloud.functionEnvironment("GcFunction");
            String chunks = env.get("CHUNKS_TABLE");
            String control = env.get("CONTROL_TABLE");
            Tenant alice = new Tenant(cloud, "killed-gc-alice");
            Tenant bob = new Tenant(cloud, "killed-gc-bob");
            Tenant.Content c = Tenant.Content.of(Tenant.random(52, 60_000));
            ChunkId id = c.id(0);
            assertEquals(1, c.chunks().size());
            alice.upload(c); // uploaded, never committed: garbage once old enough
            // Two days pass for this row (the grace period is at least an hour; the test cannot wait for it).
            long old = System.currentTimeMillis() - Duration.ofDays(2).toMillis();
            dynamo.updateItem(b -> b.tableName(chunks).key(Map.of("chunkId", AttributeValue.fromS(id.hex())))
                    .updateExpression("SET lastGrantAt = :t, gcAt = :t, createdAt = :t")
                    .expressionAttributeValues(Map.of(":t", AttributeValue.fromN(Long.toString(old)))));

            ExecutorService runner = Executors.newSingleThreadExecutor();
            Future<JsonNode> dying = runner.submit(cloud::runGc);
            assertTrue(stalled.reached.await(60, TimeUnit.SECONDS), "the run reached its first delete");
            assertEquals("DELETING", chunkState(dynamo, chunks, id));

            JsonNode waiting = Tenant.expect(200, bob.post("/v1/uploads", uploadsBody(c)));
            assertEquals(0, waiting.path("uploads").size(), "no grant while the run may be alive: " + waiting);
            assertEquals(id.hex(), waiting.path("retry").path(0).path("id").asText());

            // A run asked for meanwhile finds the lease held: it does nothing and says so (never "complete": true).
            String admin = cloud.mintToken("killed-gc-admin", List.of("chunkvault/admin"), Duration.ofMinutes(5));
            JsonNode skipped = Tenant.expect(200, Http.postJson(cloud.apiEndpoint(), "/v1/admin/gc", admin, "{}")).path("gc");
            assertFalse(skipped.path("complete").asBoolean(true), "a run that found the lease held: " + skipped);
            assertFalse(skipped.path("skipped").asText("").isEmpty(), "it says why it did not run: " + skipped);
            assertEquals("DELETING", chunkState(dynamo, chunks, id));

            // The run is dead (its sandbox gone): its lease runs out. Time passes for the lease item.
            long expired = System.currentTimeMillis() - Duration.ofMinutes(3).toMillis();
            dynamo.updateItem(b -> b.tableName(control).key(Map.of("name", AttributeValue.fromS("gc-lease")))
                    .updateExpression("SET expiresAt = :t")
                    .expressionAttributeValues(Map.of(":t", AttributeValue.fromN(Long.toString(expired)))));

            bob.upload(c); // the grant takes the row back; bob uploads
            assertEquals("PENDING", chunkState(dynamo, chunks, id));
            String version = bob.putId("kept/file.bin", null, c);
            assertTrue(version != null && !version.isEmpty());

            JsonNode next = Tenant.expect(200, Http.postJson(cloud.apiEndpoint(), "/v1/admin/gc", admin, "{}"));
            assertTrue(next.path("gc").path("complete").asBoolean(), "the next run starts at once: " + next);

            // The dead run's stalled delete finally fails; it cannot renew its lease, and deletes nothing more.
            stalled.release.countDown();
            JsonNode end = dying.get(60, TimeUnit.SECONDS);
            assertEquals(0, end.path("gc").path("chunksSwept").asLong(), "the dead run swept nothing: " + end);
            runner.shutdown();

            bob.assertContent("kept/file.bin", c.bytes());
            assertEquals("LIVE", chunkState(dynamo, chunks, id));
            JsonNode audit = Tenant.expect(200, Http.postJson(cloud.apiEndpoint(), "/v1/admin/audit", admin, "{}"));
            assertEquals(0, audit.path("audit").path("driftCount").asLong(), audit.toString());
        }
    }

    private static ObjectNode uploadsBody(Tenant.Content c) {
        ObjectNode req = Tenant.MAPPER.createObjectNode();
        var list = req.putArray("chunks");
        c.chunkBytes().forEach((id, bytes) -> list.addObject().put("id", id.hex()).put("size", bytes.length));
        return req;
    }

    private static String chunkState(DynamoDbClient dynamo, String table, ChunkId id) {
        return dynamo.getItem(b -> b.tableName(table).key(Map.of("chunkId", AttributeValue.fromS(id.hex())))
                .consistentRead(true)).item().get("state").s();
    }
}
