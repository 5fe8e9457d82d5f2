package dev.chunkvault.emulators;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * The local S3's front (S3Front) over HTTP: presigned requests with unsigned x-amz-* headers refused, and identities
 * limited by their policies — refused actions, and a missing key answered 403 to an identity that may not list the
 * bucket, 404 to one that may; CORS for the web console on a loopback origin.
 */
class S3FrontIT {
    private static final Credentials READER = new Credentials("readerkey", "readersecret");
    private static final Credentials LISTER = new Credentials("listerkey", "listersecret");
    private static LocalS3 s3;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        LocalS3.Policy reader = (action, resource) -> action.equals("s3:GetObject") && resource.startsWith("arn:aws:s3:::bkt/r/");
        LocalS3.Policy lister = (action, resource) -> reader.allows(action, resource)
                || action.equals("s3:ListBucket") && resource.equals("arn:aws:s3:::bkt");
        s3 = LocalS3.start(LocalS3.Options.temporary().withIdentities(List.of(new LocalS3.Identity(READER, reader),
                new LocalS3.Identity(LISTER, lister))));
        s3.ensureBucket("bkt");
        try (S3Client owner = client(s3.credentials())) {
            owner.putObject(b -> b.bucket("bkt").key("r/here"), RequestBody.fromString("here"));
        }
    }

    @AfterAll
    static void stop() {
        s3.close();
    }

    private static S3Client client(Credentials c) {
        return S3Client.builder().endpointOverride(s3.endpoint()).region(Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(c.accessKeyId(), c.secretAccessKey())))
                .httpClientBuilder(UrlConnectionHttpClient.builder()).build();
    }

    private static S3Presigner presigner(Credentials c) {
        return S3Presigner.builder().region(Region.US_EAST_1).endpointOverride(s3.endpoint())
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(c.accessKeyId(), c.secretAccessKey())))
                .build();
    }

    private static int status(Supplier<?> call) {
        try {
            call.get();
            return 200;
        } catch (S3Exception e) {
            return e.statusCode();
        }
    }

    private static HttpResponse<String> send(String method, URI url, Map<String, String> headers, byte[] body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(url).method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(b::header);
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    @Test
    void aMissingKeyIs404OnlyToAnIdentityThatMayListTheBucket() {
        try (S3Client reader = client(READER); S3Client lister = client(LISTER); S3Client owner = client(s3.credentials())) {
            assertEquals(200, status(() -> reader.headObject(b -> b.bucket("bkt").key("r/here"))));
            assertEquals(403, status(() -> reader.headObject(b -> b.bucket("bkt").key("r/gone"))));
            S3Exception e = org.junit.jupiter.api.Assertions.assertThrows(S3Exception.class,
                    () -> reader.getObjectAsBytes(b -> b.bucket("bkt").key("r/gone")));
            assertEquals(403, e.statusCode());
            assertEquals("AccessDenied", e.awsErrorDetails().errorCode());
            assertEquals(404, status(() -> lister.headObject(b -> b.bucket("bkt").key("r/gone"))));
            assertEquals(404, status(() -> lister.getObjectAsBytes(b -> b.bucket("bkt").key("r/gone"))));
            assertEquals(404, status(() -> owner.headObject(b -> b.bucket("bkt").key("r/gone"))));
            assertEquals("here", reader.getObjectAsBytes(b -> b.bucket("bkt").key("r/here")).asUtf8String());
        }
    }

    @Test
    void anIdentityMayDoOnlyWhatItsPolicyAllowsAlsoThroughTheUrlsItPresigns() throws Exception {
        try (S3Client reader = client(READER)) {
            assertEquals(403, status(() -> reader.putObject(b -> b.bucket("bkt").key("r/new"), RequestBody.fromString("x"))));
            assertEquals(403, status(() -> reader.deleteObject(b -> b.bucket("bkt").key("r/here"))));
            assertEquals(403, status(() -> reader.headObject(b -> b.bucket("bkt").key("other/here"))));
            assertEquals(403, status(() -> reader.listObjectsV2(b -> b.bucket("bkt"))));
            assertEquals(403, status(() -> reader.listBuckets()));
        }
        try (S3Presigner p = presigner(READER)) {
            URI put = p.presignPutObject(b -> b.signatureDuration(Duration.ofMinutes(5)).putObjectRequest(r -> r.bucket("bkt").key("r/new")))
                    .url().toURI();
            HttpResponse<String> r = send("PUT", put, Map.of(), new byte[] {1});
            assertEquals(403, r.statusCode(), r.body());
            assertTrue(r.body().contains("<Code>AccessDenied</Code>"), r.body());
            URI get = p.presignGetObject(b -> b.signatureDuration(Duration.ofMinutes(5)).getObjectRequest(g -> g.bucket("bkt").key("r/here")))
                    .url().toURI();
            assertEquals(200, send("GET", get, Map.of(), null).statusCode());
            URI gone = p.presignGetObject(b -> b.signatureDuration(Duration.ofMinutes(5)).getObjectRequest(g -> g.bucket("bkt").key("r/gone")))
                    .url().toURI();
            assertEquals(403, send("GET", gone, Map.of(), null).statusCode());
            // A URL stripped of its signature is refused, not a server error.
            assertEquals(403, send("GET", URI.create(get.toString().replaceAll("&?X-Amz-Signature=[0-9a-f]+", "")), Map.of(), null)
                    .statusCode());
        }
    }

    @Test
    void aPresignedRequestWithAnUnsignedAmzHeaderIsRefusedLikeS3RefusesIt() throws Exception {
        try (S3Presigner p = presigner(s3.credentials())) {
            URI put = p.presignPutObject(b -> b.signatureDuration(Duration.ofMinutes(5)).putObjectRequest(r -> r.bucket("bkt").key("p/k")))
                    .url().toURI();
            HttpResponse<String> r = send("PUT", put, Map.of("x-amz-meta-a", "1", "X-Amz-Acl", "public-read"), new byte[] {1});
            assertEquals(403, r.statusCode(), r.body());
            assertTrue(r.body().contains("<Code>AccessDenied</Code><Message>There were headers present in the request which were not signed</Message>"
                    + "<HeadersNotSigned>x-amz-acl, x-amz-meta-a</HeadersNotSigned>"), r.body());
            assertEquals(200, send("PUT", put, Map.of("x-amz-content-sha256", "UNSIGNED-PAYLOAD"), new byte[] {1}).statusCode(),
                    "x-amz-content-sha256 is S3's one exception");
            assertEquals(200, send("PUT", put, Map.of(), new byte[] {1}).statusCode());
        }
    }

    @Test
    void aConsoleOnALoopbackOriginMayUsePresignedUrlsAndNoOtherOriginMay() throws Exception {
        URI object = URI.create(s3.endpoint() + "/bkt/r/here");
        String asked = "content-type,x-amz-checksum-sha256,x-amz-meta-owner";
        HttpResponse<String> pre = send("OPTIONS", object, Map.of("Origin", "http://127.0.0.1:4750",
                "Access-Control-Request-Method", "PUT", "Access-Control-Request-Headers", asked), null);
        assertEquals(200, pre.statusCode(), pre.body());
        assertEquals("http://127.0.0.1:4750", pre.headers().firstValue("Access-Control-Allow-Origin").orElse(null));
        assertEquals("PUT", pre.headers().firstValue("Access-Control-Allow-Methods").orElse(null));
        assertEquals(asked, pre.headers().firstValue("Access-Control-Allow-Headers").orElse(null));
        HttpResponse<String> range = send("OPTIONS", object, Map.of("Origin", "http://localhost:5173",
                "Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "range"), null);
        assertEquals(200, range.statusCode(), range.body());
        for (Map<String, String> refused : List.of(
                Map.of("Origin", "https://evil.example", "Access-Control-Request-Method", "PUT"),
                Map.of("Origin", "http://127.0.0.1.evil.example", "Access-Control-Request-Method", "GET"),
                Map.of("Origin", "http://127.0.0.1:4750", "Access-Control-Request-Method", "DELETE"))) {
            HttpResponse<String> r = send("OPTIONS", object, refused, null);
            assertEquals(403, r.statusCode(), refused + ": " + r.body());
            assertTrue(r.headers().firstValue("Access-Control-Allow-Origin").isEmpty(), refused.toString());
        }
        try (S3Presigner p = presigner(s3.credentials())) {
            URI get = p.presignGetObject(b -> b.signatureDuration(Duration.ofMinutes(5)).getObjectRequest(g -> g.bucket("bkt").key("r/here")))
                    .url().toURI();
            HttpResponse<String> ok = send("GET", get, Map.of("Origin", "http://127.0.0.1:4750", "Range", "bytes=1-2"), null);
            assertEquals(206, ok.statusCode(), ok.body());
            assertEquals("er", ok.body());
            assertEquals("http://127.0.0.1:4750", ok.headers().firstValue("Access-Control-Allow-Origin").orElse(null));
            assertTrue(ok.headers().firstValue("Access-Control-Expose-Headers").orElse("").contains("Content-Range"));
            HttpResponse<String> other = send("GET", get, Map.of("Origin", "https://evil.example"), null);
            assertEquals(200, other.statusCode());
            assertTrue(other.headers().firstValue("Access-Control-Allow-Origin").isEmpty());
        }
    }
}
