package dev.chunkvault.service.notify;

/** Sends a message down one WebSocket connection (API Gateway's management API on AWS). */
public interface Pusher {
    /** What became of a message. */
    enum Outcome {
        /** Handed to the connection. */
        SENT,
        /** The connection is gone (closed, timed out): its row can go. */
        GONE
    }

    /**
     * @throws RuntimeException when the message may not have reached a connection that may still be there (throttled,
     *                          a network failure): the caller counts it as failed, the client catches up later
     */
    Outcome push(String connectionId, String message);
}
