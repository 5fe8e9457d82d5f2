package dev.chunkvault.aws;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * Builds the SDK clients from a function's environment. On AWS, region and credentials come from the
 * Lambda environment; locally, {@code AWS_ENDPOINT_URL_DYNAMODB} / {@code AWS_ENDPOINT_URL_S3} point at
 * DynamoDB Local and s3proxy, with the static credentials from {@code AWS_ACCESS_KEY_ID} /
 * {@code AWS_SECRET_ACCESS_KEY}, and {@code S3_FORCE_PATH_STYLE=true}.
 */
public final class AwsClients {
    private final Region region;
    private final AwsCredentialsProvider credentials;
    private final URI dynamoEndpoint;
    private final URI s3Endpoint;
    private final boolean pathStyle;
    private final Duration apiCallTimeout;
    private final List<ExecutionInterceptor> interceptors;

    public AwsClients(Map<String, String> env, Duration apiCallTimeout, List<ExecutionInterceptor> interceptors) {
        this.region = Region.of(env.getOrDefault("AWS_REGION", "us-east-1"));
        this.dynamoEndpoint = uri(env.get("AWS_ENDPOINT_URL_DYNAMODB"));
        this.s3Endpoint = uri(env.get("AWS_ENDPOINT_URL_S3"));
        boolean local = dynamoEndpoint != null || s3Endpoint != null;
        String key = env.get("AWS_ACCESS_KEY_ID");
        String secret = env.get("AWS_SECRET_ACCESS_KEY");
        this.credentials = local && key != null && secret != null
                ? StaticCredentialsProvider.create(AwsBasicCredentials.create(key, secret))
                : DefaultCredentialsProvider.builder().build();
        this.pathStyle = Boolean.parseBoolean(env.getOrDefault("S3_FORCE_PATH_STYLE", "false"));
        this.apiCallTimeout = apiCallTimeout;
        this.interceptors = List.copyOf(interceptors);
    }

    private static URI uri(String s) {
        return s == null || s.isBlank() ? null : URI.create(s);
    }

    private ClientOverrideConfiguration overrides() {
        ClientOverrideConfiguration.Builder b = ClientOverrideConfiguration.builder()
                .apiCallTimeout(apiCallTimeout).apiCallAttemptTimeout(apiCallTimeout.dividedBy(3));
        interceptors.forEach(b::addExecutionInterceptor);
        return b.build();
    }

    /**
     * DynamoDB calls are NOT retried by the SDK. A conditional write whose response is lost after it landed would be
     * re-sent by the SDK and fail its own condition, and the caller would read "someone else changed it" — a GC run
     * leaving a chunk it just marked, a commit answering 409 to itself. The service retries whole steps instead
     * ({@code Retry}), re-reading state first, which turns an ambiguous outcome into exactly one result.
     */
    private ClientOverrideConfiguration dynamoOverrides() {
        ClientOverrideConfiguration.Builder b = ClientOverrideConfiguration.builder()
                .apiCallTimeout(apiCallTimeout).apiCallAttemptTimeout(apiCallTimeout)
                .retryStrategy(AwsRetryStrategy.doNotRetry());
        interceptors.forEach(b::addExecutionInterceptor);
        return b.build();
    }

    public DynamoDbClient dynamo() {
        var b = DynamoDbClient.builder().region(region).credentialsProvider(credentials)
                .httpClientBuilder(UrlConnectionHttpClient.builder()).overrideConfiguration(dynamoOverrides());
        if (dynamoEndpoint != null) {
            b.endpointOverride(dynamoEndpoint);
        }
        return b.build();
    }

    public S3Client s3() {
        var b = S3Client.builder().region(region).credentialsProvider(credentials)
                .httpClientBuilder(UrlConnectionHttpClient.builder()).overrideConfiguration(overrides())
                .forcePathStyle(pathStyle);
        if (s3Endpoint != null) {
            b.endpointOverride(s3Endpoint);
        }
        return b.build();
    }

    /**
     * API Gateway's management API of one WebSocket API stage ({@code https://API.execute-api.REGION.amazonaws.com/STAGE}
     * on AWS, the local cloud's gateway locally): posts to connections. Retried by the SDK (a post is a hint; a
     * duplicate is harmless), within the same call timeout as every other client.
     */
    public software.amazon.awssdk.services.apigatewaymanagementapi.ApiGatewayManagementApiClient connections(URI endpoint) {
        return software.amazon.awssdk.services.apigatewaymanagementapi.ApiGatewayManagementApiClient.builder().region(region)
                .credentialsProvider(credentials).httpClientBuilder(UrlConnectionHttpClient.builder())
                .overrideConfiguration(overrides()).endpointOverride(endpoint).build();
    }

    /** Presigns for the endpoint clients will use (the signature covers the Host). */
    public S3Presigner presigner() {
        var b = S3Presigner.builder().region(region).credentialsProvider(credentials)
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(pathStyle).build());
        if (s3Endpoint != null) {
            b.endpointOverride(s3Endpoint);
        }
        return b.build();
    }
}
