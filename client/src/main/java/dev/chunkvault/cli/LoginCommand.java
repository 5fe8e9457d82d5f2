package dev.chunkvault.cli;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code chunkvault login}: signs in (a local user, a token, or Cognito) and stores the tokens. */
@Command(mixinStandardHelpOptions = true, name = "login", description = {"Sign in.",
        "  Local cloud:  chunkvault login --local alice [--endpoint http://127.0.0.1:4750]",
        "  A token:      chunkvault login --endpoint URL --token JWT",
        "  Cognito:      chunkvault login --endpoint URL --cognito-domain https://X.auth.REGION.amazoncognito.com"
                + " --client-id ID  (values from the stack's Outputs)",
        "  No browser:   sign in once where there is one with --print-refresh-token, then here:"
                + " chunkvault login --endpoint URL --cognito-domain URL --client-id ID --refresh-token TOKEN"})
final class LoginCommand extends Subcommand {
    @Option(names = "--token", paramLabel = "JWT", description = "Use this access token.")
    String token;

    @Option(names = "--local", paramLabel = "USER", description = "Ask the local cloud to mint a token for USER.")
    String localUser;

    @Option(names = "--cognito-domain", paramLabel = "URL", description = "Cognito hosted-UI domain (stack output UserPoolDomain).")
    String cognitoDomain;

    @Option(names = "--client-id", paramLabel = "ID", description = "Cognito app client id (stack output UserPoolClientId).")
    String clientId;

    @Option(names = "--scope", description = "OAuth scopes (default: openid chunkvault/read chunkvault/write).")
    List<String> scopes;

    @Option(names = "--port", description = "Loopback port of the OAuth redirect (default 47816).")
    int port = Login.CALLBACK_PORT;

    @Option(names = "--refresh-token", paramLabel = "TOKEN", description = "Sign in without a browser with a Cognito refresh"
            + " token (from --print-refresh-token on a machine that has one); access tokens are refreshed with it.")
    String refreshToken;

    @Option(names = "--print-refresh-token", description = "After a Cognito sign-in, print the refresh token (for"
            + " --refresh-token on a machine without a browser; treat it like a password).")
    boolean printRefreshToken;

    @Override
    public Integer call() throws IOException {
        CliContext cli = cli();
        Config c = cli.fileConfig();
        String endpoint = cli.endpointOverride != null ? cli.endpointOverride
                : cli.env.getOrDefault("CHUNKVAULT_ENDPOINT", c.endpoint());
        if (endpoint == null && localUser != null) {
            endpoint = "http://127.0.0.1:4750";
        }
        if (endpoint == null) {
            throw CliException.usage("Give the API endpoint: --endpoint URL.");
        }
        c = c.withEndpoint(endpoint);
        int modes = (token != null ? 1 : 0) + (localUser != null ? 1 : 0)
                + (cognitoDomain != null || clientId != null || refreshToken != null ? 1 : 0);
        if (modes > 1) {
            throw CliException.usage("Choose one of --token, --local and --cognito-domain/--client-id.");
        }
        if (token != null) {
            c = c.withLocalUser(null).withToken(token, null, null);
            warnExpiry(cli, token);
        } else if (refreshToken != null) {
            String domain = cognitoDomain != null ? cognitoDomain : c.cognitoDomain();
            String client = clientId != null ? clientId : c.clientId();
            if (domain == null || client == null) {
                throw CliException.usage("--refresh-token needs --cognito-domain URL and --client-id ID.");
            }
            Login.Tokens t = Login.refresh(Login.http(), domain, client, refreshToken.strip());
            c = c.withLocalUser(null).withCognito(domain, client).withToken(t.accessToken(), t.expiresAt().toString(),
                    t.refreshToken());
        } else if (localUser != null) {
            Login.Tokens t = Login.mintLocal(Login.http(),
                    endpoint, localUser);
            c = c.withLocalUser(localUser).withToken(t.accessToken(),
                    t.expiresAt() == null ? null : t.expiresAt().toString(), null);
        } else {
            String domain = cognitoDomain != null ? cognitoDomain : c.cognitoDomain();
            String client = clientId != null ? clientId : c.clientId();
            if (domain == null || client == null) {
                throw CliException.usage("Give --local USER, --token JWT, or --cognito-domain URL and --client-id ID.");
            }
            Login.Tokens t = Login.cognito(Login.http(), domain,
                    client, scopes == null || scopes.isEmpty() ? Login.DEFAULT_SCOPES : scopes, port,
                    url -> {
                        cli.err.println("Open this address in your browser to sign in:");
                        cli.err.println("  " + url);
                        tryBrowse(url);
                    }, Duration.ofMinutes(5));
            c = c.withLocalUser(null).withCognito(domain, client).withToken(t.accessToken(),
                    t.expiresAt().toString(), t.refreshToken());
            if (printRefreshToken && t.refreshToken() != null) {
                cli.out.println("Refresh token (for chunkvault login --refresh-token on a machine without a browser; keep"
                        + " it secret):");
                cli.out.println(t.refreshToken());
            }
        }
        c.save(cli.configDir());
        String who = Login.subjectOf(c.token());
        String ep = endpoint;
        cli.emit(Map.of("endpoint", ep, "user", who), o -> o.println("Signed in to " + ep + " as " + who + "."));
        return ExitCodes.OK;
    }

    /** A bare access token cannot be refreshed: say when it runs out, so that a script's failure an hour later is no surprise. */
    private static void warnExpiry(CliContext cli, String jwt) {
        java.time.Instant exp = dev.chunkvault.client.Jwts.expiry(jwt).orElse(null);
        if (exp == null) {
            cli.err.println("Note: this token says nothing of its expiry; the CLI cannot refresh it.");
            return;
        }
        Duration left = Duration.between(cli.clock.instant(), exp);
        cli.err.println(left.isNegative() ? "Warning: this token expired at " + exp + "; requests will be refused (401)."
                : "Note: this token expires at " + exp + " (in " + Human.duration(left.toNanos()) + ") and cannot be refreshed: sign"
                + " in again then, or with --refresh-token.");
    }

    private static void tryBrowse(String url) {
        try {
            if (java.awt.Desktop.isDesktopSupported()
                    && java.awt.Desktop.getDesktop().isSupported(java.awt.Desktop.Action.BROWSE)) {
                java.awt.Desktop.getDesktop().browse(java.net.URI.create(url));
            }
        } catch (Exception | LinkageError headless) {
            // no browser here: the printed address is enough
        }
    }
}
