package dev.chunkvault.api.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;

/**
 * An issuer's signing keys, the way API Gateway's JWT authorizer finds them: OpenID Connect discovery
 * ({@code ISSUER/.well-known/openid-configuration}, its {@code jwks_uri}) unless a JWKS URL is given. Kept for the
 * life of the function instance; fetched again when a token names a key the set lacks (the issuer rotated its keys),
 * at most once a minute so that tokens with made-up key ids cannot make every call fetch.
 */
public final class JwksSource {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final Duration REFRESH_INTERVAL = Duration.ofMinutes(1);
    private static final Duration TIMEOUT = Duration.ofSeconds(3);
    private static final int MAX_BYTES = 256 * 1024;

    /** Fetches a JSON document (a seam for tests). */
    public interface Fetcher {
        JsonNode get(URI uri) throws IOException;
    }

    private final String issuer;
    private final URI jwksUrl;
    private final Fetcher fetcher;
    private final Clock clock;
    private JsonNode keys;
    private long fetchedAt = Long.MIN_VALUE;

    public JwksSource(String issuer, URI jwksUrl, Fetcher fetcher, Clock clock) {
        this.issuer = issuer;
        this.jwksUrl = jwksUrl;
        this.fetcher = fetcher;
        this.clock = clock;
    }

    /** Over HTTPS (or plain HTTP to this machine's loopback, for the local cloud), 3 s per request. */
    public static Fetcher http() {
        HttpClient client = HttpClient.newBuilder().connectTimeout(TIMEOUT).followRedirects(HttpClient.Redirect.NEVER).build();
        return uri -> {
            if (!"https".equals(uri.getScheme()) && !("http".equals(uri.getScheme()) && isLoopback(uri.getHost()))) {
                throw new IOException("keys are only fetched over https");
            }
            try {
                HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(uri).timeout(TIMEOUT).GET().build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                if (r.statusCode() != 200 || r.body().length > MAX_BYTES) {
                    throw new IOException("HTTP " + r.statusCode() + " from " + uri);
                }
                return JSON.readTree(r.body());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted");
            }
        };
    }

    private static boolean isLoopback(String host) {
        return "127.0.0.1".equals(host) || "localhost".equals(host) || "[::1]".equals(host);
    }

    /** The key set, fetched on first use. */
    public synchronized JsonNode keys() throws IOException {
        if (keys == null) {
            refresh();
        }
        return keys;
    }

    /** Fetches the set again unless it was fetched within the last minute; true if it did. */
    public synchronized boolean refreshIfStale() throws IOException {
        if (keys != null && clock.millis() - fetchedAt < REFRESH_INTERVAL.toMillis()) {
            return false;
        }
        refresh();
        return true;
    }

    private void refresh() throws IOException {
        URI uri = jwksUrl;
        if (uri == null) {
            String base = issuer.endsWith("/") ? issuer.substring(0, issuer.length() - 1) : issuer;
            JsonNode config = fetcher.get(URI.create(base + "/.well-known/openid-configuration"));
            if (!issuer.equals(config.path("issuer").asText()) || !config.path("jwks_uri").isTextual()) {
                throw new IOException("the issuer's discovery document does not match it");
            }
            uri = URI.create(config.path("jwks_uri").asText());
        }
        JsonNode fetched = fetcher.get(uri);
        if (!fetched.path("keys").isArray()) {
            throw new IOException("not a JWKS");
        }
        keys = fetched;
        fetchedAt = clock.millis();
    }
}
