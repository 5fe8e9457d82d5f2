package dev.chunkvault.client;

import java.net.ProxySelector;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link ChunkvaultClient} talks to the service.
 *
 * @param endpoint     the API's base URL, e.g. {@code http://127.0.0.1:4750}
 * @param tokens       the bearer token source
 * @param parallelism  concurrent presigned transfers (uploads or downloads) per file
 * @param retry        backoff for 429/503/connection errors
 * @param sleeper      how to wait between retries
 * @param timeout      per-request timeout
 * @param proxy        an HTTP proxy for every request, or null for direct connections
 * @param deltaUploads whether pushes may send binary deltas of edited chunks
 * @param packs        whether pushes send small chunks in packs (one PUT for many chunks) where the service offers it
 * @param bandwidth    limits on the bytes per second of all uploads and of all downloads together
 */
public record ClientOptions(URI endpoint, TokenProvider tokens, int parallelism, RetryPolicy retry, Sleeper sleeper,
                            Clock clock, Duration timeout, ProxySelector proxy, boolean deltaUploads, boolean packs,
                            Bandwidth.Limits bandwidth) {
    public static final int DEFAULT_PARALLELISM = 8;

    public ClientOptions {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(tokens, "tokens");
        if (parallelism < 1 || parallelism > 256) {
            throw new IllegalArgumentException("parallelism must be 1..256");
        }
        Objects.requireNonNull(retry, "retry");
        Objects.requireNonNull(sleeper, "sleeper");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(timeout, "timeout");
        bandwidth = bandwidth == null ? Bandwidth.Limits.NONE : bandwidth;
    }

    public static ClientOptions of(URI endpoint, TokenProvider tokens) {
        return new ClientOptions(endpoint, tokens, DEFAULT_PARALLELISM, RetryPolicy.defaults(), Sleeper.SYSTEM,
                Clock.systemUTC(), Duration.ofSeconds(60), null, true, true, Bandwidth.Limits.NONE);
    }

    public ClientOptions withParallelism(int n) {
        return new ClientOptions(endpoint, tokens, n, retry, sleeper, clock, timeout, proxy, deltaUploads, packs, bandwidth);
    }

    public ClientOptions withRetry(RetryPolicy r, Sleeper s) {
        return new ClientOptions(endpoint, tokens, parallelism, r, s, clock, timeout, proxy, deltaUploads, packs, bandwidth);
    }

    public ClientOptions withTimeout(Duration t) {
        return new ClientOptions(endpoint, tokens, parallelism, retry, sleeper, clock, t, proxy, deltaUploads, packs, bandwidth);
    }

    public ClientOptions withProxy(ProxySelector p) {
        return new ClientOptions(endpoint, tokens, parallelism, retry, sleeper, clock, timeout, p, deltaUploads, packs, bandwidth);
    }

    public ClientOptions withPacks(boolean on) {
        return new ClientOptions(endpoint, tokens, parallelism, retry, sleeper, clock, timeout, proxy, deltaUploads, on, bandwidth);
    }

    public ClientOptions withBandwidth(Bandwidth.Limits limits) {
        return new ClientOptions(endpoint, tokens, parallelism, retry, sleeper, clock, timeout, proxy, deltaUploads, packs, limits);
    }

    public ClientOptions withDeltaUploads(boolean on) {
        return new ClientOptions(endpoint, tokens, parallelism, retry, sleeper, clock, timeout, proxy, on, packs, bandwidth);
    }
}
