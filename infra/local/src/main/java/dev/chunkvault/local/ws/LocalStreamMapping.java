package dev.chunkvault.local.ws;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chunkvault.emulators.Credentials;
import dev.chunkvault.local.lambda.LocalFunction;
import dev.chunkvault.local.template.SamTemplate;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.Shard;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.model.StreamDescription;
import software.amazon.awssdk.services.dynamodb.model.TrimmedDataAccessException;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * Lambda's event source mapping for a DynamoDB stream, on DynamoDB Local's Streams API: polls every shard of the
 * table's stream (four times a second, as Lambda does), hands each batch of up to {@code BatchSize} records to the
 * function as a DynamoDB stream event, in order per shard, and moves on only when the function succeeded — or, as
 * the template's {@code MaximumRetryAttempts} and {@code MaximumRecordAgeInSeconds} allow, after giving up on the
 * batch (halving it first with {@code BisectBatchOnFunctionError}), which is logged. Shards are read from their start;
 * with {@code StartingPosition: LATEST} the shards found at start are first read to their end without delivering
 * (DynamoDB Local rounds record times down to the minute, so they cannot tell what came before). A shard found again
 * after an error resumes after its last record.
 */
public final class LocalStreamMapping implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LocalStreamMapping.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final Duration POLL = Duration.ofMillis(250);
    private static final Duration DISCOVER = Duration.ofSeconds(10);

    private final SamTemplate.StreamSource source;
    private final String table;
    private final LocalFunction function;
    private final DynamoDbClient ddb;
    private final DynamoDbStreamsClient streams;
    private final Thread thread;
    private final Map<String, String> iterators = new LinkedHashMap<>();
    private final java.util.Set<String> finished = new java.util.HashSet<>();
    private volatile boolean closed;
    private volatile long delivered;
    private volatile long dropped;
    /** Per shard, the last record handed over (or given up on): a shard found again resumes after it. */
    private final Map<String, String> checkpoints = new java.util.HashMap<>();
    /** Shards being read up to their end without delivering (LATEST: what was there when the mapping started). */
    private final java.util.Set<String> skipping = new java.util.HashSet<>();
    private boolean first = true;
    private String streamArn;

    public LocalStreamMapping(SamTemplate.StreamSource source, String table, LocalFunction function, URI dynamoEndpoint,
                              Credentials credentials) {
        this.source = source;
        this.table = table;
        this.function = function;
        StaticCredentialsProvider creds = StaticCredentialsProvider.create(
                AwsBasicCredentials.create(credentials.accessKeyId(), credentials.secretAccessKey()));
        this.ddb = DynamoDbClient.builder().region(Region.of(SamTemplate.REGION)).credentialsProvider(creds)
                .endpointOverride(dynamoEndpoint).httpClientBuilder(UrlConnectionHttpClient.builder()).build();
        this.streams = DynamoDbStreamsClient.builder().region(Region.of(SamTemplate.REGION)).credentialsProvider(creds)
                .endpointOverride(dynamoEndpoint).httpClientBuilder(UrlConnectionHttpClient.builder()).build();
        this.thread = new Thread(this::run, "stream-" + source.functionId());
        thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    /** Records handed to the function; records given up on. */
    public long delivered() {
        return delivered;
    }

    public long dropped() {
        return dropped;
    }

    private void run() {
        long lastDiscovery = 0;
        while (!closed) {
            try {
                if (streamArn == null || System.nanoTime() - lastDiscovery > DISCOVER.toNanos()) {
                    discover();
                    lastDiscovery = System.nanoTime();
                }
                boolean any = false;
                for (String shard : List.copyOf(iterators.keySet())) {
                    any |= poll(shard);
                }
                if (!any) {
                    Thread.sleep(POLL.toMillis());
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (closed) {
                    return;
                }
                LOG.warn("stream of {} for {}: {}", table, source.functionId(), e.toString());
                streamArn = null;
                iterators.clear();
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    private void discover() {
        if (streamArn == null) {
            streamArn = ddb.describeTable(b -> b.tableName(table)).table().latestStreamArn();
            if (streamArn == null) {
                throw new IllegalStateException("table " + table + " has no stream");
            }
        }
        String start = null;
        List<Shard> shards = new ArrayList<>();
        do {
            String from = start;
            StreamDescription d = streams.describeStream(b -> b.streamArn(streamArn).exclusiveStartShardId(from)).streamDescription();
            shards.addAll(d.shards());
            start = d.lastEvaluatedShardId();
        } while (start != null);
        for (Shard s : shards) {
            if (iterators.containsKey(s.shardId()) || finished.contains(s.shardId())) {
                continue;
            }
            if (first && !"TRIM_HORIZON".equals(source.startingPosition())) {
                skipping.add(s.shardId());
            }
            iterators.put(s.shardId(), iteratorFromCheckpoint(s.shardId()));
        }
        first = false;
    }

    /** An iterator of {@code shard} after its last record handed over, or from its start. */
    private String iteratorFromCheckpoint(String shard) {
        String after = checkpoints.get(shard);
        return streams.getShardIterator(b -> b.streamArn(streamArn).shardId(shard)
                .shardIteratorType(after == null ? ShardIteratorType.TRIM_HORIZON : ShardIteratorType.AFTER_SEQUENCE_NUMBER)
                .sequenceNumber(after)).shardIterator();
    }

    /** Reads one batch of a shard and delivers it; true if it had records. */
    private boolean poll(String shard) throws InterruptedException {
        String it = iterators.get(shard);
        GetRecordsResponse r;
        try {
            r = streams.getRecords(b -> b.shardIterator(it).limit(Math.max(1, Math.min(1000, source.batchSize()))));
        } catch (TrimmedDataAccessException stale) {
            // DynamoDB Local sometimes refuses an iterator of a shard that was empty when it was handed out, once records
            // arrive: take a fresh one from the last record handed over (or the shard's start) and go on.
            LOG.debug("stream of {}: iterator refused ({}); resuming shard {} from its checkpoint", table, stale.getMessage(), shard);
            iterators.put(shard, iteratorFromCheckpoint(shard));
            return true;
        }
        if (r.nextShardIterator() == null) {
            iterators.remove(shard);
            finished.add(shard);
        } else {
            iterators.put(shard, r.nextShardIterator());
        }
        List<Record> records = r.records();
        if (!records.isEmpty()) {
            checkpoints.put(shard, records.get(records.size() - 1).dynamodb().sequenceNumber());
        }
        if (skipping.contains(shard)) {
            if (records.isEmpty()) {
                skipping.remove(shard);
            }
            return false;
        }
        if (source.maxRecordAgeSeconds() >= 0) {
            long oldest = System.currentTimeMillis() - source.maxRecordAgeSeconds() * 1000L;
            List<Record> fresh = records.stream().filter(x -> x.dynamodb().approximateCreationDateTime() == null
                    || x.dynamodb().approximateCreationDateTime().toEpochMilli() >= oldest).toList();
            dropped += records.size() - fresh.size();
            records = fresh;
        }
        if (!records.isEmpty()) {
            deliver(records);
        }
        return !r.records().isEmpty();
    }

    private void deliver(List<Record> records) throws InterruptedException {
        int maxRetries = source.maxRetries() < 0 ? Integer.MAX_VALUE : source.maxRetries();
        for (int attempt = 0; !closed; attempt++) {
            try {
                function.invoke(JSON.writeValueAsBytes(event(records)), UUID.randomUUID().toString(), true);
                delivered += records.size();
                return;
            } catch (LocalFunction.InvocationFailed | com.fasterxml.jackson.core.JsonProcessingException e) {
                if (attempt >= maxRetries) {
                    if (source.bisectOnError() && records.size() > 1) {
                        deliver(records.subList(0, records.size() / 2));
                        deliver(records.subList(records.size() / 2, records.size()));
                        return;
                    }
                    dropped += records.size();
                    LOG.warn("{}: gave up on {} stream records after {} attempts: {}", source.functionId(), records.size(),
                            attempt + 1, e.getMessage());
                    return;
                }
                Thread.sleep(Math.min(10_000, 200L << Math.min(attempt, 6)));
            }
        }
    }

    private ObjectNode event(List<Record> records) {
        ObjectNode event = JSON.createObjectNode();
        ArrayNode list = event.putArray("Records");
        for (Record r : records) {
            ObjectNode o = list.addObject();
            o.put("eventID", r.eventID());
            o.put("eventName", r.eventNameAsString());
            o.put("eventVersion", r.eventVersion() == null ? "1.1" : r.eventVersion());
            o.put("eventSource", "aws:dynamodb");
            o.put("awsRegion", SamTemplate.REGION);
            o.put("eventSourceARN", streamArn);
            ObjectNode d = o.putObject("dynamodb");
            if (r.dynamodb().approximateCreationDateTime() != null) {
                d.put("ApproximateCreationDateTime", r.dynamodb().approximateCreationDateTime().getEpochSecond());
            }
            if (r.dynamodb().hasKeys()) {
                d.set("Keys", image(r.dynamodb().keys()));
            }
            if (r.dynamodb().hasNewImage()) {
                d.set("NewImage", image(r.dynamodb().newImage()));
            }
            if (r.dynamodb().hasOldImage()) {
                d.set("OldImage", image(r.dynamodb().oldImage()));
            }
            d.put("SequenceNumber", r.dynamodb().sequenceNumber());
            if (r.dynamodb().sizeBytes() != null) {
                d.put("SizeBytes", r.dynamodb().sizeBytes());
            }
            d.put("StreamViewType", r.dynamodb().streamViewTypeAsString());
        }
        return event;
    }

    private static ObjectNode image(Map<String, AttributeValue> item) {
        ObjectNode o = JSON.createObjectNode();
        item.forEach((k, v) -> o.set(k, value(v)));
        return o;
    }

    private static ObjectNode value(AttributeValue v) {
        ObjectNode o = JSON.createObjectNode();
        switch (v.type()) {
            case S -> o.put("S", v.s());
            case N -> o.put("N", v.n());
            case B -> o.put("B", b64(v.b()));
            case BOOL -> o.put("BOOL", v.bool());
            case NUL -> o.put("NULL", true);
            case SS -> v.ss().forEach(o.putArray("SS")::add);
            case NS -> v.ns().forEach(o.putArray("NS")::add);
            case BS -> v.bs().forEach(b -> o.withArray("BS").add(b64(b)));
            case M -> o.set("M", image(v.m()));
            case L -> {
                ArrayNode l = o.putArray("L");
                v.l().forEach(x -> l.add(value(x)));
            }
            default -> { /* unknown to this SDK: left out */ }
        }
        return o;
    }

    private static String b64(SdkBytes b) {
        return Base64.getEncoder().encodeToString(b.asByteArray());
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        streams.close();
        ddb.close();
    }
}
