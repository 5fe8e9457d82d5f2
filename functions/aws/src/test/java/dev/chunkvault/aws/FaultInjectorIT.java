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
}
