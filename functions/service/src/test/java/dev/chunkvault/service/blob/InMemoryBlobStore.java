package dev.chunkvault.service.blob;

import dev.chunkvault.core.hash.Sha256;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
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
 * method, key, expiry and signed headers; expiry; the signed SHA-256 checksum and length against the body; and no
 * {@code x-amz-*} (or {@code Content-MD5}) header the signature does not cover (403 AccessDenied, HeadersNotSigned).
 * Errors carry S3's codes in S3's XML body. Like S3, a PUT stores the content type, disposition, cache policy...
 * it was sent with (signed or not), and a GET answers with them unless its signed {@code response-*} query
 * parameters override them. Versioned (like an S3 bucket with versioning) or not (like s3proxy).
 */
public final class InMemoryBlobStore implements BlobStore, Presigner {
    private record Stored(byte[] bytes, String sha256, Map<String, String> metadata, String versionId, Instant at,
                          Map<String, String> served) {}

    /** The headers S3 stores with an object from its PUT (signed or not) and answers a GET with. */
    private static final List<String> SERVED = List.of("content-type", "content-disposition", "cache-control",
            "content-encoding", "content-language", "expires");

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
        store(key, bytes, metadata, Map.of());
    }

    private void store(String key, byte[] bytes, Map<String, String> metadata, Map<String, String> served) {
        Stored s = new Stored(bytes, sha256(bytes), Map.copyOf(metadata),
                versioned ? "v" + versions.incrementAndGet() : null, clock.instant(), Map.copyOf(served));
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
        headers.put("content-type", CONTENT_TYPE);
        headers.put("content-disposition", CONTENT_DISPOSITION);
        headers.put("cache-control", CACHE_CONTROL);
        return sign("PUT", key, headers, Map.of(), ttl);
    }

    @Override
    public PresignedRequest presignGet(String key, Duration ttl) {
        return sign("GET", key, Map.of(), Map.of("response-content-type", CONTENT_TYPE,
                "response-content-disposition", CONTENT_DISPOSITION, "response-cache-control", CACHE_CONTROL), ttl);
    }

    /** Signs method, key, expiry, the signed headers' values and the query's {@code response-*} overrides. */
    private PresignedRequest sign(String method, String key, Map<String, String> headers, Map<String, String> overrides,
                                  Duration ttl) {
        Instant expires = clock.instant().plus(ttl);
        TreeMap<String, String> signed = new TreeMap<>(headers);
        TreeMap<String, String> params = new TreeMap<>(overrides);
        String sig = hmac(method + "\n" + key + "\n" + expires.toEpochMilli() + "\n" + signed + "\n" + params);
        StringBuilder query = new StringBuilder();
        params.forEach((k, v) -> query.append('&').append(k).append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
        URI url = URI.create("mem://bucket/" + key + "?expires=" + expires.toEpochMilli()
                + "&signedHeaders=" + String.join(";", signed.keySet()) + query + "&sig=" + sig);
        return new PresignedRequest(method, url, headers, expires);
    }

    /** What an HTTP response to a presigned request would be: status, headers, body. */
    public record Response(int status, Map<String, String> headers, byte[] body) {
        public Response {
            headers = Map.copyOf(headers);
        }

        public Response(int status, byte[] body) {
            this(status, Map.of(), body);
        }

        /** S3's error answer: status and an XML body naming the error code (and any more elements). */
        static Response error(int status, String code, String message, Map<String, String> more) {
            StringBuilder xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>").append(code)
                    .append("</Code><Message>").append(message).append("</Message>");
            more.forEach((k, v) -> xml.append('<').append(k).append('>').append(v).append("</").append(k).append('>'));
            xml.append("</Error>");
            return new Response(status, Map.of("content-type", "application/xml"), xml.toString().getBytes(StandardCharsets.UTF_8));
        }
    }

    /**
     * Whether S3 refuses a presigned request that carries this (lower-case) header without signing it: every
     * {@code x-amz-*} header but {@code x-amz-content-sha256}, and {@code Content-MD5}.
     */
    static boolean mustBeSigned(String header) {
        return header.startsWith("x-amz-") && !header.equals("x-amz-content-sha256") || header.equals("content-md5");
    }

    /** Executes a request against a presigned URL as S3 would, at the store clock's now. */
    public synchronized Response execute(String method, URI url, Map<String, String> requestHeaders, byte[] body) {
        String path = url.getPath();
        if (!"mem".equals(url.getScheme()) || !path.startsWith("/")) {
            return new Response(400, new byte[0]);
        }
        String key = path.substring(1);
        Map<String, String> query = new HashMap<>();
        TreeMap<String, String> overrides = new TreeMap<>();
        for (String part : url.getRawQuery().split("&")) {
            int eq = part.indexOf('=');
            String name = part.substring(0, eq);
            String value = URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8);
            query.put(name, value);
            if (name.startsWith("response-")) {
                overrides.put(name, value);
            }
        }
        long expires = Long.parseLong(query.get("expires"));
        TreeMap<String, String> signed = new TreeMap<>();
        Map<String, String> lower = new HashMap<>();
        requestHeaders.forEach((k, v) -> lower.put(k.toLowerCase(Locale.ROOT), v));
        String names = query.get("signedHeaders");
        List<String> signedNames = names.isEmpty() ? List.of() : List.of(names.split(";"));
        java.util.TreeSet<String> unsigned = new java.util.TreeSet<>();
        lower.keySet().stream().filter(h -> mustBeSigned(h) && !signedNames.contains(h)).forEach(unsigned::add);
        if (!unsigned.isEmpty()) {
            return Response.error(403, "AccessDenied", "There were headers present in the request which were not signed",
                    Map.of("HeadersNotSigned", String.join(", ", unsigned)));
        }
        for (String h : signedNames) {
            if (!lower.containsKey(h)) {
                return Response.error(403, "SignatureDoesNotMatch", "A signed header is missing.", Map.of());
            }
            signed.put(h, lower.get(h));
        }
        if (!hmac(method + "\n" + key + "\n" + expires + "\n" + signed + "\n" + overrides).equals(query.get("sig"))) {
            return Response.error(403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.", Map.of());
        }
        if (clock.millis() > expires) {
            return Response.error(403, "AccessDenied", "Request has expired", Map.of());
        }
        if (method.equals("GET")) {
            String range = lower.get("range");
            if (range != null) {
                // An unsigned Range header is allowed, as on S3: "bytes=first-last" answers 206 with those bytes.
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("bytes=(\\d+)-(\\d+)").matcher(range);
                if (!m.matches()) {
                    return Response.error(400, "InvalidArgument", "Unsupported range.", Map.of());
                }
                long first = Long.parseLong(m.group(1));
                long last = Long.parseLong(m.group(2));
                return current(key).map(s -> first > last || first >= s.bytes.length
                                ? Response.error(416, "InvalidRange", "The requested range is not satisfiable", Map.of())
                                : new Response(206, served(s, overrides), java.util.Arrays.copyOfRange(s.bytes, (int) first,
                                        (int) Math.min(s.bytes.length, last + 1))))
                        .orElse(Response.error(404, "NoSuchKey", "The specified key does not exist.", Map.of()));
            }
            return current(key).map(s -> new Response(200, served(s, overrides), s.bytes.clone()))
                    .orElse(Response.error(404, "NoSuchKey", "The specified key does not exist.", Map.of()));
        }
        if (!method.equals("PUT")) {
            return Response.error(405, "MethodNotAllowed", "The specified method is not allowed against this resource.", Map.of());
        }
        if (body.length != Long.parseLong(signed.getOrDefault("content-length", "-1"))) {
            return Response.error(400, "IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header.", Map.of());
        }
        String checksum = signed.get("x-amz-checksum-sha256");
        if (checksum != null && !checksum.equals(sha256(body))) {
            return Response.error(400, "BadDigest", "The SHA256 you specified did not match the calculated checksum.", Map.of());
        }
        Map<String, String> metadata = new HashMap<>();
        signed.forEach((k, v) -> {
            if (k.startsWith("x-amz-meta-")) {
                metadata.put(k.substring("x-amz-meta-".length()), v);
            }
        });
        Map<String, String> served = new HashMap<>();
        SERVED.forEach(h -> {
            if (lower.containsKey(h)) {
                served.put(h, lower.get(h));
            }
        });
        store(key, body.clone(), metadata, served);
        return new Response(200, new byte[0]);
    }

    /** What a GET answers with: the stored headers, each replaced by its {@code response-*} override if any. */
    private static Map<String, String> served(Stored s, Map<String, String> overrides) {
        Map<String, String> out = new HashMap<>(s.served);
        out.putIfAbsent("content-type", "binary/octet-stream");
        SERVED.forEach(h -> {
            String o = overrides.get("response-" + h);
            if (o != null) {
                out.put(h, o);
            }
        });
        return out;
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
