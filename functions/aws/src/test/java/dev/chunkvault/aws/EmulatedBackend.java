package dev.chunkvault.aws;

import dev.chunkvault.emulators.LocalDynamo;
import dev.chunkvault.emulators.LocalS3;
import dev.chunkvault.service.blob.BlobStore;
import dev.chunkvault.service.blob.Presigner;
import dev.chunkvault.service.sim.Backend;
import dev.chunkvault.service.store.ItemStore;
import dev.chunkvault.service.store.TableSchema;
import dev.chunkvault.service.vault.Tables;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

/**
 * The service's real adapters on DynamoDB Local and s3proxy (fresh tables and bucket per instance), with presigned
 * requests sent over HTTP. Optional SDK interceptors inject faults.
 */
final class EmulatedBackend implements Backend, AutoCloseable {
    /** Headers java.net.http sets itself and refuses to be given. */
    private static final Set<String> RESTRICTED = Set.of("content-length", "host", "connection", "expect", "upgrade");

    final LocalDynamo dynamo;
    final LocalS3 s3;
    private final DynamoItemStore items;
    private final S3BlobStore blobs;
    private final DynamoItemStore serviceItems;
    private final S3BlobStore serviceBlobs;
    private final S3ChunkPresigner presigner;
    private final List<ExecutionInterceptor> interceptors;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    EmulatedBackend(List<ExecutionInterceptor> interceptors) {
        this.interceptors = List.copyOf(interceptors);
        dynamo = LocalDynamo.start(LocalDynamo.Options.inMemory());
        // One identity for both endpoints, as a function has: DynamoDB Local accepts only alphanumeric key ids.
        s3 = LocalS3.start(LocalS3.Options.temporary().withCredentials(
                new dev.chunkvault.emulators.Credentials("chunkvaultit", "chunkvaultitsecret")));
        String bucket = "it-" + UUID.randomUUID().toString().substring(0, 8);
        s3.ensureBucket(bucket);
        Map<String, String> env = Map.of("AWS_REGION", "us-east-1",
                "AWS_ENDPOINT_URL_DYNAMODB", dynamo.endpoint().toString(),
                "AWS_ENDPOINT_URL_S3", s3.endpoint().toString(), "S3_FORCE_PATH_STYLE", "true",
                "AWS_ACCESS_KEY_ID", s3.credentials().accessKeyId(),
                "AWS_SECRET_ACCESS_KEY", s3.credentials().secretAccessKey());
        // The service under test talks through the interceptors (faults); the oracles through clean clients.
        AwsClients clients = new AwsClients(env, Duration.ofSeconds(30), List.of());
        AwsClients faulty = new AwsClients(env, Duration.ofSeconds(30), interceptors);
        Map<String, String> physical = new HashMap<>();
        var ddb = clients.dynamo();
        for (TableSchema schema : Tables.all()) {
            SchemaTables.create(ddb, schema, "model-" + schema.name());
            physical.put(schema.name(), "model-" + schema.name());
        }
        items = new DynamoItemStore(ddb, Tables.all(), physical);
        blobs = new S3BlobStore(clients.s3(), bucket);
        serviceItems = new DynamoItemStore(faulty.dynamo(), Tables.all(), physical);
        serviceBlobs = new S3BlobStore(faulty.s3(), bucket);
        presigner = new S3ChunkPresigner(clients.presigner(), bucket);
    }

    @Override
    public ItemStore items() {
        return items;
    }

    @Override
    public BlobStore blobs() {
        return blobs;
    }

    @Override
    public void faultsOff() {
        interceptors.forEach(i -> {
            if (i instanceof FaultInjector f) {
                f.enabled(false);
            }
        });
    }

    @Override
    public ItemStore serviceItems() {
        return serviceItems;
    }

    @Override
    public BlobStore serviceBlobs() {
        return serviceBlobs;
    }

    @Override
    public Presigner presigner() {
        return presigner;
    }

    @Override
    public Sent send(String method, URI url, Map<String, String> headers, byte[] body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(30))
                .method(method, body.length == 0 && method.equals("GET") ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach((k, v) -> {
            if (!RESTRICTED.contains(k.toLowerCase())) {
                b.header(k, v);
            }
        });
        try {
            HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            return new Sent(r.statusCode(), r.body());
        } catch (IOException e) {
            throw new IllegalStateException("presigned request failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        s3.close();
        dynamo.close();
    }
}
