package dev.chunkvault.service.vault;

import static dev.chunkvault.service.store.Condition.and;
import static dev.chunkvault.service.store.Condition.eq;
import static dev.chunkvault.service.store.Condition.ne;
import static dev.chunkvault.service.store.Condition.notExists;

import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.core.manifest.Manifest;
import dev.chunkvault.core.manifest.ManifestDiff;
import dev.chunkvault.service.blob.BlobInfo;
import dev.chunkvault.service.blob.BlobStore;
import dev.chunkvault.service.store.Condition;
import dev.chunkvault.service.store.ConditionFailedException;
import dev.chunkvault.service.store.Cursor;
import dev.chunkvault.service.store.Item;
import dev.chunkvault.service.store.ItemStore;
import dev.chunkvault.service.store.Key;
import dev.chunkvault.service.store.Page;
import dev.chunkvault.service.store.Query;
import dev.chunkvault.service.store.Update;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * The audit (DESIGN.md §7, "verify"): recounts every chunk's refs and every holding from the run edges, and the
 * edges from the manifests of the retained versions; reports drift and, on request, fixes the counters. Optionally
 * checks that every referenced chunk's object exists with its size. A full scan: run it on demand, not on a request
 * path.
 *
 * <p>It runs while commits and expiry go on, so a difference between a counter and what the scans counted is either
 * <em>drift</em> or a change <em>in flight</em> (an edge written after the scan that counted it, before the scan that
 * read the counter). Every write that adds or removes an edge advances its counters' stamps ({@link
 * ChunkRow#REFS_SEQ}, {@link Refs#SEQ}) in the same transaction, so:
 * <ul>
 *   <li>the chunk rows are scanned <em>before</em> the edges; when a chunk's stamp, read again after the edge scan,
 *       is the one the first scan saw, no edge of that chunk came or went while its edges were counted, and the
 *       count is exact at that moment: that is drift, and a fix writes the count conditioned on the stamp (and moves
 *       it on);</li>
 *   <li>a holding is recounted on its own: stamp, a consistent query of its (owner, chunk) edges, the stamp again;</li>
 *   <li>anything whose stamp moved is reported as in flight, not as drift, and is never written: a repair never sets
 *       a count it cannot prove. A counter lowered to 0 enters the GC index with a fresh grace period.</li>
 * </ul>
 */
public final class AuditService {
    /** Drift kinds, most dangerous first. */
    public enum Kind {
        /** A chunk that a retained version references is being deleted or has no row. */
        REFERENCED_CHUNK_UNAVAILABLE,
        /** A referenced chunk's object is missing or has the wrong size. */
        MISSING_OBJECT,
        /**
         * A referenced chunk's object does not hold its bytes (content check), or is quarantined as damaged and still
         * is. A fix quarantines it; a client that has the bytes heals it (its grant asks for them).
         */
        DAMAGED_OBJECT,
        /** refs below the edge count: GC could collect a chunk that is still needed. */
        REFS_TOO_LOW,
        /** refs above the edge count: the chunk would leak. */
        REFS_TOO_HIGH,
        /** An owner's holding count differs from their edges. */
        HOLDING,
        /**
         * A pack's live count ({@code stored}) differs from the chunk rows located in it ({@code expected}); {@code chunk}
         * names the pack ({@code pack#<id>}). Too low, GC could delete a pack rows still point into; too high, it leaks.
         */
        PACK_COUNT,
        /** An owner's usage counter of logical bytes (the heads of their live files) differs from its recount. */
        USAGE_LOGICAL_BYTES,
        /** An owner's usage counter of live files differs from its recount. */
        USAGE_FILES,
        /** An owner's usage counter of stored versions with content differs from its recount. */
        USAGE_VERSIONS,
        /** An owner's usage counter of the bytes of versions that are not heads differs from its recount. */
        USAGE_HISTORY_BYTES,
        /**
         * The edges of a (file, chunk) are outside what its versions' manifests allow: at least one per run of
         * readable versions, at most that plus the runs only versions past retention (expired, not yet removed)
         * have, plus the pins of unpublished versions (an expiry or a commit may be half done).
         */
        EDGES
    }

    public record Drift(Kind kind, String chunk, String owner, String fileId, long stored, long expected) {}

