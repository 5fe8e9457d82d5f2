package dev.chunkvault.service.vault;

import static dev.chunkvault.service.store.Condition.and;
import static dev.chunkvault.service.store.Condition.eq;
import static dev.chunkvault.service.store.Condition.le;
import static dev.chunkvault.service.store.Condition.notExists;
import static dev.chunkvault.service.store.Condition.or;

import dev.chunkvault.service.store.Condition;
import dev.chunkvault.service.store.Item;
import dev.chunkvault.service.store.Key;
import dev.chunkvault.service.store.TxAction;
import dev.chunkvault.service.store.Update;
import java.util.Optional;

/**
 * One owner's usage item in the control table ({@code name = usage#<sub>}; no other control item has a name with a
 * '#'). Its counters are exact because every write that changes what they count changes them in the same transaction
 * (docs/storage-model.md, "Usage and quotas"):
 * <ul>
 *   <li>{@code logicalBytes}: the sizes of the heads of the owner's live (not deleted) files;</li>
 *   <li>{@code files}: the live files;</li>
 *   <li>{@code versions}: the published versions with content still stored (heads and history; deletions are not
 *       versions here: they hold nothing and cannot be restored); a version past retention counts until GC removes
 *       it;</li>
 *   <li>{@code historyBytes}: the sizes of those versions that are not a head;</li>
 *   <li>{@code seq}: a stamp advanced by every write that changes a counter, so the audit can prove a recount
 *       (as it proves reference counts with {@code refsSeq});</li>
 *   <li>{@code quota}: the owner's own quota on {@code logicalBytes} in bytes (0 = unlimited), absent: the default;</li>
 *   <li>{@code storedBytes}, {@code storedBytesAt}: the (plain) sizes of the distinct chunks the owner holds, as the last
 *       audit with fix measured them, and {@code storedCompressedBytes}: what those chunks take as stored (their
 *       compressed length when stored compressed, else their size), measured with them (a holding's first and last
 *       reference are not visible to a commit, so they cannot be kept exact cheaply).</li>
 * </ul>
 * An absent item (a new owner, or a store from before usage was counted) reads as all zeros; the audit's recount,
 * with fix, rebuilds it.
 */
public final class Usage {
    private Usage() {}

    public static final String PREFIX = "usage#";
    public static final String NAME = "name";
    public static final String LOGICAL_BYTES = "logicalBytes";
    public static final String FILES = "files";
    public static final String VERSIONS = "versions";
    public static final String HISTORY_BYTES = "historyBytes";
    public static final String SEQ = "seq";
    public static final String QUOTA = "quota";
    public static final String STORED_BYTES = "storedBytes";
    public static final String STORED_BYTES_AT = "storedBytesAt";
    /** What those distinct chunks take as stored (compressed when they are): measured with {@link #STORED_BYTES}. */
    public static final String STORED_COMPRESSED_BYTES = "storedCompressedBytes";

    /** The largest quota that can be set: 1 EiB (sums and differences of byte counts stay far from overflow). */
    public static final long MAX_QUOTA_BYTES = 1L << 60;

    public static Key key(Owner owner) {
        return Key.of(PREFIX + owner.sub());
    }

    /** The owner of a usage item's name, or null if the name is not a usage item's. */
    static String ownerOf(String name) {
        return name != null && name.startsWith(PREFIX) && name.length() > PREFIX.length()
                ? name.substring(PREFIX.length()) : null;
    }

    /** The four counters. */
    public record Counters(long logicalBytes, long files, long versions, long historyBytes) {
        public static final Counters ZERO = new Counters(0, 0, 0, 0);

        Counters plus(Counters d) {
            return new Counters(logicalBytes + d.logicalBytes, files + d.files, versions + d.versions,
                    historyBytes + d.historyBytes);
        }

        boolean isZero() {
            return equals(ZERO);
        }

        /** The counters as one write adds them, advancing the stamp. */
        Update add() {
            return Update.update().add(LOGICAL_BYTES, logicalBytes).add(FILES, files).add(VERSIONS, versions)
                    .add(HISTORY_BYTES, historyBytes).add(SEQ, 1);
        }
    }

    /**
     * The usage item as read.
     *
     * @param quota       the owner's own quota (0 = unlimited), or null: the default applies
     * @param storedBytes null until an audit measured it
     * @param storedCompressedBytes null until an audit measured it (an audit older than compression did not)
     */
    public record Row(Counters counters, long seq, Long quota, Long storedBytes, Long storedBytesAt,
                      Long storedCompressedBytes) {
        public static final Row EMPTY = new Row(Counters.ZERO, 0, null, null, null, null);

        public static Row from(Optional<Item> item) {
            return item.map(Row::from).orElse(EMPTY);
        }

        static Row from(Item i) {
            return new Row(new Counters(i.numberOr(LOGICAL_BYTES, 0), i.numberOr(FILES, 0), i.numberOr(VERSIONS, 0),
                    i.numberOr(HISTORY_BYTES, 0)), i.numberOr(SEQ, 0), i.has(QUOTA) ? i.number(QUOTA) : null,
                    i.has(STORED_BYTES) ? i.number(STORED_BYTES) : null,
                    i.has(STORED_BYTES_AT) ? i.number(STORED_BYTES_AT) : null,
                    i.has(STORED_COMPRESSED_BYTES) ? i.number(STORED_COMPRESSED_BYTES) : null);
        }

        /** The quota that applies, in bytes; 0 = unlimited. */
        public long effectiveQuota(Settings settings) {
            return quota != null ? quota : settings.defaultQuotaBytes();
        }
    }

    /**
     * What replacing a file's head {@code parent} (null: a new file) with a version of {@code size} bytes (or a
     * deletion) changes: the parent leaves the heads for the history (a deletion holds nothing either way).
     */
    static Counters ofNewHead(VersionRow parent, long size, boolean tombstone) {
        boolean parentLive = parent != null && !parent.tombstone();
        long parentSize = parentLive ? parent.size() : 0;
        long newSize = tombstone ? 0 : size;
        return new Counters(newSize - parentSize, (tombstone ? 0 : 1) - (parentLive ? 1 : 0), tombstone ? 0 : 1,
                parentSize);
    }

    /** What removing a stored version that is not a head (GC expiry) changes. */
    static Counters ofExpired(VersionRow v) {
        return v.tombstone() ? Counters.ZERO : new Counters(0, 0, -1, -v.size());
    }

    /** The transaction action that moves the owner's counters by {@code delta}, on {@code condition}. */
    static TxAction change(Owner owner, Counters delta, Condition condition) {
        return TxAction.update(Tables.CONTROL, key(owner), delta.add(), condition);
    }

    /**
     * The condition under which a commit may grow the owner's logical bytes by {@code growth} (> 0): the quota is still
     * the one read ({@code seen}), and, unless it is unlimited, the bytes in use leave room for the growth. It holds for
     * exactly the states in which the commit stays within the quota, however many commits race for the room.
     */
    static Condition withinQuota(Row seen, long quota, long growth) {
        Condition sameQuota = seen.quota() == null ? notExists(QUOTA) : eq(QUOTA, seen.quota());
        if (quota == 0) {
            return sameQuota;
        }
        long limit = quota - growth;
        // An absent counter is 0, which leaves room exactly when the growth alone fits.
        Condition room = limit >= 0 ? or(notExists(LOGICAL_BYTES), le(LOGICAL_BYTES, limit)) : le(LOGICAL_BYTES, limit);
        return and(sameQuota, room);
    }
}
