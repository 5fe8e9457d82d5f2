package dev.chunkvault.service.vault;

import java.time.Duration;

/**
 * Tunables and the named GC safety margins (docs/storage-model.md). The wiring class reads them from the
 * function's environment; tests build them directly.
 *
 * @param retention            how long a superseded version (and a deleted file) stays restorable
 * @param grace                how long a chunk stays at refs 0 before GC may mark it
 * @param uploadUrlTtl         lifetime of a presigned upload URL
 * @param downloadUrlTtl       lifetime of a presigned download URL
 * @param pendingGrace         after this, an unpublished (PENDING) version is abandoned and rolled back
 * @param leaseTtl             GC lease lifetime from its last renewal (a working run renews it every quarter of it)
 * @param storeCallTimeout     upper bound of one store call (the SDK's API call timeout)
 * @param maxChunksPerRequest  chunk ids in one upload-grant or download request
 * @param maxManifestChunks    chunks in one manifest
 * @param inlineManifestBytes  manifests up to this size live in the version item; larger ones in the blob store
 * @param smallCommitChunks    a commit adding at most this many chunks is one transaction
 * @param parallelism          concurrent store calls one request may make (1 = sequential)
 * @param commitBudget         how long one commit request may spend pinning a large version's chunks before it
 *                             answers "in progress" (503, the client sends the same request again and it goes on
 *                             where this one stopped); well inside the functions' 29 s timeout
 */
public record Settings(Duration retention, Duration grace, Duration uploadUrlTtl, Duration downloadUrlTtl,
                       Duration pendingGrace, Duration leaseTtl, Duration storeCallTimeout, int maxChunksPerRequest,
                       int maxManifestChunks, int inlineManifestBytes, int smallCommitChunks, int parallelism,
                       Duration commitBudget) {

    /** How far the clocks of two functions may disagree, as the GC lease's margins allow for. */
    static final Duration LEASE_SKEW = Duration.ofSeconds(30);

    public static final Settings DEFAULTS = new Settings(Duration.ofDays(30), Duration.ofHours(24),
            Duration.ofMinutes(10), Duration.ofMinutes(15), Duration.ofHours(1), Duration.ofMinutes(2),
            Duration.ofSeconds(30), 1000, 200_000, 64 * 1024, 32, 16, Duration.ofSeconds(20));

    public Settings {
        if (leaseTtl.minus(storeCallTimeout).minus(LEASE_SKEW).compareTo(leaseTtl.dividedBy(4)) <= 0) {
            throw new IllegalArgumentException("the GC lease must outlast a store call, the clock skew margin and a"
                    + " renewal interval");
        }
        if (smallCommitChunks < 0 || 3 + 3L * smallCommitChunks > 100) {
            throw new IllegalArgumentException("a small commit must fit one 100-action transaction");
        }
        if (retention.isNegative() || grace.isNegative() || commitBudget.isNegative() || parallelism < 1) {
            throw new IllegalArgumentException("durations must be positive and parallelism at least 1");
        }
    }

    /**
     * How long after it sent its last successful take or renewal of the lease a GC run may still issue object
     * deletes: any delete it sends lands before the lease can expire, on any clock within {@link #leaseSkew()}, and
     * be taken over (docs/storage-model.md, "Zombie deletes").
     */
    public Duration deleteCutoff() {
        return leaseTtl.minus(storeCallTimeout).minus(LEASE_SKEW);
    }

    /** How often a working GC run renews its lease: well inside {@link #deleteCutoff()}. */
    public Duration leaseRenewEvery() {
        return leaseTtl.dividedBy(4);
    }

    /** The clock-skew margin of the GC lease. */
    public Duration leaseSkew() {
        return LEASE_SKEW;
    }

    public Settings withRetention(Duration d) {
        return new Settings(d, grace, uploadUrlTtl, downloadUrlTtl, pendingGrace, leaseTtl, storeCallTimeout,
                maxChunksPerRequest, maxManifestChunks, inlineManifestBytes, smallCommitChunks, parallelism, commitBudget);
    }

    public Settings withGrace(Duration d) {
        return new Settings(retention, d, uploadUrlTtl, downloadUrlTtl, pendingGrace, leaseTtl, storeCallTimeout,
                maxChunksPerRequest, maxManifestChunks, inlineManifestBytes, smallCommitChunks, parallelism, commitBudget);
    }

    public Settings withParallelism(int n) {
        return new Settings(retention, grace, uploadUrlTtl, downloadUrlTtl, pendingGrace, leaseTtl, storeCallTimeout,
                maxChunksPerRequest, maxManifestChunks, inlineManifestBytes, smallCommitChunks, n, commitBudget);
    }

    public Settings withSmallCommitChunks(int n) {
        return new Settings(retention, grace, uploadUrlTtl, downloadUrlTtl, pendingGrace, leaseTtl, storeCallTimeout,
                maxChunksPerRequest, maxManifestChunks, inlineManifestBytes, n, parallelism, commitBudget);
    }

    public Settings withCommitBudget(Duration d) {
        return new Settings(retention, grace, uploadUrlTtl, downloadUrlTtl, pendingGrace, leaseTtl, storeCallTimeout,
                maxChunksPerRequest, maxManifestChunks, inlineManifestBytes, smallCommitChunks, parallelism, d);
    }

    public Settings withInlineManifestBytes(int n) {
        return new Settings(retention, grace, uploadUrlTtl, downloadUrlTtl, pendingGrace, leaseTtl, storeCallTimeout,
                maxChunksPerRequest, maxManifestChunks, n, smallCommitChunks, parallelism, commitBudget);
    }
}
