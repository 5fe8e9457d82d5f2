package dev.chunkvault.aws;

import java.io.IOException;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;

/**
 * Injects the failures a real deployment meets, at a given rate, into SDK calls: an exception before the
 * request is sent, a success whose response is lost, throttling, and TransactionConflict cancellations
 * (which DynamoDB Local never raises). Enabled only by the {@code CHUNKVAULT_FAULTS} environment variable
 * (tests and the local cloud), e.g. {@code rate=0.1,seed=42,kinds=before|lost|throttle|conflict}.
 */
public final class FaultInjector implements ExecutionInterceptor {
    public enum Kind { BEFORE, LOST, THROTTLE, CONFLICT }

    private final double rate;
    private final Random random;
    private final List<Kind> kinds;
    private final AtomicLong injected = new AtomicLong();

    public FaultInjector(double rate, long seed, Set<Kind> kinds) {
        if (rate < 0 || rate > 1 || kinds.isEmpty()) {
            throw new IllegalArgumentException("rate within 0..1 and at least one kind");
        }
        this.rate = rate;
        this.random = new Random(seed);
        this.kinds = List.copyOf(kinds);
    }

    /** Parses {@code rate=0.1,seed=42,kinds=before|lost|throttle|conflict}. */
    public static FaultInjector parse(String spec) {
        double rate = 0.1;
        long seed = 1;
        Set<Kind> kinds = EnumSet.allOf(Kind.class);
        for (String part : spec.split(",")) {
            String[] kv = part.trim().split("=", 2);
            if (kv.length != 2) {
                throw new IllegalArgumentException("fault spec parts are key=value: " + part);
            }
            switch (kv[0].trim()) {
                case "rate" -> rate = Double.parseDouble(kv[1]);
                case "seed" -> seed = Long.parseLong(kv[1]);
                case "kinds" -> {
                    kinds = EnumSet.noneOf(Kind.class);
                    for (String k : kv[1].split("\\|")) {
                        kinds.add(Kind.valueOf(k.trim().toUpperCase(Locale.ROOT)));
                    }
                }
                default -> throw new IllegalArgumentException("unknown fault spec key " + kv[0]);
            }
        }
        return new FaultInjector(rate, seed, kinds);
    }

    public long injected() {
        return injected.get();
    }

    private volatile boolean enabled = true;

    /** Stops (or resumes) injecting; tests switch faults off to check a quiescent state. */
    public void enabled(boolean on) {
        this.enabled = on;
    }

    private synchronized Kind draw(String operation) {
        if (!enabled || random.nextDouble() >= rate) {
            return null;
        }
        Kind k = kinds.get(random.nextInt(kinds.size()));
        if (k == Kind.CONFLICT && !operation.startsWith("Transact")) {
            k = kinds.contains(Kind.THROTTLE) ? Kind.THROTTLE : Kind.BEFORE;
        }
        return k;
    }

    private static final software.amazon.awssdk.core.interceptor.ExecutionAttribute<Kind> PLANNED =
            new software.amazon.awssdk.core.interceptor.ExecutionAttribute<>("chunkvault.fault");

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        String operation = attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
        String service = attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME);
        Kind k = draw(operation == null ? "" : operation);
        if (k == null) {
            attributes.putAttribute(PLANNED, null);
            return;
        }
        injected.incrementAndGet();
        switch (k) {
            case BEFORE -> throw SdkClientException.builder()
                    .message("injected: connection failed before sending")
                    .cause(new IOException("injected: connection reset")).build();
            case THROTTLE -> throw throttle(service);
            case CONFLICT -> throw TransactionCanceledException.builder()
                    .message("injected: Transaction cancelled [TransactionConflict]")
                    .cancellationReasons(CancellationReason.builder().code("TransactionConflict")
                            .message("injected conflict").build())
                    .awsErrorDetails(AwsErrorDetails.builder().errorCode("TransactionCanceledException")
                            .serviceName(service).sdkHttpResponse(httpResponse(400)).build())
                    .statusCode(400).build();
            case LOST -> attributes.putAttribute(PLANNED, Kind.LOST);
        }
    }

    @Override
    public void afterTransmission(Context.AfterTransmission context, ExecutionAttributes attributes) {
        if (attributes.getAttribute(PLANNED) == Kind.LOST && context.httpResponse().isSuccessful()) {
            attributes.putAttribute(PLANNED, null);
            throw SdkClientException.builder().message("injected: response lost after the request succeeded")
                    .cause(new IOException("injected: read timed out")).build();
        }
    }

    private static RuntimeException throttle(String service) {
        if ("DynamoDB".equalsIgnoreCase(service) || "DynamoDb".equals(service)) {
            return DynamoDbException.builder().message("injected: throttled").statusCode(400)
                    .awsErrorDetails(AwsErrorDetails.builder().errorCode("ThrottlingException")
                            .errorMessage("injected").serviceName(service).sdkHttpResponse(httpResponse(400)).build()).build();
        }
        return software.amazon.awssdk.services.s3.model.S3Exception.builder().message("injected: slow down")
                .statusCode(503).awsErrorDetails(AwsErrorDetails.builder().errorCode("SlowDown")
                        .errorMessage("injected").serviceName(service).sdkHttpResponse(httpResponse(503)).build()).build();
    }

    /**
     * The HTTP response an injected service error claims to come from: the SDK's own exception translators (S3's
     * for HEAD requests, for one) read its headers, as they would on a real error.
     */
    private static SdkHttpResponse httpResponse(int status) {
        return SdkHttpResponse.builder().statusCode(status).build();
    }
}