    /**
     * @param driftCount drift proven against counters that did not change while they were audited
     * @param inFlight   differences whose counters changed while they were audited: commits or expiry at work, not
     *                   judged (and never fixed); a later audit sees them settled
     * @param fixed      counters this run repaired
     * @param owners     owners whose usage was recounted (with fix, each one's stored bytes were measured too)
     */
    public record AuditReport(long chunks, long edges, long holdings, long versions, long driftCount, List<Drift> drifts,
                              long fixed, boolean complete, long inFlight, List<Drift> inFlightSample,
                              Content content, long owners) {
        public boolean clean() {
            return complete && driftCount == 0;
        }
    }

    /**
     * The content check of this run: {@code checked} objects read and hashed, from just after {@code from} (a chunk id;
     * null: the beginning) up to {@code next}, where the next run goes on (null: it reached the end); {@code quarantined}
     * chunks still marked damaged after this run, {@code healed} marks lifted because the object is right again.
     */
    public record Content(long checked, long bytes, String from, String next, long quarantined, long healed) {}

    /**
     * What to check. {@code checkContent} reads and hashes the objects of referenced chunks in chunk-id order, from
     * just after {@code contentAfter}, for as long as the run has time (and at most {@code maxContentBytes}): an
     * audit too large for one invocation goes on where the last one stopped.
     */
    public record Options(boolean fix, boolean checkObjects, boolean checkContent, String contentAfter,
                          long maxContentBytes, boolean counts) {
        public static Options of(boolean fix, boolean checkObjects) {
            return new Options(fix, checkObjects, false, null, 0, true);
        }

        /** The content check alone, going on from {@code after}: no recount (an earlier run of the series did it). */
        public static Options contentOnly(boolean fix, String after) {
            return new Options(fix, false, true, after, 0, false);
        }
    }

    /** By default one content check reads at most this much (about a minute of GETs on a Lambda). */
    public static final long DEFAULT_CONTENT_BYTES = 4L << 30;

    public AuditReport audit(boolean fix, boolean checkObjects, BooleanSupplier go) {
        return audit(Options.of(fix, checkObjects), go);
    }

    private static final int PAGE = 500;
    static final int MAX_LISTED = 1000;
    static final int MAX_IN_FLIGHT_LISTED = 100;

    private final ItemStore store;
    private final BlobStore blobs;
    private final ChunkReader chunks;
    private final java.time.Clock clock;
    private final Retry retry;
    private final ManifestStore manifests;
    private final Quarantine quarantine;

    public AuditService(ItemStore store, BlobStore blobs, java.time.Clock clock, Settings settings, Retry retry) {
        this.store = store;
        this.clock = clock;
        this.blobs = blobs;
        this.chunks = new ChunkReader(store, blobs, retry);
        this.retry = retry;
        this.manifests = new ManifestStore(blobs, settings, retry);
        this.quarantine = new Quarantine(store, clock, retry);
    }

    /** A chunk row as the first scan saw it. */
    private record Seen(long refs, long stamp, String incarnation, ChunkRow.State state, long size, long damagedAt,
                        String pack, long packOffset, ChunkReader.Location location, long storedLength) {
        static Seen of(Item i) {
            ChunkRow r = ChunkRow.from(i);
            return new Seen(r.refs(), i.numberOr(ChunkRow.REFS_SEQ, 0), r.incarnation(), r.state(), r.size(),
                    r.damagedAt(), r.pack(), r.packOffset(), ChunkReader.Location.of(r), r.storedLength());
        }

        boolean sameRow(Seen other) {
            return other != null && stamp == other.stamp && Objects.equals(incarnation, other.incarnation);
        }
    }

    /** What one audit found so far. */
    private static final class Findings {
        final List<Drift> drifts = new ArrayList<>();
        final List<Drift> inFlightSample = new ArrayList<>();
        long driftCount;
        long inFlight;
        long fixed;

        void drift(Drift d) {
            driftCount++;
            if (drifts.size() < MAX_LISTED) {
                drifts.add(d);
            }
        }

        void inFlight(Drift d) {
            inFlight++;
            if (inFlightSample.size() < MAX_IN_FLIGHT_LISTED) {
                inFlightSample.add(d);
            }
        }

        AuditReport incomplete() {
            return new AuditReport(0, 0, 0, 0, driftCount, drifts, fixed, false, inFlight, inFlightSample, null, 0);
        }
    }

