package dev.chunkvault.service.vault;

import dev.chunkvault.core.chunking.ChunkingProfile;
import dev.chunkvault.core.manifest.Manifest;
import dev.chunkvault.core.manifest.ManifestDelta;
import dev.chunkvault.core.manifest.ManifestFormatException;
import dev.chunkvault.core.merge.ConflictRegion;
import dev.chunkvault.core.merge.MergeResult;
import dev.chunkvault.core.merge.ThreeWayMerge;
import dev.chunkvault.core.paths.ConflictedCopies;
import dev.chunkvault.core.paths.FileNames;
import dev.chunkvault.core.paths.FilePath;
import dev.chunkvault.core.paths.InvalidFilePathException;
import dev.chunkvault.service.blob.BlobStore;
import dev.chunkvault.service.error.ServiceException;
import dev.chunkvault.service.store.Item;
import dev.chunkvault.service.store.ItemStore;
import dev.chunkvault.service.store.Query;
import dev.chunkvault.service.store.Query.SortCondition;
import java.text.Normalizer;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Conflict-check (DESIGN.md §9): compares a client's local state of one file with the version it was based on
 * and with the server's head, and says what happened and what the client should do about it. Reads only; it
 * never writes. Everything is scoped to the caller: another tenant's file answers exactly like a missing one.
 *
 * <h2>The three states</h2>
 * <ul>
 *   <li><b>ancestor</b> — the base version the client gives, if it is a retained, published version of the file
 *       now at this path. History is linear per file (the head moves only by a compare-and-set on its parent),
 *       so such a version is an ancestor of the head. A base of a file that was purged and re-created (a new
 *       {@code fileId}), an expired base and an unknown id are all {@link BaseStatus#NOT_RETAINED}: there is
 *       then no common ancestor.</li>
 *   <li><b>local</b> — a manifest (given whole, or as a manifest delta against the base), deleted, or unchanged
 *       since the base.</li>
 *   <li><b>remote</b> — the head: content, a deletion (a tombstone head), or nothing (no file, a purged one, or
 *       another tenant's).</li>
 * </ul>
 * Contents are compared by manifest (profile, chunk ids and sizes), so equal bytes cut with two profiles count
 * as different.
 *
 * <h2>Outcomes and actions</h2>
 * <table>
 *   <caption>verdicts</caption>
 *   <tr><th>outcome</th><th>when</th><th>action</th></tr>
 *   <tr><td>NO_CHANGE</td><td>neither side changed (or neither has the file)</td><td>NONE</td></tr>
 *   <tr><td>FAST_FORWARD PUSH</td><td>only local changed (or the file is new)</td><td>PUSH: commit (or delete)
 *       with {@code parentVersion = head}</td></tr>
 *   <tr><td>FAST_FORWARD PULL</td><td>only remote changed</td><td>PULL: download the head, or delete the local
 *       copy if the head is a deletion or absent</td></tr>
 *   <tr><td>IDENTICAL_CONTENT</td><td>both changed to the same content</td><td>NONE: take the head as your base</td></tr>
 *   <tr><td>DELETE_DELETE</td><td>both deleted</td><td>NONE</td></tr>
 *   <tr><td>MODIFY_DELETE</td><td>local modified, remote deleted</td><td>PUSH: re-create the file from the local
 *       copy (the deletion stays in the history); a conflicted-copy path is given for clients that honour remote
 *       deletions instead</td></tr>
 *   <tr><td>DELETE_MODIFY</td><td>local deleted, remote modified</td><td>PULL: the remote edit comes back</td></tr>
 *   <tr><td>MODIFY_MODIFY</td><td>both modified differently</td><td>COMMIT_MERGED when the three-way chunk merge
 *       is clean; else KEEP_BOTH: commit the local copy as a new file at {@code conflictedCopyPath}, then pull
 *       the head</td></tr>
 * </table>
 * A merged manifest is committable in one step with {@code parentVersion = head}, as the full manifest or as
 * {@link Merge#mergedFromHead} (a manifest delta against the head). To write the merged file, the client
 * applies {@link Merge#mergedFromLocal} to its local manifest and downloads the chunks it adds (they are chunks
 * of the head); it then knows the content hash the commit needs. A commit that races with another writer
 * answers 409 and the client checks again.
 *
 * <h2>Collisions</h2>
 * File keys are case-folded NFC paths ({@link FileNames#foldKey}). When the client's spelling of the path (the
 * given path with {@code localName}, its name as on disk, as the last segment) differs from the server's for
 * the same key, each differing segment is reported: {@link CollisionKind#NORMALIZATION} (equal after NFC),
 * {@link CollisionKind#INVISIBLE} (equal but for invisible format characters, which keys ignore) or
 * {@link CollisionKind#CASE}. The file's segments are compared with the live file's display path; for a path
 * with no live file, its folders are compared with those of a live file in the same folder, if any.
 */
public final class ConflictService {
    /** Merged manifests up to this many chunks are also returned whole (a 40,000-chunk one is ~4 MB of JSON). */
    public static final int MAX_WHOLE_MERGED_CHUNKS = 10_000;
    /** Conflicted-copy numbers tried before giving up: {@code (conflicted copy <device> <time> 2)} and up. */
    static final int MAX_COPY_NUMBER = 100;
    /** Files looked at to learn how the server spells a folder. */
    private static final int SIBLINGS = 25;
    /** The largest key any path can have after a prefix: U+10FFFF sorts last in UTF-8. */
    private static final String KEY_END = "\uDBFF\uDFFF";

    private final ItemStore store;
    private final Clock clock;
    private final Settings settings;
    private final Retry retry;
    private final ManifestStore manifests;

    public ConflictService(ItemStore store, BlobStore blobs, Clock clock, Settings settings, Retry retry) {
        this.store = store;
        this.clock = clock;
        this.settings = settings;
        this.retry = retry;
        this.manifests = new ManifestStore(blobs, settings, retry);
    }

    /** The client's copy of the file. */
    public sealed interface LocalState {
        /** Modified (or created): this manifest. */
        record Modified(Manifest manifest) implements LocalState {
            public Modified {
                Objects.requireNonNull(manifest, "manifest");
            }
        }

        /** Modified: this manifest delta against the base version's manifest (small for small edits). */
        record ModifiedDelta(ManifestDelta delta) implements LocalState {
            public ModifiedDelta {
                Objects.requireNonNull(delta, "delta");
            }
        }

        /** Deleted locally (or, without a base, not there). */
        record Deleted() implements LocalState {}

        /** Unchanged since the base version. */
        record Unchanged() implements LocalState {}
    }

    public enum Outcome { NO_CHANGE, FAST_FORWARD, IDENTICAL_CONTENT, MODIFY_MODIFY, MODIFY_DELETE, DELETE_MODIFY, DELETE_DELETE }

    /** For FAST_FORWARD: which side moves. */
    public enum Direction { PUSH, PULL }

    /** What the client should do; see the class comment. */
    public enum Action { NONE, PUSH, PULL, COMMIT_MERGED, KEEP_BOTH }

    /** What the service made of the base version the client named. */
    public enum BaseStatus {
        /** No base was given: the file is new to the client. */
        NONE,
        /** The base is a retained version of this file: the common ancestor. */
        RETAINED,
        /** The base is expired, of a purged file, or unknown: there is no common ancestor. */
        NOT_RETAINED
    }

    /** Why a MODIFY_MODIFY has no merged manifest. */
    public enum Unmergeable {
        /** No common ancestor with content (no base, a base not retained, or a base that was a deletion). */
        NO_ANCESTOR,
        /** The versions were cut with different chunking profiles. */
        PROFILE_MISMATCH,
        /** Both sides changed the same region differently ({@link Merge#regions}). */
        CONFLICTING_EDITS
    }

    public enum CollisionKind { CASE, NORMALIZATION, INVISIBLE }

    /**
     * The client's spelling {@code localPath} and the server's {@code existingPath} of one file or folder differ
     * though they are the same key.
     */
    public record Collision(CollisionKind kind, String existingPath, String localPath) {}

    /**
     * A three-way merge of local and remote on their common ancestor.
     *
     * @param merged           the merged manifest, when clean and at most {@link #MAX_WHOLE_MERGED_CHUNKS} chunks
     * @param mergedFromHead   when clean: the merged manifest as a delta against the head (commit it with the head
     *                         as parent)
     * @param mergedFromLocal  when clean: the merged manifest as a delta against the local manifest (to write the
     *                         merged file: its adds are chunks of the head)
     * @param regions          when not clean: where both sides changed the ancestor differently
     */
    public record Merge(boolean clean, Manifest merged, long mergedSize, int mergedChunkCount, ManifestDelta mergedFromHead,
                        ManifestDelta mergedFromLocal, List<ConflictRegion> regions) {
        public Merge {
            regions = List.copyOf(regions);
        }
    }

    /**
     * The answer.
     *
     * @param direction          for FAST_FORWARD only
     * @param ancestor           the base version, when it is retained
     * @param head               the file's head (a deletion has {@code deleted}), or null when there is no file
     * @param merge              for MODIFY_MODIFY with a common ancestor of the same profile
     * @param unmergeable        for MODIFY_MODIFY without a clean merge: why
     * @param conflictedCopyPath for KEEP_BOTH (and MODIFY_DELETE): a free path for the local copy, next to the file
     */
    public record Verdict(Outcome outcome, Direction direction, Action action, BaseStatus baseStatus,
                          VersionView ancestor, VersionView head, Merge merge, Unmergeable unmergeable,
                          String conflictedCopyPath, List<Collision> collisions) {
        public Verdict {
            collisions = List.copyOf(collisions);
        }
    }

    /** One side's content: null manifest means deleted (or absent). */
    private record Side(boolean deleted, Manifest manifest, String manifestHash) {
        static final Side DELETED = new Side(true, null, null);

        static Side of(VersionRow v) {
            return v == null || v.tombstone() ? DELETED : new Side(false, null, v.manifestHash().hex());
        }

        static Side of(Manifest m) {
            return new Side(false, m, m.hash().hex());
        }

        boolean sameAs(Side o) {
            return deleted ? o.deleted : !o.deleted && manifestHash.equals(o.manifestHash);
        }
    }

    /**
     * Checks one file.
     *
     * @param baseVersion the version the local copy is based on; null if the file is new to the client
     * @param localName   the file's name as on the client's disk (any normalisation or case of the path's last
     *                    name), or null to take the path as given
     * @param device      the device name for conflicted-copy names (sanitised; null gives "unknown device")
     * @param now         the device's wall-clock time for conflicted-copy names; null for the service's UTC time
     */
    public Verdict check(Owner owner, String path, String baseVersion, LocalState local, String localName, String device,
                         LocalDateTime now) {
        Objects.requireNonNull(local, "local");
        FilePath p = CommitService.parsePath(path);
        if (baseVersion != null && VersionRow.seqOf(baseVersion) < 1) {
            throw ServiceException.badRequest("INVALID_VERSION", "baseVersion is not a version id.");
        }
        if (baseVersion == null && local instanceof LocalState.Unchanged) {
            throw ServiceException.badRequest("BASE_REQUIRED", "An unchanged local copy needs its baseVersion.");
        }
        if (baseVersion == null && local instanceof LocalState.ModifiedDelta) {
            throw ServiceException.badRequest("DELTA_WITHOUT_BASE", "A local manifest delta needs a baseVersion.");
        }
        String spelledName = localName == null ? null : checkLocalName(localName, p);
        if (local instanceof LocalState.Modified m) {
            checkManifest(m.manifest());
        }
        if (local instanceof LocalState.ModifiedDelta d && d.delta().expandedEntryCount() > settings.maxManifestChunks()) {
            throw ServiceException.tooLarge("TOO_MANY_CHUNKS", "A file has at most " + settings.maxManifestChunks() + " chunks.");
        }
        LocalDateTime time = now != null ? now : LocalDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);

        Optional<FileRow> file = fileRow(owner, p.foldKey());
        VersionRow head = file.map(this::headOf).orElse(null);
        VersionRow base = null;
        if (baseVersion != null && file.isPresent()) {
            long at = clock.millis();
            base = getVersion(file.get().fileId(), baseVersion).filter(v -> v.readableAt(at)).orElse(null);
        }
        BaseStatus baseStatus = baseVersion == null ? BaseStatus.NONE
                : base != null ? BaseStatus.RETAINED : BaseStatus.NOT_RETAINED;

        Manifest localManifest = localManifest(local, base, baseStatus);
        Side remote = Side.of(head);
        Side localSide = local instanceof LocalState.Deleted ? Side.DELETED
                : localManifest != null ? Side.of(localManifest) : null; // null: unchanged since the base

        Decision d = decide(baseStatus, base == null ? null : Side.of(base), localSide, remote);
        Merge merge = null;
        Unmergeable unmergeable = null;
        Action action = d.action;
        if (d.outcome == Outcome.MODIFY_MODIFY) {
            if (base == null || base.tombstone()) {
                unmergeable = Unmergeable.NO_ANCESTOR;
            } else {
                Manifest ancestorManifest = manifests.load(base);
                Manifest headManifest = manifests.load(head);
                if (!ancestorManifest.profile().equals(localManifest.profile())
                        || !ancestorManifest.profile().equals(headManifest.profile())) {
                    unmergeable = Unmergeable.PROFILE_MISMATCH;
                } else {
                    merge = merge(ancestorManifest, localManifest, headManifest);
                    unmergeable = merge.clean() ? null : Unmergeable.CONFLICTING_EDITS;
                }
            }
            action = unmergeable == null ? Action.COMMIT_MERGED : Action.KEEP_BOTH;
        }
        String copyPath = action == Action.KEEP_BOTH || d.outcome == Outcome.MODIFY_DELETE
                ? conflictedCopyPath(owner, p, file, device, time) : null;
        return new Verdict(d.outcome, d.direction, action, baseStatus, base == null ? null : VersionView.of(base),
                head == null ? null : VersionView.of(head), merge, unmergeable, copyPath,
                collisions(owner, p, path, spelledName, file));
    }

    private record Decision(Outcome outcome, Direction direction, Action action) {
        static Decision of(Outcome o, Action a) {
            return new Decision(o, null, a);
        }

        static final Decision PUSH = new Decision(Outcome.FAST_FORWARD, Direction.PUSH, Action.PUSH);
        static final Decision PULL = new Decision(Outcome.FAST_FORWARD, Direction.PULL, Action.PULL);
    }

    /**
     * The outcome from the three states ({@code local} is null when the local copy is unchanged since the base).
     * Without a retained base nothing is known of the ancestor: with no base at all the client never had the file,
     * so a head is news to it; with a base that is not retained, the head is not the base (the head is always
     * retained), so the remote side moved, and a local change meets it as a conflict.
     */
    private static Decision decide(BaseStatus status, Side ancestor, Side local, Side remote) {
        if (status == BaseStatus.RETAINED) {
            Side mine = local == null ? ancestor : local;
            boolean localChanged = !mine.sameAs(ancestor);
            boolean remoteChanged = !remote.sameAs(ancestor);
            if (!localChanged && !remoteChanged) {
                return Decision.of(Outcome.NO_CHANGE, Action.NONE);
            }
            if (!localChanged) {
                return Decision.PULL;
            }
            if (!remoteChanged) {
                return Decision.PUSH;
            }
            return bothChanged(mine, remote);
        }
        if (status == BaseStatus.NONE) {
            if (local.deleted) {
                return remote.deleted ? Decision.of(Outcome.NO_CHANGE, Action.NONE) : Decision.PULL;
            }
            return remote.deleted ? Decision.PUSH : bothChanged(local, remote);
        }
        // NOT_RETAINED
        return local == null ? Decision.PULL : bothChanged(local, remote);
    }

    private static Decision bothChanged(Side local, Side remote) {
        if (local.deleted && remote.deleted) {
            return Decision.of(Outcome.DELETE_DELETE, Action.NONE);
        }
        if (local.deleted) {
            return Decision.of(Outcome.DELETE_MODIFY, Action.PULL);
        }
        if (remote.deleted) {
            return Decision.of(Outcome.MODIFY_DELETE, Action.PUSH);
        }
        if (local.sameAs(remote)) {
            return Decision.of(Outcome.IDENTICAL_CONTENT, Action.NONE);
        }
        return Decision.of(Outcome.MODIFY_MODIFY, Action.KEEP_BOTH);
    }

    private Merge merge(Manifest ancestor, Manifest local, Manifest head) {
        MergeResult r = ThreeWayMerge.merge(ancestor, local, head);
        if (!r.isClean()) {
            return new Merge(false, null, 0, 0, null, null, r.conflicts());
        }
        Manifest m = r.merged();
        return new Merge(true, m.chunkCount() <= MAX_WHOLE_MERGED_CHUNKS ? m : null, m.totalSize(), m.chunkCount(),
                ManifestDelta.compute(head, m), ManifestDelta.compute(local, m), List.of());
    }

    /** The local manifest, resolving a delta against the base; null for deleted and unchanged. */
    private Manifest localManifest(LocalState local, VersionRow base, BaseStatus status) {
        if (local instanceof LocalState.Modified m) {
            return m.manifest();
        }
        if (!(local instanceof LocalState.ModifiedDelta d)) {
            return null;
        }
        if (status != BaseStatus.RETAINED) {
            throw ServiceException.unprocessable("BASE_NOT_RETAINED",
                    "The base version is no longer retained, so the manifest delta cannot be applied; send localManifest in full.",
                    Map.of());
        }
        Manifest resolved;
        try {
            resolved = d.delta().apply(manifests.load(base));
        } catch (ManifestFormatException e) {
            throw ServiceException.badRequest("INVALID_MANIFEST_DELTA", "The manifest delta does not apply to the base version.");
        }
        checkManifest(resolved);
        return resolved;
    }

    private void checkManifest(Manifest m) {
        if (ChunkingProfile.byName(m.profile()).isEmpty()) {
            throw ServiceException.badRequest("UNKNOWN_PROFILE", "The manifest's chunking profile is not known to this service.");
        }
        if (m.chunkCount() > settings.maxManifestChunks()) {
            throw ServiceException.tooLarge("TOO_MANY_CHUNKS", "A file has at most " + settings.maxManifestChunks() + " chunks.");
        }
    }

    /** {@code localName} as given, checked to be a spelling of the path's last name. */
    private static String checkLocalName(String localName, FilePath p) {
        String normalized;
        try {
            normalized = FileNames.normalize(localName);
        } catch (InvalidFilePathException e) {
            throw ServiceException.badRequest("INVALID_LOCAL_NAME", "localName is not acceptable: " + e.reason() + ".");
        }
        if (!FileNames.foldKey(normalized).equals(FileNames.foldKey(p.name()))) {
            throw ServiceException.badRequest("LOCAL_NAME_MISMATCH",
                    "localName must be a spelling (case, normalisation) of the path's last name.");
        }
        return localName;
    }

    /** The first free conflicted-copy path next to the file, numbered when the plain one is a live file. */
    private String conflictedCopyPath(Owner owner, FilePath p, Optional<FileRow> file, String device, LocalDateTime time) {
        FilePath at = file.map(f -> FilePath.parse(f.displayPath())).orElse(p);
        for (int n = 1; n <= MAX_COPY_NUMBER; n++) {
            FilePath candidate;
            try {
                candidate = at.withName(ConflictedCopies.name(at.name(), device, time, n));
            } catch (InvalidFilePathException e) {
                candidate = null;
            }
            if (candidate == null || !CommitService.fitsKey(candidate)) {
                throw ServiceException.badRequest("PATH_TOO_LONG_FOR_COPY",
                        "The path is too long to place a conflicted copy next to it.");
            }
            Optional<FileRow> taken = fileRow(owner, candidate.foldKey());
            if (taken.isEmpty() || taken.get().deleted()) {
                return candidate.toString();
            }
        }
        throw ServiceException.conflict("CONFLICTED_COPY_NAMES_TAKEN",
                "Every conflicted-copy name for this time and device is taken; check again in a second.", Map.of());
    }

    /** See the class comment, "Collisions". */
    private List<Collision> collisions(Owner owner, FilePath p, String rawPath, String localName, Optional<FileRow> file) {
        String relative = rawPath.startsWith("/") ? rawPath.substring(1) : rawPath;
        List<String> spelled = new ArrayList<>(List.of(relative.split("/", -1)));
        if (localName != null) {
            spelled.set(spelled.size() - 1, localName);
        }
        List<String> existing;
        int compared;
        if (file.isPresent() && !file.get().deleted()) {
            existing = FilePath.parse(file.get().displayPath()).names();
            compared = existing.size();
        } else if (p.depth() > 1) {
            Optional<FileRow> sibling = liveFileUnder(owner, p.parent().orElseThrow().foldKey() + "/");
            if (sibling.isEmpty()) {
                return List.of();
            }
            existing = FilePath.parse(sibling.get().displayPath()).names();
            compared = p.depth() - 1;
        } else {
            return List.of();
        }
        List<Collision> out = new ArrayList<>();
        for (int i = 0; i < compared && i < spelled.size() && i < existing.size(); i++) {
            CollisionKind kind = classify(spelled.get(i), existing.get(i));
            if (kind != null) {
                out.add(new Collision(kind, String.join("/", existing.subList(0, i + 1)),
                        String.join("/", spelled.subList(0, i + 1))));
            }
        }
        return out;
    }

    /** How a client's spelling of a name differs from the server's (same fold key), or null if it does not. */
    static CollisionKind classify(String local, String existing) {
        if (local.equals(existing)) {
            return null;
        }
        String nfc = Normalizer.normalize(local, Normalizer.Form.NFC);
        if (nfc.equals(existing)) {
            return CollisionKind.NORMALIZATION;
        }
        if (withoutFormatCharacters(nfc).equals(withoutFormatCharacters(existing))) {
            return CollisionKind.INVISIBLE;
        }
        return CollisionKind.CASE;
    }

    private static String withoutFormatCharacters(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().filter(cp -> Character.getType(cp) != Character.FORMAT).forEach(b::appendCodePoint);
        return b.toString();
    }

    private Optional<FileRow> liveFileUnder(Owner owner, String prefix) {
        Query q = Query.table(Tables.FILES, owner.sub()).where(SortCondition.between(prefix, prefix + KEY_END))
                .limit(SIBLINGS);
        List<Item> items = retry.call(() -> store.query(q)).items();
        return items.stream().map(FileRow::from).filter(f -> !f.deleted()).findFirst();
    }

    private Optional<FileRow> fileRow(Owner owner, String pathKey) {
        return retry.call(() -> store.get(Tables.FILES, FileRow.key(owner, pathKey))).map(FileRow::from);
    }

    /** The head version; the files row and its head are written in one transaction, so it exists and is published. */
    private VersionRow headOf(FileRow f) {
        return getVersion(f.fileId(), f.head()).filter(v -> v.state() == VersionRow.State.ACTIVE).orElseThrow(() ->
                ServiceException.unavailable("HEAD_CHANGING", "The file is changing; check again.", Duration.ofSeconds(1), null));
    }

    private Optional<VersionRow> getVersion(String fileId, String versionId) {
        return retry.call(() -> store.get(Tables.VERSIONS, VersionRow.key(fileId, versionId))).map(VersionRow::from);
    }
}
