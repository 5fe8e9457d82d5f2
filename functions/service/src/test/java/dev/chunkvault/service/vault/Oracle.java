package dev.chunkvault.service.vault;

import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.core.manifest.Manifest;
import dev.chunkvault.service.blob.BlobInfo;
import dev.chunkvault.service.sim.TestVault;
import dev.chunkvault.service.store.Item;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Checks the storage invariants by reading the fakes directly (no scheduling points, no faults):
 * <ul>
 *   <li>every chunk of every retained (ACTIVE) version is stored with the right bytes, and its row is not being
 *       deleted;</li>
 *   <li>the reference counts equal their recount (the audit);</li>
 *   <li>after quiescence and GC, nothing unreferenced older than the grace period is left.</li>
 * </ul>
 */
public final class Oracle {
    private final TestVault vault;
    /** Decoded manifests by hash: content-addressed, so a cache cannot go stale. */
    private final Map<ChunkId, Manifest> decoded = new java.util.concurrent.ConcurrentHashMap<>();
    /** Objects whose checksum was checked, as key@lastModified/size. */
    private final Set<String> verifiedObjects = new HashSet<>();

    public Oracle(TestVault vault) {
        this.vault = vault;
    }

    /** Every item of a table, read from the backend's own store (no faults, no scheduling points). */
    List<Item> all(String table) {
        List<Item> out = new ArrayList<>();
        if (vault.items != null) {
            return vault.items.items(table);
        }
        dev.chunkvault.service.store.Cursor cursor = null;
        do {
            dev.chunkvault.service.store.Page<Item> page = vault.backend.items().scan(table, cursor, 500);
            out.addAll(page.items());
            cursor = page.next();
        } while (cursor != null);
        return out;
    }

    private List<VersionRow> versions() {
        List<VersionRow> out = new ArrayList<>();
        for (Item i : all(Tables.VERSIONS)) {
            out.add(VersionRow.from(i));
        }
        return out;
    }

    private Manifest manifest(VersionRow v) {
        Manifest cached = decoded.get(v.manifestHash());
        if (cached != null) {
            return cached;
        }
        byte[] encoded = v.manifest() != null ? v.manifest().toByteArray()
                : vault.backend.blobs().get(v.manifestKey()).orElseThrow(() ->
                        new AssertionError("manifest object of version " + v.versionId() + " is missing"));
        if (!ChunkId.sha256(encoded).equals(v.manifestHash())) {
            throw new AssertionError("manifest of " + v.versionId() + " does not match its hash");
        }
        Manifest m = Manifest.decode(encoded);
        decoded.put(v.manifestHash(), m);
        return m;
    }

    /**
     * Chunks that readable versions need, with their sizes (versions past retention are gone for readers even
     * before GC removes them). With {@code includeAll}, every stored version counts, pending ones included.
     */
    public Map<ChunkId, Integer> referenced(boolean includeAll) {
        Map<ChunkId, Integer> out = new HashMap<>();
        long now = vault.clock.millis();
        for (VersionRow v : versions()) {
            if (v.readableAt(now) || (includeAll && v.state() != VersionRow.State.ABORTED)) {
                Manifest m = manifest(v);
                for (int i = 0; i < m.chunkCount(); i++) {
                    out.put(m.id(i), m.size(i));
                }
            }
        }
        return out;
    }

