package dev.chunkvault.api.handlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import dev.chunkvault.api.auth.ConnectAuthorizer;
import dev.chunkvault.api.http.StructuredLog;
import dev.chunkvault.api.wiring.Wiring;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The WebSocket API's REQUEST authorizer for {@code $connect}: verifies the {@code Authorization} header's JWT like
 * the HTTP API's JWT authorizer does (see {@link ConnectAuthorizer}) and answers with an IAM policy allowing the
 * connection, the owner as {@code principalId} (API Gateway hands it to every route of the connection). A missing or
 * invalid token throws {@code Unauthorized} (API Gateway's 401); a token without the read scope gets a Deny (403).
 */
public final class NotifyAuthorizerHandler implements RequestHandler<Map<String, Object>, Map<String, Object>> {
    private final ConnectAuthorizer authorizer;
    private final StructuredLog log;

    public NotifyAuthorizerHandler() {
        this(System.getenv());
    }

    public NotifyAuthorizerHandler(Map<String, String> env) {
        this(Wiring.fromEnv(env));
    }

    public NotifyAuthorizerHandler(Wiring wiring) {
        this.authorizer = wiring.connectAuthorizer();
        this.log = wiring.log("notify-authorizer");
    }

    @Override
    public Map<String, Object> handleRequest(Map<String, Object> event, Context context) {
        StructuredLog requestLog = log.forRequest(context != null ? context.getAwsRequestId() : UUID.randomUUID().toString());
        String methodArn = event.get("methodArn") instanceof String s ? s : "*";
        ConnectAuthorizer.Decision d;
        try {
            d = authorizer.decide(header(event, "authorization"));
        } catch (IOException e) {
            requestLog.warn("issuer keys unavailable", Map.of("error", e.getClass().getSimpleName()));
            throw new IllegalStateException("keys unavailable"); // API Gateway answers 500
        }
        if (d.unauthenticated()) {
            requestLog.info("connection refused", Map.of("why", d.why()));
            throw new UnauthorizedException();
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("principalId", d.owner().map(o -> o.sub()).orElse("anonymous"));
        out.put("policyDocument", Map.of("Version", "2012-10-17", "Statement", List.of(Map.of(
                "Action", "execute-api:Invoke", "Effect", d.owner().isPresent() ? "Allow" : "Deny", "Resource", methodArn))));
        if (d.owner().isEmpty()) {
            requestLog.info("connection forbidden", Map.of("why", d.why()));
        }
        return out;
    }

    /** A header by name, whatever its case (API Gateway passes WebSocket headers as the client sent them). */
    static String header(Map<String, Object> event, String name) {
        if (event.get("headers") instanceof Map<?, ?> headers) {
            for (Map.Entry<?, ?> e : headers.entrySet()) {
                if (e.getKey() instanceof String k && k.equalsIgnoreCase(name) && e.getValue() instanceof String v) {
                    return v;
                }
            }
        }
        return null;
    }

    /** API Gateway turns exactly this message into a 401. */
    static final class UnauthorizedException extends RuntimeException {
        UnauthorizedException() {
            super("Unauthorized", null, false, false);
        }
    }
}
