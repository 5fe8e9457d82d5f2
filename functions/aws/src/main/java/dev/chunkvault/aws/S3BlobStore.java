package dev.chunkvault.aws;

import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.service.blob.BlobInfo;
import dev.chunkvault.service.blob.BlobPage;
import dev.chunkvault.service.blob.BlobStore;
import dev.chunkvault.service.blob.BlobStoreException;
import dev.chunkvault.service.blob.BlobSummary;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumMode;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** {@link BlobStore} on one S3 bucket. */
public final class S3BlobStore implements BlobStore {
    private final S3Client s3;
    private final String bucket;
    private final java.time.Duration callTimeout;

    public S3BlobStore(S3Client s3, String bucket) {
        this(s3, bucket, java.time.Duration.ofSeconds(30));
    }

    /** @param callTimeout the client's own API call timeout ({@link CallBudget} bounds it by the invocation's deadline) */
    public S3BlobStore(S3Client s3, String bucket, java.time.Duration callTimeout) {
        this.s3 = s3;
        this.bucket = bucket;
        this.callTimeout = callTimeout;
    }

    private software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration bound() {
        return CallBudget.bound(callTimeout);
    }

    @Override
    public Optional<BlobInfo> head(String key) {
        try {
            HeadObjectResponse r = call(() -> s3.headObject(b -> b.overrideConfiguration(bound()).bucket(bucket).key(key).checksumMode(ChecksumMode.ENABLED)));
            return Optional.of(new BlobInfo(key, r.contentLength(), r.checksumSHA256(), r.metadata(),
                    r.versionId(), r.lastModified()));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        }
    }

    @Override
    public Optional<byte[]> get(String key) {
        try {
            return Optional.of(call(() -> s3.getObjectAsBytes(b -> b.overrideConfiguration(bound()).bucket(bucket).key(key)).asByteArray()));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        }
    }

    @Override
    public Optional<byte[]> getRange(String key, long offset, int length) {
        if (length <= 0) {
            return Optional.of(new byte[0]);
        }
        String range = "bytes=" + offset + "-" + (offset + length - 1);
        try {
            return Optional.of(call(() -> s3.getObjectAsBytes(b -> b.overrideConfiguration(bound()).bucket(bucket).key(key)
                    .range(range)).asByteArray()));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        }
    }

    @Override
    public void put(String key, byte[] bytes, Map<String, String> metadata) {
        String checksum = ChunkId.sha256(bytes).base64();
        call(() -> s3.putObject(b -> b.overrideConfiguration(bound()).bucket(bucket).key(key).metadata(metadata).checksumSHA256(checksum)
                .contentLength((long) bytes.length), RequestBody.fromBytes(bytes)));
    }

    @Override
    public void delete(String key, String versionId) {
        call(() -> s3.deleteObject(b -> b.overrideConfiguration(bound()).bucket(bucket).key(key).versionId(versionId)));
    }

    @Override
    public BlobPage list(String prefix, String startAfter, int limit) {
        ListObjectsV2Response r = call(() -> s3.listObjectsV2(b -> b.overrideConfiguration(bound()).bucket(bucket).prefix(prefix)
                .startAfter(startAfter).maxKeys(limit)));
        List<BlobSummary> blobs = r.contents().stream()
                .map(o -> new BlobSummary(o.key(), o.size(), o.lastModified())).toList();
        String next = Boolean.TRUE.equals(r.isTruncated()) && !blobs.isEmpty() ? blobs.get(blobs.size() - 1).key() : null;
        return new BlobPage(blobs, next);
    }

    private <T> T call(Supplier<T> op) {
        try {
            return op.get();
        } catch (NoSuchBucketException e) {
            // A missing bucket is a deployment error, not a missing object.
            throw new BlobStoreException("S3 bucket " + bucket + " does not exist", e);
        } catch (NoSuchKeyException e) {
            throw e;
        } catch (S3Exception e) {
            if (e.statusCode() == 404 && !isNoSuchBucket(e)) {
                throw NoSuchKeyException.builder().message("not found").build();
            }
            throw new BlobStoreException("S3 failed with status " + e.statusCode(), e);
        } catch (SdkClientException e) {
            throw new BlobStoreException("S3 unreachable", e);
        }
    }

    private boolean isNoSuchBucket(S3Exception e) {
        if (e.awsErrorDetails() != null && "NoSuchBucket".equals(e.awsErrorDetails().errorCode())) {
            throw new BlobStoreException("S3 bucket " + bucket + " does not exist", e);
        }
        return false;
    }
}
