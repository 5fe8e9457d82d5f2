package dev.chunkvault.local;

import dev.chunkvault.api.wiring.Wiring;
import dev.chunkvault.aws.AwsClients;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ScanRequest;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The local cloud's storage as it really is, read around the service: every item of every table in DynamoDB Local
 * and every object in the s3proxy bucket, with the endpoints and physical names the functions use and the emulators'
 * own (unlimited) credentials. A
 * {@link Snapshot} of all of it is what "nothing changed" is checked against.
 */
final class RawState implements AutoCloseable {
    private final DynamoDbClient dynamo;
    private final S3Client s3;
    private final Map<String, String> tables = new TreeMap<>();
    private final java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(6, r -> {
        Thread t = new Thread(r, "raw-state");
        t.setDaemon(true);
        return t;
    });
    final String bucket;

    RawState(LocalCloud cloud) {
        Map<String, String> env = cloud.ownerEnvironment("CommitFunction");
        AwsClients clients = new AwsClients(env, Duration.ofSeconds(30), List.of());
        this.dynamo = clients.dynamo();
        this.s3 = clients.s3();
        // Open WebSocket connections are not stored data (they come and go with other tests' sockets).
        Wiring.TABLE_VARIABLES.forEach((table, variable) -> {
            if (!table.equals(dev.chunkvault.service.vault.Tables.CONNECTIONS)) {
                tables.put(table, env.get(variable));
            }
        });
        this.bucket = env.get("CHUNK_BUCKET");
    }

    /** Every item and object, each as one canonical line, by a key naming where it lives. */
    record Snapshot(SortedMap<String, String> entries) {
        /** What differs from {@code later}, one line per item or object (at most 20). */
        List<String> diff(Snapshot later) {
            List<String> out = new ArrayList<>();
            TreeSet<String> keys = new TreeSet<>(entries.keySet());
            keys.addAll(later.entries.keySet());
            for (String k : keys) {
                String a = entries.get(k);
                String b = later.entries.get(k);
                if (a == null) {
                    out.add("added   " + k + " = " + b);
                } else if (b == null) {
                    out.add("removed " + k + " = " + a);
                } else if (!a.equals(b)) {
                    out.add("changed " + k + ": " + a + "  ->  " + b);
                }
                if (out.size() == 20) {
                    out.add("...");
                    break;
                }
            }
            return out;
        }

        int size() {
            return entries.size();
        }
    }

    /** Every table and the bucket, read side by side (a snapshot is taken after every case of the bad-input table). */
    Snapshot snapshot() {
        List<java.util.concurrent.Future<SortedMap<String, String>>> parts = new ArrayList<>();
        tables.forEach((table, physical) -> parts.add(pool.submit(() -> scan(table, physical))));
        parts.add(pool.submit(this::objects));
        SortedMap<String, String> out = new TreeMap<>();
        for (var part : parts) {
            try {
                out.putAll(part.get());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException("reading the stored state failed", e.getCause());
            }
        }
        return new Snapshot(out);
    }

    private SortedMap<String, String> scan(String table, String physical) {
        SortedMap<String, String> out = new TreeMap<>();
        Map<String, AttributeValue> start = null;
        do {
            ScanResponse page = dynamo.scan(ScanRequest.builder().tableName(physical).consistentRead(true)
                    .exclusiveStartKey(start).build());
            for (Map<String, AttributeValue> item : page.items()) {
                out.put(table + ":" + keyOf(table, item), canonical(item));
            }
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null);
        return out;
    }

    private SortedMap<String, String> objects() {
        SortedMap<String, String> out = new TreeMap<>();
        String token = null;
        do {
            String t = token;
            var page = s3.listObjectsV2(b -> b.bucket(bucket).continuationToken(t));
            for (S3Object o : page.contents()) {
                out.put("s3:" + o.key(), "size=" + o.size() + " etag=" + o.eTag());
            }
            token = page.isTruncated() ? page.nextContinuationToken() : null;
        } while (token != null);
        return out;
    }

    private static String keyOf(String table, Map<String, AttributeValue> item) {
        return switch (table) {
            case "files" -> s(item, "owner") + "|" + s(item, "path");
            case "versions" -> s(item, "fileId") + "|" + s(item, "versionId");
            case "chunks" -> s(item, "chunkId");
            case "refs" -> s(item, "ref") + "|" + s(item, "edge");
            default -> s(item, "name");
        };
    }

    private static String s(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        return v == null ? "?" : v.s();
    }

    /** An item as text that does not depend on attribute or set order. */
    static String canonical(Map<String, AttributeValue> item) {
        StringBuilder b = new StringBuilder("{");
        new TreeMap<>(item).forEach((k, v) -> b.append(k).append('=').append(canonical(v)).append(';'));
        return b.append('}').toString();
    }

    private static String canonical(AttributeValue v) {
        if (v.s() != null) {
            return "S:" + v.s();
        }
        if (v.n() != null) {
            return "N:" + v.n();
        }
        if (v.b() != null) {
            return "B:" + Base64.getEncoder().encodeToString(v.b().asByteArray());
        }
        if (v.bool() != null) {
            return "BOOL:" + v.bool();
        }
        if (Boolean.TRUE.equals(v.nul())) {
            return "NULL";
        }
        if (v.hasSs()) {
            return "SS:" + new TreeSet<>(v.ss());
        }
        if (v.hasNs()) {
            return "NS:" + new TreeSet<>(v.ns());
        }
        if (v.hasBs()) {
            TreeSet<String> bs = new TreeSet<>();
            v.bs().forEach(x -> bs.add(Base64.getEncoder().encodeToString(x.asByteArray())));
            return "BS:" + bs;
        }
        if (v.hasL()) {
            List<String> l = new ArrayList<>();
            v.l().forEach(x -> l.add(canonical(x)));
            return "L:" + l;
        }
        if (v.hasM()) {
            return "M:" + canonical(v.m());
        }
        return v.toString();
    }

    /** The chunk's row in the chunks table, read directly. */
    Optional<Map<String, AttributeValue>> chunkRow(String chunkId) {
        var r = dynamo.getItem(b -> b.tableName(tables.get("chunks")).consistentRead(true)
                .key(Map.of("chunkId", AttributeValue.fromS(chunkId))));
        return r.hasItem() && !r.item().isEmpty() ? Optional.of(r.item()) : Optional.empty();
    }

    /** Whether s3proxy holds an object under {@code key}. */
    boolean objectExists(String key) {
        try {
            s3.headObject(b -> b.bucket(bucket).key(key));
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return false;
            }
            throw e;
        }
    }

    /** The user metadata of the object under {@code key}. */
    Map<String, String> objectMetadata(String key) {
        return s3.headObject(b -> b.bucket(bucket).key(key)).metadata();
    }

    S3Client s3() {
        return s3;
    }

    @Override
    public void close() {
        pool.shutdownNow();
        dynamo.close();
        s3.close();
    }
}
