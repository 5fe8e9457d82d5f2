package dev.chunkvault.service.vault;

import dev.chunkvault.service.error.ServiceException;
import dev.chunkvault.service.store.Condition;
import dev.chunkvault.service.store.ConditionFailedException;
import dev.chunkvault.service.store.ItemStore;
import dev.chunkvault.service.store.Update;
import java.time.Instant;

/**
 * An owner's usage and quota (docs/storage-model.md, "Usage and quotas"): what {@code GET /v1/usage} shows the caller,
 * and what an operator sets with {@code PUT /v1/admin/quota}.
 */
public final class UsageService {
    private final ItemStore store;
    private final Settings settings;
    private final Retry retry;

    public UsageService(ItemStore store, Settings settings, Retry retry) {
        this.store = store;
        this.settings = settings;
        this.retry = retry;
    }

    /**
     * An owner's usage.
     *
     * @param logicalBytes  the sizes of the current versions of their files (what the quota limits)
     * @param files         their files (deleted ones not counted)
     * @param versions      the versions with content kept for them, current and earlier (until GC removes them after the
     *                      retention period)
     * @param historyBytes  the sizes of the earlier versions among them (not limited by the quota)
     * @param quota         the quota on {@code logicalBytes}, null when unlimited
     * @param storedBytes   the distinct chunks they hold, after dedup, as of {@code storedBytesAt} (the last audit that
     *                      measured it): their plain sizes; null until then
     * @param storedCompressedBytes what those chunks take as stored (compressed ones by their compressed length),
     *                      measured with {@code storedBytes}; null until an audit measured it
     */
    public record UsageView(long logicalBytes, long files, long versions, long historyBytes, Long quota,
                            Long storedBytes, Instant storedBytesAt, Long storedCompressedBytes) {
        static UsageView of(Usage.Row row, Settings settings) {
            long quota = row.effectiveQuota(settings);
            Usage.Counters c = row.counters();
            // Counters start at 0 in a store from before usage was counted, so they can dip below until the audit
            // rebuilds them (see Usage): never show a negative amount.
            return new UsageView(Math.max(0, c.logicalBytes()), Math.max(0, c.files()), Math.max(0, c.versions()),
                    Math.max(0, c.historyBytes()), quota == 0 ? null : quota, row.storedBytes(),
                    row.storedBytesAt() == null ? null : Instant.ofEpochMilli(row.storedBytesAt()),
                    row.storedBytes() == null ? null : row.storedCompressedBytes());
        }
    }

    /** The caller's own usage (also what an owner who never committed anything sees: zeros and the default quota). */
    public UsageView usage(Owner owner) {
        return UsageView.of(read(owner), settings);
    }

    /** An owner's usage, as an operator sees it. */
    public record OwnerUsage(String owner, long logicalBytes, long files, long versions, long historyBytes, Long quota,
                             Long storedBytes, Instant storedBytesAt, Long storedCompressedBytes) {
        static OwnerUsage of(Owner owner, UsageView u) {
            return new OwnerUsage(owner.sub(), u.logicalBytes(), u.files(), u.versions(), u.historyBytes(), u.quota(),
                    u.storedBytes(), u.storedBytesAt(), u.storedCompressedBytes());
        }
    }

    /**
     * Sets one owner's quota on logical bytes ({@code quotaBytes}: 0 = unlimited), or with null removes it (the default
     * applies again). No counter changes and nothing is checked against the current usage: an owner already past a
     * lowered quota keeps everything, may delete and restore, and may commit only what does not grow their bytes. A
     * commit that read the quota before this write fails its condition and reads it again.
     */
    public OwnerUsage setQuota(Owner owner, Long quotaBytes) {
        if (quotaBytes != null && (quotaBytes < 0 || quotaBytes > Usage.MAX_QUOTA_BYTES)) {
            throw ServiceException.badRequest("INVALID_QUOTA", "quotaBytes must be 0 (unlimited) to "
                    + Usage.MAX_QUOTA_BYTES + ", or null for the default.");
        }
        if (quotaBytes != null) {
            retry.run(() -> store.update(Tables.CONTROL, Usage.key(owner), Update.update().set(Usage.QUOTA, quotaBytes),
                    Condition.ALWAYS));
        } else {
            try {
                retry.run(() -> store.update(Tables.CONTROL, Usage.key(owner), Update.update().remove(Usage.QUOTA),
                        Condition.exists(Usage.NAME)));
            } catch (ConditionFailedException none) {
                // no usage item: nothing to clear (and no empty item made)
            }
        }
        return OwnerUsage.of(owner, usage(owner));
    }

    private Usage.Row read(Owner owner) {
        return Usage.Row.from(retry.call(() -> store.get(Tables.CONTROL, Usage.key(owner))));
    }
}
