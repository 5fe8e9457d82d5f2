package dev.chunkvault.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.local.auth.LocalIssuer;
import dev.chunkvault.service.vault.Owner;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * Presigned URLs over the real local cloud (issue "Storage API", test 8): what an upload grant signs, that s3proxy
 * (Signature V4 enforced) refuses every request but the granted one — another body, length, key, checksum, owner tag
 * or time window — and that download URLs are only ever issued for chunks of versions the caller can read.
 */
@ExtendWith(LocalCloudExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PresignIT {
    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
    private final LocalCloud cloud;
    private final RawState raw;

    PresignIT(LocalCloud cloud) {
        this.cloud = cloud;
        this.raw = new RawState(cloud);
    }

    @AfterAll
    void close() {
        raw.close();
    }

    static Map<String, String> query(URI url) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String p : url.getRawQuery().split("&")) {
            String[] kv = p.split("=", 2);
            out.put(URLDecoder.decode(kv[0], StandardCharsets.UTF_8), kv.length < 2 ? "" : URLDecoder.decode(kv[1], StandardCharsets.UTF_8));
        }
        return out;
    }

    /** {@code url} with query parameter {@code name} set to {@code value} (everything else as it was). */
    static URI withParam(URI url, String name, String value) {
        List<String> parts = new ArrayList<>();
        for (String p : url.getRawQuery().split("&")) {
            parts.add(p.startsWith(name + "=") ? name + "=" + Tenant.encode(value) : p);
        }
        return URI.create(url.toString().substring(0, url.toString().indexOf('?') + 1) + String.join("&", parts));
    }

    private static JsonNode grant(Tenant t, byte[] bytes) {
        ObjectNode req = Tenant.MAPPER.createObjectNode();
        req.putArray("chunks").addObject().put("id", ChunkId.sha256(bytes).hex()).put("size", bytes.length);
        JsonNode g = Tenant.expect(200, t.post("/v1/uploads", req));
        assertEquals(1, g.path("uploads").size(), g.toString());
        return g.path("uploads").get(0);
    }

    /**
     * A PUT to s3proxy. When it refuses a request from its headers alone it may answer and close the connection while
     * the body is still being sent, and the client then sees a cut-off answer: such a refusal has no effect, so the
     * request is sent again to read the answer whole.
     */
    private static Http.Response put(URI url, Map<String, String> headers, byte[] body) {
        for (int attempt = 1; ; attempt++) {
            try {
                return Http.send("PUT", url, null, null, body, headers);
            } catch (java.io.UncheckedIOException e) {
                if (attempt == 5) {
                    throw e;
                }
            }
        }
    }

    /** s3proxy's error code (the {@code <Code>} of its XML answer). */
    private static String s3Code(Http.Response r) {
        return s3Element(r, "Code");
    }

    /** An element of the local S3's XML error answer ("" if there is none). */
    static String s3Element(Http.Response r, String name) {
        String t = r.text();
        int a = t.indexOf("<" + name + ">");
        return a < 0 ? "" : t.substring(a + name.length() + 2, t.indexOf("</" + name + ">", a));
    }

    private static String ownerTag(String user) {
        return new Owner(LocalIssuer.subjectOf(user)).tag();
    }

    @Test
    void anUploadGrantSignsTheChecksumTheLengthAndTheOwnerAsHeaders() {
        Tenant alice = new Tenant(cloud, "presign-alice");
        byte[] bytes = Tenant.random(801, 10_000);
        ChunkId id = ChunkId.sha256(bytes);
        Instant before = Instant.now();
        JsonNode upload = grant(alice, bytes);
        URI url = URI.create(upload.path("url").asText());
        Map<String, String> q = query(url);

        assertEquals("PUT", upload.path("method").asText());
        assertEquals(cloud.s3Endpoint().getAuthority(), url.getAuthority(), "presigned for the host clients use");
        assertEquals("/" + raw.bucket + "/chunks/" + id.hex(), url.getPath(), "the key is bound to the chunk id");
        assertEquals("AWS4-HMAC-SHA256", q.get("X-Amz-Algorithm"));
        List<String> signed = Arrays.asList(q.get("X-Amz-SignedHeaders").split(";"));
        assertTrue(signed.containsAll(List.of("host", "content-length", "x-amz-checksum-sha256", "x-amz-meta-owner")),
                "signed headers: " + signed);
        for (String p : q.keySet()) {
            assertFalse(p.equalsIgnoreCase("x-amz-checksum-sha256") || p.toLowerCase().startsWith("x-amz-meta-"),
                    "the checksum and the owner travel as signed headers, not as query parameters: " + p);
        }
        assertEquals(600, Integer.parseInt(q.get("X-Amz-Expires")), "a short expiry: 10 minutes");
        Instant expiresAt = Instant.parse(upload.path("expiresAt").asText());
        assertTrue(!expiresAt.isBefore(before.plusSeconds(590)) && !expiresAt.isAfter(Instant.now().plusSeconds(610)), expiresAt.toString());

        Map<String, String> headers = Tenant.headers(upload);
        assertTrue(signed.containsAll(List.of("content-type", "content-disposition", "cache-control")),
                "the uploader does not choose how the chunk is served: " + signed);
        assertEquals("application/octet-stream", headers.get("content-type"));
        assertEquals("attachment", headers.get("content-disposition"));
        assertEquals("private, no-store", headers.get("cache-control"));
        assertEquals(id.base64(), headers.get("x-amz-checksum-sha256"));
        assertEquals(Integer.toString(bytes.length), headers.get("content-length"));
        assertEquals(ownerTag(alice.user), headers.get("x-amz-meta-owner"));
        assertFalse(headers.get("x-amz-meta-owner").contains(LocalIssuer.subjectOf(alice.user)), "a one-way tag, not the subject");
        Set<String> toSend = new TreeSet<>(signed);
        toSend.remove("host");
        assertEquals(toSend, new TreeSet<>(headers.keySet()), "the grant lists exactly the signed headers to send (but Host)");
    }

    @Test
    void s3proxyRefusesEveryUploadButTheGrantedOne() {
        Tenant alice = new Tenant(cloud, "presign-bob");
        byte[] bytes = Tenant.random(802, 20_000);
        ChunkId id = ChunkId.sha256(bytes);
        String key = "chunks/" + id.hex();
        JsonNode upload = grant(alice, bytes);
        URI url = URI.create(upload.path("url").asText());
        Map<String, String> headers = Tenant.headers(upload);
        byte[] other = Tenant.edit(bytes, 5_000, 1, 3);
        ChunkId otherId = ChunkId.sha256(other);

        Map<String, Http.Response> refused = new LinkedHashMap<>();
        refused.put("another body of the same length", put(url, headers, other));
        refused.put("a shorter body", put(url, headers, Arrays.copyOf(bytes, bytes.length - 1)));
        refused.put("a longer body", put(url, headers, Arrays.copyOf(bytes, bytes.length + 1)));
        URI otherKey = URI.create(url.toString().replace(id.hex(), otherId.hex()));
        assertNotEquals(url, otherKey);
        Map<String, String> otherChecksum = new HashMap<>(headers);
        otherChecksum.put("x-amz-checksum-sha256", otherId.base64());
        refused.put("the key edited in the URL (with that chunk's own checksum and bytes)", put(otherKey, otherChecksum, other));
        refused.put("the key edited in the URL", put(otherKey, headers, bytes));
        refused.put("another body with its own checksum", put(url, otherChecksum, other));
        Map<String, String> noChecksum = new HashMap<>(headers);
        noChecksum.remove("x-amz-checksum-sha256");
        refused.put("no checksum header", put(url, noChecksum, bytes));
        Map<String, String> otherOwner = new HashMap<>(headers);
        otherOwner.put("x-amz-meta-owner", ownerTag("presign-mallory"));
        refused.put("another owner tag", put(url, otherOwner, bytes));
        Map<String, String> noOwner = new HashMap<>(headers);
        noOwner.remove("x-amz-meta-owner");
        refused.put("no owner tag", put(url, noOwner, bytes));
        refused.put("a longer expiry in the URL", put(withParam(url, "X-Amz-Expires", "604800"), headers, bytes));
        refused.put("an earlier X-Amz-Date in the URL", put(withParam(url, "X-Amz-Date",
                AMZ_DATE.format(Instant.now().minus(Duration.ofHours(2)))), headers, bytes));
        refused.put("no signature", put(URI.create(url.toString().replaceAll("&?X-Amz-Signature=[0-9a-f]+", "")), headers, bytes));
        refused.put("a GET of the object with the PUT's URL", Http.send("GET", url, null, null, null, Map.of()));
        Map<String, String> html = new HashMap<>(headers);
        html.put("content-type", "text/html");
        refused.put("Content-Type: text/html", put(url, html, bytes));
        Map<String, String> inline = new HashMap<>(headers);
        inline.put("content-disposition", "inline");
        refused.put("Content-Disposition: inline", put(url, inline, bytes));
        Map<String, String> cached = new HashMap<>(headers);
        cached.put("cache-control", "public, max-age=31536000");
        refused.put("Cache-Control: a year, public", put(url, cached, bytes));
        Map<String, String> untyped = new HashMap<>(headers);
        untyped.remove("content-type");
        refused.put("no Content-Type", put(url, untyped, bytes));

        List<String> wrong = new ArrayList<>();
        refused.forEach((what, r) -> {
            if (r.status() / 100 != 4) {
                wrong.add(what + " -> " + r.status() + " " + r.text());
            }
        });
        assertTrue(wrong.isEmpty(), "s3proxy must refuse:\n  " + String.join("\n  ", wrong));
        assertEquals("BadDigest", s3Code(refused.get("another body of the same length")), "the checksum is checked");
        assertEquals("SignatureDoesNotMatch", s3Code(refused.get("another body with its own checksum")), "the checksum is signed");
        assertEquals("SignatureDoesNotMatch", s3Code(refused.get("the key edited in the URL")), "the key is signed");
        assertEquals("SignatureDoesNotMatch", s3Code(refused.get("another owner tag")), "the owner tag is signed");
        for (String served : List.of("Content-Type: text/html", "Content-Disposition: inline", "Cache-Control: a year, public")) {
            assertEquals(403, refused.get(served).status(), served);
            assertEquals("SignatureDoesNotMatch", s3Code(refused.get(served)), served + " is signed");
        }
        assertFalse(raw.objectExists(key), "nothing was stored under the granted key");
        assertFalse(raw.objectExists("chunks/" + otherId.hex()), "nothing was stored under the edited key");

        Http.Response ok = put(url, headers, bytes);
        assertEquals(200, ok.status(), ok.text());
        assertEquals(ownerTag(alice.user), raw.objectMetadata(key).get("owner"), "stored with the grant's owner tag");

        // Like S3, the local S3 refuses x-amz-* headers a presigned request does not sign (it used to store them).
        Map<String, String> extraMeta = new HashMap<>(headers);
        extraMeta.put("x-amz-meta-role", "admin");
        Http.Response extra = put(url, extraMeta, bytes);
        assertEquals(403, extra.status(), "an unsigned x-amz-meta-* header is refused: " + extra.text());
        assertEquals("AccessDenied", s3Code(extra));
        assertEquals("x-amz-meta-role", s3Element(extra, "HeadersNotSigned"));
        assertEquals(Map.of("owner", ownerTag(alice.user)), raw.objectMetadata(key));
        Http.Response again = put(url, headers, bytes);
        assertEquals(200, again.status(), "the granted upload may be retried while the URL lives: " + again.text());
    }

    /** A presigned PUT made like the service's, but signed at {@code signedAt} to last {@code ttl}. */
    private URI presignAt(String key, byte[] body, Instant signedAt, Duration ttl) {
        SdkHttpRequest req = SdkHttpRequest.builder().method(SdkHttpMethod.PUT)
                .uri(URI.create(cloud.s3Endpoint() + "/" + raw.bucket + "/" + key))
                .putHeader("content-length", Integer.toString(body.length))
                .putHeader("x-amz-checksum-sha256", ChunkId.sha256(body).base64()).build();
        SignedRequest signed = AwsV4HttpSigner.create().sign(r -> r
                .identity(AwsCredentialsIdentity.create(LocalCloud.CREDENTIALS.accessKeyId(), LocalCloud.CREDENTIALS.secretAccessKey()))
                .request(req)
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "s3")
                .putProperty(AwsV4HttpSigner.REGION_NAME, cloud.functionEnvironment("CommitFunction").get("AWS_REGION"))
                .putProperty(AwsV4HttpSigner.AUTH_LOCATION, AwsV4FamilyHttpSigner.AuthLocation.QUERY_STRING)
                .putProperty(AwsV4HttpSigner.EXPIRATION_DURATION, ttl)
                .putProperty(AwsV4HttpSigner.PAYLOAD_SIGNING_ENABLED, false)
                .putProperty(AwsV4HttpSigner.DOUBLE_URL_ENCODE, false)
                .putProperty(AwsV4HttpSigner.NORMALIZE_PATH, false)
                .putProperty(HttpSigner.SIGNING_CLOCK, Clock.fixed(signedAt, ZoneOffset.UTC)));
        return signed.request().getUri();
    }

    @Test
    void s3proxyRefusesAPresignedPutOnceItsTimeWindowIsOver() {
        byte[] body = Tenant.random(803, 3000);
        Map<String, String> headers = Map.of("x-amz-checksum-sha256", ChunkId.sha256(body).base64());
        Instant now = Instant.now();

        // The same signing code, three windows: now for 10 minutes; 20 minutes ago for 10; 20 minutes ago for an hour.
        Http.Response fresh = put(presignAt("probes/expiry-fresh", body, now, Duration.ofMinutes(10)), headers, body);
        assertEquals(200, fresh.status(), "a URL inside its window is honoured: " + fresh.text());
        Http.Response expired = put(presignAt("probes/expiry-over", body, now.minus(Duration.ofMinutes(20)),
                Duration.ofMinutes(10)), headers, body);
        assertEquals(403, expired.status(), expired.text());
        assertEquals("AccessDenied", s3Code(expired), expired.text());
        assertFalse(raw.objectExists("probes/expiry-over"));
        Http.Response old = put(presignAt("probes/expiry-old", body, now.minus(Duration.ofMinutes(20)), Duration.ofHours(1)),
                headers, body);
        assertEquals(200, old.status(), "signed long ago but still in its window: it is the window that counts: " + old.text());
    }

    @Test
    void downloadUrlsAreOnlyIssuedForChunksOfVersionsTheCallerCanRead() {
        Tenant alice = new Tenant(cloud, "presign-carol");
        Tenant bob = new Tenant(cloud, "presign-dave");
        Tenant.Content mine = Tenant.Content.of(Tenant.random(804, 300_000));
        Tenant.Content theirs = Tenant.Content.of(Tenant.random(805, 5000));
        String v1 = alice.putId("mine/a.bin", null, mine);
        Tenant.Content second = Tenant.Content.of(Tenant.random(806, 4000));
        String v2 = alice.putId("mine/a.bin", v1, second);
        bob.putId("theirs/b.bin", null, theirs);
        ChunkId bobs = theirs.id(0);

        // A plan presigns exactly the version's chunks, each a GET of chunks/<id> that signs only the host.
        JsonNode plan = alice.plan("mine/a.bin", v1, null);
        Set<String> ids = new TreeSet<>();
        for (JsonNode c : plan.path("chunks")) {
            URI u = URI.create(c.path("url").asText());
            assertEquals("/" + raw.bucket + "/chunks/" + c.path("id").asText(), u.getPath());
            assertEquals("host", query(u).get("X-Amz-SignedHeaders"));
            assertTrue(Integer.parseInt(query(u).get("X-Amz-Expires")) <= 900, "short-lived: " + u);
            ids.add(c.path("id").asText());
        }
        Set<String> manifest = new TreeSet<>();
        mine.chunks().forEach(c -> manifest.add(c.id().hex()));
        assertEquals(manifest, ids, "URLs for the version's chunks, and only those");
        assertTrue(plan.path("allChunks").asBoolean());

        // Another tenant's chunk: not through a plan of one's own file, nor of theirs, nor through signatures.
        ObjectNode ask = Tenant.MAPPER.createObjectNode().put("path", "mine/a.bin");
        ask.putArray("chunks").add(bobs.hex());
        Http.Response planned = alice.post("/v1/downloads", ask);
        assertEquals(400, planned.status(), planned.text());
        assertEquals("CHUNK_NOT_IN_VERSION", planned.json().path("error").asText());
        assertFalse(planned.text().contains("http"), "no URL at all: " + planned.text());
        Http.Response foreignPlan = alice.post("/v1/downloads", Tenant.MAPPER.createObjectNode().put("path", "theirs/b.bin"));
        assertEquals(404, foreignPlan.status());
        ObjectNode sig = Tenant.MAPPER.createObjectNode().put("path", "mine/a.bin");
        sig.putArray("chunks").add(bobs.hex());
        Http.Response sigs = alice.post("/v1/signatures", sig);
        assertEquals(400, sigs.status(), sigs.text());
        assertFalse(sigs.text().contains("http"), sigs.text());
        // ... nor by editing one's own GET URL to name it.
        JsonNode own = plan.path("chunks").get(0);
        URI edited = URI.create(own.path("url").asText().replace(own.path("id").asText(), bobs.hex()));
        Http.Response stolen = Http.send("GET", edited, null, null, null, Tenant.headers(own));
        assertEquals(403, stolen.status(), "a GET URL is bound to its key: " + stolen.text());
        assertEquals("SignatureDoesNotMatch", s3Code(stolen));

        // What alice can read she can download: the old version too (history), with the bytes its ids name.
        assertEquals(mine.chunkBytes().keySet(), alice.fetch("mine/a.bin", v1, null).keySet());
        alice.assertContent("mine/a.bin", second.bytes());
        // A deleted file's plan is refused; its earlier versions stay readable until retention ends.
        alice.delete("mine/a.bin", v2);
        assertEquals(404, alice.post("/v1/downloads", Tenant.MAPPER.createObjectNode().put("path", "mine/a.bin")).status());
        assertEquals(mine.bytes().length, alice.download("mine/a.bin", v1).length);
        // And bob reads his own chunk with his own plan.
        assertEquals(Set.of(bobs), bob.fetch("theirs/b.bin", null, null).keySet());
    }

    /**
     * Issue 14, item 5: every presigned GET the service hands out — a download plan's, a signature answer's — makes the
     * store answer {@code application/octet-stream}, {@code attachment}, {@code private, no-store}, whatever the object
     * was stored with. Here the chunk is stored again by the bucket owner as a page to render inline and cache for a
     * year (what an uploader could store before grants signed these headers): a plain read replays that; the
     * presigned GETs do not.
     */
    @Test
    void everyPresignedGetServesAnAttachmentOfBytesThatNobodyCaches() {
        Tenant alice = new Tenant(cloud, "presign-judy");
        Tenant.Content c = Tenant.Content.of(Tenant.random(812, 7000));
        alice.putId("page.html", null, c);
        ChunkId id = c.id(0);
        String key = "chunks/" + id.hex();
        Map<String, String> owner = raw.objectMetadata(key);
        raw.s3().putObject(b -> b.bucket(raw.bucket).key(key).metadata(owner).checksumSHA256(id.base64())
                .contentType("text/html").contentDisposition("inline").cacheControl("public, max-age=31536000"),
                software.amazon.awssdk.core.sync.RequestBody.fromBytes(c.chunk(0)));
        var stored = raw.s3().getObjectAsBytes(b -> b.bucket(raw.bucket).key(key)).response();
        assertEquals("text/html", stored.contentType(), "a plain read replays what the object was stored with");
        assertEquals("inline", stored.contentDisposition());

        List<JsonNode> urls = new ArrayList<>();
        alice.plan("page.html", null, null).path("chunks").forEach(urls::add);
        ObjectNode sig = Tenant.MAPPER.createObjectNode().put("path", "page.html");
        sig.putArray("chunks").add(id.hex());
        for (JsonNode s : Tenant.expect(200, alice.post("/v1/signatures", sig)).path("signatures")) {
            urls.add(s.path("get"));
        }
        assertEquals(2, urls.size(), urls.toString());
        for (JsonNode u : urls) {
            URI url = URI.create(u.path("url").asText());
            Map<String, String> q = query(url);
            assertEquals("application/octet-stream", q.get("response-content-type"), url.toString());
            assertEquals("attachment", q.get("response-content-disposition"), url.toString());
            assertEquals("private, no-store", q.get("response-cache-control"), url.toString());
            Http.Response got = Http.send("GET", url, null, null, null, Tenant.headers(u));
            assertEquals(200, got.status(), got.text());
            assertTrue(Arrays.equals(c.chunk(0), got.body()));
            assertEquals("application/octet-stream", got.header("Content-Type"));
            assertEquals("attachment", got.header("Content-Disposition"));
            assertEquals("private, no-store", got.header("Cache-Control"));
        }
        // The overrides are signed: the GET's URL with another one is refused.
        URI first = URI.create(urls.get(0).path("url").asText());
        Http.Response edited = Http.send("GET", withParam(first, "response-content-type", "text/html"), null, null, null, Map.of());
        assertEquals(403, edited.status(), edited.text());
        assertEquals("SignatureDoesNotMatch", s3Code(edited));
    }

    @Test
    void holdingIsAnsweredOnlyFromTheCallersOwnChunks() {
        Tenant alice = new Tenant(cloud, "presign-erin");
        Tenant bob = new Tenant(cloud, "presign-frank");
        Tenant.Content theirs = Tenant.Content.of(Tenant.random(807, 6000));
        bob.putId("b.bin", null, theirs);
        ChunkId bobs = theirs.id(0);
        byte[] never = Tenant.random(808, 6000);

        ObjectNode offer = Tenant.MAPPER.createObjectNode();
        offer.putArray("chunks").addObject().put("id", bobs.hex()).put("size", 6000);
        JsonNode toAlice = Tenant.expect(200, alice.post("/v1/uploads", offer));
        JsonNode toBob = Tenant.expect(200, bob.post("/v1/uploads", offer));
        assertEquals(List.of(bobs.hex()), List.of(toBob.path("have").get(0).asText()), "bob holds it");
        assertEquals(0, toAlice.path("have").size(), "alice is not told that someone stores it: " + toAlice);
        assertEquals(1, toAlice.path("uploads").size());
        JsonNode unknown = grant(alice, never);
        assertEquals(Tenant.headers(unknown).keySet(), Tenant.headers(toAlice.path("uploads").get(0)).keySet(),
                "a chunk someone stores is granted like one nobody stores");

        // Alice's grant cannot overwrite bob's chunk with other bytes; it can only store the same bytes (dedup by key).
        URI url = URI.create(toAlice.path("uploads").get(0).path("url").asText());
        Http.Response garbage = put(url, Tenant.headers(toAlice.path("uploads").get(0)), Tenant.edit(theirs.chunk(0), 10, 1, 5));
        assertEquals(400, garbage.status(), garbage.text());
        assertEquals(Map.of(bobs, theirs.chunk(0)).keySet(), bob.fetch("b.bin", null, null).keySet());
        assertTrue(Arrays.equals(theirs.chunk(0), bob.fetch("b.bin", null, null).get(bobs)), "bob's bytes are intact");
    }

    /**
     * Issue 14, item 2, end to end: alice stores a chunk; mallory, who knows only its id and size, gets his own grant for
     * it (he does not hold it, so he is granted an upload, like anyone) and sends that PUT with headers it does not sign:
     * a copy of the stored object onto itself that replaces its metadata (his owner tag on her bytes, which would let
     * him commit and read them), a copy of his own junk chunk of the same size over it (which the audit, checking sizes,
     * would not notice), more metadata, an ACL, a storage class. Every one is refused 403 AccessDenied
     * (HeadersNotSigned), as S3 refuses them; her bytes and metadata stay hers, and his commit of her chunk is 422.
     */
    @Test
    void aGrantForAnotherTenantsChunkCannotCopyOrOverwriteIt() {
        Tenant alice = new Tenant(cloud, "presign-ivy");
        Tenant mallory = new Tenant(cloud, "presign-mallory");
        Tenant.Content hers = Tenant.Content.of(Tenant.random(810, 9000));
        alice.putId("secret.bin", null, hers);
        ChunkId id = hers.id(0);
        String key = "chunks/" + id.hex();
        Map<String, String> before = raw.objectMetadata(key);
        assertEquals(Map.of("owner", ownerTag(alice.user)), before);

        // Mallory's own chunk of the same size, uploaded and committed the ordinary way: the junk to copy over hers.
        Tenant.Content junk = Tenant.Content.of(Tenant.random(811, 9000));
        mallory.putId("junk.bin", null, junk);
        // His grant for her chunk: he knows its id and size, nothing more.
        ObjectNode ask = Tenant.MAPPER.createObjectNode();
        ask.putArray("chunks").addObject().put("id", id.hex()).put("size", 9000);
        JsonNode grant = Tenant.expect(200, mallory.post("/v1/uploads", ask)).path("uploads").get(0);
        URI url = URI.create(grant.path("url").asText());
        Map<String, String> headers = Tenant.headers(grant);
        assertEquals(ownerTag(mallory.user), headers.get("x-amz-meta-owner"));

        Map<String, Map<String, String>> attempts = new LinkedHashMap<>();
        attempts.put("copy in place, metadata replaced", Map.of("x-amz-copy-source", "/" + raw.bucket + "/" + key,
                "x-amz-metadata-directive", "REPLACE"));
        attempts.put("copy in place", Map.of("x-amz-copy-source", "/" + raw.bucket + "/" + key));
        attempts.put("copy of his junk over hers", Map.of("x-amz-copy-source", "/" + raw.bucket + "/chunks/" + junk.id(0).hex(),
                "x-amz-metadata-directive", "COPY"));
        attempts.put("more metadata", Map.of("x-amz-meta-owner-2", ownerTag(mallory.user)));
        attempts.put("an ACL", Map.of("x-amz-acl", "public-read"));
        attempts.put("a storage class", Map.of("x-amz-storage-class", "REDUCED_REDUNDANCY"));
        List<String> wrong = new ArrayList<>();
        for (Map.Entry<String, Map<String, String>> a : attempts.entrySet()) {
            Map<String, String> h = new HashMap<>(headers);
            h.putAll(a.getValue());
            // The signed length and checksum are hers: the body is her size (junk bytes; a copy ignores them).
            Http.Response r = put(url, h, junk.chunk(0));
            if (r.status() != 403 || !s3Code(r).equals("AccessDenied")
                    || !s3Element(r, "HeadersNotSigned").equals(String.join(", ", new TreeSet<>(a.getValue().keySet())))) {
                wrong.add(a.getKey() + " -> " + r.status() + " " + r.text());
            }
        }
        assertTrue(wrong.isEmpty(), "the local S3 must refuse, as S3 does:\n  " + String.join("\n  ", wrong));

        assertEquals(before, raw.objectMetadata(key), "her object's metadata is untouched");
        assertTrue(Arrays.equals(hers.chunk(0), raw.s3().getObjectAsBytes(b -> b.bucket(raw.bucket).key(key)).asByteArray()),
                "her object's bytes are untouched");
        Http.Response stolen = mallory.commit("stolen.bin", null, hers);
        assertEquals(422, stolen.status(), "he cannot commit her chunk: " + stolen.text());
        assertEquals("MISSING_CHUNKS", stolen.json().path("error").asText());
        alice.assertContent("secret.bin", hers.bytes());
        assertEquals(Set.of(id), alice.fetch("secret.bin", null, null).keySet());
    }

    @Test
    void aCommitMayNotUseAChunkUploadedThroughAnotherTenantsGrant() {
        Tenant alice = new Tenant(cloud, "presign-gina");
        Tenant bob = new Tenant(cloud, "presign-hank");
        Tenant.Content c = Tenant.Content.of(Tenant.random(809, 7000));
        bob.upload(c); // uploaded through bob's grant, not committed yet
        Http.Response stolen = alice.commit("stolen.bin", null, c);
        assertEquals(422, stolen.status(), stolen.text());
        assertEquals("MISSING_CHUNKS", stolen.json().path("error").asText());
        assertEquals(c.id(0).hex(), stolen.json().path("details").path("missing").get(0).asText());
        Tenant.expect(201, bob.commit("mine.bin", null, c));
        Http.Response still = alice.commit("stolen.bin", null, c);
        assertEquals(422, still.status(), "bob's commit does not give alice his chunk: " + still.text());
        assertEquals(404, alice.get("/v1/file?path=stolen.bin").status());
    }
}
