package dev.chunkvault.local;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.ScanRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactGetItemsRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;
import software.amazon.awssdk.services.s3.model.DeleteObjectRequest;
import software.amazon.awssdk.services.s3.model.DeleteObjectsRequest;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.ListObjectVersionsRequest;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

/**
 * Records, per function, the IAM action and resource ARN every SDK call it makes needs — as IAM authorizes them:
 * a TransactWriteItems needs each item's PutItem/UpdateItem/DeleteItem/ConditionCheckItem on its table, a HEAD needs
 * s3:GetObject, a call naming a version id needs the *Version action, a listing needs s3:ListBucket on the bucket.
 * A HEAD or GET also counts as needing s3:ListBucket: the code reads a 404 as "no such object", and S3 answers a missing
 * key with 404 only to a caller that may list the bucket (403 AccessDenied otherwise).
 */
final class CallRecorder implements ExecutionInterceptor {
    /** @param leadingKeys the partition keys a DynamoDB item request names (for IAM's dynamodb:LeadingKeys), or null */
    record Call(String function, String action, String resource, List<String> leadingKeys) {
        Call(String function, String action, String resource) {
            this(function, action, resource, null);
        }
    }

    private final String function;
    private final Queue<Call> calls;
    private final String webSocketApi;

    CallRecorder(String function, Queue<Call> calls) {
        this(function, calls, null);
    }

    /** @param webSocketApi the ARN prefix of the WebSocket API's stage ({@code arn:aws:execute-api:REGION:ACCOUNT:API/STAGE}) */
    CallRecorder(String function, Queue<Call> calls, String webSocketApi) {
        this.function = function;
        this.calls = calls;
        this.webSocketApi = webSocketApi;
    }

    static String table(String name) {
        return "arn:aws:dynamodb:us-east-1:000000000000:table/" + name;
    }

    static String bucket(String bucket) {
        return "arn:aws:s3:::" + bucket;
    }

    static String object(String bucket, String key) {
        return "arn:aws:s3:::" + bucket + "/" + key;
    }

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        SdkRequest r = context.request();
        List<Call> out = new ArrayList<>();
        if (r instanceof GetItemRequest g) {
            out.add(call("dynamodb:GetItem", table(g.tableName()), keys(g.key())));
        } else if (r instanceof PutItemRequest p) {
            out.add(call("dynamodb:PutItem", table(p.tableName()), null));
        } else if (r instanceof UpdateItemRequest u) {
            out.add(call("dynamodb:UpdateItem", table(u.tableName()), keys(u.key())));
        } else if (r instanceof DeleteItemRequest d) {
            out.add(call("dynamodb:DeleteItem", table(d.tableName()), keys(d.key())));
        } else if (r instanceof QueryRequest q) {
            out.add(call("dynamodb:Query", table(q.tableName()) + (q.indexName() == null ? "" : "/index/" + q.indexName())));
        } else if (r instanceof ScanRequest sc) {
            out.add(call("dynamodb:Scan", table(sc.tableName()) + (sc.indexName() == null ? "" : "/index/" + sc.indexName())));
        } else if (r instanceof BatchGetItemRequest b) {
            b.requestItems().keySet().forEach(t -> out.add(call("dynamodb:BatchGetItem", table(t))));
        } else if (r instanceof BatchWriteItemRequest b) {
            b.requestItems().keySet().forEach(t -> out.add(call("dynamodb:BatchWriteItem", table(t))));
        } else if (r instanceof TransactGetItemsRequest t) {
            t.transactItems().forEach(i -> out.add(call("dynamodb:GetItem", table(i.get().tableName()))));
        } else if (r instanceof TransactWriteItemsRequest t) {
            for (TransactWriteItem i : t.transactItems()) {
                if (i.put() != null) {
                    out.add(call("dynamodb:PutItem", table(i.put().tableName())));
                } else if (i.update() != null) {
                    out.add(call("dynamodb:UpdateItem", table(i.update().tableName()), keys(i.update().key())));
                } else if (i.delete() != null) {
                    out.add(call("dynamodb:DeleteItem", table(i.delete().tableName()), keys(i.delete().key())));
                } else if (i.conditionCheck() != null) {
                    out.add(call("dynamodb:ConditionCheckItem", table(i.conditionCheck().tableName()),
                            keys(i.conditionCheck().key())));
                }
            }
        } else if (r instanceof HeadObjectRequest h) {
            out.add(call(h.versionId() == null ? "s3:GetObject" : "s3:GetObjectVersion", object(h.bucket(), h.key())));
            out.add(call("s3:ListBucket", bucket(h.bucket())));
        } else if (r instanceof GetObjectRequest g) {
            out.add(call(g.versionId() == null ? "s3:GetObject" : "s3:GetObjectVersion", object(g.bucket(), g.key())));
            out.add(call("s3:ListBucket", bucket(g.bucket())));
        } else if (r instanceof PutObjectRequest p) {
            out.add(call("s3:PutObject", object(p.bucket(), p.key())));
        } else if (r instanceof DeleteObjectRequest d) {
            out.add(call(d.versionId() == null ? "s3:DeleteObject" : "s3:DeleteObjectVersion", object(d.bucket(), d.key())));
        } else if (r instanceof DeleteObjectsRequest d) {
            d.delete().objects().forEach(o -> out.add(call(o.versionId() == null ? "s3:DeleteObject" : "s3:DeleteObjectVersion",
                    object(d.bucket(), o.key()))));
        } else if (r instanceof ListObjectsV2Request l) {
            out.add(call("s3:ListBucket", bucket(l.bucket())));
        } else if (r instanceof software.amazon.awssdk.services.apigatewaymanagementapi.model.PostToConnectionRequest p) {
            out.add(call("execute-api:ManageConnections", webSocketApi + "/POST/@connections/" + p.connectionId()));
        } else if (r instanceof software.amazon.awssdk.services.apigatewaymanagementapi.model.DeleteConnectionRequest d) {
            out.add(call("execute-api:ManageConnections", webSocketApi + "/DELETE/@connections/" + d.connectionId()));
        } else if (r instanceof ListObjectVersionsRequest l) {
            out.add(call("s3:ListBucketVersions", "arn:aws:s3:::" + l.bucket()));
        } else {
            out.add(call(attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME).toLowerCase(java.util.Locale.ROOT) + ":"
                    + attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME), "*"));
        }
        calls.addAll(out);
    }

    private Call call(String action, String resource) {
        return new Call(function, action, resource, null);
    }

    private Call call(String action, String resource, List<String> leadingKeys) {
        return new Call(function, action, resource, leadingKeys);
    }

    /**
     * The string values of an item key: for the single-attribute keys of the tables whose policies name leading keys
     * (the control table's {@code name}), exactly the partition key; for others, a superset no condition is put on.
     */
    private static List<String> keys(java.util.Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue> key) {
        return key == null ? null : key.values().stream().map(v -> v.s()).filter(java.util.Objects::nonNull).toList();
    }

    /** Calls grouped by function, for failure messages. */
    static Map<String, List<Call>> byFunction(Iterable<Call> calls) {
        Map<String, List<Call>> out = new java.util.TreeMap<>();
        calls.forEach(c -> out.computeIfAbsent(c.function(), k -> new ArrayList<>()).add(c));
        return out;
    }
}
