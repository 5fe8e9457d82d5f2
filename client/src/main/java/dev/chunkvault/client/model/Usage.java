package dev.chunkvault.client.model;

import java.time.Instant;

/**
 * An account's usage, as {@code GET /v1/usage} (and, with {@code owner}, {@code PUT /v1/admin/quota}) describes it.
 *
 * @param owner         the account (only in an operator's answer), else null
 * @param logicalBytes  the sizes of the current versions of its files: what the quota limits
 * @param files         its files (deleted ones not counted)
 * @param versions      versions with content kept, current and earlier
 * @param historyBytes  the sizes of the earlier versions (not limited by the quota)
 * @param quota         the quota on {@code logicalBytes} in bytes, null when unlimited
 * @param storedBytes   what its chunks take after dedup, as of {@code storedBytesAt} (the last audit that measured it),
 *                      by their plain sizes; null until then
 * @param storedCompressedBytes what those chunks take as stored (compressed ones by their compressed length); null
 *                      until an audit measured it (and from a service older than compression)
 */
public record Usage(String owner, long logicalBytes, long files, long versions, long historyBytes, Long quota,
                    Long storedBytes, Instant storedBytesAt, Long storedCompressedBytes) {
    /** Whether the current files take more than the quota (a restore may do that; new content is refused). */
    public boolean overQuota() {
        return quota != null && logicalBytes > quota;
    }

    /** Bytes that new content may still take, or null when unlimited. */
    public Long available() {
        return quota == null ? null : Math.max(0, quota - logicalBytes);
    }
}
