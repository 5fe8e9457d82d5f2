package dev.chunkvault.aws;

import dev.chunkvault.service.store.TableSchema;
import dev.chunkvault.service.store.TableSchema.KeyAttribute;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/** Creates DynamoDB tables from the port's {@link TableSchema}s (PAY_PER_REQUEST, GSIs projecting ALL). */
final class SchemaTables {
    private SchemaTables() {}

    static void create(DynamoDbClient dynamo, TableSchema schema, String physicalName) {
        Map<String, ScalarAttributeType> definitions = new LinkedHashMap<>();
        define(definitions, schema.partition());
        define(definitions, schema.sort());
        List<GlobalSecondaryIndex> gsis = new ArrayList<>();
        schema.indexes().forEach((name, index) -> {
            define(definitions, index.partition());
            define(definitions, index.sort());
            gsis.add(GlobalSecondaryIndex.builder().indexName(name).keySchema(keySchema(index.partition(), index.sort()))
                    .projection(Projection.builder().projectionType(ProjectionType.ALL).build()).build());
        });
        List<AttributeDefinition> attributes = new ArrayList<>();
        definitions.forEach((n, t) -> attributes.add(AttributeDefinition.builder().attributeName(n).attributeType(t).build()));
        try {
            dynamo.createTable(b -> {
                b.tableName(physicalName).billingMode(BillingMode.PAY_PER_REQUEST).attributeDefinitions(attributes)
                        .keySchema(keySchema(schema.partition(), schema.sort()));
                if (!gsis.isEmpty()) {
                    b.globalSecondaryIndexes(gsis);
                }
            });
        } catch (ResourceInUseException exists) {
            return;
        }
        dynamo.waiter().waitUntilTableExists(b -> b.tableName(physicalName));
    }

    private static void define(Map<String, ScalarAttributeType> definitions, KeyAttribute a) {
        if (a != null) {
            definitions.put(a.name(), a.type() == TableSchema.KeyType.STRING ? ScalarAttributeType.S : ScalarAttributeType.N);
        }
    }

    private static List<KeySchemaElement> keySchema(KeyAttribute partition, KeyAttribute sort) {
        List<KeySchemaElement> out = new ArrayList<>();
        out.add(KeySchemaElement.builder().attributeName(partition.name()).keyType(KeyType.HASH).build());
        if (sort != null) {
            out.add(KeySchemaElement.builder().attributeName(sort.name()).keyType(KeyType.RANGE).build());
        }
        return out;
    }
}