    /**
     * Invariant 1: no referenced chunk missing or wrong, none being deleted. Rows come from one scan and objects
     * from one listing (a few calls, not two per chunk, so the check is cheap enough to run after every step on
     * DynamoDB Local and s3proxy); each object is HEADed for its checksum once per (key, last-modified, size):
     * any re-upload or overwrite changes that and is checked again.
     */
    public void referencedChunksIntact() {
        if (vault.items != null) {
            referencedChunksIntactInMemory();
            return;
        }
        List<String> problems = new ArrayList<>();
        Map<ChunkId, ChunkRow> rows = new HashMap<>();
        for (Item i : all(Tables.CHUNKS)) {
            if (ChunkRow.isChunkKey(i.string(ChunkRow.ID))) {
                ChunkRow r = ChunkRow.from(i);
                rows.put(r.id(), r);
            }
        }
        Map<String, dev.chunkvault.service.blob.BlobSummary> objects = new HashMap<>();
        String after = null;
        do {
            dev.chunkvault.service.blob.BlobPage page = vault.backend.blobs().list("chunks/", after, 1000);
            page.blobs().forEach(b -> objects.put(b.key(), b));
            after = page.nextStartAfter();
        } while (after != null);
        referenced(false).forEach((id, size) -> {
            String key = ChunkRow.objectKey(id);
            ChunkRow row = rows.get(id);
            if (row != null && row.packed()) {
                checkPacked(problems, id, size, row);
                checkRow(problems, id, row);
                return;
            }
            dev.chunkvault.service.blob.BlobSummary listed = objects.get(key);
            if (listed == null) {
                problems.add("missing object " + id);
            } else if (listed.size() != size) {
                problems.add("wrong object size " + id);
            } else if (verifiedObjects.add(key + "@" + listed.lastModified() + "/" + listed.size())) {
                // The stores computed each object's checksum from its bytes when they stored them.
                Optional<BlobInfo> info = vault.backend.blobs().head(key);
                if (info.isEmpty()) {
                    problems.add("missing object " + id);
                } else if (info.get().size() != size || !id.base64().equals(info.get().sha256Base64())) {
                    problems.add("wrong object " + id);
                    verifiedObjects.remove(key + "@" + listed.lastModified() + "/" + listed.size());
                }
            }
            checkRow(problems, id, rows.get(id));
        });
        report(problems);
    }

    /** Invariant 1 on the fakes: a direct look at each referenced chunk (cheap in memory, unlike a scan per check). */
    private void referencedChunksIntactInMemory() {
        List<String> problems = new ArrayList<>();
        referenced(false).forEach((id, size) -> {
            ChunkRow row = vault.items.get(Tables.CHUNKS, ChunkRow.key(id)).map(ChunkRow::from).orElse(null);
            if (row != null && row.packed()) {
                checkPacked(problems, id, size, row);
                checkRow(problems, id, row);
                return;
            }
            // The fake computed each object's checksum from its bytes when it stored them.
            Optional<BlobInfo> info = vault.blobs.head(ChunkRow.objectKey(id));
            if (info.isEmpty()) {
                problems.add("missing object " + id);
            } else if (info.get().size() != size || !id.base64().equals(info.get().sha256Base64())) {
                problems.add("wrong object " + id);
            }
            checkRow(problems, id, vault.items.get(Tables.CHUNKS, ChunkRow.key(id)).map(ChunkRow::from).orElse(null));
        });
        report(problems);
    }

    /** A packed chunk: its pack row is there and not being deleted, and the range of the pack object hashes to its id. */
    private void checkPacked(List<String> problems, ChunkId id, long size, ChunkRow row) {
        Optional<Item> pack = vault.backend.items().get(Tables.CHUNKS, PackRow.key(row.pack()));
        if (pack.isEmpty() || PackRow.from(pack.get()).state() == PackRow.State.DELETING) {
            problems.add("chunk " + id + " is in pack " + row.pack() + " that is " + pack.map(p -> "DELETING").orElse("gone"));
            return;
        }
        long stored = row.storedLength();
        String key = PackRow.objectKey(row.pack()) + "#" + row.packOffset() + "/" + stored + "/" + row.encoding();
        if (verifiedObjects.contains(key)) {
            return; // pack objects are never overwritten: a range checked once stays right while the object is there
        }
        Optional<byte[]> bytes = vault.backend.blobs().getRange(PackRow.objectKey(row.pack()), row.packOffset(), (int) stored)
                .filter(b -> b.length == stored);
        if (bytes.isEmpty() || !PackService.holds(bytes.get(),
                new dev.chunkvault.core.pack.PackFormat.Entry(id, 0, (int) stored, row.encoding(), (int) size))) {
            problems.add("wrong packed bytes " + id);
        } else if (vault.backend.blobs().head(PackRow.objectKey(row.pack())).isPresent()) {
            verifiedObjects.add(key);
        }
    }