    public AuditReport audit(Options options, BooleanSupplier go) {
        boolean fix = options.fix();
        boolean checkObjects = options.checkObjects();
        Findings found = new Findings();

        // 1. The chunk rows, before any edge is counted (see the class comment).
        Map<ChunkId, Seen> rows = new HashMap<>();
        Map<String, PackRow> packs = new HashMap<>();
        Cursor cursor = null;
        do {
            if (!go.getAsBoolean()) {
                return found.incomplete();
            }
            Cursor c = cursor;
            Page<Item> page = retry.call(() -> store.scan(Tables.CHUNKS, c, PAGE));
            for (Item i : page.items()) {
                if (ChunkRow.isChunkKey(i.string(ChunkRow.ID))) {
                    rows.put(ChunkId.parse(i.string(ChunkRow.ID)), Seen.of(i));
                } else {
                    PackRow p = PackRow.from(i);
                    packs.put(p.id(), p);
                }
            }
            cursor = page.next();
        } while (cursor != null);

        // 1b. Each pack's live count against the chunk rows the scan found in it; a difference is recounted exactly.
        if (options.counts()) {
            Map<String, long[]> located = new HashMap<>();
            rows.values().forEach(r -> {
                if (r.pack() != null) {
                    long[] c = located.computeIfAbsent(r.pack(), k -> new long[2]);
                    c[0]++;
                    c[1] += Math.max(0, r.size());
                }
            });
            for (PackRow p : packs.values()) {
                long[] c = located.getOrDefault(p.id(), new long[2]);
                if (c[0] != p.liveChunks() || c[1] != p.liveBytes()) {
                    if (!go.getAsBoolean()) {
                        return found.incomplete();
                    }
                    judgePack(p.id(), fix, found);
                }
            }
        }

        if (!options.counts()) {
            Map<ChunkId, Long> referenced = new HashMap<>();
            rows.forEach((id, row) -> referenced.put(id, row.refs()));
            Content content = content(options, rows, referenced, go, found);
            return new AuditReport(rows.size(), 0, 0, 0, found.driftCount, found.drifts, found.fixed, true,
                    found.inFlight, found.inFlightSample, content, 0);
        }

        // 2. The edges, counted per chunk, per (owner, chunk) and per (owner, chunk, file); the holdings.
        Map<ChunkId, Long> edgesPerChunk = new HashMap<>();
        Map<String, Long> edgesPerRef = new HashMap<>();
        Map<String, Long> edgesPerRefFile = new HashMap<>();
        Map<String, Long> holdings = new HashMap<>();
        long edges = 0;
        cursor = null;
        do {
            if (!go.getAsBoolean()) {
                return found.incomplete();
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

        // 3. Chunk rows against edges (and, optionally, their objects).
        Set<ChunkId> chunkIds = new HashSet<>(rows.keySet());
        chunkIds.addAll(edgesPerChunk.keySet());
        for (ChunkId id : chunkIds) {
            if (!go.getAsBoolean()) {
                return found.incomplete();
            }
            Seen first = rows.get(id);
            long expected = edgesPerChunk.getOrDefault(id, 0L);
            boolean unavailable = expected > 0 && (first == null || first.state() == ChunkRow.State.DELETING);
            boolean countDiffers = first != null && first.refs() != expected;
            if (unavailable || countDiffers) {
                judgeChunk(id, first, expected, unavailable, countDiffers, fix, found);
            }
            if (checkObjects && expected > 0 && first != null) {
                boolean present = present(id, first);
                if (!present) {
                    // The first scan may be stale: the chunk may have been collected and stored anew since, at another
                    // location (a new pack). What counts is where its row is now; a row that is gone is a change in flight.
                    Seen now = reread(id);
                    if (now == null || !now.sameRow(first) || !Objects.equals(now.pack(), first.pack())) {
                        present = now == null || now.state() == ChunkRow.State.DELETING || present(id, now);
                        if (present) {
                            found.inFlight(new Drift(Kind.MISSING_OBJECT, id.hex(), null, null, 0, expected));
                        }
                    }
                }
                if (!present) {
                    found.drift(new Drift(Kind.MISSING_OBJECT, id.hex(), null, null, 0, expected));
                    if (fix && first.damagedAt() == 0) {
                        quarantine.markDamaged(id, first.pack(), first.packOffset());
                        found.fixed++;
                    }
                }
            }
        }

        // 4. Holdings against edges, each difference recounted on its own.
        Set<String> refs = new HashSet<>(holdings.keySet());
        refs.addAll(edgesPerRef.keySet());
        for (String ref : refs) {
            if (!go.getAsBoolean()) {
                return found.incomplete();
            }
            if (holdings.getOrDefault(ref, 0L).longValue() != edgesPerRef.getOrDefault(ref, 0L).longValue()) {
                judgeHolding(ref, fix, found);
            }
        }

        // 5. The usage items, before the versions and files they count are scanned (see recountUsage).
        Map<String, Usage.Row> usageSeen = new HashMap<>();
        cursor = null;
        do {
            if (!go.getAsBoolean()) {
                return found.incomplete();
            }
            Cursor c = cursor;
            Page<Item> page = retry.call(() -> store.scan(Tables.CONTROL, c, PAGE));
            for (Item i : page.items()) {
                String owner = Usage.ownerOf(i.string(Usage.NAME));
                if (owner != null) {
                    usageSeen.put(owner, Usage.Row.from(i));
                }
            }
            cursor = page.next();
        } while (cursor != null);

        // 6. Edges against the runs of the retained versions' manifests.
        Map<String, List<VersionRow>> byFile = new HashMap<>();
        long versions = 0;
        cursor = null;
        do {
            if (!go.getAsBoolean()) {
                return found.incomplete();
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
                return found.incomplete();
            }
            expectedRuns(e.getKey(), e.getValue(), now, atLeast, atMost);
        }
        Set<String> keys = new HashSet<>(atMost.keySet());
        keys.addAll(edgesPerRefFile.keySet());
        Map<ChunkId, Boolean> settled = new HashMap<>();
        for (String key : keys) {
            long stored = edgesPerRefFile.getOrDefault(key, 0L);
            long low = atLeast.getOrDefault(key, 0L);
            long high = atMost.getOrDefault(key, 0L);
            if (stored < low || stored > high) {
                if (!go.getAsBoolean()) {
                    return found.incomplete();
                }
                long expected = stored < low ? low : high;
                String ref = key.substring(0, key.indexOf('|'));
                ChunkId chunk = Refs.chunkOf(ref);
                Drift d = new Drift(Kind.EDGES, chunk.hex(), Refs.ownerOf(ref), key.substring(key.indexOf('|') + 1),
                        stored, expected);
                // Versions and edges change together with the chunk's stamp (a commit's pins, an expiry's unpins), so
                // an unchanged stamp since the first scan means this file's edges were read in a settled state.
                if (settled.computeIfAbsent(chunk, id -> rows.containsKey(id) && rows.get(id).sameRow(reread(id)))) {
                    found.drift(d);
                } else {
                    found.inFlight(d);
                }
            }
        }
        // 7. Usage: recounted from the files and the versions, judged against the items read in step 5.
        Map<String, Usage.Counters> recount = recountUsage(byFile, go);
        if (recount == null) {
            return found.incomplete();
        }
        Set<String> owners = new HashSet<>(usageSeen.keySet());
        owners.addAll(recount.keySet());
        for (String owner : owners) {
            if (!go.getAsBoolean()) {
                return found.incomplete();
            }
            Usage.Row seen = usageSeen.getOrDefault(owner, Usage.Row.EMPTY);
            Usage.Counters counted = recount.getOrDefault(owner, Usage.Counters.ZERO);
            if (!seen.counters().equals(counted)) {
                judgeUsage(new Owner(owner), seen, counted, fix, found);
            }
        }
        if (fix) {
            measureStoredBytes(usageSeen.keySet(), holdings, rows);
        }
        Content content = content(options, rows, edgesPerChunk, go, found);
        return new AuditReport(rows.size(), edges, holdings.size(), versions, found.driftCount, found.drifts, found.fixed,
                true, found.inFlight, found.inFlightSample, content, owners.size());
    }

    /**
     * Every owner's usage counters, recounted from the versions (already read, in {@code byFile}) and the files (scanned
     * now: after the usage items were read). Null if it ran out of time.
     */
    private Map<String, Usage.Counters> recountUsage(Map<String, List<VersionRow>> byFile, BooleanSupplier go) {
        Map<String, Usage.Counters> out = new HashMap<>();
        Set<String> heads = new HashSet<>();
        Cursor cursor = null;
        do {
            if (!go.getAsBoolean()) {
                return null;
            }
            Cursor c = cursor;
            Page<Item> page = retry.call(() -> store.scan(Tables.FILES, c, PAGE));
            for (Item i : page.items()) {
                FileRow f = FileRow.from(i);
                heads.add(f.fileId() + "#" + f.head());
                if (!f.deleted()) {
                    out.merge(f.owner(), new Usage.Counters(f.size(), 1, 0, 0), Usage.Counters::plus);
                }
            }
            cursor = page.next();
        } while (cursor != null);
        for (List<VersionRow> versions : byFile.values()) {
            for (VersionRow v : versions) {
                if (v.state() != VersionRow.State.ACTIVE || v.tombstone()) {
                    continue; // unpublished versions and deletions are not counted
                }
                long history = heads.contains(v.fileId() + "#" + v.versionId()) ? 0 : v.size();
                out.merge(v.owner(), new Usage.Counters(0, 0, 1, history), Usage.Counters::plus);
            }
        }
        return out;
    }

    /**
     * An owner whose usage item, as read before the files and versions were scanned, differs from their recount: read
     * again; if its stamp has not moved, no commit or expiry of theirs happened while they were counted (each one moves
     * the stamp in its own transaction), so the recount is exact: that is drift, and a fix writes it on that stamp.
     */
    private void judgeUsage(Owner owner, Usage.Row seen, Usage.Counters counted, boolean fix, Findings found) {
        Usage.Row now = Usage.Row.from(retry.call(() -> store.get(Tables.CONTROL, Usage.key(owner))));
        Usage.Counters stored = seen.counters();
        List<Drift> differences = new ArrayList<>();
        addIfDiffers(differences, Kind.USAGE_LOGICAL_BYTES, owner, stored.logicalBytes(), counted.logicalBytes());
        addIfDiffers(differences, Kind.USAGE_FILES, owner, stored.files(), counted.files());
        addIfDiffers(differences, Kind.USAGE_VERSIONS, owner, stored.versions(), counted.versions());
        addIfDiffers(differences, Kind.USAGE_HISTORY_BYTES, owner, stored.historyBytes(), counted.historyBytes());
        if (now.seq() != seen.seq()) {
            differences.forEach(found::inFlight);
            return;
        }
        differences.forEach(found::drift);
        if (!fix) {
            return;
        }
        Update u = Update.update().set(Usage.LOGICAL_BYTES, counted.logicalBytes()).set(Usage.FILES, counted.files())
                .set(Usage.VERSIONS, counted.versions()).set(Usage.HISTORY_BYTES, counted.historyBytes())
                .add(Usage.SEQ, 1);
        try {
            retry.run(() -> store.update(Tables.CONTROL, Usage.key(owner), u, stampIs(Usage.SEQ, seen.seq())));
            found.fixed++;
        } catch (ConditionFailedException changed) {
            // a commit or an expiry of theirs since the proof: not ours to write
        }
    }

    private static void addIfDiffers(List<Drift> out, Kind kind, Owner owner, long stored, long expected) {
        if (stored != expected) {
            out.add(new Drift(kind, null, owner.sub(), null, stored, expected));
        }
    }

    /**
     * Bytes after dedup: per owner, the sizes of the distinct chunks they hold (holding count at least 1), as the scans
     * saw them — plain ({@link Usage#STORED_BYTES}) and as stored, compressed where they are
     * ({@link Usage#STORED_COMPRESSED_BYTES}) — written to their usage item with the time (owners without one get one
     * only if they hold something). A measurement, not a counter: it moves no stamp and is not drift.
     */
    private void measureStoredBytes(Set<String> usageOwners, Map<String, Long> holdings, Map<ChunkId, Seen> rows) {
        Map<String, long[]> stored = new HashMap<>(); // owner -> {plain, as stored}
        usageOwners.forEach(o -> stored.put(o, new long[2]));
        holdings.forEach((ref, n) -> {
            if (n > 0) {
                Seen row = rows.get(Refs.chunkOf(ref));
                long[] sums = stored.computeIfAbsent(Refs.ownerOf(ref), o -> new long[2]);
                if (row != null) {
                    sums[0] += Math.max(0, row.size());
                    sums[1] += Math.max(0, row.storedLength());
                }
            }
        });
        long now = clock.millis();
        stored.forEach((owner, sums) -> retry.run(() -> store.update(Tables.CONTROL, Usage.key(new Owner(owner)),
                Update.update().set(Usage.STORED_BYTES, sums[0]).set(Usage.STORED_COMPRESSED_BYTES, sums[1])
                        .set(Usage.STORED_BYTES_AT, now), Condition.ALWAYS)));
    }

    /**
     * The quarantine, and (with {@code checkContent}) the objects' bytes. Every chunk marked damaged is looked at by
     * its object's checksum: right again (a client re-uploaded it) → the mark is lifted (with fix); still wrong →
     * drift. Then referenced chunks are read and hashed in id order from {@code contentAfter}, while there is time
     * and budget: a mismatch or a missing object is drift, and a fix quarantines the chunk.
     */
    private Content content(Options options, Map<ChunkId, Seen> rows, Map<ChunkId, Long> edgesPerChunk, BooleanSupplier go,
                            Findings found) {
        long quarantined = 0;
        long healed = 0;
        for (Map.Entry<ChunkId, Seen> e : rows.entrySet()) {
            Seen row = e.getValue();
            if (row.damagedAt() == 0 || row.state() == ChunkRow.State.DELETING) {
                continue;
            }
            ChunkId id = e.getKey();
            if (chunks.looksIntact(id, row.location()) && intactBytes(id, row)) {
                if (options.fix() && quarantine.clear(id, row.damagedAt())) {
                    healed++;
                    found.fixed++;
                } else {
                    quarantined++;
                }
            } else {
                quarantined++;
                found.drift(new Drift(Kind.DAMAGED_OBJECT, id.hex(), null, null, 0, edgesPerChunk.getOrDefault(id, 0L)));
            }
        }
        if (!options.checkContent()) {
            return new Content(0, 0, null, null, quarantined, healed);
        }
        long budget = options.maxContentBytes() > 0 ? options.maxContentBytes() : DEFAULT_CONTENT_BYTES;
        List<ChunkId> order = rows.entrySet().stream()
                .filter(e -> e.getValue().state() != ChunkRow.State.DELETING && e.getValue().damagedAt() == 0
                        && edgesPerChunk.getOrDefault(e.getKey(), 0L) > 0)
                .map(Map.Entry::getKey)
                .filter(id -> options.contentAfter() == null || id.hex().compareTo(options.contentAfter()) > 0)
                .sorted(Comparator.comparing(ChunkId::hex)).toList();
        long checked = 0;
        long bytes = 0;
        String last = options.contentAfter();
        for (ChunkId id : order) {
            if (bytes >= budget || !go.getAsBoolean()) {
                return new Content(checked, bytes, options.contentAfter(), last, quarantined, healed);
            }
            Seen row = rows.get(id);
            Optional<byte[]> got = chunks.read(id, row.location());
            checked++;
            bytes += got.map(b -> (long) b.length).orElse(0L);
            last = id.hex();
            if (got.isEmpty() || !ChunkId.sha256(got.get()).equals(id)) {
                // The scan may be stale: a repack may have moved the chunk, or it may have been collected, since.
                Seen now = reread(id);
                if (now == null || now.state() == ChunkRow.State.DELETING || now.damagedAt() > 0) {
                    found.inFlight(new Drift(Kind.DAMAGED_OBJECT, id.hex(), null, null, 0, edgesPerChunk.getOrDefault(id, 0L)));
                    continue;
                }
                boolean moved = !Objects.equals(now.pack(), row.pack()) || now.packOffset() != row.packOffset();
                if (moved) {
                    Optional<byte[]> there = chunks.read(id, now.location());
                    if (there.isPresent() && ChunkId.sha256(there.get()).equals(id)) {
                        found.inFlight(new Drift(Kind.DAMAGED_OBJECT, id.hex(), null, null, 0, edgesPerChunk.getOrDefault(id, 0L)));
                        continue;
                    }
                    got = there;
                    row = now;
                }
                found.drift(new Drift(got.isEmpty() ? Kind.MISSING_OBJECT : Kind.DAMAGED_OBJECT, id.hex(), null, null,
                        0, edgesPerChunk.getOrDefault(id, 0L)));
                if (options.fix()) {
                    quarantine.markDamaged(id, row.pack(), row.packOffset());
                    found.fixed++;
                }
                quarantined++;
            }
        }
        return new Content(checked, bytes, options.contentAfter(), null, quarantined, healed);
    }

    /** Whether the chunk's stored copy, where {@code row} locates it, looks right without reading it. */
    private boolean present(ChunkId id, Seen row) {
        if (row.pack() != null) {
            return chunks.looksIntact(id, row.location());
        }
        Optional<BlobInfo> info = retry.call(() -> blobs.head(ChunkRow.objectKey(id)));
        return info.isPresent() && (row.size() < 0 || info.get().size() == row.size());
    }

    /** Whether the object's bytes hash to its id (read whole: only for the few chunks under quarantine). */
    private boolean intactBytes(ChunkId id, Seen row) {
        return chunks.read(id, row.location()).map(b -> ChunkId.sha256(b).equals(id)).orElse(false);
    }

    private Seen reread(ChunkId id) {
        return retry.call(() -> store.get(Tables.CHUNKS, ChunkRow.key(id))).map(Seen::of).orElse(null);
    }

    /**
     * A chunk whose row the first scan saw differ from its edges: read again; if its stamp has not moved, the edge
     * count is exact now, so it is drift (and, with {@code fix}, the count is written on that same stamp).
     */
    private void judgeChunk(ChunkId id, Seen first, long expected, boolean unavailable, boolean countDiffers, boolean fix,
                            Findings found) {
        Seen now = reread(id);
        boolean settled = first != null && first.sameRow(now);
        if (unavailable) {
            Drift d = new Drift(Kind.REFERENCED_CHUNK_UNAVAILABLE, id.hex(), null, null, first == null ? 0 : first.refs(),
                    expected);
            if (settled || (first == null && now == null)) {
                found.drift(d); // still no row, or still DELETING with the same edges
            } else {
                found.inFlight(d);
            }
        }
        if (!countDiffers) {
            return;
        }
        Drift d = new Drift(first.refs() < expected ? Kind.REFS_TOO_LOW : Kind.REFS_TOO_HIGH, id.hex(), null, null,
                first.refs(), expected);
        if (!settled) {
            found.inFlight(d);
            return;
        }
        found.drift(d);
        if (fix && now.state() != ChunkRow.State.DELETING && fixChunk(id, now, expected)) {
            found.fixed++;
        }
    }

    private boolean fixChunk(ChunkId id, Seen seen, long expected) {
        long now = clock.millis();
        Update u = Update.update().set(ChunkRow.REFS, expected).add(ChunkRow.REFS_SEQ, 1);
        if (expected == 0) {
            // Unreferenced from now on: into the gc index, with the whole grace period from now.
            u = u.set(ChunkRow.LAST_DEC_AT, now).set(ChunkRow.GC_SHARD, Tables.shardOf(id.hex())).set(ChunkRow.GC_AT, now);
        }
        Condition unchanged = and(stampIs(ChunkRow.REFS_SEQ, seen.stamp()), eq(ChunkRow.INCARNATION, seen.incarnation()),
                eq(ChunkRow.REFS, seen.refs()), ne(ChunkRow.STATE, ChunkRow.State.DELETING.name()));
        Update update = u;
        try {
            retry.run(() -> store.update(Tables.CHUNKS, ChunkRow.key(id), update, unchanged));
            return true;
        } catch (ConditionFailedException changed) {
            return false; // an edge came or went since the proof: not ours to write
        }
    }

    /** A holding's stamp and count, read consistently (absent: 0 and 0). */
    private record HoldingSeen(long count, long stamp) {}

    private HoldingSeen readHolding(Key key) {
        return retry.call(() -> store.get(Tables.REFS, key))
                .map(i -> new HoldingSeen(i.numberOr(Refs.COUNT, 0), i.numberOr(Refs.SEQ, 0)))
                .orElse(new HoldingSeen(0, 0));
    }

    /**
     * A holding the scan saw differ from its edges: its stamp, a consistent count of its own edges, its stamp again.
     * An unchanged stamp makes the count exact; a count equal to the holding means the scan saw a change in flight.
     */
    private void judgeHolding(String ref, boolean fix, Findings found) {
        Owner owner = new Owner(Refs.ownerOf(ref));
        ChunkId chunk = Refs.chunkOf(ref);
        Key key = Refs.holding(owner, chunk);
        HoldingSeen before = readHolding(key);
        long counted = 0;
        Cursor cursor = null;
        do {
            Query q = Query.table(Tables.REFS, ref).after(cursor);
            Page<Item> page = retry.call(() -> store.query(q));
            counted += page.items().stream().filter(i -> !Refs.HOLDING.equals(i.string(Refs.EDGE))).count();
            cursor = page.next();
        } while (cursor != null);
        HoldingSeen after = readHolding(key);
        Drift d = new Drift(Kind.HOLDING, chunk.hex(), owner.sub(), null, after.count(), counted);
        if (after.stamp() != before.stamp() || after.count() != before.count()) {
            found.inFlight(d);
            return;
        }
        if (counted == after.count()) {
            found.inFlight(d); // the scan read the holding and its edges on either side of a change; settled now
            return;
        }
        found.drift(d);
        if (!fix) {
            return;
        }
        Condition unchanged = stampIs(Refs.SEQ, after.stamp());
        long count = counted;
        try {
            retry.run(() -> store.update(Tables.REFS, key, Update.update().set(Refs.COUNT, count).add(Refs.SEQ, 1), unchanged));
            found.fixed++;
        } catch (ConditionFailedException changed) {
            // an edge came or went since the count
        }
    }

    /**
     * Recounts a pack exactly: the rows of the chunks its index lists (a row can be located only at an entry of it)
     * read between two reads of the pack row; if its count stamp moved meanwhile, once more, then it is in flight. A
     * difference under an unchanged stamp is drift; a fix writes the recount on that stamp (and puts the pack in the
     * gc index, where a count of 0 lets it be collected a grace period later).
     */
    private void judgePack(String packId, boolean fix, Findings found) {
        for (int attempt = 0; attempt < 3; attempt++) {
            Optional<Item> first = retry.call(() -> store.get(Tables.CHUNKS, PackRow.key(packId)));
            if (first.isEmpty()) {
                return; // collected meanwhile
            }
            PackRow before = PackRow.from(first.get());
            long seq = first.get().numberOr(PackRow.SEQ, 0);
            List<Key> keys;
            try {
                keys = before.entries().stream().map(e -> ChunkRow.key(e.id())).toList();
            } catch (dev.chunkvault.core.pack.PackFormatException noIndex) {
                keys = List.of(); // an adopted orphan's row: nothing can be located in it
            }
            long chunks = 0;
            long bytes = 0;
            for (Item i : BatchReads.getAll(store, Parallel.inline(), retry, Tables.CHUNKS, keys)) {
                ChunkRow r = ChunkRow.from(i);
                if (packId.equals(r.pack())) {
                    chunks++;
                    bytes += Math.max(0, r.size());
                }
            }
            Optional<Item> second = retry.call(() -> store.get(Tables.CHUNKS, PackRow.key(packId)));
            if (second.isEmpty()) {
                return;
            }
            if (second.get().numberOr(PackRow.SEQ, 0) != seq) {
                continue; // a placement, sweep or move meanwhile: count again
            }
            Drift d = new Drift(Kind.PACK_COUNT, PackRow.KEY_PREFIX + packId, before.ns(), null, before.liveChunks(), chunks);
            if (chunks == before.liveChunks() && bytes == before.liveBytes()) {
                found.inFlight(d); // the scan read the pack and its chunks on either side of a change; settled now
                return;
            }
            found.drift(d);
            if (fix) {
                long c = chunks;
                long b = bytes;
                try {
                    retry.run(() -> store.update(Tables.CHUNKS, PackRow.key(packId), Update.update().set(PackRow.LIVE_CHUNKS, c)
                            .set(PackRow.LIVE_BYTES, b).add(PackRow.SEQ, 1L).set(PackRow.GC_SHARD, Tables.shardOf(packId))
                            .set(PackRow.GC_AT, clock.millis()), stampIs(PackRow.SEQ, seq)));
                    found.fixed++;
                } catch (ConditionFailedException changed) {
                    // a placement, sweep or move since the recount
                }
            }
            return;
        }
        found.inFlight(new Drift(Kind.PACK_COUNT, PackRow.KEY_PREFIX + packId, null, null, 0, 0));
    }

    /** The stamp is still {@code seen} (0 = never advanced: absent). */
    private static Condition stampIs(String attribute, long seen) {
        return seen == 0 ? notExists(attribute) : eq(attribute, seen);
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
}
