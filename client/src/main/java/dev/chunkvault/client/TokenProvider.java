package dev.chunkvault.client;

/** Supplies the bearer token for each request (so a refreshed token is picked up between retries). */
@FunctionalInterface
public interface TokenProvider {
    /** The access token, or null to send no Authorization header. */
    String token();

    /**
     * Called after a 401: a provider that can refresh its token does so and returns true (the request is then
     * sent once more); the default cannot.
     */
    default boolean refresh() {
        return false;
    }

    static TokenProvider of(String token) {
        return () -> token;
    }
}