    /**
     * Every pack's live count equals the chunk rows located in it (placements, moves and sweeps change both in one
     * transaction, so this holds at every point).
     */
    public void packCountsMatch() {
        Map<String, long[]> located = new HashMap<>();
        Map<String, PackRow> packs = new HashMap<>();
        for (Item i : all(Tables.CHUNKS)) {
            String packId = PackRow.idOfKey(i.string(ChunkRow.ID));
            if (packId != null) {
                packs.put(packId, PackRow.from(i));
            } else if (i.string(ChunkRow.PACK) != null) {
                long[] c = located.computeIfAbsent(i.string(ChunkRow.PACK), k -> new long[2]);
                c[0]++;
                c[1] += i.numberOr(ChunkRow.SIZE, 0);
            }
        }
        List<String> wrong = new ArrayList<>();
        located.forEach((p, c) -> {
            PackRow row = packs.get(p);
            if (row == null) {
                wrong.add(c[0] + " chunk(s) in missing pack " + p);
            }
        });
        packs.forEach((p, row) -> {
            long[] c = located.getOrDefault(p, new long[2]);
            if (row.liveChunks() != c[0] || row.liveBytes() != c[1]) {
                wrong.add("pack " + p + " counts " + row.liveChunks() + "/" + row.liveBytes() + " but holds " + c[0] + "/" + c[1]);
            }
        });
        if (!wrong.isEmpty()) {
            throw new AssertionError("pack counts differ: " + wrong.subList(0, Math.min(5, wrong.size())));
        }
    }

    private static void checkRow(List<String> problems, ChunkId id, ChunkRow row) {
        if (row == null) {
            problems.add("no row for referenced chunk " + id);
        } else if (row.state() != ChunkRow.State.LIVE || row.refs() < 1) {
            problems.add("referenced chunk " + id + " is " + row.state() + " with refs " + row.refs());
        }
    }

    private static void report(List<String> problems) {
        if (!problems.isEmpty()) {
            throw new AssertionError(problems.size() + " referenced chunk problem(s), e.g. " + problems.subList(0,
                    Math.min(5, problems.size())));
        }
    }

    /**
     * Invariant 2: the counters equal the recount from edges, and the edges equal the runs of the manifests; every
     * owner's usage counters equal their recount from the files and versions (the audit's, and this oracle's own).
     */
    public void countsMatchRecount() {
        AuditService.AuditReport r = vault.audit.audit(false, false, () -> true);
        if (!r.clean()) {
            throw new AssertionError("audit found " + r.driftCount() + " drift(s): " + r.drifts().subList(0,
                    Math.min(5, r.drifts().size())));
        }
        usageMatchesRecount();
        packCountsMatch();
    }

    /**
     * Usage counters equal a recount done here, independently of the audit's code: per owner, the sizes and number of
     * live files' heads, the published versions with content, and the sizes of those that are not heads. They move in
     * the same transactions as what they count, so this holds at every point, not only at rest. No file got more new
     * versions in an hour than the limit.
     */
    public void usageMatchesRecount() {
        Map<String, Usage.Counters> recount = new HashMap<>();
        Set<String> heads = new HashSet<>();
        int maxPerHour = vault.settings.maxVersionsPerFilePerHour();
        for (Item i : all(Tables.FILES)) {
            FileRow f = FileRow.from(i);
            heads.add(f.fileId() + "#" + f.head());
            if (!f.deleted()) {
                recount.merge(f.owner(), new Usage.Counters(f.size(), 1, 0, 0), Usage.Counters::plus);
            }
            if (maxPerHour > 0 && f.windowCount() > maxPerHour) {
                throw new AssertionError(f.displayPath() + " got " + f.windowCount() + " versions in one hour");
            }
        }
        for (VersionRow v : versions()) {
            if (v.state() == VersionRow.State.ACTIVE && !v.tombstone()) {
                recount.merge(v.owner(), new Usage.Counters(0, 0, 1,
                        heads.contains(v.fileId() + "#" + v.versionId()) ? 0 : v.size()), Usage.Counters::plus);
            }
        }
        Map<String, Usage.Counters> stored = new HashMap<>();
        for (Item i : all(Tables.CONTROL)) {
            String owner = Usage.ownerOf(i.string(Usage.NAME));
            if (owner != null) {
                stored.put(owner, Usage.Row.from(i).counters());
            }
        }
        Set<String> owners = new HashSet<>(recount.keySet());
        owners.addAll(stored.keySet());
        List<String> wrong = new ArrayList<>();
        for (String owner : owners) {
            Usage.Counters want = recount.getOrDefault(owner, Usage.Counters.ZERO);
            Usage.Counters have = stored.getOrDefault(owner, Usage.Counters.ZERO);
            if (!want.equals(have)) {
                wrong.add(owner + ": stored " + have + ", recounted " + want);
            }
        }
        if (!wrong.isEmpty()) {
            throw new AssertionError("usage differs from its recount: " + wrong);
        }
    }

