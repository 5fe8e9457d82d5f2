package dev.chunkvault.aws;

import dev.chunkvault.service.notify.Pusher;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.apigatewaymanagementapi.ApiGatewayManagementApiClient;
import software.amazon.awssdk.services.apigatewaymanagementapi.model.GoneException;

/** {@link Pusher} over API Gateway's management API: {@code POST /@connections/{id}}; 410 Gone is {@code GONE}. */
public final class ApiGatewayPusher implements Pusher {
    private final ApiGatewayManagementApiClient client;

    public ApiGatewayPusher(ApiGatewayManagementApiClient client) {
        this.client = client;
    }

    @Override
    public Outcome push(String connectionId, String message) {
        try {
            client.postToConnection(b -> b.connectionId(connectionId).data(SdkBytes.fromUtf8String(message)));
            return Outcome.SENT;
        } catch (GoneException e) {
            return Outcome.GONE;
        }
    }
}
