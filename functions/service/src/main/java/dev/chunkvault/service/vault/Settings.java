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
 * @param maxManifestChunks    entries in one version's manifest (a delta's are counted expanded): 50,000 fits a
 *                             10 GB file of the default profile (about 40,000 chunks of 256 KiB) and a file of about
 *                             195 GiB of the large-file profile, and keeps a manifest under 2 MB
 * @param inlineManifestBytes  manifests up to this size live in the version item; larger ones in the blob store
 * @param smallCommitChunks    a commit adding at most this many chunks is one transaction
 * @param parallelism          concurrent store calls one request may make (1 = sequential)
 * @param commitBudget         how long one commit request may spend pinning a large version's chunks before it
 *                             answers "in progress" (503, the client sends the same request again and it goes on
 *                             where this one stopped); well inside the functions' 29 s timeout
 * @param defaultQuotaBytes    an owner's quota on the logical bytes of their files, unless set for them alone
 *                             (0 = unlimited)
 * @param maxVersionsPerFilePerHour new versions of one file (commits with content) per clock hour (0 = unlimited);
 *                             deletes and restores are not counted
 */
public record Settings(Duration retention, Duration grace, Duration uploadUrlTtl, Duration downloadUrlTtl,
                       Duration pendingGrace, Duration leaseTtl, Duration storeCallTimeout, int maxChunksPerRequest,
                       int maxManifestChunks, int inlineManifestBytes, int smallCommitChunks, int parallelism,
                       Duration commitBudget, long defaultQuotaBytes, int maxVersionsPerFilePerHour) {

    /** How far the clocks of two functions may disagree, as the GC lease's margins allow for. */
    static final Duration LEASE_SKEW = Duration.ofSeconds(30);

    public static final Settings DEFAULTS = new Settings(Duration.ofDays(30), Duration.ofHours(24),
            Duration.ofMinutes(10), Duration.ofMinutes(15), Duration.ofHours(1), Duration.ofMinutes(2),
            Duration.ofSeconds(30), 1000, 50_000, 64 * 1024, 32, 16, Duration.ofSeconds(20), 0, 0);

    public Settings {
        if (leaseTtl.minus(storeCallTimeout).minus(LEASE_SKEW).compareTo(leaseTtl.dividedBy(4)) <= 0) {
            throw new IllegalArgumentException("the GC lease must outlast a store call, the clock skew margin and a"
                    + " renewal interval");
        }
        // Version put, head CAS, previous head's expiry, the owner's usage, and three writes per added chunk.
        if (smallCommitChunks < 0 || 4 + 3L * smallCommitChunks > 100) {
            throw new IllegalArgumentException("a small commit must fit one 100-action transaction");
        }
        if (defaultQuotaBytes < 0 || defaultQuotaBytes > Usage.MAX_QUOTA_BYTES || maxVersionsPerFilePerHour < 0) {
            throw new IllegalArgumentException("the default quota and the versions per hour must be 0 (unlimited) or"
                    + " positive");
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
                maxChunksPerRequest, maxManifestChunks, inlineManifestBytes, smallCommitChunks, parallelism, commitBudget,
                defaultQuotaBytes, maxVersionsPerFilePerHour);
    }

    public Settings withGrace(Duration d) {
        return new Settings(retention, d, uploadUrlTtl, downloadUrlTtl, pendingGrace, leaseTtl, storeCallTimeout,
                maxChunksPerRequest, maxManifestChunks, inlineManifestBytes, smallCommitChunks, parallelism, commitBudget,
                defaultQuotaBytes, maxVersionsPerFilePerHour);
    }

    public Settings withParallelism(int n) {
        return new Settings(retention, grace, uploadUrlTtl, downloadUrlTtl, pendingGrace, leaseTtl, storeCallTimeout,
                maxChunksPerRequest, maxManifestChunks, inlineManifestBytes, smallCommitChunks, n, commitBudget,
                defaultQuotaBytes, maxVersionsPerFilePerHour);
    }

    public Settings withSmallCommitChunks(int n) {
        return new Settings(retention, grace, uploadUrlTtl, downloadUrlTtl, pendingGrace, leaseTtl, storeCallTimeout,
                maxChunksPerRequest, maxManifestChunks, inlineManifestBytes, n, parallelism, commitBudget,
                defaultQuotaBytes, maxVersionsPerFilePerHour);
    }

    public Settings withCommitBudget(Duration d) {
        return new Settings(retention, grace, uploadUrlTtl, downloadUrlTtl, pendingGrace, leaseTtl, storeCallTimeout,
                maxChunksPerRequest, maxManifestChunks, inlineManifestBytes, smallCommitChunks, parallelism, d,
                defaultQuotaBytes, maxVersionsPerFilePerHour);
    }

    public Settings withInlineManifestBytes(int n) {
        return new Settings(retention, grace, uploadUrlTtl, downloadUrlTtl, pendingGrace, leaseTtl, storeCallTimeout,
                maxChunksPerRequest, maxManifestChunks, n, smallCommitChunks, parallelism, commitBudget,
                defaultQuotaBytes, maxVersionsPerFilePerHour);
    }

    public Settings withDefaultQuotaBytes(long bytes) {
        return new Settings(retention, grace, uploadUrlTtl, downloadUrlTtl, pendingGrace, leaseTtl, storeCallTimeout,
                maxChunksPerRequest, maxManifestChunks, inlineManifestBytes, smallCommitChunks, parallelism, commitBudget,
                bytes, maxVersionsPerFilePerHour);
    }

    public Settings withMaxVersionsPerFilePerHour(int n) {
        return new Settings(retention, grace, uploadUrlTtl, downloadUrlTtl, pendingGrace, leaseTtl, storeCallTimeout,
                maxChunksPerRequest, maxManifestChunks, inlineManifestBytes, smallCommitChunks, parallelism, commitBudget,
                defaultQuotaBytes, n);
    }

    public Settings withMaxManifestChunks(int n) {
        return new Settings(retention, grace, uploadUrlTtl, downloadUrlTtl, pendingGrace, leaseTtl, storeCallTimeout,
                maxChunksPerRequest, n, inlineManifestBytes, smallCommitChunks, parallelism, commitBudget,
                defaultQuotaBytes, maxVersionsPerFilePerHour);
    }
}
