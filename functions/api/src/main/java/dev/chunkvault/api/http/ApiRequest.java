package dev.chunkvault.api.http;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import dev.chunkvault.service.vault.Owner;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** A payload-v2 API Gateway request, read strictly. */
public final class ApiRequest {
    /** Lambda's synchronous invocation limit bounds every request body. */
    public static final int MAX_BODY_BYTES = 6 * 1024 * 1024;

    private final APIGatewayV2HTTPEvent event;
    private final String requestId;

    public ApiRequest(APIGatewayV2HTTPEvent event, String requestId) {
        this.event = event;
        this.requestId = requestId;
    }

    public String requestId() {
        return requestId;
    }

    /**
     * The tenant: the JWT {@code sub} the authorizer verified. Never taken from the path or the body.
     *
     * @throws NotAuthenticated when the request carries no verified subject
     */
    public Owner caller() {
        var ctx = event.getRequestContext();
        if (ctx == null || ctx.getAuthorizer() == null || ctx.getAuthorizer().getJwt() == null
                || ctx.getAuthorizer().getJwt().getClaims() == null) {
            throw new NotAuthenticated();
        }
        String sub = ctx.getAuthorizer().getJwt().getClaims().get("sub");
        if (sub == null || sub.isBlank() || sub.length() > 256) {
            throw new NotAuthenticated();
        }
        return new Owner(sub);
    }

    public Optional<String> query(String name) {
        Map<String, String> q = event.getQueryStringParameters();
        return Optional.ofNullable(q == null ? null : q.get(name));
    }

    public String requiredQuery(String name) {
        return query(name).orElseThrow(() -> new BadInput("MISSING_PARAMETER", "Query parameter '" + name + "' is required."));
    }

    public boolean boolQuery(String name, boolean fallback) {
        Optional<String> v = query(name);
        if (v.isEmpty()) {
            return fallback;
        }
        return switch (v.get()) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new BadInput("INVALID_PARAMETER", "Query parameter '" + name + "' must be true or false.");
        };
    }

    public int intQuery(String name, int fallback, int min, int max) {
        Optional<String> v = query(name);
        if (v.isEmpty()) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(v.get());
            if (n < min || n > max) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new BadInput("INVALID_PARAMETER",
                    "Query parameter '" + name + "' must be a whole number from " + min + " to " + max + ".");
        }
    }

    /** The route this request matched, e.g. {@code GET /v1/files}. */
    public String routeKey() {
        return event.getRouteKey();
    }

    public Optional<String> header(String name) {
        Map<String, String> h = event.getHeaders();
        if (h == null) {
            return Optional.empty();
        }
        String lower = name.toLowerCase(Locale.ROOT);
        return h.entrySet().stream().filter(e -> e.getKey().toLowerCase(Locale.ROOT).equals(lower))
                .map(Map.Entry::getValue).findFirst();
    }

    /**
     * The request body, decoded: base64 when API Gateway passed it so, then inflated when it is sent with
     * {@code Content-Encoding: gzip} (at most {@link #MAX_BODY_BYTES} once inflated, so a small compressed body cannot
     * expand without bound). Compressed bodies must travel with a binary media type: API Gateway hands text media
     * types to the function as text, which a compressed body does not survive.
     */
    public byte[] body() {
        String body = event.getBody();
        if (body == null) {
            return new byte[0];
        }
        byte[] bytes;
        if (event.getIsBase64Encoded()) {
            try {
                bytes = Base64.getDecoder().decode(body);
            } catch (IllegalArgumentException e) {
                throw new BadInput("MALFORMED_BODY", "The request body is not valid base64.");
            }
        } else {
            bytes = body.getBytes(StandardCharsets.UTF_8);
        }
        if (bytes.length > MAX_BODY_BYTES) {
            throw new PayloadTooLarge();
        }
        String encoding = header("content-encoding").map(v -> v.trim().toLowerCase(Locale.ROOT)).orElse("identity");
        return switch (encoding) {
            case "identity", "" -> bytes;
            case "gzip", "x-gzip" -> {
                if (!event.getIsBase64Encoded()) {
                    throw new UnsupportedEncoding("A gzip-compressed body must be sent with a binary media type "
                            + "(e.g. application/octet-stream).");
                }
                yield gunzip(bytes);
            }
            default -> throw new UnsupportedEncoding("Content-Encoding must be gzip or identity.");
        };
    }

    private static byte[] gunzip(byte[] compressed) {
        try (var in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(compressed))) {
            byte[] out = in.readNBytes(MAX_BODY_BYTES + 1);
            if (out.length > MAX_BODY_BYTES) {
                throw new PayloadTooLarge();
            }
            return out;
        } catch (IOException e) {
            throw new BadInput("MALFORMED_BODY", "The request body is not valid gzip.");
        }
    }

    /** The media type the body was sent as (lower case, no parameters), or "" when not given. */
    public String mediaType() {
        return header("content-type").map(v -> v.split(";", 2)[0].trim().toLowerCase(Locale.ROOT)).orElse("");
    }

    /** True when the caller accepts gzip-compressed responses ({@code Accept-Encoding}, q-values honoured). */
    public boolean acceptsGzip() {
        return acceptsGzip(header("accept-encoding").orElse(null));
    }

    static boolean acceptsGzip(String acceptEncoding) {
        if (acceptEncoding == null) {
            return false;
        }
        for (String part : acceptEncoding.split(",")) {
            String[] p = part.trim().split(";");
            String coding = p[0].trim().toLowerCase(Locale.ROOT);
            if (!coding.equals("gzip") && !coding.equals("x-gzip")) {
                continue;
            }
            for (int i = 1; i < p.length; i++) {
                String param = p[i].trim().toLowerCase(Locale.ROOT);
                if (param.startsWith("q=")) {
                    try {
                        return Double.parseDouble(param.substring(2)) > 0;
                    } catch (NumberFormatException e) {
                        return false;
                    }
                }
            }
            return true;
        }
        return false;
    }

    /** The body as JSON of type {@code type}, strictly (see {@link Json}). */
    public <T> T json(Class<T> type) throws IOException {
        byte[] bytes = body();
        if (bytes.length == 0) {
            throw new BadInput("EMPTY_BODY", "This route needs a JSON body.");
        }
        T value = Json.MAPPER.readValue(bytes, type);
        if (value == null) {
            throw new BadInput("EMPTY_BODY", "This route needs a JSON object.");
        }
        return value;
    }

    /** Raised when the body exceeds {@link #MAX_BODY_BYTES}. */
    public static final class PayloadTooLarge extends RuntimeException {
        PayloadTooLarge() {
            super("payload too large", null, false, false);
        }
    }

    /** Raised when the body's Content-Encoding cannot be decoded (415). */
    public static final class UnsupportedEncoding extends RuntimeException {
        UnsupportedEncoding(String message) {
            super(message, null, false, false);
        }
    }

    /** Raised when there is no verified caller. */
    public static final class NotAuthenticated extends RuntimeException {
        NotAuthenticated() {
            super("no verified caller", null, false, false);
        }
    }
}
