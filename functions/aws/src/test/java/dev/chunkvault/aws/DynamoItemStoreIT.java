package dev.chunkvault.aws;

import dev.chunkvault.emulators.LocalDynamo;
import dev.chunkvault.service.store.ItemStore;
import dev.chunkvault.service.store.ItemStoreContract;
import dev.chunkvault.service.store.TableSchema;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** The {@link ItemStoreContract} against DynamoDB Local, through {@link AwsClients} as a function builds it. */
class DynamoItemStoreIT extends ItemStoreContract {
    private static LocalDynamo local;
    private static DynamoDbClient dynamo;
    private static DynamoItemStore store;

    @BeforeAll
    static void start() {
        local = LocalDynamo.start(LocalDynamo.Options.inMemory());
        dynamo = clients(local).dynamo();
        Map<String, String> physical = new HashMap<>();
        for (TableSchema schema : ItemStoreContract.schemas()) {
            String name = "it-" + schema.name();
            SchemaTables.create(dynamo, schema, name);
            physical.put(schema.name(), name);
        }
        store = new DynamoItemStore(dynamo, ItemStoreContract.schemas(), physical);
    }

    static AwsClients clients(LocalDynamo local) {
        return new AwsClients(Map.of("AWS_REGION", "us-east-1",
                "AWS_ENDPOINT_URL_DYNAMODB", local.endpoint().toString(),
                "AWS_ACCESS_KEY_ID", local.credentials().accessKeyId(),
                "AWS_SECRET_ACCESS_KEY", local.credentials().secretAccessKey()), Duration.ofSeconds(30), List.of());
    }

    @AfterAll
    static void stop() {
        dynamo.close();
        local.close();
    }

    @Override
    protected ItemStore store() {
        return store;
    }
}
