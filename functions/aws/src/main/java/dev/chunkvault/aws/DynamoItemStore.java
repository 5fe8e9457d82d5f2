package dev.chunkvault.aws;

import dev.chunkvault.service.store.ConditionFailedException;
import dev.chunkvault.service.store.Condition;
import dev.chunkvault.service.store.Cursor;
import dev.chunkvault.service.store.Item;
import dev.chunkvault.service.store.ItemStore;
import dev.chunkvault.service.store.Key;
import dev.chunkvault.service.store.Page;
import dev.chunkvault.service.store.Query;
import dev.chunkvault.service.store.TableSchema;
import dev.chunkvault.service.store.TransactionCancelledException;
import dev.chunkvault.service.store.TransientStoreException;
import dev.chunkvault.service.store.TxAction;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.ConditionCheck;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.Delete;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.TransactionConflictException;

/**
 * {@link ItemStore} on DynamoDB. Logical table names map to physical ones (from the template, through the
 * function's environment). SDK errors become the port's exceptions: failed conditions carry the current
 * item (ReturnValuesOnConditionCheckFailure ALL_OLD), throttling and conflicts become
 * {@link TransientStoreException} after the SDK's own retries, validation errors are bugs.
 */
public final class DynamoItemStore implements ItemStore {
    private static final int UNPROCESSED_RETRIES = 8;

    private final DynamoDbClient dynamo;
    private final java.time.Duration callTimeout;
    private final Map<String, TableSchema> schemas = new HashMap<>();
    private final Map<String, String> physicalNames;

    /**
     * @param physicalNames logical table name → DynamoDB table name
     */
    public DynamoItemStore(DynamoDbClient dynamo, List<TableSchema> schemas, Map<String, String> physicalNames) {
        this(dynamo, schemas, physicalNames, java.time.Duration.ofSeconds(30));
    }

    /** @param callTimeout the client's own API call timeout ({@link CallBudget} bounds it by the invocation's deadline) */
    public DynamoItemStore(DynamoDbClient dynamo, List<TableSchema> schemas, Map<String, String> physicalNames,
                           java.time.Duration callTimeout) {
        this.dynamo = dynamo;
        this.callTimeout = callTimeout;
        schemas.forEach(s -> this.schemas.put(s.name(), s));
        for (TableSchema s : schemas) {
            if (!physicalNames.containsKey(s.name())) {
                throw new IllegalArgumentException("no physical table name for " + s.name());
            }
        }
        this.physicalNames = Map.copyOf(physicalNames);
    }

    private TableSchema schema(String table) {
        TableSchema s = schemas.get(table);
        if (s == null) {
            throw new IllegalArgumentException("no table " + table);
        }
        return s;
    }

    private String physical(String table) {
        schema(table);
        return physicalNames.get(table);
    }

    private Map<String, AttributeValue> key(String table, Key key) {
        return toAttributes(schema(table).keyItem(key));
    }

    @Override
    public Optional<Item> get(String table, Key key) {
        return call(() -> {
            var r = dynamo.getItem(b -> b.overrideConfiguration(bound()).tableName(physical(table)).key(key(table, key)).consistentRead(true));
            return r.hasItem() && !r.item().isEmpty() ? Optional.of(toItem(r.item())) : Optional.empty();
        });
    }

    @Override
    public List<Item> batchGet(String table, List<Key> keys) {
        if (keys.size() > MAX_BATCH_GET) {
            throw new IllegalArgumentException("batchGet takes at most " + MAX_BATCH_GET + " keys");
        }
        if (keys.isEmpty()) {
            return List.of();
        }
        String name = physical(table);
        List<Map<String, AttributeValue>> pending = new ArrayList<>();
        keys.forEach(k -> pending.add(key(table, k)));
        List<Item> out = new ArrayList<>();
        for (int attempt = 0; !pending.isEmpty(); attempt++) {
            if (attempt > UNPROCESSED_RETRIES) {
                throw new TransientStoreException(TransientStoreException.Kind.THROTTLED,
                        "batchGet left keys unprocessed", null);
            }
            if (attempt > 0) {
                sleep(Math.min(1000, 20L << attempt));
            }
            List<Map<String, AttributeValue>> request = List.copyOf(pending);
            BatchGetItemResponse r = call(() -> dynamo.batchGetItem(b -> b.overrideConfiguration(bound()).requestItems(
                    Map.of(name, KeysAndAttributes.builder().keys(request).consistentRead(true).build()))));
            r.responses().getOrDefault(name, List.of()).forEach(i -> out.add(toItem(i)));
            pending.clear();
            KeysAndAttributes unprocessed = r.unprocessedKeys().get(name);
            if (unprocessed != null) {
                pending.addAll(unprocessed.keys());
            }
        }
        return out;
    }

