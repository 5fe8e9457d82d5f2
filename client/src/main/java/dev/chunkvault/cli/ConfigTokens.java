package dev.chunkvault.cli;

import dev.chunkvault.client.TokenProvider;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;

/**
 * Tokens from the config: refreshed shortly before they expire, or after a 401 — re-minted by the local cloud for
 * a local user, or through Cognito's refresh grant — and saved back.
 */
final class ConfigTokens implements TokenProvider {
    private final Path dir;
    private final boolean fromEnv;
    private final Clock clock;
    private Config config;
    private HttpClient http;

    ConfigTokens(Config config, Path dir, boolean fromEnv, Clock clock) {
        this.config = config;
        this.dir = dir;
        this.fromEnv = fromEnv;
        this.clock = clock;
    }

    @Override
    public synchronized String token() {
        if (config.tokenExpiresAt() != null && canRefresh()) {
            try {
                if (Instant.parse(config.tokenExpiresAt()).isBefore(clock.instant().plusSeconds(60))) {
                    refresh();
                }
            } catch (RuntimeException unparsable) {
                // use the token as it is; a 401 triggers a refresh
            }
        }
        return config.token();
    }

    private boolean canRefresh() {
        return !fromEnv && (config.localUser() != null
                || (config.refreshToken() != null && config.cognitoDomain() != null && config.clientId() != null));
    }

    @Override
    public synchronized boolean refresh() {
        if (!canRefresh()) {
            return false;
        }
        try {
            if (http == null) {
                http = Login.http();
            }
            Login.Tokens t = config.localUser() != null
                    ? Login.mintLocal(http, config.endpoint(), config.localUser())
                    : Login.refresh(http, config.cognitoDomain(), config.clientId(), config.refreshToken());
            config = config.withToken(t.accessToken(), t.expiresAt() == null ? null : t.expiresAt().toString(),
                    t.refreshToken() != null ? t.refreshToken() : config.refreshToken());
            config.save(dir);
            return true;
        } catch (IOException | CliException e) {
            return false;
        }
    }
}
