package dev.chunkvault.client.model;

/**
 * Where to open the push-notification socket, as {@code GET /v1/notifications} says.
 *
 * @param url              the WebSocket URL, or null where the deployment has none (the client polls)
 * @param keepAliveSeconds how often to send {@code {"action":"ping"}} on an idle socket
 * @param catchUpSeconds   how often to read the change feed anyway (a lost message waits at most this long)
 */
public record Notifications(String url, int keepAliveSeconds, int catchUpSeconds) {
    /** What a deployment without the route (older, or polling only) amounts to. */
    public static Notifications none() {
        return new Notifications(null, 540, 600);
    }
}
