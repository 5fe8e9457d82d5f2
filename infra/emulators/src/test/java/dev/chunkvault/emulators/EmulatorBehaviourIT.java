package dev.chunkvault.emulators;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.ConditionCheck;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketVersioningStatus;
import software.amazon.awssdk.services.s3.model.ChecksumMode;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.ExpirationStatus;
import software.amazon.awssdk.services.s3.model.LifecycleRule;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;
import software.amazon.awssdk.services.s3.model.ServerSideEncryptionRule;

/**
 * What the emulators do and do not do, pinned down (infra/local/README.md quotes these). If an upgrade
 * changes an answer, this test says which, and the README and the code relying on it need a look.
 */
class EmulatorBehaviourIT {
    private static LocalS3 s3;
    private static LocalDynamo ddb;
    private static S3Client client;
    private static DynamoDbClient dynamo;
    private static final byte[] BODY = "hello".getBytes(StandardCharsets.UTF_8);

    @BeforeAll
    static void start() {
        s3 = LocalS3.start(LocalS3.Options.temporary());
        s3.ensureBucket("probe");
        ddb = LocalDynamo.start(LocalDynamo.Options.inMemory());
        client = S3Client.builder().endpointOverride(s3.endpoint()).region(Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
                        s3.credentials().accessKeyId(), s3.credentials().secretAccessKey())))
                .httpClientBuilder(UrlConnectionHttpClient.builder()).build();
        dynamo = DynamoDbClient.builder().endpointOverride(ddb.endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("any", "any")))
                .httpClientBuilder(UrlConnectionHttpClient.builder()).build();
        dynamo.createTable(b -> b.tableName("probe").billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(AttributeDefinition.builder().attributeName("id").attributeType(ScalarAttributeType.S).build())
                .keySchema(KeySchemaElement.builder().attributeName("id").keyType(KeyType.HASH).build()));
        dynamo.putItem(b -> b.tableName("probe").item(Map.of("id", AttributeValue.fromS("a"), "v", AttributeValue.fromN("1"))));
    }

    @AfterAll
    static void stop() {
        client.close();
        dynamo.close();
        s3.close();
        ddb.close();
    }

    private static String sha(byte[] b) {
        try {
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void s3proxyVerifiesTheSha256ChecksumAndReturnsItOnHead() {
        S3Exception e = assertThrows(S3Exception.class, () -> client.putObject(b -> b.bucket("probe").key("wrong")
                .checksumSHA256(sha("other".getBytes(StandardCharsets.UTF_8))), RequestBody.fromBytes(BODY)));
        assertEquals(400, e.statusCode());
        client.putObject(b -> b.bucket("probe").key("right").checksumSHA256(sha(BODY)), RequestBody.fromBytes(BODY));
        assertEquals(sha(BODY), client.headObject(b -> b.bucket("probe").key("right").checksumMode(ChecksumMode.ENABLED)).checksumSHA256());
    }

    @Test
    void s3proxyHonoursIfNoneMatchStar() {
        client.putObject(b -> b.bucket("probe").key("once").ifNoneMatch("*"), RequestBody.fromBytes(BODY));
        S3Exception e = assertThrows(S3Exception.class,
                () -> client.putObject(b -> b.bucket("probe").key("once").ifNoneMatch("*"), RequestBody.fromBytes(BODY)));
        assertEquals(412, e.statusCode());
    }

    @Test
    void s3proxyKeepsUserMetadataAndDoesMultipart() {
        client.putObject(b -> b.bucket("probe").key("md").metadata(Map.of("owner", "x")), RequestBody.fromBytes(BODY));
        assertEquals(Map.of("owner", "x"), client.headObject(b -> b.bucket("probe").key("md")).metadata());
        String id = client.createMultipartUpload(b -> b.bucket("probe").key("mpu")).uploadId();
        byte[] part = new byte[5 * 1024 * 1024];
        String etag = client.uploadPart(b -> b.bucket("probe").key("mpu").uploadId(id).partNumber(1), RequestBody.fromBytes(part)).eTag();
        client.completeMultipartUpload(b -> b.bucket("probe").key("mpu").uploadId(id)
                .multipartUpload(m -> m.parts(CompletedPart.builder().partNumber(1).eTag(etag).build())));
        assertEquals(part.length, client.headObject(b -> b.bucket("probe").key("mpu")).contentLength());
    }

    @Test
    void s3proxysFilesystemStoreHasNoVersioningLifecycleEncryptionOrPublicAccessBlock() {
        assertEquals(501, assertThrows(S3Exception.class, () -> client.putBucketVersioning(b -> b.bucket("probe")
                .versioningConfiguration(v -> v.status(BucketVersioningStatus.ENABLED)))).statusCode());
        assertNull(client.putObject(b -> b.bucket("probe").key("unversioned"), RequestBody.fromBytes(BODY)).versionId());
        assertEquals(501, assertThrows(S3Exception.class, () -> client.putBucketLifecycleConfiguration(b -> b.bucket("probe")
                .lifecycleConfiguration(l -> l.rules(LifecycleRule.builder().id("r").status(ExpirationStatus.ENABLED)
                        .filter(f -> f.prefix("")).noncurrentVersionExpiration(n -> n.noncurrentDays(30)).build())))).statusCode());
        assertEquals(501, assertThrows(S3Exception.class, () -> client.putBucketEncryption(b -> b.bucket("probe")
                .serverSideEncryptionConfiguration(c -> c.rules(ServerSideEncryptionRule.builder()
                        .applyServerSideEncryptionByDefault(d -> d.sseAlgorithm(ServerSideEncryption.AES256)).build())))).statusCode());
        assertEquals(501, assertThrows(S3Exception.class, () -> client.putPublicAccessBlock(b -> b.bucket("probe")
                .publicAccessBlockConfiguration(c -> c.blockPublicAcls(true)))).statusCode());
    }

    @Test
    void dynamoDbLocalReturnsTheOldItemOnFailedSingleWrites() {
        ConditionalCheckFailedException put = assertThrows(ConditionalCheckFailedException.class, () -> dynamo.putItem(b -> b
                .tableName("probe").item(Map.of("id", AttributeValue.fromS("a"))).conditionExpression("attribute_not_exists(id)")
                .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)));
        assertTrue(put.hasItem());
        assertEquals("1", put.item().get("v").n());
        ConditionalCheckFailedException update = assertThrows(ConditionalCheckFailedException.class, () -> dynamo.updateItem(b -> b
                .tableName("probe").key(Map.of("id", AttributeValue.fromS("a"))).updateExpression("SET w = :w")
                .conditionExpression("v = :x").expressionAttributeValues(Map.of(":w", AttributeValue.fromN("2"), ":x", AttributeValue.fromN("9")))
                .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)));
        assertEquals("1", update.item().get("v").n());
    }

    @Test
    void dynamoDbLocalReturnsTheOldItemInTransactionCancellationReasons() {
        TransactionCanceledException e = assertThrows(TransactionCanceledException.class, () -> dynamo.transactWriteItems(b -> b.transactItems(
                TransactWriteItem.builder().put(Put.builder().tableName("probe").item(Map.of("id", AttributeValue.fromS("b"))).build()).build(),
                TransactWriteItem.builder().conditionCheck(ConditionCheck.builder().tableName("probe").key(Map.of("id", AttributeValue.fromS("a")))
                        .conditionExpression("v = :x").expressionAttributeValues(Map.of(":x", AttributeValue.fromN("9")))
                        .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD).build()).build())));
        List<CancellationReason> reasons = e.cancellationReasons();
        assertEquals(List.of("None", "ConditionalCheckFailed"), reasons.stream().map(CancellationReason::code).toList());
        assertEquals("1", reasons.get(1).item().get("v").n());
        assertTrue(dynamo.getItem(b -> b.tableName("probe").key(Map.of("id", AttributeValue.fromS("b")))).item().isEmpty());
    }
}
