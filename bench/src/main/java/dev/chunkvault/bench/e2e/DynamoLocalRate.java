package dev.chunkvault.bench.e2e;

import dev.chunkvault.emulators.LocalDynamo;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;

/**
 * The emulator's own write rate, measured apart from Chunkvault's code (issue 15: a many-file sync through the local
 * cloud is bounded by DynamoDB Local's transactions): conditional TransactWriteItems of k puts, for several k, from 1
 * and from 4 threads, on a DynamoDB Local in this JVM: in memory, or with its data in a directory ({@code -Ddb=DIR}, as
 * the local cloud keeps it and as {@code bench/run-many-files.sh} runs it). What one transaction costs against what
 * one item costs tells whether grouping several files' writes into one transaction pays on the emulator.
 *
 * <pre>java [-Ddb=DIR] -cp bench/target/benchmarks.jar dev.chunkvault.bench.e2e.DynamoLocalRate [transactions per point]</pre>
 */
public final class DynamoLocalRate {
    private DynamoLocalRate() {}

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 600;
        String db = System.getProperty("db");
        LocalDynamo.Options options = db == null ? LocalDynamo.Options.inMemory()
                : LocalDynamo.Options.inMemory().withDbPath(java.nio.file.Path.of(db));
        System.out.println("DynamoDB Local " + (db == null ? "in memory" : "with its data in " + db));
        try (LocalDynamo dynamo = LocalDynamo.start(options);
             DynamoDbClient client = DynamoDbClient.builder().endpointOverride(URI.create(dynamo.endpoint().toString()))
                     .region(Region.US_EAST_1).httpClientBuilder(UrlConnectionHttpClient.builder())
                     .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
                             dynamo.credentials().accessKeyId(), dynamo.credentials().secretAccessKey()))).build()) {
            client.createTable(b -> b.tableName("rate").billingMode(BillingMode.PAY_PER_REQUEST)
                    .attributeDefinitions(AttributeDefinition.builder().attributeName("k")
                            .attributeType(ScalarAttributeType.S).build())
                    .keySchema(KeySchemaElement.builder().attributeName("k").keyType(KeyType.HASH).build()));
            AtomicLong keys = new AtomicLong();
            run(client, keys, 1, 1, n / 2); // warm-up (JIT)
            run(client, keys, 6, 1, n / 2);
            System.out.println("| items per transaction | threads | transactions/s | items/s | ms per transaction |");
            System.out.println("|---:|---:|---:|---:|---:|");
            for (int threads : new int[] {1, 4}) {
                for (int k : new int[] {1, 6, 24, 96}) {
                    int txns = Math.max(50, n / Math.max(1, k / 6));
                    double secs = run(client, keys, k, threads, txns);
                    System.out.printf(Locale.ROOT, "| %d | %d | %.0f | %.0f | %.1f |%n", k, threads, txns / secs,
                            txns * (double) k / secs, secs * 1000 * threads / txns);
                }
            }
        }
        System.exit(0); // DynamoDB Local's scheduler thread outlives close()
    }

    private static double run(DynamoDbClient client, AtomicLong keys, int k, int threads, int txns) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        long t0 = System.nanoTime();
        List<Future<?>> fs = new ArrayList<>();
        AtomicLong left = new AtomicLong(txns);
        for (int t = 0; t < threads; t++) {
            fs.add(pool.submit(() -> {
                while (left.getAndDecrement() > 0) {
                    List<TransactWriteItem> items = new ArrayList<>(k);
                    for (int i = 0; i < k; i++) {
                        items.add(TransactWriteItem.builder().put(Put.builder().tableName("rate")
                                .item(Map.of("k", AttributeValue.fromS("key-" + keys.incrementAndGet()),
                                        "v", AttributeValue.fromN("1")))
                                .conditionExpression("attribute_not_exists(k)").build()).build());
                    }
                    client.transactWriteItems(b -> b.transactItems(items));
                }
                return null;
            }));
        }
        for (Future<?> f : fs) {
            f.get();
        }
        pool.shutdown();
        return (System.nanoTime() - t0) / 1e9;
    }
}
