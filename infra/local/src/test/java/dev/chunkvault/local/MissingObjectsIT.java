package dev.chunkvault.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chunkvault.aws.AwsClients;
import dev.chunkvault.local.template.Iam;
import dev.chunkvault.local.template.SamTemplate;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * Issue 14, item 3: IAM parity of missing objects. S3 answers a GET or HEAD of a missing key with 404 only to a caller
 * allowed {@code s3:ListBucket} on the bucket, and with 403 AccessDenied to anyone else. The service reads a 404 as
 * "not there" (a commit's chunk nobody uploaded: 422 MISSING_CHUNKS, so the client uploads it) and a 403 as a failure
 * (503, which the client retries and gives up on). The local cloud gives each function its own access key and answers
 * it as its template policies would be answered on AWS, so the template and the code are tested together: these tests
 * pass on the template as it is, and the one that drops {@code s3:ListBucket} from CommitFunction sees the 503 that AWS
 * would give.
 */
@ExtendWith(LocalCloudExtension.class)
class MissingObjectsIT {
    private static final Pattern LIST_BUCKET_STATEMENT = Pattern.compile(
            "(?m)(^ {12}#.*\\n)*^ {12}- Effect: Allow\\n^ {14}Action: \\[s3:ListBucket]\\n^ {14}Resource: !GetAtt ChunkBucket\\.Arn\\n");
    private final LocalCloud cloud;

    MissingObjectsIT(LocalCloud cloud) {
        this.cloud = cloud;
    }

    private static JsonNode grant(Tenant t, Tenant.Content c) {
        ObjectNode req = Tenant.MAPPER.createObjectNode();
        var list = req.putArray("chunks");
        c.chunkBytes().forEach((id, bytes) -> list.addObject().put("id", id.hex()).put("size", bytes.length));
        return Tenant.expect(200, t.post("/v1/uploads", req));
    }

    /** The HTTP status of an S3 call: 200, or the status S3 refused it with. */
    private static int status(Supplier<?> call) {
        try {
            call.get();
            return 200;
        } catch (S3Exception e) {
            return e.statusCode();
        }
    }

    private static String bucket(LocalCloud c) {
        return c.template().buckets().get(0).physicalName();
    }

    @Test
    void aCommitOfAChunkGrantedButNeverUploadedIs422SoTheClientUploadsIt() {
        Tenant alice = new Tenant(cloud, "missing-alice");
        Tenant.Content c = Tenant.Content.of(Tenant.random(901, 40_000));
        assertEquals(1, grant(alice, c).path("uploads").size(), "granted, and never sent");
        Http.Response r = alice.commit("never-sent.bin", null, c);
        assertEquals(422, r.status(), "not a 503: " + r.text());
        assertEquals("MISSING_CHUNKS", r.json().path("error").asText());
        assertEquals(c.id(0).hex(), r.json().path("details").path("missing").get(0).asText());
        // Nor one nobody was ever granted: the object is looked at all the same.
        Tenant.Content other = Tenant.Content.of(Tenant.random(902, 30_000));
        Http.Response unknown = alice.commit("never-granted.bin", null, other);
        assertEquals(422, unknown.status(), unknown.text());
        // Once uploaded, the same commit goes through.
        alice.upload(c);
        Tenant.expect(201, alice.commit("never-sent.bin", null, c));
    }

    @Test
    void eachFunctionIsAnsweredAsItsTemplatePoliciesWouldBeOnAws() {
        Tenant bob = new Tenant(cloud, "missing-bob");
        Tenant.Content c = Tenant.Content.of(Tenant.random(903, 20_000));
        bob.putId("here.bin", null, c);
        String bucket = bucket(cloud);
        String here = "chunks/" + c.id(0).hex();
        String gone = "chunks/" + Tenant.Content.of(Tenant.random(904, 1000)).id(0).hex();
        String bucketArn = "arn:aws:s3:::" + bucket;

        List<String> wrong = new ArrayList<>();
        int readers = 0;
        for (SamTemplate.Function f : cloud.template().functions()) {
            List<Object> p = f.policies();
            boolean read = Iam.allows(p, "s3:GetObject", "arn:aws:s3:::" + bucket + "/" + here);
            boolean list = Iam.allows(p, "s3:ListBucket", bucketArn);
            readers += read ? 1 : 0;
            if (read && !list) {
                wrong.add(f.logicalId() + " reads objects but may not list the bucket: a missing key answers it 403");
            }
            try (S3Client s3 = new AwsClients(cloud.functionEnvironment(f.logicalId()), Duration.ofSeconds(30), List.of()).s3()) {
                int existing = status(() -> s3.headObject(b -> b.bucket(bucket).key(here)));
                int missing = status(() -> s3.headObject(b -> b.bucket(bucket).key(gone)));
                int missingGet = status(() -> s3.getObjectAsBytes(b -> b.bucket(bucket).key(gone)));
                int expectedMissing = read && list ? 404 : 403;
                if (existing != (read ? 200 : 403) || missing != expectedMissing || missingGet != expectedMissing) {
                    wrong.add(f.logicalId() + ": HEAD existing " + existing + ", HEAD missing " + missing + ", GET missing "
                            + missingGet + "; its policies: read " + read + ", list " + list);
                }
            }
        }
        assertTrue(readers >= 7, "functions that read objects: " + readers);
        assertTrue(wrong.isEmpty(), String.join("\n  ", wrong));

        // What S3 answers a role that may not read at all (ListFunction has no S3 permission): AccessDenied, body and all.
        try (S3Client s3 = new AwsClients(cloud.functionEnvironment("ListFunction"), Duration.ofSeconds(30), List.of()).s3()) {
            S3Exception e = org.junit.jupiter.api.Assertions.assertThrows(S3Exception.class,
                    () -> s3.getObjectAsBytes(b -> b.bucket(bucket).key(gone)));
            assertEquals(403, e.statusCode());
            assertEquals("AccessDenied", e.awsErrorDetails().errorCode());
        }
        // The emulators' own identity (the bucket owner) is told the truth.
        try (S3Client s3 = new AwsClients(cloud.ownerEnvironment("ListFunction"), Duration.ofSeconds(30), List.of()).s3()) {
            assertEquals(404, status(() -> s3.headObject(b -> b.bucket(bucket).key(gone))));
        }
    }

    @Test
    void aFunctionMayDoOnlyWhatItsPoliciesAllowEvenThroughTheUrlsItPresigns() {
        String bucket = bucket(cloud);
        // CommitFunction may write manifests, and chunks only to presign a seal's "send it alone" (issue 15, seal in a commit
        // batch; TemplatePoliciesIT drives that): never packs, and it may delete no chunk.
        try (S3Client s3 = new AwsClients(cloud.functionEnvironment("CommitFunction"), Duration.ofSeconds(30), List.of()).s3()) {
            assertEquals(403, status(() -> s3.putObject(b -> b.bucket(bucket).key("packs/forged"), RequestBody.fromBytes(new byte[3]))));
            assertEquals(403, status(() -> s3.deleteObject(b -> b.bucket(bucket).key("chunks/forged"))));
            assertEquals(403, status(() -> s3.deleteObject(b -> b.bucket(bucket).key("packs/forged"))));
        }
        // ListFunction may not touch the bucket at all.
        try (S3Client s3 = new AwsClients(cloud.functionEnvironment("ListFunction"), Duration.ofSeconds(30), List.of()).s3()) {
            assertEquals(403, status(() -> s3.listObjectsV2(b -> b.bucket(bucket).prefix("chunks/"))));
        }
    }

    @Test
    void aUrlActsWithThePermissionsOfTheFunctionThatPresignedIt() {
        String bucket = bucket(cloud);
        try (S3Presigner presigner = new AwsClients(cloud.functionEnvironment("UploadsFunction"), Duration.ofSeconds(30),
                List.of()).presigner()) {
            URI manifests = toUri(presigner.presignPutObject(b -> b.signatureDuration(Duration.ofMinutes(5))
                    .putObjectRequest(r -> r.bucket(bucket).key("manifests/forged"))).url());
            Http.Response r = Http.send("PUT", manifests, null, null, new byte[] {1, 2, 3}, Map.of());
            assertEquals(403, r.status(), "UploadsFunction may put chunks only: " + r.text());
            assertEquals("AccessDenied", PresignIT.s3Element(r, "Code"));
            URI read = toUri(presigner.presignGetObject(b -> b.signatureDuration(Duration.ofMinutes(5))
                    .getObjectRequest(g -> g.bucket(bucket).key("chunks/anything"))).url());
            Http.Response got = Http.send("GET", read, null, null, null, Map.of());
            assertEquals(403, got.status(), "nor read them: " + got.text());
        }
    }

    private static URI toUri(java.net.URL url) {
        try {
            return url.toURI();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The same template without {@code s3:ListBucket} for CommitFunction (what it was before issue 14): the local cloud
     * answers as AWS did — the commit of a chunk never uploaded is a 503 (which the client retries, then gives up on,
     * never uploading it), because S3 answers the function's HEAD of the missing key with 403.
     */
    @Test
    void withoutListBucketACommitOfAMissingChunkIsA503AsOnAws(@TempDir Path dir) throws Exception {
        String template = Files.readString(Path.of("../../template.yaml"));
        Matcher fn = Pattern.compile("(?m)^  CommitFunction:\\n").matcher(template);
        assertTrue(fn.find());
        Matcher next = Pattern.compile("(?m)^  [A-Za-z0-9]+:\\n").matcher(template);
        assertTrue(next.find(fn.end()));
        String section = LIST_BUCKET_STATEMENT.matcher(template.substring(fn.start(), next.start())).replaceAll("");
        Path edited = dir.resolve("template.yaml");
        Files.writeString(edited, template.substring(0, fn.start()) + section + template.substring(next.start()));
        try (LocalCloud variant = LocalCloud.start(LocalCloud.Options.inMemory().withTemplate(edited))) {
            String bucket = bucket(variant);
            assertFalse(Iam.allows(variant.template().function("CommitFunction").policies(), "s3:ListBucket",
                    "arn:aws:s3:::" + bucket), "the variant's CommitFunction may not list the bucket");
            Tenant carol = new Tenant(variant, "missing-carol");
            Tenant.Content c = Tenant.Content.of(Tenant.random(905, 25_000));
            grant(carol, c);
            Http.Response r = carol.commit("never-sent.bin", null, c);
            assertEquals(503, r.status(), "as on AWS without s3:ListBucket: " + r.text());
            try (S3Client s3 = new AwsClients(variant.functionEnvironment("CommitFunction"), Duration.ofSeconds(30), List.of()).s3()) {
                assertEquals(403, status(() -> s3.headObject(b -> b.bucket(bucket).key("chunks/" + c.id(0).hex()))));
            }
            // An object that is there is read as before: once uploaded, the commit goes through.
            carol.upload(c);
            Tenant.expect(201, carol.commit("never-sent.bin", null, c));
        }
    }
}