    /** Invariant 3 (after quiescence and two GC runs): no chunk row or object older than the grace period is garbage. */
    /** No pack that a GC run has had the chance to repack is still mostly dead (every chunk in it is movable here). */
    public void noMostlyDeadPacks() {
        long cutoff = vault.clock.millis() - vault.settings.grace().toMillis();
        List<String> left = new ArrayList<>();
        for (Item i : all(Tables.CHUNKS)) {
            if (!ChunkRow.isChunkKey(i.string(ChunkRow.ID))) {
                PackRow p = PackRow.from(i);
                if (Repacker.wanted(p) && i.numberOr(PackRow.GC_AT, Long.MAX_VALUE) < cutoff) {
                    left.add("pack " + p.id() + " " + p.liveBytes() + "/" + Repacker.chunkBytes(p) + " live");
                }
            }
        }
        if (!left.isEmpty()) {
            throw new AssertionError(left.size() + " mostly dead pack(s) left after GC, e.g. " + left.subList(0, Math.min(5, left.size())));
        }
    }

    public void noOldGarbage() {
        long cutoff = vault.clock.millis() - vault.settings.grace().plus(vault.settings.uploadUrlTtl()).toMillis();
        Set<ChunkId> needed = new HashSet<>(referenced(true).keySet());
        List<String> garbage = new ArrayList<>();
        for (Item i : all(Tables.CHUNKS)) {
            if (!ChunkRow.isChunkKey(i.string(ChunkRow.ID))) {
                PackRow p = PackRow.from(i);
                if (p.liveChunks() == 0 && i.numberOr(PackRow.GC_AT, Long.MAX_VALUE) < cutoff - vault.settings.grace().toMillis()) {
                    garbage.add("pack " + p.id() + " " + p.state());
                }
                continue;
            }
            ChunkRow r = ChunkRow.from(i);
            if (!needed.contains(r.id()) && Math.max(r.lastGrantAt(), r.lastDecAt()) < cutoff) {
                garbage.add("row " + r.id() + " " + r.state() + " " + i);
            }
        }
        String after = null;
        do {
            dev.chunkvault.service.blob.BlobPage page = vault.backend.blobs().list("chunks/", after, 500);
            for (dev.chunkvault.service.blob.BlobSummary b : page.blobs()) {
                ChunkId id = ChunkId.parse(b.key().substring("chunks/".length()));
                if (!needed.contains(id) && b.lastModified().toEpochMilli() < cutoff) {
                    garbage.add("object " + b.key() + " (modified " + b.lastModified() + ", row "
                            + vault.backend.items().get(Tables.CHUNKS, ChunkRow.key(id)).map(Object::toString).orElse("none") + ")");
                }
            }
            after = page.nextStartAfter();
        } while (after != null);
        if (!garbage.isEmpty()) {
            throw new AssertionError(garbage.size() + " unreferenced chunk(s) left after GC, e.g. "
                    + garbage.subList(0, Math.min(5, garbage.size())));
        }
    }
}
