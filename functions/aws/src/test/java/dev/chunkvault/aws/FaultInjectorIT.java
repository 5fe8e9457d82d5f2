package dev.chunkvault.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.emulators.LocalDynamo;
import dev.chunkvault.service.store.Condition;
import dev.chunkvault.service.store.Item;
import dev.chunkvault.service.store.ItemStoreContract;
import dev.chunkvault.service.store.Key;
import dev.chunkvault.service.store.TransientStoreException;
import dev.chunkvault.service.store.TxAction;
import dev.chunkvault.service.store.Update;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** Injected faults surface from the adapter as {@link TransientStoreException}, never as anything else. */
class FaultInjectorIT {
    @Test
    void everyInjectedFaultBecomesATransientStoreException() {
        try (LocalDynamo local = LocalDynamo.start(LocalDynamo.Options.inMemory())) {
            Map<String, String> env = Map.of("AWS_REGION", "us-east-1", "AWS_ENDPOINT_URL_DYNAMODB", local.endpoint().toString(),
                    "AWS_ACCESS_KEY_ID", "local", "AWS_SECRET_ACCESS_KEY", "local");
            try (DynamoDbClient plain = new AwsClients(env, Duration.ofSeconds(30), List.of()).dynamo()) {
                SchemaTables.create(plain, ItemStoreContract.HASH, "faults");
            }
            FaultInjector faults = FaultInjector.parse("rate=0.4,seed=42");
            try (DynamoDbClient dynamo = new AwsClients(env, Duration.ofSeconds(30), List.of(faults)).dynamo()) {
                DynamoItemStore store = new DynamoItemStore(dynamo, List.of(ItemStoreContract.HASH),
                        Map.of(ItemStoreContract.HASH.name(), "faults"));
                Map<TransientStoreException.Kind, Integer> seen = new EnumMap<>(TransientStoreException.Kind.class);
                int ok = 0;
                for (int i = 0; i < 30; i++) {
                    String id = "f" + i;
                    try {
                        if (i % 2 == 0) {
                            store.put(ItemStoreContract.HASH.name(), Item.builder().set("id", id).build(), Condition.ALWAYS);
                        } else {
                            store.transact(List.of(TxAction.update(ItemStoreContract.HASH.name(), Key.of(id),
                                    Update.update().add("n", 1), Condition.ALWAYS)));
                        }
                        ok++;
                    } catch (TransientStoreException e) {
                        seen.merge(e.kind(), 1, Integer::sum);
                    }
                }
                assertTrue(faults.injected() > 0);
                assertTrue(ok > 0);
                assertEquals(30, ok + seen.values().stream().mapToInt(Integer::intValue).sum());
            }
        }
    }

    /**
     * On S3 too, including HEAD (whose error translation reads the error's HTTP response): every injected fault
     * is a BlobStoreException, every other call does what it should.
     */
    @Test
    void everyInjectedS3FaultBecomesABlobStoreException() {
        try (dev.chunkvault.emulators.LocalS3 s3 = dev.chunkvault.emulators.LocalS3.start(dev.chunkvault.emulators.LocalS3.Options.temporary())) {
            s3.ensureBucket("faults");
            Map<String, String> env = Map.of("AWS_REGION", "us-east-1", "AWS_ENDPOINT_URL_S3", s3.endpoint().toString(),
                    "S3_FORCE_PATH_STYLE", "true", "AWS_ACCESS_KEY_ID", s3.credentials().accessKeyId(),
                    "AWS_SECRET_ACCESS_KEY", s3.credentials().secretAccessKey());
            FaultInjector faults = FaultInjector.parse("rate=0.5,seed=7");
            try (var client = new AwsClients(env, Duration.ofSeconds(30), List.of(faults)).s3()) {
                S3BlobStore store = new S3BlobStore(client, "faults");
                int ok = 0;
                int failed = 0;
                for (int i = 0; i < 60; i++) {
                    String key = "k" + (i / 3);
                    try {
                        switch (i % 3) {
                            case 0 -> store.put(key, new byte[] {1, 2, 3}, Map.of());
                            case 1 -> store.head(key).ifPresent(info -> assertEquals(3, info.size()));
                            default -> store.get(key).ifPresent(b -> assertEquals(3, b.length));
                        }
                        ok++;
                    } catch (dev.chunkvault.service.blob.BlobStoreException e) {
                        failed++;
                    }
                }
                assertTrue(faults.injected() > 10, "injected " + faults.injected());
                assertTrue(ok > 0 && failed > 0, ok + " ok, " + failed + " failed");
                assertEquals(60, ok + failed);
            }
        }
    }

    /**
     * A conditional write whose response is lost after it landed must surface as a transient failure (the service
     * then re-reads and retries the whole step), never as "condition failed": an SDK-level re-send would fail its
     * own condition and be read as someone else's change.
     */
    @Test
    void aLostResponseOfAConditionalWriteIsTransientNotAConditionFailure() {
        try (LocalDynamo local = LocalDynamo.start(LocalDynamo.Options.inMemory())) {
            Map<String, String> env = Map.of("AWS_REGION", "us-east-1", "AWS_ENDPOINT_URL_DYNAMODB", local.endpoint().toString(),
                    "AWS_ACCESS_KEY_ID", "local", "AWS_SECRET_ACCESS_KEY", "local");
            try (DynamoDbClient plain = new AwsClients(env, Duration.ofSeconds(30), List.of()).dynamo()) {
                SchemaTables.create(plain, ItemStoreContract.HASH, "lost");
            }
            java.util.concurrent.atomic.AtomicInteger lost = new java.util.concurrent.atomic.AtomicInteger();
            software.amazon.awssdk.core.interceptor.ExecutionInterceptor loseFirst = new software.amazon.awssdk.core.interceptor.ExecutionInterceptor() {
                @Override
                public void afterTransmission(software.amazon.awssdk.core.interceptor.Context.AfterTransmission context,
                                              software.amazon.awssdk.core.interceptor.ExecutionAttributes attributes) {
                    if (context.httpResponse().isSuccessful() && lost.getAndIncrement() == 0) {
                        throw software.amazon.awssdk.core.exception.SdkClientException.builder().message("lost")
                                .cause(new java.io.IOException("read timed out")).build();
                    }
                }
            };
            try (DynamoDbClient dynamo = new AwsClients(env, Duration.ofSeconds(30), List.of(loseFirst)).dynamo()) {
                DynamoItemStore store = new DynamoItemStore(dynamo, List.of(ItemStoreContract.HASH),
                        Map.of(ItemStoreContract.HASH.name(), "lost"));
                org.junit.jupiter.api.Assertions.assertThrows(TransientStoreException.class, () -> store.put(
                        ItemStoreContract.HASH.name(), Item.builder().set("id", "once").build(), Condition.notExists("id")));
                assertEquals(1, lost.get(), "exactly one attempt was sent");
                assertTrue(store.get(ItemStoreContract.HASH.name(), Key.of("once")).isPresent(), "the write landed");
            }
        }
    }
}
