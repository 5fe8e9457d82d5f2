package dev.chunkvault.bench.e2e;

import dev.chunkvault.aws.AwsClients;
import dev.chunkvault.client.ChunkvaultClient;
import dev.chunkvault.client.ClientOptions;
import dev.chunkvault.client.TokenProvider;
import dev.chunkvault.local.LocalCloud;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Object;

/** What every end-to-end benchmark part shares: the local cloud, the wire meter, a work folder, the seed. */
final class BenchContext implements AutoCloseable {
    final LocalCloud cloud;
    final WireMeter meter;
    final Path work;
    final long seed;
    final String run;
    final AwsClients aws;
    final S3Client s3;
    final String bucket;

    BenchContext(LocalCloud cloud, Path work, long seed) throws IOException {
        this.cloud = cloud;
        this.work = Files.createDirectories(work);
        this.seed = seed;
        this.run = Long.toString(System.currentTimeMillis(), 36);
        String api = cloud.apiEndpoint().getRawAuthority();
        this.meter = new WireMeter((method, authority, path) -> category(api, method, authority, path));
        Map<String, String> env = new HashMap<>(cloud.ownerEnvironment("UploadsFunction"));
        this.aws = new AwsClients(env, Duration.ofMinutes(2), List.of());
        this.s3 = aws.s3();
        this.bucket = env.get("CHUNK_BUCKET");
    }

    /** "API POST /v1/commits", "S3 PUT chunk", "S3 GET manifest"... */
    static String category(String apiAuthority, String method, String authority, String path) {
        if (apiAuthority.equals(authority)) {
            return "API " + method + " " + path;
        }
        String kind = path.contains("/chunks/") ? "chunk" : path.contains("/manifests/") ? "manifest" : "object";
        return "S3 " + method + " " + kind;
    }

    /** A client of a fresh account; its traffic goes through the wire meter when {@code metered}. */
    ChunkvaultClient client(String user, boolean metered) {
        return client(user, metered, true);
    }

    /** A client of {@code user}, through the wire meter if {@code metered}, sending small chunks in packs if {@code packs}. */
    ChunkvaultClient client(String user, boolean metered, boolean packs) {
        ClientOptions o = ClientOptions.of(cloud.apiEndpoint(), TokenProvider.of(cloud.mintToken(user + "-" + run)))
                .withPacks(packs);
        if (metered) {
            o = o.withProxy(meter.selector());
        }
        return new ChunkvaultClient(o);
    }

    /** Key → size of every object in the chunk bucket. */
    Map<String, Long> objects() {
        Map<String, Long> out = new HashMap<>();
        String token = null;
        do {
            ListObjectsV2Response page = s3.listObjectsV2(ListObjectsV2Request.builder().bucket(bucket)
                    .continuationToken(token).build());
            for (S3Object o : page.contents()) {
                out.put(o.key(), o.size());
            }
            token = page.isTruncated() ? page.nextContinuationToken() : null;
        } while (token != null);
        return out;
    }

    @Override
    public void close() {
        meter.close();
        s3.close();
    }

    // ---------------------------------------------------------------- formatting

    static String bytes(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    static String kib(long n) {
        return String.format(Locale.ROOT, "%.1f KiB", n / 1024.0);
    }

    static String ratio(double r) {
        return String.format(Locale.ROOT, "%.2f", r);
    }

    static String pct(double fraction) {
        return String.format(Locale.ROOT, "%.2f%%", fraction * 100);
    }

    static String secs(double s) {
        return String.format(Locale.ROOT, "%.2f s", s);
    }

    static String mark(boolean met) {
        return met ? "met" : "**missed**";
    }
}
