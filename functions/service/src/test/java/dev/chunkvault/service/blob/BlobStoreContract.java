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
    /** A response to a request sent to a presigned URL (header names in lower case). */
    public record Sent(int status, byte[] body, Map<String, String> headers) {
        public Sent {
            Map<String, String> lower = new HashMap<>();
            headers.forEach((k, v) -> lower.put(k.toLowerCase(java.util.Locale.ROOT), v));
            headers = Map.copyOf(lower);
        }

        public Sent(int status, byte[] body) {
            this(status, body, Map.of());
        }

        public boolean ok() {
            return status / 100 == 2;
        }

        /** A response header (null: absent). */
        public String header(String name) {
            return headers.get(name.toLowerCase(java.util.Locale.ROOT));
        }

        /** The text of an element of S3's XML error answer ("" if there is none): {@code element("Code")}. */
        public String element(String name) {
            String t = new String(body, java.nio.charset.StandardCharsets.UTF_8);
            int a = t.indexOf("<" + name + ">");
            int b = t.indexOf("</" + name + ">");
            return a < 0 || b < a ? "" : t.substring(a + name.length() + 2, b);
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

    /** A chunk inside a pack is read by range: by the store, and by a presigned GET with an unsigned Range header. */
    @Test
    void rangesAreReadByTheStoreAndByPresignedGets() {
        byte[] data = bytes(10_000);
        String key = prefix + "pack";
        blobs().put(key, data, Map.of());
        assertArrayEquals(java.util.Arrays.copyOfRange(data, 1234, 1234 + 500), blobs().getRange(key, 1234, 500).orElseThrow());
        assertArrayEquals(java.util.Arrays.copyOfRange(data, 9_990, 10_000), blobs().getRange(key, 9_990, 10).orElseThrow());
        assertTrue(blobs().getRange(prefix + "absent", 0, 10).isEmpty());

        PresignedRequest get = presigner().presignGet(key, Duration.ofMinutes(5));
        Map<String, String> headers = new HashMap<>(get.headers());
        headers.put("Range", "bytes=100-199");
        Sent got = send("GET", get.url(), headers, new byte[0]);
        assertEquals(206, got.status(), "a range answers 206 Partial Content");
        assertArrayEquals(java.util.Arrays.copyOfRange(data, 100, 200), got.body());
        headers.put("Range", "bytes=20000-20010");
        assertEquals(416, send("GET", get.url(), headers, new byte[0]).status(), "a range past the end is refused");
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

    /**
     * The x-amz-* headers a client could add to a presigned request to make S3 do more than its signer allowed: more
     * metadata, an ACL, a storage class, a copy (in place, replacing the metadata), tags, a redirect, encryption.
     */
    private static Map<String, String> unsignedExtras(URI self, byte[] body) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        out.put("x-amz-meta-role", "admin");
        out.put("x-amz-acl", "public-read");
        out.put("x-amz-storage-class", "REDUCED_REDUNDANCY");
        out.put("x-amz-copy-source", self.getRawPath());
        out.put("x-amz-metadata-directive", "REPLACE");
        out.put("x-amz-tagging", "a=b");
        out.put("x-amz-website-redirect-location", "/elsewhere");
        out.put("x-amz-server-side-encryption", "AES256");
        try {
            out.put("content-md5", java.util.Base64.getEncoder().encodeToString(
                    java.security.MessageDigest.getInstance("MD5").digest(body)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    @Test
    void presignedRequestsRefuseHeadersTheirSignatureDoesNotCover() {
        byte[] body = bytes(700);
        String key = prefix + "chunk";
        PresignedRequest put = presignPut(key, body, Duration.ofMinutes(5));
        List<String> wrong = new ArrayList<>();
        unsignedExtras(put.url(), body).forEach((name, value) -> {
            Map<String, String> headers = new HashMap<>(put.headers());
            headers.put(name, value);
            Sent sent = send("PUT", put.url(), headers, body);
            if (sent.status() != 403 || !sent.element("Code").equals("AccessDenied") || !sent.element("HeadersNotSigned").equals(name)) {
                wrong.add("PUT + " + name + " -> " + sent.status() + " " + new String(sent.body(), java.nio.charset.StandardCharsets.UTF_8));
            }
        });
        assertTrue(wrong.isEmpty(), "S3 refuses a presigned request carrying an x-amz-* or Content-MD5 header it does not sign "
                + "(403 AccessDenied, HeadersNotSigned):\n  " + String.join("\n  ", wrong));
        assertTrue(blobs().head(key).isEmpty(), "nothing was stored");

        assertTrue(send("PUT", put.url(), put.headers(), body).ok(), "the granted PUT itself is honoured");
        PresignedRequest get = presigner().presignGet(key, Duration.ofMinutes(5));
        for (Map.Entry<String, String> extra : Map.of("x-amz-checksum-mode", "ENABLED", "x-amz-request-payer", "requester",
                "x-amz-expected-bucket-owner", "000000000000").entrySet()) {
            Map<String, String> headers = new HashMap<>(get.headers());
            headers.put(extra.getKey(), extra.getValue());
            Sent got = send("GET", get.url(), headers, new byte[0]);
            assertEquals(403, got.status(), "GET + " + extra.getKey());
            assertEquals("AccessDenied", got.element("Code"));
            assertEquals(extra.getKey(), got.element("HeadersNotSigned"));
        }
        assertEquals(200, send("GET", get.url(), get.headers(), new byte[0]).status());
    }

    /**
     * The Dropship attack on a shared key, in the object store: the owner of a chunk stored it (with its owner tag);
     * another uploader, who knows only its id and size, has his own grant for the same key and tries to turn it into a
     * copy in place that replaces the metadata (his owner tag on the other's bytes), or into an overwrite with more
     * metadata. Refused; the stored object is untouched.
     */
    @Test
    void aGrantForAKeyCannotCopyTheStoredObjectOntoItselfWithNewMetadata() {
        byte[] theirs = bytes(900);
        String key = prefix + "shared";
        blobs().put(key, theirs, Map.of("owner", "tag-a"));
        PresignedRequest mine = presigner().presignPut(key, theirs.length, ChunkId.sha256(theirs).base64(),
                Map.of("owner", "tag-b"), Duration.ofMinutes(5));
        byte[] junk = bytes(theirs.length);
        for (byte[] body : List.of(junk, new byte[theirs.length])) {
            Map<String, String> copy = new HashMap<>(mine.headers());
            copy.put("x-amz-copy-source", mine.url().getRawPath());
            copy.put("x-amz-metadata-directive", "REPLACE");
            Sent sent = send("PUT", mine.url(), copy, body);
            assertEquals(403, sent.status(), new String(sent.body(), java.nio.charset.StandardCharsets.UTF_8));
            assertEquals("AccessDenied", sent.element("Code"));
        }
        BlobInfo after = blobs().head(key).orElseThrow();
        assertEquals("tag-a", after.metadata().get("owner"), "the owner tag is the first uploader's");
        assertEquals(Map.of("owner", "tag-a"), after.metadata());
        assertArrayEquals(theirs, blobs().get(key).orElseThrow(), "the bytes are the first uploader's");
    }

    /**
     * Uploaders do not choose how objects are served (issue 14, item 5): a grant signs a fixed content type,
     * disposition and cache policy, so a PUT that would store a page a browser renders inline, or a year-long public
     * cache policy, is refused.
     */
    @Test
    void presignedPutSignsAFixedContentTypeDispositionAndCachePolicy() {
        byte[] body = bytes(600);
        String key = prefix + "chunk";
        PresignedRequest put = presignPut(key, body, Duration.ofMinutes(5));
        assertEquals(Presigner.CONTENT_TYPE, put.headers().get("content-type"));
        assertEquals("application/octet-stream", Presigner.CONTENT_TYPE);
        assertEquals(Presigner.CONTENT_DISPOSITION, put.headers().get("content-disposition"));
        assertEquals("attachment", Presigner.CONTENT_DISPOSITION);
        assertEquals(Presigner.CACHE_CONTROL, put.headers().get("cache-control"));
        assertEquals("private, no-store", Presigner.CACHE_CONTROL);
        Map<String, String> changes = new java.util.LinkedHashMap<>();
        changes.put("content-type", "text/html");
        changes.put("content-disposition", "inline");
        changes.put("cache-control", "public, max-age=31536000");
        List<String> wrong = new ArrayList<>();
        changes.forEach((name, value) -> {
            Map<String, String> headers = new HashMap<>(put.headers());
            headers.put(name, value);
            Sent sent = send("PUT", put.url(), headers, body);
            if (sent.status() != 403) {
                wrong.add(name + ": " + value + " -> " + sent.status());
            }
            Map<String, String> without = new HashMap<>(put.headers());
            without.remove(name);
            Sent missing = send("PUT", put.url(), without, body);
            if (missing.status() != 403) {
                wrong.add("no " + name + " -> " + missing.status());
            }
        });
        assertTrue(wrong.isEmpty(), "a PUT that changes how the object is served must be refused: " + wrong);
        assertTrue(blobs().head(key).isEmpty(), "nothing was stored");
        assertTrue(send("PUT", put.url(), put.headers(), body).ok());
    }

    /** Every presigned GET answers bytes to save, as an attachment nobody caches, whatever the object was stored with. */
    @Test
    void everyPresignedGetServesAnAttachmentOfBytesThatNobodyCaches() {
        byte[] uploaded = bytes(500);
        String viaGrant = prefix + "granted";
        PresignedRequest put = presignPut(viaGrant, uploaded, Duration.ofMinutes(5));
        assertTrue(send("PUT", put.url(), put.headers(), uploaded).ok());
        byte[] written = bytes(300);
        String byService = prefix + "written";
        blobs().put(byService, written, Map.of());
        for (Map.Entry<String, byte[]> e : Map.of(viaGrant, uploaded, byService, written).entrySet()) {
            PresignedRequest get = presigner().presignGet(e.getKey(), Duration.ofMinutes(5));
            Sent got = send("GET", get.url(), get.headers(), new byte[0]);
            assertEquals(200, got.status(), e.getKey());
            assertArrayEquals(e.getValue(), got.body());
            assertEquals("application/octet-stream", got.header("content-type"), e.getKey() + " " + got.headers());
            assertEquals("attachment", got.header("content-disposition"), e.getKey() + " " + got.headers());
            assertEquals("private, no-store", got.header("cache-control"), e.getKey() + " " + got.headers());
        }
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
