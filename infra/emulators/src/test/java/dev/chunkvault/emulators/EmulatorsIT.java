package dev.chunkvault.emulators;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.net.InetAddress;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** Both emulators on one classpath: one Jetty 12.0 for DynamoDB Local, s3proxy's own shaded Jetty 12.1. */
class EmulatorsIT {
    private static StaticCredentialsProvider creds(Credentials c) {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create(c.accessKeyId(), c.secretAccessKey()));
    }

    @Test
    void oneJettyOnTheClasspathAndS3proxysIsShaded() throws Exception {
        List<URL> servers = Collections.list(getClass().getClassLoader().getResources("org/eclipse/jetty/server/Server.class"));
        assertEquals(1, servers.size(), servers.toString());
        assertTrue(servers.get(0).toString().contains("12.0."), servers.toString());
        Class.forName("org.gaul.shaded.org.eclipse.jetty.server.Server");
    }

    @Test
    void bothStartSideBySideAndAnswer(@TempDir Path dir) {
        try (LocalDynamo dynamo = LocalDynamo.start(LocalDynamo.Options.inMemory());
             LocalS3 s3 = LocalS3.start(LocalS3.Options.temporary().withDataDir(dir.resolve("s3")))) {
            try (DynamoDbClient ddb = DynamoDbClient.builder().endpointOverride(dynamo.endpoint()).region(Region.US_EAST_1)
                    .credentialsProvider(creds(dynamo.credentials())).httpClientBuilder(UrlConnectionHttpClient.builder()).build()) {
                ddb.createTable(b -> b.tableName("tab").billingMode(BillingMode.PAY_PER_REQUEST)
                        .attributeDefinitions(AttributeDefinition.builder().attributeName("id").attributeType(ScalarAttributeType.S).build())
                        .keySchema(KeySchemaElement.builder().attributeName("id").keyType(KeyType.HASH).build()));
                ddb.putItem(b -> b.tableName("tab").item(Map.of("id", AttributeValue.fromS("a"), "v", AttributeValue.fromN("1"))));
                assertEquals("1", ddb.getItem(b -> b.tableName("tab").key(Map.of("id", AttributeValue.fromS("a")))).item().get("v").n());
            }
            s3.ensureBucket("bucket-b");
            s3.ensureBucket("bucket-b");
            try (S3Client client = S3Client.builder().endpointOverride(s3.endpoint()).region(Region.US_EAST_1).forcePathStyle(true)
                    .credentialsProvider(creds(s3.credentials())).httpClientBuilder(UrlConnectionHttpClient.builder()).build()) {
                client.putObject(b -> b.bucket("bucket-b").key("k/1"), RequestBody.fromString("hello"));
                assertEquals("hello", client.getObjectAsBytes(b -> b.bucket("bucket-b").key("k/1")).asUtf8String());
                assertTrue(Files.isDirectory(dir.resolve("s3").resolve("bucket-b")));
            }
            try (S3Client wrong = S3Client.builder().endpointOverride(s3.endpoint()).region(Region.US_EAST_1).forcePathStyle(true)
                    .credentialsProvider(creds(new Credentials("chunkvault-local", "wrong"))).httpClientBuilder(UrlConnectionHttpClient.builder()).build()) {
                S3Exception e = assertThrows(S3Exception.class, () -> wrong.getObjectAsBytes(b -> b.bucket("bucket-b").key("k/1")));
                assertEquals(403, e.statusCode());
            }
        }
    }

    @Test
    void aBusyFixedPortFailsWithItsNumber() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            PortInUseException e = assertThrows(PortInUseException.class,
                    () -> LocalDynamo.start(LocalDynamo.Options.inMemory().withPort(port)));
            assertTrue(e.getMessage().contains(Integer.toString(port)));
            PortInUseException s = assertThrows(PortInUseException.class,
                    () -> LocalS3.start(LocalS3.Options.temporary().withPort(port)));
            assertEquals(port, s.port());
        }
    }

    @Test
    void dynamoDataSurvivesARestartInADirectory(@TempDir Path dir) throws Exception {
        for (int round = 0; round < 2; round++) {
            try (LocalDynamo dynamo = LocalDynamo.start(LocalDynamo.Options.inMemory().withDbPath(dir));
                 DynamoDbClient ddb = DynamoDbClient.builder().endpointOverride(dynamo.endpoint()).region(Region.US_EAST_1)
                         .credentialsProvider(creds(dynamo.credentials())).httpClientBuilder(UrlConnectionHttpClient.builder()).build()) {
                if (round == 0) {
                    ddb.createTable(b -> b.tableName("kept").billingMode(BillingMode.PAY_PER_REQUEST)
                            .attributeDefinitions(AttributeDefinition.builder().attributeName("id").attributeType(ScalarAttributeType.S).build())
                            .keySchema(KeySchemaElement.builder().attributeName("id").keyType(KeyType.HASH).build()));
                    ddb.putItem(b -> b.tableName("kept").item(Map.of("id", AttributeValue.fromS("x"))));
                } else {
                    assertTrue(ddb.getItem(b -> b.tableName("kept").key(Map.of("id", AttributeValue.fromS("x")))).hasItem());
                }
            }
            assertEquals(List.of("wal", "4096"), LocalDynamoTest.modeAndPageSize(dir.resolve(LocalDynamo.DATABASE_FILE)),
                    "DynamoDB Local kept the write-ahead log and the pages it was given");
        }
    }
}
