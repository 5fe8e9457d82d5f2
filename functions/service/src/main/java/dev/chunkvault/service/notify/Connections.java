package dev.chunkvault.service.notify;

import dev.chunkvault.service.store.Condition;
import dev.chunkvault.service.store.Item;
import dev.chunkvault.service.store.ItemStore;
import dev.chunkvault.service.store.Key;
import dev.chunkvault.service.store.Page;
import dev.chunkvault.service.store.Query;
import dev.chunkvault.service.vault.Owner;
import dev.chunkvault.service.vault.Retry;
import dev.chunkvault.service.vault.Tables;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The open WebSocket connections of each account, one row per connection in the connections table ({@code owner},
 * {@code connectionId}), so that a notifier finds an account's connections with one strongly consistent query. A row
 * carries {@code expiresAt} (epoch seconds, the table's TTL attribute): API Gateway closes a connection after two
 * hours at most, so a row whose {@code $disconnect} never ran (a crash, a throttled invocation) is ignored once past
 * it and removed by DynamoDB's TTL, or earlier by a notifier that finds the connection gone.
 */
public final class Connections {
    /** API Gateway's maximum connection duration. */
    public static final Duration MAX_CONNECTION = Duration.ofHours(2);
    /** Kept a little past {@link #MAX_CONNECTION}: a row is never dropped while its connection can still be open. */
    static final Duration ROW_LIFETIME = MAX_CONNECTION.plusMinutes(5);
    /** Open connections one account may hold (every notification goes to each of them). */
    public static final int MAX_PER_OWNER = 50;
    /** API Gateway's connection ids: base64 text, 16 characters today; anything else is refused. */
    private static final Pattern CONNECTION_ID = Pattern.compile("[A-Za-z0-9+/=_-]{1,128}");

    private final ItemStore store;
    private final Clock clock;
    private final Retry retry;

    /** One open connection of an account. */
    public record Connection(String connectionId, long connectedAt, long expiresAt) {}

    /** What a connect attempt came to. */
    public enum Admission { ADMITTED, TOO_MANY }

    public Connections(ItemStore store, Clock clock, Retry retry) {
        this.store = store;
        this.clock = clock;
        this.retry = retry;
    }

    /**
     * Records a new connection of {@code owner}, unless the account already holds {@link #MAX_PER_OWNER} live ones
     * (the connection is then refused: each of them costs a message per change). Recording the same connection
     * again is harmless.
     */
    public Admission connect(Owner owner, String connectionId) {
        checkId(connectionId);
        long now = clock.millis();
        if (live(owner, MAX_PER_OWNER + 1).stream().filter(c -> !c.connectionId().equals(connectionId)).count() >= MAX_PER_OWNER) {
            return Admission.TOO_MANY;
        }
        Item row = Item.builder().set("owner", owner.sub()).set("connectionId", connectionId).set("connectedAt", now)
                .set("expiresAt", (now + ROW_LIFETIME.toMillis()) / 1000).build();
        retry.run(() -> store.put(Tables.CONNECTIONS, row, Condition.ALWAYS));
        return Admission.ADMITTED;
    }

    /** Forgets a connection (its {@code $disconnect}, or a notifier that found it gone); absent rows are no-ops. */
    public void disconnect(Owner owner, String connectionId) {
        checkId(connectionId);
        retry.run(() -> store.delete(Tables.CONNECTIONS, Key.of(owner.sub(), connectionId), Condition.ALWAYS));
    }

    /** The account's connections that may still be open, at most {@code max} of them. */
    public List<Connection> live(Owner owner, int max) {
        long nowSeconds = clock.millis() / 1000;
        List<Connection> out = new ArrayList<>();
        Query q = Query.table(Tables.CONNECTIONS, owner.sub()).limit(Math.min(max, 100));
        while (out.size() < max) {
            Query page = q;
            Page<Item> p = retry.call(() -> store.query(page));
            for (Item i : p.items()) {
                long expiresAt = i.numberOr("expiresAt", 0);
                if (expiresAt > nowSeconds && out.size() < max) {
                    out.add(new Connection(i.string("connectionId"), i.numberOr("connectedAt", 0), expiresAt));
                }
            }
            if (!p.hasMore()) {
                break;
            }
            q = q.after(p.next());
        }
        return out;
    }

    private static void checkId(String connectionId) {
        if (connectionId == null || !CONNECTION_ID.matcher(connectionId).matches()) {
            throw new IllegalArgumentException("not a connection id");
        }
    }
}
