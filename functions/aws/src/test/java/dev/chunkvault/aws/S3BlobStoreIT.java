package dev.chunkvault.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.emulators.LocalS3;
import dev.chunkvault.service.blob.BlobStore;
import dev.chunkvault.service.blob.BlobStoreContract;
import dev.chunkvault.service.blob.BlobStoreException;
import dev.chunkvault.service.blob.PresignedRequest;
import dev.chunkvault.service.blob.Presigner;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * The {@link BlobStoreContract} against s3proxy over real HTTP: presigned requests are sent by
 * java.net.http.HttpClient with exactly the headers the presigner returned.
 */
class S3BlobStoreIT extends BlobStoreContract {
    static final String BUCKET = "chunkvault-it";
    /** Headers java.net.http sets itself (from the URL and the body); sending them is refused. */
    private static final Set<String> SET_BY_CLIENT = Set.of("host", "content-length");

    private static LocalS3 local;
    private static S3Client s3;
    private static S3Presigner presigner;
    private static S3BlobStore blobs;
    private static S3ChunkPresigner chunkPresigner;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() {
        local = LocalS3.start(LocalS3.Options.temporary());
        local.ensureBucket(BUCKET);
        AwsClients clients = clients(local);
        s3 = clients.s3();
        presigner = clients.presigner();
        blobs = new S3BlobStore(s3, BUCKET);
        chunkPresigner = new S3ChunkPresigner(presigner, BUCKET);
    }

    static AwsClients clients(LocalS3 local) {
        return new AwsClients(Map.of("AWS_REGION", "us-east-1",
                "AWS_ENDPOINT_URL_S3", local.endpoint().toString(), "S3_FORCE_PATH_STYLE", "true",
                "AWS_ACCESS_KEY_ID", local.credentials().accessKeyId(),
                "AWS_SECRET_ACCESS_KEY", local.credentials().secretAccessKey()), Duration.ofSeconds(30), List.of());
    }

    @AfterAll
    static void stop() {
        s3.close();
        presigner.close();
        local.close();
    }

    @Override
    protected BlobStore blobs() {
        return blobs;
    }

    @Override
    protected Presigner presigner() {
        return chunkPresigner;
    }

    @Override
    protected Sent send(String method, URI url, Map<String, String> headers, byte[] body) {
        return sendRaw(method, url, headers, body);
    }

    static Sent sendRaw(String method, URI url, Map<String, String> headers, byte[] body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(30))
                .method(method, body.length == 0 && method.equals("GET") ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach((name, value) -> {
            String n = name.toLowerCase(Locale.ROOT);
            if (n.equals("content-length")) {
                // The client derives it from the body; a signed length must equal the body's to be honoured.
                if (Long.parseLong(value) != body.length) {
                    throw new IllegalArgumentException("a test body must have the signed length");
                }
            } else if (!SET_BY_CLIENT.contains(n)) {
                b.header(name, value);
            }
        });
        try {
            HttpResponse<byte[]> r;
            try {
                r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            } catch (IOException stale) {
                // s3proxy may close a kept-alive connection as it is reused (no bytes come back): the request never
                // reached it, so it is sent again, once, on a new connection.
                r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            }
            Map<String, String> answered = new java.util.HashMap<>();
            r.headers().map().forEach((name, values) -> answered.put(name, String.join(",", values)));
            return new Sent(r.statusCode(), r.body(), answered);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    protected void letTimePass(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    protected boolean versioned() {
        return false;
    }

    static List<String> signedHeaders(URI url) {
        for (String param : url.getRawQuery().split("&")) {
            String[] kv = param.split("=", 2);
            if (kv[0].equals("X-Amz-SignedHeaders")) {
                return Arrays.asList(URLDecoder.decode(kv[1], StandardCharsets.UTF_8).split(";"));
            }
        }
        return List.of();
    }

    @Test
    void presignedPutSignsChecksumLengthAndOwnerAsHeaders() {
        byte[] body = "chunk bytes".getBytes(StandardCharsets.UTF_8);
        String sha = ChunkId.sha256(body).base64();
        PresignedRequest put = chunkPresigner.presignPut("chunks/x", body.length, sha, Map.of("owner", "o-1"), Duration.ofMinutes(10));
        List<String> signed = signedHeaders(put.url());
        assertTrue(signed.containsAll(List.of("host", "x-amz-checksum-sha256", "content-length", "x-amz-meta-owner")),
                "signed headers " + signed);
        assertTrue(signed.containsAll(List.of("content-type", "content-disposition", "cache-control")),
                "how the object is served is signed too: " + signed);
        assertEquals(Presigner.CONTENT_TYPE, put.headers().get("content-type"));
        assertEquals(Presigner.CONTENT_DISPOSITION, put.headers().get("content-disposition"));
        assertEquals(Presigner.CACHE_CONTROL, put.headers().get("cache-control"));
        assertEquals(sha, put.headers().get("x-amz-checksum-sha256"));
        assertEquals(Long.toString(body.length), put.headers().get("content-length"));
        assertEquals("o-1", put.headers().get("x-amz-meta-owner"));
        List<String> params = Arrays.stream(put.url().getRawQuery().split("&")).map(p -> p.split("=", 2)[0].toLowerCase(Locale.ROOT)).toList();
        assertTrue(!params.contains("x-amz-checksum-sha256") && !params.contains("x-amz-meta-owner"),
                "checksum and owner travel as headers, not query parameters: " + params);
        assertTrue(put.url().toString().startsWith(local.endpoint() + "/" + BUCKET + "/chunks/x?"), put.url().toString());
        assertTrue(put.headers().keySet().stream().allMatch(h -> h.equals(h.toLowerCase(Locale.ROOT))),
                put.headers().keySet().stream().collect(Collectors.joining(",")));
    }

    @Test
    void presignedGetSignsTheResponseOverridesInItsQuery() {
        PresignedRequest get = chunkPresigner.presignGet("chunks/x", Duration.ofMinutes(10));
        Map<String, String> q = new java.util.HashMap<>();
        for (String param : get.url().getRawQuery().split("&")) {
            String[] kv = param.split("=", 2);
            q.put(kv[0], URLDecoder.decode(kv[1], StandardCharsets.UTF_8));
        }
        assertEquals("application/octet-stream", q.get("response-content-type"));
        assertEquals("attachment", q.get("response-content-disposition"));
        assertEquals("private, no-store", q.get("response-cache-control"));
        assertEquals(List.of("host"), signedHeaders(get.url()), "a GET signs only the host; its query is always signed");
        assertTrue(get.headers().isEmpty(), get.headers().toString());
    }

    @Test
    void aMissingBucketIsAnErrorNotAMissingObject() {
        S3BlobStore wrong = new S3BlobStore(s3, "no-such-bucket");
        assertThrows(BlobStoreException.class, () -> wrong.get("k"));
        assertThrows(BlobStoreException.class, () -> wrong.list("", null, 10));
        assertThrows(BlobStoreException.class, () -> wrong.put("k", new byte[1], Map.of()));
    }
}
