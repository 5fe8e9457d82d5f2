package dev.chunkvault.service.vault;

import static dev.chunkvault.service.store.Condition.eq;

import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.core.manifest.Manifest;
import dev.chunkvault.core.manifest.ManifestDiff;
import dev.chunkvault.service.blob.BlobInfo;
import dev.chunkvault.service.blob.BlobStore;
import dev.chunkvault.service.store.ConditionFailedException;
import dev.chunkvault.service.store.Cursor;
import dev.chunkvault.service.store.Item;
import dev.chunkvault.service.store.ItemStore;
import dev.chunkvault.service.store.Page;
import dev.chunkvault.service.store.Update;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The audit (DESIGN.md §7, "verify"): recounts every chunk's refs and every holding from the run edges, and the
 * edges from the manifests of the retained versions; reports drift and, on request, fixes the counters
 * (conditionally on them being unchanged since read). Optionally checks that every referenced chunk's object
 * exists with its size. A full scan: run it on demand, not on a request path.
 */
public final class AuditService {
    /** Drift kinds, most dangerous first. */
    public enum Kind {
        /** A chunk that a retained version references is being deleted or has no row. */
        REFERENCED_CHUNK_UNAVAILABLE,
        /** A referenced chunk's object is missing or has the wrong size. */
        MISSING_OBJECT,
        /** refs below the edge count: GC could collect a chunk that is still needed. */
        REFS_TOO_LOW,
        /** refs above the edge count: the chunk would leak. */
        REFS_TOO_HIGH,
        /** An owner's holding count differs from their edges. */
        HOLDING,
        /**
         * The edges of a (file, chunk) are outside what its versions' manifests allow: at least one per run of
         * readable versions, at most that plus the runs only versions past retention (expired, not yet removed)
         * have, plus the pins of unpublished versions (an expiry or a commit may be half done).
         */
        EDGES
    }

    public record Drift(Kind kind, String chunk, String owner, String fileId, long stored, long expected) {}

    public record AuditReport(long chunks, long edges, long holdings, long versions, long driftCount, List<Drift> drifts,
                              long fixed, boolean complete) {
        public boolean clean() {
            return complete && driftCount == 0;
        }
    }

    private static final int PAGE = 500;
    static final int MAX_LISTED = 1000;

    private final ItemStore store;
    private final BlobStore blobs;
    private final java.time.Clock clock;
    private final Retry retry;
    private final ManifestStore manifests;

    public AuditService(ItemStore store, BlobStore blobs, java.time.Clock clock, Settings settings, Retry retry) {
        this.store = store;
        this.clock = clock;
        this.blobs = blobs;
        this.retry = retry;
        this.manifests = new ManifestStore(blobs, settings, retry);
    }

