package dev.chunkvault.local;

import dev.chunkvault.emulators.LocalS3;
import dev.chunkvault.local.template.SamTemplate;
import dev.chunkvault.local.template.TemplateException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateGlobalSecondaryIndexAction;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.DescribeTableResponse;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndexDescription;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndexUpdate;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.LocalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughput;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.StreamSpecification;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveSpecification;

/**
 * Creates the template's DynamoDB tables (keys, attribute definitions, global and local secondary indexes, billing,
 * streams, TTL) and S3 buckets in the emulators, from the resources' own properties. Existing tables are kept with
 * their data; an index the template added since is created on the existing table. Properties the emulators cannot
 * honour (point-in-time recovery, encryption, bucket versioning, lifecycle, public access blocks) are noted once.
 */
final class Provisioner {
    private static final Logger LOG = LoggerFactory.getLogger(Provisioner.class);
    private static final Set<String> NOT_EMULATED = Set.of("PointInTimeRecoverySpecification", "SSESpecification",
            "VersioningConfiguration", "BucketEncryption", "PublicAccessBlockConfiguration", "LifecycleConfiguration",
            "OwnershipControls", "Tags", "DeletionProtectionEnabled", "ContributorInsightsSpecification");

    private Provisioner() {}

    static void tables(DynamoDbClient ddb, List<SamTemplate.Resource> tables) {
        for (SamTemplate.Resource t : tables) {
            CreateTableRequest req = createRequest(t);
            DescribeTableResponse existing;
            try {
                existing = ddb.describeTable(b -> b.tableName(req.tableName()));
            } catch (ResourceNotFoundException absent) {
                ddb.createTable(req);
                ttl(ddb, t);
                LOG.debug("created table {} ({})", req.tableName(), t.logicalId());
                continue;
            }
            if (req.streamSpecification() != null && (existing.table().streamSpecification() == null
                    || !Boolean.TRUE.equals(existing.table().streamSpecification().streamEnabled()))) {
                LOG.info("table {}: enabling the stream that the template declares", req.tableName());
                ddb.updateTable(b -> b.tableName(req.tableName()).streamSpecification(req.streamSpecification()));
            }
            Set<String> have = existing.table().globalSecondaryIndexes() == null ? Set.of()
                    : existing.table().globalSecondaryIndexes().stream().map(GlobalSecondaryIndexDescription::indexName)
                    .collect(Collectors.toSet());
            for (GlobalSecondaryIndex gsi : req.globalSecondaryIndexes()) {
                if (!have.contains(gsi.indexName())) {
                    LOG.info("table {}: adding index {} that the template declares", req.tableName(), gsi.indexName());
                    ddb.updateTable(b -> b.tableName(req.tableName()).attributeDefinitions(req.attributeDefinitions())
                            .globalSecondaryIndexUpdates(GlobalSecondaryIndexUpdate.builder().create(
                                    CreateGlobalSecondaryIndexAction.builder().indexName(gsi.indexName())
                                            .keySchema(gsi.keySchema()).projection(gsi.projection())
                                            .provisionedThroughput(gsi.provisionedThroughput()).build()).build()));
                }
            }
        }
    }

    static void buckets(LocalS3 s3, List<SamTemplate.Resource> buckets) {
        for (SamTemplate.Resource b : buckets) {
            s3.ensureBucket(b.physicalName());
        }
    }

