package dev.chunkvault.api.http;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
    /** The JWT authorizer's identity source ({@code $request.header.Authorization} in template.yaml), lower-cased. */
    public static final String IDENTITY_HEADER = "authorization";

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
     * <p>API Gateway hands the claims to the function as strings: a token whose {@code sub} is the number 123, null,
     * an array or an object arrives as "123", "null", "[a b]" or its JSON text, just like a string subject that
     * reads so; and text that is not well-formed Unicode may arrive altered. So the subject is also read from the
     * token itself (the identity source, {@link #IDENTITY_HEADER}, which the authorizer has verified): it must be a
     * JSON string there, equal to the claim, and acceptable to {@link Owner#of(String)}. Anything else is 401.
     *
     * @throws NotAuthenticated when the request carries no verified subject, or one that cannot be a tenant
     */
    public Owner caller() {
        var ctx = event.getRequestContext();
        if (ctx == null || ctx.getAuthorizer() == null || ctx.getAuthorizer().getJwt() == null
                || ctx.getAuthorizer().getJwt().getClaims() == null) {
            throw new NotAuthenticated();
        }
        String claimed = ctx.getAuthorizer().getJwt().getClaims().get("sub");
        JsonNode sub = tokenClaims().get("sub");
        if (sub == null || !sub.isTextual()) {
            throw NotAuthenticated.subject("the token's sub is " + (sub == null ? "missing" : "a JSON " + sub.getNodeType()));
        }
        if (!sub.textValue().equals(claimed)) {
            throw NotAuthenticated.subject("the token's sub differs from the authorizer's claim");
        }
        try {
            return Owner.of(sub.textValue());
        } catch (Owner.InvalidSubject e) {
            throw NotAuthenticated.subject(e.getMessage());
        }
    }

    /**
     * The claims of the bearer token in {@link #IDENTITY_HEADER}, read strictly (duplicate keys are refused: a parser
     * that takes the first and one that takes the last would see different subjects). The signature is not checked
     * here: the authorizer did that before the function was invoked.
     */
    private ObjectNode tokenClaims() {
        String value = header(IDENTITY_HEADER).map(String::strip).orElse("");
        if (value.regionMatches(true, 0, "Bearer ", 0, 7)) {
            value = value.substring(7).strip();
        }
        String[] parts = value.split("\\.", -1);
        if (parts.length != 3) {
            throw new NotAuthenticated();
        }
        try {
            JsonNode claims = Json.MAPPER.readTree(Base64.getUrlDecoder().decode(parts[1]));
            if (claims instanceof ObjectNode o) {
                return o;
            }
        } catch (IOException | IllegalArgumentException e) {
            // not base64url, or not JSON: answered below
        }
        throw new NotAuthenticated();
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

    /** The header a sync client names itself with in its commits (see {@code Writers} in the service). */
    public static final String WRITER_HEADER = "chunkvault-writer";

    /** The sync replica sending this request ({@link #WRITER_HEADER}), or null; its form is checked by the service. */
    public String writer() {
        return header(WRITER_HEADER).orElse(null);
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
                throw new PayloadTooLarge(true); // read no further: a few KiB may inflate to gigabytes
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

    /** Raised when the body exceeds {@link #MAX_BODY_BYTES}, as sent or once inflated. */
    public static final class PayloadTooLarge extends RuntimeException {
        private final boolean inflated;

        PayloadTooLarge() {
            this(false);
        }

        PayloadTooLarge(boolean inflated) {
            super("payload too large", null, false, false);
            this.inflated = inflated;
        }

        /** True when the body was small enough as sent but inflates ({@code Content-Encoding}) past the limit. */
        public boolean inflated() {
            return inflated;
        }
    }

    /** Raised when the body's Content-Encoding cannot be decoded (415). */
    public static final class UnsupportedEncoding extends RuntimeException {
        UnsupportedEncoding(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Raised when there is no verified caller (401 UNAUTHORIZED), or when the verified token's subject cannot be a
     * tenant (401 INVALID_SUBJECT; {@link #getMessage()} says why, for the log only).
     */
    public static final class NotAuthenticated extends RuntimeException {
        private final boolean badSubject;

        NotAuthenticated() {
            this("no verified caller", false);
        }

        private NotAuthenticated(String why, boolean badSubject) {
            super(why, null, false, false);
            this.badSubject = badSubject;
        }

        static NotAuthenticated subject(String why) {
            return new NotAuthenticated(why, true);
        }

        /** True when a token was verified but its subject is not an acceptable tenant id. */
        public boolean badSubject() {
            return badSubject;
        }
    }
}