    @Override
    public void put(String table, Item item, Condition condition) {
        Expressions ex = new Expressions();
        String cond = ex.condition(condition);
        try {
            call(() -> dynamo.putItem(b -> b.overrideConfiguration(bound()).tableName(physical(table)).item(toAttributes(item))
                    .conditionExpression(cond).expressionAttributeNames(ex.names())
                    .expressionAttributeValues(ex.values())
                    .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)));
        } catch (ConditionalCheckFailedException e) {
            throw conditionFailed(table, e, schema(table).keyOf(item));
        }
    }

    @Override
    public Item update(String table, Key key, dev.chunkvault.service.store.Update update, Condition condition) {
        Expressions ex = new Expressions();
        String cond = ex.condition(condition);
        String expr = ex.update(update);
        try {
            var r = call(() -> dynamo.updateItem(b -> b.overrideConfiguration(bound()).tableName(physical(table)).key(key(table, key))
                    .updateExpression(expr).conditionExpression(cond)
                    .expressionAttributeNames(ex.names()).expressionAttributeValues(ex.values())
                    .returnValues(ReturnValue.ALL_NEW)
                    .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)));
            return toItem(r.attributes());
        } catch (ConditionalCheckFailedException e) {
            throw conditionFailed(table, e, key);
        }
    }

    @Override
    public void delete(String table, Key key, Condition condition) {
        Expressions ex = new Expressions();
        String cond = ex.condition(condition);
        try {
            call(() -> dynamo.deleteItem(b -> b.overrideConfiguration(bound()).tableName(physical(table)).key(key(table, key))
                    .conditionExpression(cond).expressionAttributeNames(ex.names())
                    .expressionAttributeValues(ex.values())
                    .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)));
        } catch (ConditionalCheckFailedException e) {
            throw conditionFailed(table, e, key);
        }
    }

    private ConditionFailedException conditionFailed(String table, ConditionalCheckFailedException e, Key key) {
        if (e.hasItem() && !e.item().isEmpty()) {
            return new ConditionFailedException(table, toItem(e.item()));
        }
        // Older DynamoDB implementations do not return the item: read it (the caller treats it as advisory).
        return new ConditionFailedException(table, get(table, key).orElse(null));
    }

    @Override
    public void transact(List<TxAction> actions) {
        if (actions.isEmpty() || actions.size() > MAX_TRANSACTION_ACTIONS) {
            throw new IllegalArgumentException("a transaction has 1.." + MAX_TRANSACTION_ACTIONS + " actions");
        }
        List<TransactWriteItem> items = new ArrayList<>();
        for (TxAction a : actions) {
            items.add(toTransactItem(a));
        }
        try {
            call(() -> dynamo.transactWriteItems(b -> b.overrideConfiguration(bound()).transactItems(items)));
        } catch (TransactionCanceledException e) {
            List<CancellationReason> reasons = e.hasCancellationReasons() ? e.cancellationReasons() : List.of();
            boolean transientReason = reasons.stream().map(CancellationReason::code).anyMatch(c ->
                    "TransactionConflict".equals(c) || "ThrottlingError".equals(c)
                            || "ProvisionedThroughputExceeded".equals(c) || "RequestLimitExceeded".equals(c));
            boolean conditionFailed = reasons.stream().anyMatch(r -> "ConditionalCheckFailed".equals(r.code()));
            if (transientReason || !conditionFailed) {
                if (reasons.stream().anyMatch(r -> "ValidationError".equals(r.code()))) {
                    throw new IllegalArgumentException("invalid transaction: " + e.getMessage(), e);
                }
                throw new TransientStoreException(TransientStoreException.Kind.CONFLICT,
                        "transaction cancelled: " + reasons.stream().map(CancellationReason::code).toList(), e);
            }
            List<TransactionCancelledException.Reason> out = new ArrayList<>();
            for (int i = 0; i < actions.size(); i++) {
                CancellationReason r = i < reasons.size() ? reasons.get(i) : null;
                if (r != null && "ConditionalCheckFailed".equals(r.code())) {
                    Item current = r.hasItem() && !r.item().isEmpty() ? toItem(r.item()) : null;
                    out.add(new TransactionCancelledException.Reason(
                            TransactionCancelledException.Code.CONDITION_FAILED, current));
                } else {
                    out.add(new TransactionCancelledException.Reason(TransactionCancelledException.Code.NONE, null));
                }
            }
            throw new TransactionCancelledException(out);
        }
    }

    private TransactWriteItem toTransactItem(TxAction a) {
        Expressions ex = new Expressions();
        String cond = ex.condition(a.condition());
        String table = physical(a.table());
        if (a instanceof TxAction.Put p) {
            return TransactWriteItem.builder().put(Put.builder().tableName(table).item(toAttributes(p.item()))
                    .conditionExpression(cond).expressionAttributeNames(ex.names())
                    .expressionAttributeValues(ex.values())
                    .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD).build()).build();
        }
        if (a instanceof TxAction.UpdateItem u) {
            String expr = ex.update(u.update());
            return TransactWriteItem.builder().update(software.amazon.awssdk.services.dynamodb.model.Update.builder()
                    .tableName(table).key(key(a.table(), u.key())).updateExpression(expr).conditionExpression(cond)
                    .expressionAttributeNames(ex.names()).expressionAttributeValues(ex.values())
                    .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD).build()).build();
        }
        if (a instanceof TxAction.Delete d) {
            return TransactWriteItem.builder().delete(Delete.builder().tableName(table).key(key(a.table(), d.key()))
                    .conditionExpression(cond).expressionAttributeNames(ex.names())
                    .expressionAttributeValues(ex.values())
                    .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD).build()).build();
        }
        TxAction.Check c = (TxAction.Check) a;
        if (cond == null) {
            throw new IllegalArgumentException("a check needs a condition");
        }
        return TransactWriteItem.builder().conditionCheck(ConditionCheck.builder().tableName(table)
                .key(key(a.table(), c.key())).conditionExpression(cond).expressionAttributeNames(ex.names())
                .expressionAttributeValues(ex.values())
                .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD).build()).build();
    }

    @Override
    public Page<Item> query(Query q) {
        TableSchema s = schema(q.table());
        String pk;
        String sk;
        if (q.index() == null) {
            pk = s.partition().name();
            sk = s.sort() == null ? null : s.sort().name();
        } else {
            TableSchema.IndexSchema idx = s.indexes().get(q.index());
            if (idx == null) {
                throw new IllegalArgumentException("no index " + q.index() + " on " + q.table());
            }
            pk = idx.partition().name();
            sk = idx.sort() == null ? null : idx.sort().name();
        }
        Expressions ex = new Expressions();
        String keyCondition = ex.keyCondition(pk, q.partition(), sk, q.sort());
        QueryRequest.Builder b = QueryRequest.builder().tableName(physical(q.table())).indexName(q.index())
                .keyConditionExpression(keyCondition).expressionAttributeNames(ex.names())
                .expressionAttributeValues(ex.values()).scanIndexForward(q.forward()).limit(q.limit())
                .consistentRead(q.consistent());
        if (q.after() != null) {
            b.exclusiveStartKey(toAttributes(q.after().lastKey()));
        }
        QueryResponse r = call(() -> dynamo.query(b.overrideConfiguration(bound()).build()));
        return new Page<>(r.items().stream().map(DynamoItemStore::toItem).toList(),
                r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? new Cursor(toItem(r.lastEvaluatedKey())) : null);
    }

    @Override
    public Page<Item> scan(String table, Cursor after, int limit) {
        ScanResponse r = call(() -> dynamo.scan(b -> {
            b.overrideConfiguration(bound()).tableName(physical(table)).limit(limit).consistentRead(true);
            if (after != null) {
                b.exclusiveStartKey(toAttributes(after.lastKey()));
            }
        }));
        return new Page<>(r.items().stream().map(DynamoItemStore::toItem).toList(),
                r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? new Cursor(toItem(r.lastEvaluatedKey())) : null);
    }

    /** This call's timeout: the client's, or less when the invocation's deadline is nearer. */
    private software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration bound() {
        return CallBudget.bound(callTimeout);
    }

    /** Translates SDK failures into the port's exceptions. */
    private static <T> T call(Supplier<T> op) {
        try {
            return op.get();
        } catch (ConditionalCheckFailedException | TransactionCanceledException e) {
            throw e;
        } catch (TransactionConflictException e) {
            throw new TransientStoreException(TransientStoreException.Kind.CONFLICT, "transaction conflict", e);
        } catch (DynamoDbException e) {
            if (e.isThrottlingException() || e.statusCode() == 429) {
                throw new TransientStoreException(TransientStoreException.Kind.THROTTLED, "throttled", e);
            }
            if (e.statusCode() >= 500) {
                throw new TransientStoreException(TransientStoreException.Kind.UNAVAILABLE, "DynamoDB unavailable", e);
            }
            throw new IllegalArgumentException("DynamoDB rejected the request: " + e.getMessage(), e);
        } catch (SdkClientException e) {
            throw new TransientStoreException(TransientStoreException.Kind.UNAVAILABLE, "DynamoDB unreachable", e);
        }
    }

    static Map<String, AttributeValue> toAttributes(Item item) {
        Map<String, AttributeValue> out = new LinkedHashMap<>();
        item.attributes().forEach((k, v) -> out.put(k, Expressions.toAttribute(v)));
        return out;
    }

    static Item toItem(Map<String, AttributeValue> attributes) {
        Item.Builder b = Item.builder();
        attributes.forEach((k, v) -> b.set(k, Expressions.fromAttribute(k, v)));
        return b.build();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransientStoreException(TransientStoreException.Kind.UNAVAILABLE, "interrupted", e);
        }
    }
}
