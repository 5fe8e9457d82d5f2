package dev.chunkvault.service.vault;

import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.service.store.Condition;
import dev.chunkvault.service.store.TxAction;
import dev.chunkvault.service.store.Item;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The small commits of one batch request, written several to a transaction (issue 15). Each small commit is one
 * transaction of its own rows (version, head CAS, the previous head's expiry, its run edges) and of three shared kinds
 * of item: the owner's usage item, the holdings and the chunk rows of the chunks it adds. A group puts the own rows of
 * several commits side by side and writes each shared item once — the usage item with the sum of the counters, a
 * holding and a chunk row with the number of edges the group adds — so a transaction never touches one item twice
 * (which DynamoDB refuses) and stays within its {@value #MAX_ACTIONS} actions.
 *
 * <p>Every write keeps the condition it has alone, so the group happens only where each member would have happened on
 * its own, at the same moment; the usage item's quota condition is the members' together (the sum of their growth),
 * which is at least as strict. A cancelled group wrote nothing, and its members are then committed one by one as if
 * there had been no group, which gives each its own answer (stale parent, over the quota, a chunk being collected,
 * a retry that already landed).
 *
 * <p>Why: the emulator and DynamoDB both charge a transaction a round trip and a fixed cost whatever it holds
 * (docs/perf-many-files.md: DynamoDB Local does about 100 transactions of 6 items a second and 25 of 96, four times the
 * items), and every commit of one owner writes their usage item, on which concurrent transactions conflict.
 */
final class CommitGroups {
    /** DynamoDB's limit on the actions of one transaction. */
    static final int MAX_ACTIONS = 100;
    /**
     * Inline manifest bytes per group: a transaction holds at most 4 MB, and the rows besides the manifests are small.
     */
    static final int MAX_INLINE_BYTES = 2 << 20;

    private CommitGroups() {
    }

    /**
     * A small commit, ready to be written: its own rows ({@code own}: the version put, the head CAS, the previous head's
     * expiry), what it adds to the owner's usage and under which quota guard, and the chunks it pins.
     *
     * @param seenUsage the usage item the quota guard was computed from, or null when the commit has no guard
     * @param quota     the quota that applied then (with a guard)
     * @param growth    the logical bytes the commit adds (with a guard)
     * @param keyMillis when its change key was taken (the group is sent only while every member's key is fresh)
     */
    record Prepared(Owner owner, String fileId, String versionId, List<TxAction> own, Usage.Counters usage,
                    Usage.Row seenUsage, long quota, long growth, List<RefOps.Pin> pins,
                    int inlineBytes, long keyMillis, CommitService.CommitResult result) {
        Prepared {
            own = List.copyOf(own);
            pins = List.copyOf(pins);
        }

        boolean guarded() {
            return seenUsage != null;
        }
    }

    /**
     * A group of prepared commits and the one transaction that writes them all; {@code created}: the chunk rows it
     * creates (rows a seal of the batch left to its commits, {@link BatchSeals}).
     */
    record Group(List<Prepared> members, List<TxAction> actions, long oldestKeyMillis, Set<ChunkId> created) {}

    /** Splits the prepared commits, in order, into groups that each fit one transaction. */
    static List<Group> plan(List<Prepared> prepared) {
        return plan(prepared, Map.of());
    }

    /**
     * As {@link #plan(List)}, where {@code toCreate} are chunk rows no one has written yet, as a seal of the batch would
     * have written them ({@link BatchSeals}): the first group that pins such a chunk creates its row, LIVE with the
     * group's references and on {@code attribute_not_exists}, together with its pack's live count (on the pack not
     * being collected, as the seal's placement); a later group adds to it as to any row (on the same incarnation, so it
     * is cancelled if the first group was).
     */
    static List<Group> plan(List<Prepared> prepared, Map<ChunkId, Item> toCreate) {
        List<Group> groups = new ArrayList<>();
        Set<ChunkId> creating = new HashSet<>(toCreate.keySet());
        Builder current = new Builder(toCreate, creating);
        for (Prepared p : prepared) {
            if (!current.tryAdd(p)) {
                groups.add(current.build());
                current = new Builder(toCreate, creating);
                if (!current.tryAdd(p)) {
                    throw new IllegalStateException("a small commit fits a transaction of its own");
                }
            }
        }
        if (!current.members.isEmpty()) {
            groups.add(current.build());
        }
        return groups;
    }

    /** The members of one group so far, and their shared items merged. */
    private static final class Builder {
        /** The rows to create, and those no earlier group of the plan creates (shared by the plan's builders). */
        final Map<ChunkId, Item> toCreate;
        final Set<ChunkId> creating;
        final List<Prepared> members = new ArrayList<>();
        /** Per chunk: the pin of the first member that adds it, and how many members add it. */
        final Map<ChunkId, RefOps.Pin> pins = new LinkedHashMap<>();
        final Map<ChunkId, Integer> edges = new LinkedHashMap<>();
        int ownActions;
        int edgeActions;
        int inlineBytes;
        Usage.Counters usage = Usage.Counters.ZERO;
        Prepared guard;
        long guardedGrowth;
        long oldestKey = Long.MAX_VALUE;
        /** The packs whose live counts the group's created rows add to. */
        final Set<String> packs = new HashSet<>();

        Builder(Map<ChunkId, Item> toCreate, Set<ChunkId> creating) {
            this.toCreate = toCreate;
            this.creating = creating;
        }

        /** The row this group would create for the chunk (no earlier group of the plan creates it), or null. */
        private Item rowToCreate(ChunkId chunk) {
            return creating.contains(chunk) ? toCreate.get(chunk) : null;
        }

        boolean tryAdd(Prepared p) {
            if (!members.isEmpty()) {
                if (!p.owner().equals(members.get(0).owner())) {
                    return false;
                }
                if (p.guarded() && guard != null && (!Objects.equals(p.seenUsage().quota(), guard.seenUsage().quota())
                        || p.quota() != guard.quota())) {
                    return false; // read under another quota: its condition cannot be merged with the group's
                }
                if (inlineBytes + p.inlineBytes() > MAX_INLINE_BYTES) {
                    return false;
                }
            }
            int newChunks = 0;
            Set<String> newPacks = new HashSet<>();
            for (RefOps.Pin pin : p.pins()) {
                RefOps.Pin seen = pins.get(pin.chunk());
                if (seen == null) {
                    newChunks++;
                    Item row = rowToCreate(pin.chunk());
                    if (row != null && !packs.contains(row.string(ChunkRow.PACK))) {
                        newPacks.add(row.string(ChunkRow.PACK));
                    }
                } else if (!seen.incarnation().equals(pin.incarnation())) {
                    return false; // two readings of one chunk row: only one of them can still be right
                }
            }
            int total = ownActions + p.own().size() + 1 + edgeActions + p.pins().size() + 2 * (pins.size() + newChunks)
                    + packs.size() + newPacks.size();
            if (!members.isEmpty() && total > MAX_ACTIONS) {
                return false;
            }
            members.add(p);
            ownActions += p.own().size();
            edgeActions += p.pins().size();
            inlineBytes += p.inlineBytes();
            usage = usage.plus(p.usage());
            if (p.guarded()) {
                guard = guard == null ? p : guard;
                guardedGrowth += p.growth();
            }
            for (RefOps.Pin pin : p.pins()) {
                pins.putIfAbsent(pin.chunk(), pin);
                edges.merge(pin.chunk(), 1, Integer::sum);
            }
            packs.addAll(newPacks);
            oldestKey = Math.min(oldestKey, p.keyMillis());
            return true;
        }

        Group build() {
            Owner owner = members.get(0).owner();
            List<TxAction> actions = new ArrayList<>();
            members.forEach(p -> actions.addAll(p.own()));
            Condition usageCondition = guard == null ? Condition.ALWAYS
                    : Usage.withinQuota(guard.seenUsage(), guard.quota(), guardedGrowth);
            actions.add(Usage.change(owner, usage, usageCondition));
            for (Prepared p : members) {
                p.pins().forEach(pin -> actions.add(RefOps.edgePut(owner, p.fileId(), p.versionId(), pin.chunk())));
            }
            Set<ChunkId> created = new HashSet<>();
            Map<String, long[]> placed = new LinkedHashMap<>();
            pins.forEach((chunk, pin) -> {
                actions.add(RefOps.holdingAdd(owner, chunk, edges.get(chunk)));
                Item row = rowToCreate(chunk);
                if (row != null && row.string(ChunkRow.INCARNATION).equals(pin.incarnation())) {
                    actions.add(TxAction.put(Tables.CHUNKS, BatchSeals.live(row, edges.get(chunk)), Condition.notExists(ChunkRow.ID)));
                    long[] count = placed.computeIfAbsent(row.string(ChunkRow.PACK), k -> new long[2]);
                    count[0]++;
                    count[1] += row.number(ChunkRow.SIZE);
                    created.add(chunk);
                } else {
                    actions.add(RefOps.chunkAdd(pin, edges.get(chunk)));
                }
            });
            placed.forEach((pack, count) -> actions.add(PackService.liveCount(pack, count[0], count[1])));
            creating.removeAll(created); // a later group adds to the row this one creates
            return new Group(List.copyOf(members), actions, oldestKey, Set.copyOf(created));
        }
    }
}