    public AuditReport audit(boolean fix, boolean checkObjects, BooleanSupplier go) {
        List<Drift> drifts = new ArrayList<>();
        long[] driftCount = {0};
        long[] fixed = {0};
        Consumer<Drift> report = d -> {
            driftCount[0]++;
            if (drifts.size() < MAX_LISTED) {
                drifts.add(d);
            }
        };

        // 1. The edges, counted per chunk, per (owner, chunk) and per (owner, chunk, file); the holdings.
        Map<ChunkId, Long> edgesPerChunk = new HashMap<>();
        Map<String, Long> edgesPerRef = new HashMap<>();
        Map<String, Long> edgesPerRefFile = new HashMap<>();
        Map<String, Long> holdings = new HashMap<>();
        long edges = 0;
        Cursor cursor = null;
        do {
            if (!go.getAsBoolean()) {
                return incomplete(drifts, driftCount[0]);
            }
            Cursor c = cursor;
            Page<Item> page = retry.call(() -> store.scan(Tables.REFS, c, PAGE));
            for (Item i : page.items()) {
                String ref = i.string(Refs.REF);
                String edge = i.string(Refs.EDGE);
                if (Refs.HOLDING.equals(edge)) {
                    holdings.put(ref, i.numberOr(Refs.COUNT, 0));
                } else {
                    edges++;
                    edgesPerChunk.merge(Refs.chunkOf(ref), 1L, Long::sum);
                    edgesPerRef.merge(ref, 1L, Long::sum);
                    edgesPerRefFile.merge(ref + "|" + edge.substring(0, edge.indexOf('#')), 1L, Long::sum);
                }
            }
            cursor = page.next();
        } while (cursor != null);

        // 2. Holdings against edges.
        Set<String> refs = new HashSet<>(holdings.keySet());
        refs.addAll(edgesPerRef.keySet());
        for (String ref : refs) {
            long stored = holdings.getOrDefault(ref, 0L);
            long expected = edgesPerRef.getOrDefault(ref, 0L);
            if (stored != expected) {
                report.accept(new Drift(Kind.HOLDING, Refs.chunkOf(ref).hex(), Refs.ownerOf(ref), null, stored, expected));
                if (fix && fixCounter(Tables.REFS, Refs.holding(new Owner(Refs.ownerOf(ref)), Refs.chunkOf(ref)),
                        Refs.COUNT, stored, expected, holdings.containsKey(ref))) {
                    fixed[0]++;
                }
            }
        }

        // 3. Chunk rows against edges (and, optionally, their objects).
        long chunks = 0;
        Set<ChunkId> seen = new HashSet<>();
        cursor = null;
        do {
            if (!go.getAsBoolean()) {
                return incomplete(drifts, driftCount[0]);
            }
            Cursor c = cursor;
            Page<Item> page = retry.call(() -> store.scan(Tables.CHUNKS, c, PAGE));
            for (Item i : page.items()) {
                chunks++;
                ChunkRow row = ChunkRow.from(i);
                seen.add(row.id());
                long expected = edgesPerChunk.getOrDefault(row.id(), 0L);
                if (expected > 0 && row.state() == ChunkRow.State.DELETING) {
                    report.accept(new Drift(Kind.REFERENCED_CHUNK_UNAVAILABLE, row.id().hex(), null, null, row.refs(), expected));
                }
                if (row.refs() != expected) {
                    report.accept(new Drift(row.refs() < expected ? Kind.REFS_TOO_LOW : Kind.REFS_TOO_HIGH, row.id().hex(),
                            null, null, row.refs(), expected));
                    if (fix && row.state() != ChunkRow.State.DELETING
                            && fixCounter(Tables.CHUNKS, ChunkRow.key(row.id()), ChunkRow.REFS, row.refs(), expected, true)) {
                        fixed[0]++;
                    }
                }
                if (checkObjects && expected > 0) {
                    Optional<BlobInfo> info = retry.call(() -> blobs.head(ChunkRow.objectKey(row.id())));
                    if (info.isEmpty() || (row.size() >= 0 && info.get().size() != row.size())) {
                        report.accept(new Drift(Kind.MISSING_OBJECT, row.id().hex(), null, null, 0, expected));
                    }
                }
            }
            cursor = page.next();
        } while (cursor != null);
        for (Map.Entry<ChunkId, Long> e : edgesPerChunk.entrySet()) {
            if (!seen.contains(e.getKey())) {
                report.accept(new Drift(Kind.REFERENCED_CHUNK_UNAVAILABLE, e.getKey().hex(), null, null, 0, e.getValue()));
            }
        }

        // 4. Edges against the runs of the retained versions' manifests.
        Map<String, List<VersionRow>> byFile = new HashMap<>();
        long versions = 0;
        cursor = null;
        do {
            if (!go.getAsBoolean()) {
                return incomplete(drifts, driftCount[0]);
            }
            Cursor c = cursor;
            Page<Item> page = retry.call(() -> store.scan(Tables.VERSIONS, c, PAGE));
            for (Item i : page.items()) {
                VersionRow v = VersionRow.from(i);
                versions++;
                byFile.computeIfAbsent(v.fileId(), k -> new ArrayList<>()).add(v);
            }
            cursor = page.next();
        } while (cursor != null);
        Map<String, Long> atLeast = new HashMap<>();
        Map<String, Long> atMost = new HashMap<>();
        long now = clock.millis();
        for (Map.Entry<String, List<VersionRow>> e : byFile.entrySet()) {
            if (!go.getAsBoolean()) {
                return incomplete(drifts, driftCount[0]);
            }
            expectedRuns(e.getKey(), e.getValue(), now, atLeast, atMost);
        }
        Set<String> keys = new HashSet<>(atMost.keySet());
        keys.addAll(edgesPerRefFile.keySet());
        for (String key : keys) {
            long stored = edgesPerRefFile.getOrDefault(key, 0L);
            long low = atLeast.getOrDefault(key, 0L);
            long high = atMost.getOrDefault(key, 0L);
            if (stored < low || stored > high) {
                long expected = stored < low ? low : high;
                String ref = key.substring(0, key.indexOf('|'));
                report.accept(new Drift(Kind.EDGES, Refs.chunkOf(ref).hex(), Refs.ownerOf(ref),
                        key.substring(key.indexOf('|') + 1), stored, expected));
            }
        }
        return new AuditReport(chunks, edges, holdings.size(), versions, driftCount[0], drifts, fixed[0], true);
    }

