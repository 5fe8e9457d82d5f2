package dev.chunkvault.client.sync;

import dev.chunkvault.client.ChunkvaultClient;
import dev.chunkvault.client.Jwts;
import java.net.URI;
import java.util.Locale;
import java.util.Optional;

/**
 * Which service and account a sync folder's state belongs to: the endpoint, and the token's {@code sub} (the
 * tenant, as the service sees it). Recorded by the first sync; a folder is never synced, pushed from or pulled
 * into with another account or against another service, because its records (base versions, the change cursor)
 * mean nothing there: a sync would pull the other account's files over local ones, push into the wrong account,
 * and take files the other account lacks for deletions.
 *
 * <p>A token that is not a JWT has no readable {@code sub}: then only the endpoint is compared (and the account is
 * recorded once a token has one). Folders synced before this existed are bound by their next sync.
 */
public final class SyncBinding {
    static final String ENDPOINT = "boundEndpoint";
    static final String ACCOUNT = "boundAccount";

    private SyncBinding() {}

    /** Who is asking: the client's endpoint and the account of its current token. */
    public record Identity(String endpoint, String account) {
        public static Identity of(ChunkvaultClient client) {
            return new Identity(endpointId(client.options().endpoint()),
                    Jwts.subject(client.options().tokens().token()).orElse(null));
        }
    }

    /** An endpoint compared loosely: scheme and host in lower case, no trailing slash. */
    static String endpointId(URI u) {
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        String host = u.getHost() == null ? "" : u.getHost().toLowerCase(Locale.ROOT);
        String path = u.getRawPath() == null ? "" : u.getRawPath().replaceAll("/+$", "");
        int port = u.getPort();
        if (port == 443 && scheme.equals("https") || port == 80 && scheme.equals("http")) {
            port = -1;
        }
        return scheme + "://" + host + (port < 0 ? "" : ":" + port) + path;
    }

    /** The mismatch, described for people, or empty when {@code who} may use this folder's state. */
    public static Optional<String> mismatch(StateStore state, Identity who) {
        String endpoint = state.meta(ENDPOINT).orElse(null);
        if (endpoint == null) {
            return Optional.empty();
        }
        String account = state.meta(ACCOUNT).orElse(null);
        boolean otherEndpoint = !endpoint.equals(who.endpoint());
        boolean otherAccount = account != null && who.account() != null && !account.equals(who.account());
        if (!otherEndpoint && !otherAccount) {
            return Optional.empty();
        }
        return Optional.of("The folder " + state.root() + " is synced with " + describe(account, endpoint)
                + ", but you are signed in as " + describe(who.account(), who.endpoint()) + ". Nothing was changed.");
    }

    private static String describe(String account, String endpoint) {
        return (account == null ? "an account" : "account '" + account + "'") + " at " + endpoint;
    }

    /** Throws {@link SyncRefusedException} when {@code who} may not use this folder's state. */
    public static void require(StateStore state, Identity who) {
        Optional<String> m = mismatch(state, who);
        if (m.isPresent()) {
            throw new SyncRefusedException(m.get() + " To sync this folder with the account you are signed in with"
                    + " instead, run `chunkvault sync --rebind` (its files are then compared with that account's afresh:"
                    + " nothing is deleted, files that differ are kept as conflicted copies); or sign in as before.");
        }
    }

    /** Records {@code who} as the folder's service and account (completing a binding that lacked the account). */
    public static void bind(StateStore state, Identity who) {
        state.putMeta(ENDPOINT, who.endpoint());
        if (who.account() != null) {
            state.putMeta(ACCOUNT, who.account());
        }
    }
}
