package dev.chunkvault.emulators;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What S3 decides before (and around) serving a request that s3proxy does not, as a servlet filter in front of
 * s3proxy's handler:
 * <ul>
 *   <li><b>Unsigned headers on presigned requests.</b> A query-string authenticated (presigned, SigV4) request whose
 *   {@code x-amz-*} or {@code Content-MD5} headers are not all listed in {@code X-Amz-SignedHeaders}, or whose signed
 *   headers lack {@code host}, is refused 403 {@code AccessDenied} "There were headers present in the request which
 *   were not signed" with a {@code HeadersNotSigned} element, as S3 does. {@code x-amz-content-sha256} is S3's one
 *   exception (it is part of the signature's payload hash, not a header to sign). s3proxy only checks the headers that
 *   are signed and honours the rest: a presigned PUT could carry {@code x-amz-copy-source}, a metadata directive,
 *   more {@code x-amz-meta-*}, an ACL or a storage class its signer never allowed.</li>
 *   <li><b>An identity's policy</b>, for identities given one ({@link LocalS3.Identity}): a request for an action its
 *   policy does not allow is refused 403 {@code AccessDenied}; and a GET or HEAD of a missing object answers 403
 *   {@code AccessDenied}, not 404, unless the policy allows {@code s3:ListBucket} on the bucket — S3 does not tell a
 *   caller that may not list the bucket whether a key exists. Presigned requests act with the identity that signed
 *   them, as on AWS. Unlike S3, the policy is checked before s3proxy checks the signature (both answer 403).</li>
 *   <li><b>CORS</b>, as the template's {@code CorsConfiguration} gives the chunk bucket for the web console's origin: a
 *   browser page served from a loopback origin ({@code http://127.0.0.1:PORT}, {@code http://localhost:PORT},
 *   {@code http://[::1]:PORT}: the local cloud serves the console itself) may PUT, GET and HEAD objects with presigned
 *   URLs. A preflight ({@code OPTIONS} with {@code Access-Control-Request-Method}) from such an origin for one of those
 *   methods is answered 200 with the allowed method and the requested headers (S3 answers with the rule's allowed
 *   headers that were asked); any other preflight 403 {@code AccessForbidden}, as S3 does when no rule matches. The
 *   answers to the requests themselves carry {@code Access-Control-Allow-Origin} and expose {@code ETag},
 *   {@code Content-Length} and {@code Content-Range}.</li>
 * </ul>
 */
final class S3Front implements Filter {
    static final String UNSIGNED_MESSAGE = "There were headers present in the request which were not signed";
    private static final Pattern HEADER_CREDENTIAL = Pattern.compile("Credential=([^/,\\s]+)/");
    /** Query parameters that name a sub-resource (another operation than the plain object or bucket one). */
    private static final Set<String> OBJECT_SUBRESOURCES = Set.of("acl", "tagging", "attributes", "uploadId", "uploads",
            "restore", "retention", "legal-hold", "torrent", "select");
    private static final Set<String> BUCKET_SUBRESOURCES = Set.of("versions", "uploads", "location", "acl", "versioning",
            "lifecycle", "policy", "policyStatus", "encryption", "cors", "delete", "tagging", "website", "logging",
            "notification", "replication", "ownershipControls", "publicAccessBlock", "object-lock", "accelerate",
            "requestPayment", "analytics", "inventory", "metrics", "intelligent-tiering");

    private static final Pattern LOOPBACK_ORIGIN = Pattern.compile("http://(127\\.0\\.0\\.1|localhost|\\[::1\\])(:[0-9]{1,5})?");
    private static final Set<String> CORS_METHODS = Set.of("GET", "PUT", "HEAD");

    private final Map<String, LocalS3.Policy> policies;
    private final Predicate<String> bucketExists;

    S3Front(Map<String, LocalS3.Policy> policies, Predicate<String> bucketExists) {
        this.policies = Map.copyOf(policies);
        this.bucketExists = bucketExists;
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) throws IOException, ServletException {
        HttpServletRequest req = (HttpServletRequest) request;
        HttpServletResponse res = (HttpServletResponse) response;
        if (cors(req, res)) {
            return;
        }
        Map<String, List<String>> query = query(req.getQueryString());
        boolean presigned = query.containsKey("X-Amz-Signature");
        if (presigned) {
            List<String> unsigned = unsignedHeaders(req, query);
            if (!unsigned.isEmpty()) {
                error(req, res, 403, "AccessDenied", UNSIGNED_MESSAGE, Map.of("HeadersNotSigned", String.join(", ", unsigned)));
                return;
            }
        }
        String accessKey = accessKey(req, query);
        LocalS3.Policy policy = accessKey == null ? null : policies.get(accessKey);
        if (policy == null || req.getMethod().equals("OPTIONS")) {
            chain.doFilter(req, res);
            return;
        }
        Target target = Target.of(req.getRequestURI());
        if (target == null) { // the service: ListBuckets
            if (policy.allows("s3:ListAllMyBuckets", "*")) {
                chain.doFilter(req, res);
            } else {
                error(req, res, 403, "AccessDenied", "Access Denied", Map.of());
            }
            return;
        }
        for (String[] need : needs(req.getMethod(), target, query, req.getHeader("x-amz-copy-source"))) {
            if (!policy.allows(need[0], need[1])) {
                error(req, res, 403, "AccessDenied", "Access Denied", Map.of());
                return;
            }
        }
        boolean readsObject = target.key() != null && (req.getMethod().equals("GET") || req.getMethod().equals("HEAD"))
                && Collections.disjoint(query.keySet(), OBJECT_SUBRESOURCES);
        if (readsObject && !policy.allows("s3:ListBucket", bucketArn(target.bucket())) && bucketExists.test(target.bucket())) {
            MissingAsDenied wrapped = new MissingAsDenied(res);
            chain.doFilter(req, wrapped);
            wrapped.finish(req);
            return;
        }
        chain.doFilter(req, res);
    }

    /**
     * Answers a CORS preflight (true: the response is done), or adds the CORS headers of an allowed origin to the
     * response of an actual request (false: go on).
     */
    static boolean cors(HttpServletRequest req, HttpServletResponse res) throws IOException {
        String origin = req.getHeader("Origin");
        String wanted = req.getHeader("Access-Control-Request-Method");
        boolean preflight = req.getMethod().equals("OPTIONS") && wanted != null;
        if (origin == null || !isConsoleOrigin(origin)) {
            if (preflight) {
                error(req, res, 403, "AccessForbidden", "CORSResponse: This CORS request is not allowed.", Map.of());
            }
            return preflight;
        }
        res.setHeader("Access-Control-Allow-Origin", origin);
        res.addHeader("Vary", "Origin");
        if (!preflight) {
            res.setHeader("Access-Control-Expose-Headers", "ETag, Content-Length, Content-Range");
            return false;
        }
        res.addHeader("Vary", "Access-Control-Request-Method, Access-Control-Request-Headers");
        if (!CORS_METHODS.contains(wanted)) {
            res.setHeader("Access-Control-Allow-Origin", null);
            error(req, res, 403, "AccessForbidden", "CORSResponse: This CORS request is not allowed.", Map.of());
            return true;
        }
        res.setHeader("Access-Control-Allow-Methods", wanted);
        String headers = req.getHeader("Access-Control-Request-Headers");
        if (headers != null && !headers.isBlank()) {
            res.setHeader("Access-Control-Allow-Headers", headers);
        }
        res.setHeader("Access-Control-Max-Age", "3000");
        res.setStatus(200);
        res.setContentLength(0);
        return true;
    }

    /** An origin of a page on this machine: http, a loopback host, any port. */
    static boolean isConsoleOrigin(String origin) {
        return LOOPBACK_ORIGIN.matcher(origin).matches();
    }

    /** The {@code x-amz-*} and {@code Content-MD5} headers of a presigned request that its signature does not cover. */
    static List<String> unsignedHeaders(HttpServletRequest req, Map<String, List<String>> query) {
        Set<String> signed = new TreeSet<>();
        for (String h : first(query, "X-Amz-SignedHeaders").split(";")) {
            signed.add(h.trim().toLowerCase(Locale.ROOT));
        }
        TreeSet<String> unsigned = new TreeSet<>();
        for (String name : Collections.list(req.getHeaderNames())) {
            String h = name.toLowerCase(Locale.ROOT);
            if (mustBeSigned(h) && !signed.contains(h)) {
                unsigned.add(h);
            }
        }
        if (!signed.contains("host")) {
            unsigned.add("host");
        }
        return new ArrayList<>(unsigned);
    }

    /** Whether S3 refuses a presigned request that carries this (lower-case) header unsigned. */
    static boolean mustBeSigned(String header) {
        return header.startsWith("x-amz-") && !header.equals("x-amz-content-sha256") || header.equals("content-md5");
    }

    /** The access key a request is signed with, from its query (presigned) or its Authorization header; null: none. */
    private static String accessKey(HttpServletRequest req, Map<String, List<String>> query) {
        if (query.containsKey("X-Amz-Credential")) {
            String credential = first(query, "X-Amz-Credential");
            int slash = credential.indexOf('/');
            return slash < 0 ? credential : credential.substring(0, slash);
        }
        String auth = req.getHeader("Authorization");
        if (auth == null) {
            return null;
        }
        Matcher m = HEADER_CREDENTIAL.matcher(auth);
        return m.find() ? m.group(1) : null;
    }

    static String bucketArn(String bucket) {
        return "arn:aws:s3:::" + bucket;
    }

    static String objectArn(String bucket, String key) {
        return "arn:aws:s3:::" + bucket + "/" + key;
    }

    /** A path-style request's bucket and key (null: the bucket itself). */
    record Target(String bucket, String key) {
        static Target of(String rawPath) {
            if (rawPath == null || rawPath.length() < 2) {
                return null;
            }
            String path = rawPath.substring(1);
            int slash = path.indexOf('/');
            if (slash < 0 || slash == path.length() - 1) {
                return new Target(decode(slash < 0 ? path : path.substring(0, slash)), null);
            }
            return new Target(decode(path.substring(0, slash)), decode(path.substring(slash + 1)));
        }
    }

    /**
     * The IAM actions (with their resource ARNs) S3 requires for this request, as the service authorization reference
     * lists them for the operations a function may make; anything else is named after its method and sub-resource,
     * which no policy of ours grants.
     */
    static List<String[]> needs(String method, Target t, Map<String, List<String>> query, String copySource) {
        List<String[]> out = new ArrayList<>();
        if (t.key() == null) {
            String bucket = bucketArn(t.bucket());
            String sub = subresource(query, BUCKET_SUBRESOURCES);
            String action = switch (method + " " + (sub == null ? "" : sub)) {
                case "GET ", "HEAD " -> "s3:ListBucket";
                case "GET versions" -> "s3:ListBucketVersions";
                case "GET uploads" -> "s3:ListBucketMultipartUploads";
                case "GET location" -> "s3:GetBucketLocation";
                case "PUT " -> "s3:CreateBucket";
                case "DELETE " -> "s3:DeleteBucket";
                default -> null;
            };
            if (method.equals("POST") && "delete".equals(sub)) {
                // DeleteObjects: S3 checks s3:DeleteObject per key of the body; here, on every key of the bucket.
                out.add(new String[] {"s3:DeleteObject", bucket + "/*"});
            } else {
                out.add(new String[] {action != null ? action : unsupported(method, sub), bucket});
            }
            return out;
        }
        String object = objectArn(t.bucket(), t.key());
        String sub = subresource(query, OBJECT_SUBRESOURCES);
        boolean version = query.containsKey("versionId");
        String action = switch (method + " " + (sub == null ? "" : sub)) {
            case "GET ", "HEAD " -> version ? "s3:GetObjectVersion" : "s3:GetObject";
            case "PUT ", "POST uploads", "POST uploadId", "PUT uploadId" -> "s3:PutObject";
            case "DELETE " -> version ? "s3:DeleteObjectVersion" : "s3:DeleteObject";
            case "DELETE uploadId" -> "s3:AbortMultipartUpload";
            case "GET uploadId" -> "s3:ListMultipartUploadParts";
            case "GET acl" -> "s3:GetObjectAcl";
            case "PUT acl" -> "s3:PutObjectAcl";
            case "GET tagging" -> "s3:GetObjectTagging";
            case "PUT tagging" -> "s3:PutObjectTagging";
            case "GET attributes" -> "s3:GetObjectAttributes";
            default -> unsupported(method, sub);
        };
        out.add(new String[] {action, object});
        if (copySource != null && action.equals("s3:PutObject")) {
            // CopyObject / UploadPartCopy also read the source.
            String source = decode(copySource.startsWith("/") ? copySource.substring(1) : copySource);
            int q = source.indexOf("?versionId=");
            String sourceKey = q < 0 ? source : source.substring(0, q);
            out.add(new String[] {q < 0 ? "s3:GetObject" : "s3:GetObjectVersion", "arn:aws:s3:::" + sourceKey});
        }
        return out;
    }

    private static String subresource(Map<String, List<String>> query, Set<String> known) {
        for (String k : query.keySet()) {
            if (known.contains(k)) {
                return k;
            }
        }
        return null;
    }

    private static String unsupported(String method, String sub) {
        return "s3:Unsupported(" + method + (sub == null ? "" : " ?" + sub) + ")";
    }

    /** The query's parameters, decoded, in order (null: none). */
    static Map<String, List<String>> query(String raw) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String part : raw.split("&")) {
            if (part.isEmpty()) {
                continue;
            }
            int eq = part.indexOf('=');
            String name = decode(eq < 0 ? part : part.substring(0, eq));
            out.computeIfAbsent(name, k -> new ArrayList<>()).add(eq < 0 ? "" : decode(part.substring(eq + 1)));
        }
        return out;
    }

    private static String first(Map<String, List<String>> query, String name) {
        List<String> v = query.get(name);
        return v == null || v.isEmpty() ? "" : v.get(0);
    }

    /** Percent-decoding ({@code +} stays itself: the SDKs encode a space as {@code %20}). */
    static String decode(String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%' && i + 2 < s.length()) {
                out.write(HexFormat.fromHexDigits(s, i + 1, i + 3));
                i += 2;
            } else {
                out.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /**
     * Reads what is left of a refused request's body (up to a bound), as S3 does before it answers: a client still
     * sending its body when the answer comes and the connection closes sees a broken pipe instead of the 403.
     */
    private static void drain(HttpServletRequest req) {
        try (var in = req.getInputStream()) {
            byte[] buffer = new byte[64 << 10];
            long left = 64L << 20;
            for (int n; left > 0 && (n = in.read(buffer, 0, (int) Math.min(buffer.length, left))) > 0; ) {
                left -= n;
            }
        } catch (IOException | IllegalStateException unreadable) {
            // the answer goes out all the same
        }
    }

    /** An S3 error answer: the XML body S3 sends (none to a HEAD). */
    static void error(HttpServletRequest req, HttpServletResponse res, int status, String code, String message,
                      Map<String, String> extra) throws IOException {
        drain(req);
        res.setStatus(status);
        if (req.getMethod().equals("HEAD")) {
            res.setContentLength(0);
            return;
        }
        StringBuilder xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>").append(code)
                .append("</Code><Message>").append(escape(message)).append("</Message>");
        extra.forEach((k, v) -> xml.append('<').append(k).append('>').append(escape(v)).append("</").append(k).append('>'));
        String id = HexFormat.of().withUpperCase().formatHex(longBytes(ThreadLocalRandom.current().nextLong()));
        xml.append("<RequestId>").append(id).append("</RequestId><HostId>").append(id).append("</HostId></Error>");
        byte[] body = xml.toString().getBytes(StandardCharsets.UTF_8);
        res.setContentType("application/xml");
        res.setContentLength(body.length);
        res.getOutputStream().write(body);
    }

    private static byte[] longBytes(long v) {
        byte[] b = new byte[8];
        for (int i = 7; i >= 0; i--) {
            b[i] = (byte) v;
            v >>>= 8;
        }
        return b;
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    /**
     * Lets s3proxy answer, but turns its 404 (a missing key: the bucket is known to exist) into S3's 403 AccessDenied
     * for a caller that may not list the bucket. Everything s3proxy writes after the 404 is dropped.
     */
    static final class MissingAsDenied extends HttpServletResponseWrapper {
        private final HttpServletResponse real;
        private boolean denied;
        private ServletOutputStream stream;
        private PrintWriter writer;

        MissingAsDenied(HttpServletResponse real) {
            super(real);
            this.real = real;
        }

        @Override
        public void setStatus(int sc) {
            if (sc == 404) {
                denied = true;
                return;
            }
            super.setStatus(sc);
        }

        @Override
        public void sendError(int sc) throws IOException {
            if (sc == 404) {
                denied = true;
                return;
            }
            super.sendError(sc);
        }

        @Override
        public void sendError(int sc, String msg) throws IOException {
            if (sc == 404) {
                denied = true;
                return;
            }
            super.sendError(sc, msg);
        }

        @Override
        public void setContentLength(int len) {
            if (!denied) {
                super.setContentLength(len);
            }
        }

        @Override
        public void setContentLengthLong(long len) {
            if (!denied) {
                super.setContentLengthLong(len);
            }
        }

        @Override
        public void setContentType(String type) {
            if (!denied) {
                super.setContentType(type);
            }
        }

        @Override
        public void setHeader(String name, String value) {
            if (!denied) {
                super.setHeader(name, value);
            }
        }

        @Override
        public void addHeader(String name, String value) {
            if (!denied) {
                super.addHeader(name, value);
            }
        }

        @Override
        public void flushBuffer() throws IOException {
            if (!denied) {
                super.flushBuffer();
            }
        }

        @Override
        public ServletOutputStream getOutputStream() throws IOException {
            if (stream == null) {
                ServletOutputStream inner = real.getOutputStream();
                stream = new ServletOutputStream() {
                    @Override
                    public boolean isReady() {
                        return inner.isReady();
                    }

                    @Override
                    public void setWriteListener(WriteListener listener) {
                        inner.setWriteListener(listener);
                    }

                    @Override
                    public void write(int b) throws IOException {
                        if (!denied) {
                            inner.write(b);
                        }
                    }

                    @Override
                    public void write(byte[] b, int off, int len) throws IOException {
                        if (!denied) {
                            inner.write(b, off, len);
                        }
                    }

                    @Override
                    public void flush() throws IOException {
                        if (!denied) {
                            inner.flush();
                        }
                    }

                    @Override
                    public void close() throws IOException {
                        if (!denied) {
                            inner.close();
                        }
                    }
                };
            }
            return stream;
        }

        @Override
        public PrintWriter getWriter() throws IOException {
            if (writer == null) {
                writer = new PrintWriter(new OutputStreamWriter(getOutputStream(), StandardCharsets.UTF_8));
            }
            return writer;
        }

        /** After s3proxy answered: S3's answer in place of a 404. */
        void finish(HttpServletRequest req) throws IOException {
            if (writer != null && !denied) {
                writer.flush();
            }
            if (denied) {
                real.resetBuffer();
                error(req, real, 403, "AccessDenied", "Access Denied", Map.of());
            }
        }
    }
}