    /**
     * Adds, per (owner#chunk|fileId), the range of run edges the versions allow. Runs are maximal sequences of
     * consecutive versions containing the chunk: counted over readable versions for the lower bound, over all
     * published ones for the upper bound (expired versions may be half-removed); unpublished versions may have
     * pinned (some of) the chunks they add to their parent.
     */
    private void expectedRuns(String fileId, List<VersionRow> rows, long now, Map<String, Long> atLeast,
                              Map<String, Long> atMost) {
        rows.sort(Comparator.comparing(VersionRow::versionId));
        Map<String, Manifest> loaded = new HashMap<>();
        for (VersionRow v : rows) {
            manifests.loadIfPresent(v).ifPresent(m -> loaded.put(v.versionId(), m));
        }
        countRuns(fileId, rows.stream().filter(v -> v.readableAt(now)).toList(), loaded, atLeast);
        countRuns(fileId, rows.stream().filter(v -> v.state() == VersionRow.State.ACTIVE).toList(), loaded, atMost);
        for (VersionRow v : rows) {
            Manifest m = loaded.get(v.versionId());
            if (v.state() == VersionRow.State.ACTIVE || m == null) {
                continue;
            }
            Manifest parent = v.parent() == null ? null : loaded.get(v.parent());
            List<ChunkId> added = parent == null ? List.copyOf(m.distinctIds()) : ManifestDiff.between(parent, m).added();
            for (ChunkId c : added) {
                atMost.merge(Refs.ref(new Owner(v.owner()), c) + "|" + fileId, 1L, Long::sum);
            }
        }
    }

    private static void countRuns(String fileId, List<VersionRow> sequence, Map<String, Manifest> loaded,
                                  Map<String, Long> out) {
        Set<ChunkId> previous = Set.of();
        for (VersionRow v : sequence) {
            Manifest m = loaded.get(v.versionId());
            Set<ChunkId> current = m == null ? Set.of() : m.distinctIds();
            for (ChunkId c : current) {
                if (!previous.contains(c)) {
                    out.merge(Refs.ref(new Owner(v.owner()), c) + "|" + fileId, 1L, Long::sum);
                }
            }
            previous = current;
        }
    }

    private boolean fixCounter(String table, dev.chunkvault.service.store.Key key, String attribute, long stored,
                               long expected, boolean exists) {
        try {
            retry.run(() -> store.update(table, key, Update.update().set(attribute, expected),
                    exists ? eq(attribute, stored) : dev.chunkvault.service.store.Condition.notExists(attribute)));
            return true;
        } catch (ConditionFailedException changed) {
            return false;
        }
    }

    private static AuditReport incomplete(List<Drift> drifts, long count) {
        return new AuditReport(0, 0, 0, 0, count, drifts, 0, false);
    }
}
