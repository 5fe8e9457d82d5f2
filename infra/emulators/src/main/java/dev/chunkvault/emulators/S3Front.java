package dev.chunkvault.emulators;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
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

/**
 * What S3 decides before serving a request that s3proxy does not, as a servlet filter in front of s3proxy's handler:
 * <ul>
 *   <li><b>Unsigned headers on presigned requests.</b> A query-string authenticated (presigned, SigV4) request whose
 *   {@code x-amz-*} or {@code Content-MD5} headers are not all listed in {@code X-Amz-SignedHeaders}, or whose signed
 *   headers lack {@code host}, is refused 403 {@code AccessDenied} "There were headers present in the request which
 *   were not signed" with a {@code HeadersNotSigned} element, as S3 does. {@code x-amz-content-sha256} is S3's one
 *   exception (it is part of the signature's payload hash, not a header to sign). s3proxy only checks the headers that
 *   are signed and honours the rest: a presigned PUT could carry {@code x-amz-copy-source}, a metadata directive,
 *   more {@code x-amz-meta-*}, an ACL or a storage class its signer never allowed.</li>
 * </ul>
 */
final class S3Front implements Filter {
    static final String UNSIGNED_MESSAGE = "There were headers present in the request which were not signed";

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) throws IOException, ServletException {
        HttpServletRequest req = (HttpServletRequest) request;
        HttpServletResponse res = (HttpServletResponse) response;
        Map<String, List<String>> query = query(req.getQueryString());
        boolean presigned = query.containsKey("X-Amz-Signature");
        if (presigned) {
            List<String> unsigned = unsignedHeaders(req, query);
            if (!unsigned.isEmpty()) {
                error(req, res, 403, "AccessDenied", UNSIGNED_MESSAGE, Map.of("HeadersNotSigned", String.join(", ", unsigned)));
                return;
            }
        }
        chain.doFilter(req, res);
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

    /** An S3 error answer: the XML body S3 sends (none to a HEAD). */
    static void error(HttpServletRequest req, HttpServletResponse res, int status, String code, String message,
                      Map<String, String> extra) throws IOException {
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
}
