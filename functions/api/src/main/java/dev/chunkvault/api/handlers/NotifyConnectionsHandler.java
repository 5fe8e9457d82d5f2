package dev.chunkvault.api.handlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import dev.chunkvault.api.http.StructuredLog;
import dev.chunkvault.api.wiring.Wiring;
import dev.chunkvault.service.notify.Connections;
import dev.chunkvault.service.vault.Owner;
import java.util.Map;
import java.util.UUID;

/**
 * The WebSocket API's {@code $connect} and {@code $disconnect} routes: records and forgets the caller's connection
 * (the owner comes from the authorizer's {@code principalId}, never from the client). A connection beyond
 * {@link Connections#MAX_PER_OWNER} is refused with 429; anything else unexpected with 500, which closes the socket.
 */
public final class NotifyConnectionsHandler implements RequestHandler<Map<String, Object>, Map<String, Object>> {
    private final Connections connections;
    private final StructuredLog log;

    public NotifyConnectionsHandler() {
        this(System.getenv());
    }

    public NotifyConnectionsHandler(Map<String, String> env) {
        this(Wiring.fromEnv(env));
    }

    public NotifyConnectionsHandler(Wiring wiring) {
        this.connections = wiring.connections();
        this.log = wiring.log("notify-connections");
    }

    @Override
    public Map<String, Object> handleRequest(Map<String, Object> event, Context context) {
        StructuredLog requestLog = log.forRequest(context != null ? context.getAwsRequestId() : UUID.randomUUID().toString());
        Map<?, ?> rc = event.get("requestContext") instanceof Map<?, ?> m ? m : Map.of();
        Map<?, ?> auth = rc.get("authorizer") instanceof Map<?, ?> m ? m : Map.of();
        String eventType = String.valueOf(rc.get("eventType"));
        String connectionId = rc.get("connectionId") instanceof String s ? s : null;
        String sub = auth.get("principalId") instanceof String s ? s : null;
        if (connectionId == null || sub == null || Owner.problem(sub).isPresent()) {
            requestLog.warn("connection event without an authorized owner", Map.of("eventType", eventType));
            return status(403);
        }
        Owner owner = Owner.of(sub);
        switch (eventType) {
            case "CONNECT" -> {
                if (connections.connect(owner, connectionId) == Connections.Admission.TOO_MANY) {
                    requestLog.info("connection refused: too many", Map.of("max", Connections.MAX_PER_OWNER));
                    return status(429);
                }
                return status(200);
            }
            case "DISCONNECT" -> {
                connections.disconnect(owner, connectionId);
                return status(200);
            }
            default -> {
                return status(400);
            }
        }
    }

    private static Map<String, Object> status(int code) {
        return Map.of("statusCode", code);
    }
}
