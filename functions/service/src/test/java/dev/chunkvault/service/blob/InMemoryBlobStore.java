package dev.chunkvault.service.blob;

import dev.chunkvault.core.hash.Sha256;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * An in-memory object store and presigner that checks presigned requests the way S3 does: signature over
 * method, key, expiry and signed headers; expiry; the signed SHA-256 checksum and length against the body.
 * Versioned (like an S3 bucket with versioning) or not (like s3proxy).
 */
public final class InMemoryBlobStore implements BlobStore, Presigner {
    private record Stored(byte[] bytes, String sha256, Map<String, String> metadata, String versionId, Instant at) {}

    private final TreeMap<String, List<Stored>> objects = new TreeMap<>();
    private final Clock clock;
    private final boolean versioned;
    private final AtomicLong versions = new AtomicLong();
    private final byte[] signingKey = "in-memory-presign-key".getBytes(StandardCharsets.UTF_8);

    public InMemoryBlobStore(Clock clock, boolean versioned) {
        this.clock = clock;
        this.versioned = versioned;
    }

    @Override
    public synchronized Optional<BlobInfo> head(String key) {
        return current(key).map(s -> info(key, s));
    }

    private Optional<Stored> current(String key) {
        List<Stored> vs = objects.get(key);
        return vs == null || vs.isEmpty() ? Optional.empty() : Optional.of(vs.get(vs.size() - 1));
    }

    private static BlobInfo info(String key, Stored s) {
        return new BlobInfo(key, s.bytes.length, s.sha256, s.metadata, s.versionId, s.at);
    }

    @Override
    public synchronized Optional<byte[]> get(String key) {
        return current(key).map(s -> s.bytes.clone());
    }

    @Override
    public synchronized void put(String key, byte[] bytes, Map<String, String> metadata) {
        store(key, bytes.clone(), metadata);
    }

    private void store(String key, byte[] bytes, Map<String, String> metadata) {
        Stored s = new Stored(bytes, sha256(bytes), Map.copyOf(metadata),
                versioned ? "v" + versions.incrementAndGet() : null, clock.instant());
        List<Stored> vs = objects.computeIfAbsent(key, k -> new ArrayList<>());
        if (!versioned) {
            vs.clear();
        }
        vs.add(s);
    }

    @Override
    public synchronized void delete(String key, String versionId) {
        List<Stored> vs = objects.get(key);
        if (vs == null) {
            return;
        }
        if (versionId == null || !versioned) {
            vs.clear();
        } else {
            vs.removeIf(s -> versionId.equals(s.versionId));
        }
        if (vs.isEmpty()) {
            objects.remove(key);
        }
    }

    @Override
    public synchronized BlobPage list(String prefix, String startAfter, int limit) {
        List<BlobSummary> out = new ArrayList<>();
        var tail = startAfter == null ? objects.tailMap(prefix, true) : objects.tailMap(startAfter, false);
        String last = null;
        boolean more = false;
        for (var e : tail.entrySet()) {
            if (!e.getKey().startsWith(prefix)) {
                break;
            }
            if (out.size() == limit) {
                more = true;
                break;
            }
            Stored s = e.getValue().get(e.getValue().size() - 1);
            out.add(new BlobSummary(e.getKey(), s.bytes.length, s.at));
            last = e.getKey();
        }
        return new BlobPage(out, more ? last : null);
    }

    /** Every key currently stored (tests). */
    public synchronized List<String> keys() {
        return List.copyOf(objects.keySet());
    }

    // ---- presigning -------------------------------------------------------------------------------

    @Override
    public PresignedRequest presignPut(String key, long contentLength, String sha256Base64, Map<String, String> metadata,
                                       Duration ttl) {
        Map<String, String> headers = new HashMap<>();
        headers.put("content-length", Long.toString(contentLength));
        headers.put("x-amz-checksum-sha256", sha256Base64);
        metadata.forEach((k, v) -> headers.put("x-amz-meta-" + k.toLowerCase(Locale.ROOT), v));
        return sign("PUT", key, headers, ttl);
    }

    @Override
    public PresignedRequest presignGet(String key, Duration ttl) {
        return sign("GET", key, Map.of(), ttl);
    }

    private PresignedRequest sign(String method, String key, Map<String, String> headers, Duration ttl) {
        Instant expires = clock.instant().plus(ttl);
        TreeMap<String, String> signed = new TreeMap<>(headers);
        String sig = hmac(method + "\n" + key + "\n" + expires.toEpochMilli() + "\n" + signed);
        URI url = URI.create("mem://bucket/" + key + "?expires=" + expires.toEpochMilli()
                + "&signedHeaders=" + String.join(";", signed.keySet()) + "&sig=" + sig);
        return new PresignedRequest(method, url, headers, expires);
    }

    /** What an HTTP response to a presigned request would be. */
    public record Response(int status, byte[] body) {}

    /** Executes a request against a presigned URL as S3 would, at the store clock's now. */
    public synchronized Response execute(String method, URI url, Map<String, String> requestHeaders, byte[] body) {
        String path = url.getPath();
        if (!"mem".equals(url.getScheme()) || !path.startsWith("/")) {
            return new Response(400, new byte[0]);
        }
        String key = path.substring(1);
        Map<String, String> query = new HashMap<>();
        for (String part : url.getRawQuery().split("&")) {
            int eq = part.indexOf('=');
            query.put(part.substring(0, eq), part.substring(eq + 1));
        }
        long expires = Long.parseLong(query.get("expires"));
        TreeMap<String, String> signed = new TreeMap<>();
        Map<String, String> lower = new HashMap<>();
        requestHeaders.forEach((k, v) -> lower.put(k.toLowerCase(Locale.ROOT), v));
        String names = query.get("signedHeaders");
        if (!names.isEmpty()) {
            for (String h : names.split(";")) {
                if (!lower.containsKey(h)) {
                    return new Response(403, new byte[0]);
                }
                signed.put(h, lower.get(h));
            }
        }
        if (!hmac(method + "\n" + key + "\n" + expires + "\n" + signed).equals(query.get("sig"))) {
            return new Response(403, new byte[0]);
        }
        if (clock.millis() > expires) {
            return new Response(403, new byte[0]);
        }
        if (method.equals("GET")) {
            return current(key).map(s -> new Response(200, s.bytes.clone())).orElse(new Response(404, new byte[0]));
        }
        if (!method.equals("PUT")) {
            return new Response(405, new byte[0]);
        }
        if (body.length != Long.parseLong(signed.getOrDefault("content-length", "-1"))) {
            return new Response(400, new byte[0]);
        }
        String checksum = signed.get("x-amz-checksum-sha256");
        if (checksum != null && !checksum.equals(sha256(body))) {
            return new Response(400, new byte[0]);
        }
        Map<String, String> metadata = new HashMap<>();
        signed.forEach((k, v) -> {
            if (k.startsWith("x-amz-meta-")) {
                metadata.put(k.substring("x-amz-meta-".length()), v);
            }
        });
        store(key, body.clone(), metadata);
        return new Response(200, new byte[0]);
    }

    private String hmac(String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(signingKey, "HmacSHA256"));
            return java.util.HexFormat.of().formatHex(mac.doFinal(data.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String sha256(byte[] bytes) {
        return Base64.getEncoder().encodeToString(Sha256.newDigest().digest(bytes));
    }
}
