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
        return bytes;
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

    /** Raised when there is no verified caller. */
    public static final class NotAuthenticated extends RuntimeException {
        NotAuthenticated() {
            super("no verified caller", null, false, false);
        }
    }
}