    /** Properties of these resources that the emulators do not reproduce (for the start-up notice). */
    static List<String> notEmulated(List<SamTemplate.Resource> resources) {
        List<String> out = new ArrayList<>();
        for (SamTemplate.Resource r : resources) {
            for (String p : r.properties().keySet()) {
                if (NOT_EMULATED.contains(p)) {
                    out.add(r.logicalId() + "." + p);
                }
            }
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    static CreateTableRequest createRequest(SamTemplate.Resource t) {
        Map<String, Object> p = t.properties();
        String name = p.get("TableName") != null ? String.valueOf(p.get("TableName")) : t.physicalName();
        boolean onDemand = "PAY_PER_REQUEST".equals(String.valueOf(p.getOrDefault("BillingMode", "PROVISIONED")));
        ProvisionedThroughput throughput = onDemand ? null : throughput(p.get("ProvisionedThroughput"), t.logicalId());
        CreateTableRequest.Builder b = CreateTableRequest.builder().tableName(name)
                .attributeDefinitions(list(p, "AttributeDefinitions", t).stream().map(a -> AttributeDefinition.builder()
                        .attributeName(str(a, "AttributeName", t)).attributeType(str(a, "AttributeType", t)).build()).toList())
                .keySchema(keys(list(p, "KeySchema", t), t))
                .billingMode(onDemand ? BillingMode.PAY_PER_REQUEST : BillingMode.PROVISIONED);
        if (throughput != null) {
            b.provisionedThroughput(throughput);
        }
        List<GlobalSecondaryIndex> gsis = new ArrayList<>();
        for (Map<String, Object> g : optionalList(p, "GlobalSecondaryIndexes")) {
            GlobalSecondaryIndex.Builder gb = GlobalSecondaryIndex.builder().indexName(str(g, "IndexName", t))
                    .keySchema(keys(list(g, "KeySchema", t), t)).projection(projection(g.get("Projection")));
            if (!onDemand) {
                gb.provisionedThroughput(throughput(g.get("ProvisionedThroughput"), t.logicalId()));
            }
            gsis.add(gb.build());
        }
        if (!gsis.isEmpty()) {
            b.globalSecondaryIndexes(gsis);
        }
        List<LocalSecondaryIndex> lsis = new ArrayList<>();
        for (Map<String, Object> l : optionalList(p, "LocalSecondaryIndexes")) {
            lsis.add(LocalSecondaryIndex.builder().indexName(str(l, "IndexName", t)).keySchema(keys(list(l, "KeySchema", t), t))
                    .projection(projection(l.get("Projection"))).build());
        }
        if (!lsis.isEmpty()) {
            b.localSecondaryIndexes(lsis);
        }
        if (p.get("StreamSpecification") instanceof Map<?, ?> s && s.get("StreamViewType") != null) {
            b.streamSpecification(StreamSpecification.builder().streamEnabled(true)
                    .streamViewType(String.valueOf(s.get("StreamViewType"))).build());
        }
        return b.build();
    }

    private static void ttl(DynamoDbClient ddb, SamTemplate.Resource t) {
        if (t.properties().get("TimeToLiveSpecification") instanceof Map<?, ?> ttl
                && "true".equals(String.valueOf(ttl.get("Enabled")))) {
            String name = t.properties().get("TableName") != null ? String.valueOf(t.properties().get("TableName")) : t.physicalName();
            ddb.updateTimeToLive(b -> b.tableName(name).timeToLiveSpecification(TimeToLiveSpecification.builder()
                    .attributeName(String.valueOf(ttl.get("AttributeName"))).enabled(true).build()));
        }
    }

    private static List<KeySchemaElement> keys(List<Map<String, Object>> ks, SamTemplate.Resource t) {
        return ks.stream().map(k -> KeySchemaElement.builder().attributeName(str(k, "AttributeName", t))
                .keyType(str(k, "KeyType", t)).build()).toList();
    }

    @SuppressWarnings("unchecked")
    private static Projection projection(Object p) {
        if (!(p instanceof Map<?, ?> m)) {
            return Projection.builder().projectionType("KEYS_ONLY").build();
        }
        Projection.Builder b = Projection.builder().projectionType(String.valueOf(m.get("ProjectionType") == null
                ? "KEYS_ONLY" : m.get("ProjectionType")));
        if (m.get("NonKeyAttributes") instanceof List<?> attrs) {
            b.nonKeyAttributes(attrs.stream().map(String::valueOf).toList());
        }
        return b.build();
    }

    private static ProvisionedThroughput throughput(Object p, String id) {
        if (!(p instanceof Map<?, ?> m)) {
            throw new TemplateException(id + ": a PROVISIONED table needs ProvisionedThroughput");
        }
        return ProvisionedThroughput.builder().readCapacityUnits(Long.parseLong(String.valueOf(m.get("ReadCapacityUnits"))))
                .writeCapacityUnits(Long.parseLong(String.valueOf(m.get("WriteCapacityUnits")))).build();
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Map<String, Object> m, String key, SamTemplate.Resource t) {
        List<Map<String, Object>> l = optionalList(m, key);
        if (l.isEmpty()) {
            throw new TemplateException(t.logicalId() + ": " + key + " is required");
        }
        return l;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> optionalList(Map<String, Object> m, String key) {
        Object v = m.get(key);
        return v instanceof List<?> l ? (List<Map<String, Object>>) l : List.of();
    }

    private static String str(Map<String, Object> m, String key, SamTemplate.Resource t) {
        Object v = m.get(key);
        if (v == null) {
            throw new TemplateException(t.logicalId() + ": " + key + " is required");
        }
        return String.valueOf(v);
    }
}
