package dev.chunkvault.service.blob;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.core.hash.ChunkId;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The semantics every {@link BlobStore} + {@link Presigner} pair must have, run against the in-memory fake
 * and against s3proxy over HTTP. Each test works under its own key prefix.
 */
public abstract class BlobStoreContract {
    /** A response to a request sent to a presigned URL. */
    public record Sent(int status, byte[] body) {
        public boolean ok() {
            return status / 100 == 2;
        }
    }

    protected abstract BlobStore blobs();

    protected abstract Presigner presigner();

    /** Sends a request to a (presigned) URL with exactly these headers. */
    protected abstract Sent send(String method, URI url, Map<String, String> headers, byte[] body);

    /** Makes at least {@code d} pass for the store's notion of time (real stores: sleep). */
    protected abstract void letTimePass(Duration d);

    /** Whether the store keeps object versions (S3 with versioning) or not (s3proxy). */
    protected abstract boolean versioned();

    private String prefix;
    private final Random random = new Random(7);

    @BeforeEach
    void newPrefix() {
        prefix = "contract/" + UUID.randomUUID() + "/";
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    @Test
    void putHeadGetDelete() {
        byte[] data = bytes(1000);
        String key = prefix + "a";
        blobs().put(key, data, Map.of("owner", "o1"));
        BlobInfo info = blobs().head(key).orElseThrow();
        assertEquals(1000, info.size());
        assertEquals(ChunkId.sha256(data).base64(), info.sha256Base64());
        assertEquals("o1", info.metadata().get("owner"));
        assertArrayEquals(data, blobs().get(key).orElseThrow());
        blobs().delete(key, null);
        assertTrue(blobs().head(key).isEmpty());
        assertTrue(blobs().get(key).isEmpty());
        blobs().delete(key, null);
    }

    @Test
    void deleteByVersionSparesANewerWrite() {
        String key = prefix + "v";
        blobs().put(key, bytes(10), Map.of());
        String first = blobs().head(key).orElseThrow().versionId();
        byte[] second = bytes(10);
        blobs().put(key, second, Map.of());
        if (versioned()) {
            assertNotNull(first);
            blobs().delete(key, first);
            assertArrayEquals(second, blobs().get(key).orElseThrow());
        } else {
            assertEquals(null, first);
        }
    }

    @Test
    void listIsOrderedPagedAndPrefixed() {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            keys.add(prefix + "k" + i);
            blobs().put(prefix + "k" + i, bytes(3), Map.of());
        }
        blobs().put(prefix.substring(0, prefix.length() - 1) + "-sibling", bytes(3), Map.of());
        List<String> seen = new ArrayList<>();
        String after = null;
        do {
            BlobPage page = blobs().list(prefix, after, 3);
            page.blobs().forEach(b -> seen.add(b.key()));
            after = page.nextStartAfter();
        } while (after != null);
        assertEquals(keys, seen);
    }

    private PresignedRequest presignPut(String key, byte[] body, Duration ttl) {
        return presigner().presignPut(key, body.length, ChunkId.sha256(body).base64(), Map.of("owner", "tag-1"), ttl);
    }

    @Test
    void presignedPutStoresTheBodyWithItsChecksumAndMetadata() {
        byte[] body = bytes(4096);
        String key = prefix + "chunk";
        PresignedRequest put = presignPut(key, body, Duration.ofMinutes(5));
        assertEquals("PUT", put.method());
        Sent sent = send("PUT", put.url(), put.headers(), body);
        assertTrue(sent.ok(), "status " + sent.status());
        BlobInfo info = blobs().head(key).orElseThrow();
        assertEquals(ChunkId.sha256(body).base64(), info.sha256Base64());
        assertEquals("tag-1", info.metadata().get("owner"));
        PresignedRequest get = presigner().presignGet(key, Duration.ofMinutes(5));
        Sent got = send("GET", get.url(), get.headers(), new byte[0]);
        assertEquals(200, got.status());
        assertArrayEquals(body, got.body());
    }

    @Test
    void presignedPutRejectsAnotherBody() {
        byte[] body = bytes(4096);
        String key = prefix + "chunk";
        PresignedRequest put = presignPut(key, body, Duration.ofMinutes(5));
        byte[] other = body.clone();
        other[100] ^= 1;
        assertTrue(send("PUT", put.url(), put.headers(), other).status() >= 400);
        assertTrue(blobs().head(key).isEmpty());
    }

    @Test
    void presignedPutRejectsChangedHeadersOrKey() {
        byte[] body = bytes(512);
        String key = prefix + "chunk";
        PresignedRequest put = presignPut(key, body, Duration.ofMinutes(5));
        Map<String, String> forged = new HashMap<>(put.headers());
        forged.put("x-amz-meta-owner", "someone-else");
        assertTrue(send("PUT", put.url(), forged, body).status() >= 400);
        URI otherKey = URI.create(put.url().toString().replace("/chunk?", "/chunk2?"));
        assertNotEquals(put.url(), otherKey);
        assertTrue(send("PUT", otherKey, put.headers(), body).status() >= 400);
        Map<String, String> missing = new HashMap<>(put.headers());
        missing.remove("x-amz-checksum-sha256");
        assertTrue(send("PUT", put.url(), missing, body).status() >= 400);
        assertTrue(blobs().head(key).isEmpty());
        assertTrue(blobs().head(prefix + "chunk2").isEmpty());
    }

    @Test
    void presignedUrlsExpire() {
        byte[] body = bytes(64);
        String key = prefix + "chunk";
        PresignedRequest put = presignPut(key, body, Duration.ofSeconds(1));
        letTimePass(Duration.ofSeconds(3));
        assertTrue(send("PUT", put.url(), put.headers(), body).status() >= 400);
        assertTrue(blobs().head(key).isEmpty());
    }
}
