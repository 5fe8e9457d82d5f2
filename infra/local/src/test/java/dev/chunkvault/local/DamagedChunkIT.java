package dev.chunkvault.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chunkvault.aws.AwsClients;
import dev.chunkvault.core.delta.BlockSignature;
import dev.chunkvault.core.delta.DeltaEncoder;
import dev.chunkvault.core.hash.ChunkId;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A chunk object overwritten with junk in the local S3 (issue 14, item 6), over HTTP: no route answers 5xx (signatures
 * and delta uploads answered 500), the chunk is quarantined, the audit's content check finds it, its holder's next
 * grant asks for a fresh upload, the re-upload heals it, and every retained version holding it (two versions of the
 * file, and a copy) downloads byte-identical again.
 */
class DamagedChunkIT {
    @Test
    void aChunkOverwrittenWithJunkIsRefusedFoundHealedAndDownloadsWholeAgain() throws Exception {
        try (LocalCloud cloud = LocalCloud.start(LocalCloud.Options.inMemory());
             S3Client s3 = new AwsClients(cloud.ownerEnvironment("CommitFunction"), Duration.ofSeconds(30), List.of()).s3()) {
            String bucket = cloud.functionEnvironment("CommitFunction").get("CHUNK_BUCKET");
            String admin = cloud.mintToken("damaged-admin", List.of("chunkvault/admin"), Duration.ofMinutes(10));
            Tenant alice = new Tenant(cloud, "damaged-alice");
            Tenant.Content c = Tenant.Content.of(Tenant.random(71, 700_000));
            assertTrue(c.chunks().size() >= 2, "a file of several chunks");
            String version = alice.putId("d/doc.bin", null, c);
            ChunkId id = c.id(0);
            byte[] good = c.chunk(0);
            // Retained versions that hold the chunk too: a later version of the file (its tail edited) and a copy.
            Tenant.Content c2 = Tenant.Content.of(Tenant.edit(c.bytes(), c.bytes().length - 1_000, 500, 73));
            assertEquals(id, c2.id(0), "the edit leaves the first chunk as it was");
            String version2 = alice.putId("d/doc.bin", version, c2);
            alice.putId("e/copy.bin", null, c);
            s3.putObject(b -> b.bucket(bucket).key("chunks/" + id.hex()), RequestBody.fromBytes(Tenant.random(72, 4_000)));

            Http.Response sig = alice.post("/v1/signatures", Map.of("path", "d/doc.bin", "chunks", List.of(id.hex())));
            assertEquals(422, sig.status(), sig.text());
            assertEquals("CHUNK_DAMAGED", sig.json().path("error").asText());
            byte[] edited = good.clone();
            edited[5] ^= 1;
            byte[] delta = DeltaEncoder.encode(BlockSignature.compute(good), edited).encode();
            Http.Response del = alice.post("/v1/delta-uploads", Map.of("baseChunk", id.hex(),
                    "targetChunk", ChunkId.sha256(edited).hex(), "delta", Base64.getEncoder().encodeToString(delta)));
            assertEquals(422, del.status(), del.text());
            assertEquals("CHUNK_DAMAGED", del.json().path("error").asText());
            for (Http.Response r : List.of(alice.get("/v1/file?path=d%2Fdoc.bin"), alice.get("/v1/history?path=d%2Fdoc.bin"),
                    alice.post("/v1/downloads", Map.of("path", "d/doc.bin")), alice.get("/v1/files?folder=d"))) {
                assertEquals(200, r.status(), r.text());
            }

            JsonNode found = Tenant.expect(200, Http.postJson(cloud.apiEndpoint(), "/v1/admin/audit?checkContent=true",
                    admin, "{}")).path("audit");
            assertTrue(found.path("drifts").toString().contains("DAMAGED_OBJECT"), found.toString());
            assertTrue(found.path("drifts").toString().contains(id.hex()), found.toString());
            assertEquals(1, found.path("content").path("quarantined").asLong(), found.toString());

            ObjectNode ask = Tenant.MAPPER.createObjectNode();
            ask.putArray("chunks").addObject().put("id", id.hex()).put("size", good.length);
            JsonNode grant = Tenant.expect(200, alice.post("/v1/uploads", ask));
            assertEquals(0, grant.path("have").size(), "its holder is asked to upload it again: " + grant);
            assertEquals(id.hex(), grant.path("uploads").path(0).path("id").asText());
            alice.upload(Map.of(id, good)); // a device that has the bytes sends them

            JsonNode healed = Tenant.expect(200, Http.postJson(cloud.apiEndpoint(),
                    "/v1/admin/audit?checkContent=true&fix=true&checkObjects=true", admin, "{}")).path("audit");
            assertEquals(1, healed.path("content").path("healed").asLong(), healed.toString());
            assertEquals(0, healed.path("driftCount").asLong(), healed.toString());
            // every retained version that holds the chunk downloads byte-identical again
            alice.assertContent("d/doc.bin", c2.bytes());
            org.junit.jupiter.api.Assertions.assertArrayEquals(c.bytes(), alice.download("d/doc.bin", version), "the first version");
            alice.assertContent("e/copy.bin", c.bytes());
            assertEquals(200, alice.post("/v1/signatures", Map.of("path", "d/doc.bin", "chunks", List.of(id.hex()))).status());
            assertEquals(version2, alice.get("/v1/file?path=d%2Fdoc.bin").json().path("version").asText());
        }
    }
}
