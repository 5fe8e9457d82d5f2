package dev.chunkvault.it;

import dev.chunkvault.client.ChunkvaultClient;
import dev.chunkvault.client.ClientOptions;
import dev.chunkvault.client.RetryPolicy;
import dev.chunkvault.client.Sleeper;
import dev.chunkvault.client.TokenProvider;
import dev.chunkvault.client.sync.StateStore;
import dev.chunkvault.client.sync.SyncEngine;
import dev.chunkvault.client.sync.SyncListener;
import dev.chunkvault.client.sync.SyncReport;
import dev.chunkvault.local.LocalCloud;
import dev.chunkvault.aws.AwsClients;
import java.io.IOException;
import java.net.ProxySelector;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import software.amazon.awssdk.services.s3.S3Client;

/** Clients of the shared local cloud, each test on its own tenant, and what its bucket holds. */
final class CloudClients {
    private CloudClients() {}

    static String newUser(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static ChunkvaultClient client(LocalCloud cloud, String user, ProxySelector proxy) {
        return client(cloud, user, proxy, true);
    }

    /** A client that sends small chunks in packs, or (packs false) each chunk by a PUT of its own. */
    static ChunkvaultClient client(LocalCloud cloud, String user, ProxySelector proxy, boolean packs) {
        ClientOptions o = ClientOptions.of(cloud.apiEndpoint(), TokenProvider.of(cloud.mintToken(user)))
                .withRetry(new RetryPolicy(4, Duration.ofMillis(50), Duration.ofMillis(500), Duration.ofSeconds(5),
                        () -> 0.5), Sleeper.SYSTEM).withPacks(packs);
        return new ChunkvaultClient(proxy == null ? o : o.withProxy(proxy));
    }

    /** A sync that uses the change feed when it has a cursor (the CLI's default). */
    static SyncReport syncIncremental(ChunkvaultClient client, Path root, String device) throws IOException {
        try (StateStore st = StateStore.open(root)) {
            return new SyncEngine(client, st, SyncEngine.Options.defaults(device), SyncListener.NONE).run();
        }
    }

    static SyncReport sync(ChunkvaultClient client, Path root, String device, boolean force) throws IOException {
        try (StateStore st = StateStore.open(root)) {
            SyncEngine.Options o = SyncEngine.Options.defaults(device).withFullListing(true).withForce(force);
            return new SyncEngine(client, st, o, SyncListener.NONE).run();
        }
    }

    /** The sizes of the objects under {@code prefix} in the local cloud's chunk bucket, by key. */
    static Map<String, Long> objects(LocalCloud cloud, String prefix) {
        Map<String, String> env = cloud.ownerEnvironment("CommitFunction");
        S3Client s3 = new AwsClients(env, Duration.ofSeconds(30), List.of()).s3();
        Map<String, Long> out = new HashMap<>();
        s3.listObjectsV2Paginator(b -> b.bucket(env.get("CHUNK_BUCKET")).prefix(prefix)).contents()
                .forEach(o -> out.put(o.key(), o.size()));
        return out;
    }

    /** The bytes of the objects in {@code now} that {@code before} did not have. */
    static long newBytes(Map<String, Long> now, Map<String, Long> before) {
        return now.entrySet().stream().filter(e -> !before.containsKey(e.getKey())).mapToLong(Map.Entry::getValue).sum();
    }
}
