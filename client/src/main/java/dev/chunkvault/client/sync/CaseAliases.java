package dev.chunkvault.client.sync;

import dev.chunkvault.client.LocalTargets;
import dev.chunkvault.client.UnsafePathException;
import dev.chunkvault.client.model.FileEntry;
import dev.chunkvault.client.sync.LocalScanner.LocalFile;
import dev.chunkvault.core.paths.FilePath;
import dev.chunkvault.core.paths.FileNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Names that differ only by case or Unicode form (issue 21): {@code xt_CONNMARK.h} and {@code xt_connmark.h} can share
 * a folder on a case-sensitive disk, but the server keys files by their folded name, as a case-insensitive disk would.
 *
 * <p>Like Dropbox, one of them keeps its name on the server and each other one is stored under a marked name in the same
 * folder, {@code xt_connmark (Case Conflict).h} ({@code (Unicode Conflict)} when the names differ only by Unicode form),
 * its version carrying the name it has here ({@code originalName}). Unlike Dropbox, nothing is renamed on disk: this
 * folder keeps both names, and so does every other device whose disk can hold them (a pulled file whose version names
 * an original name is written under it where that name is free), so two case-sensitive devices end up with the same
 * names. A case-insensitive device gets the marked name.
 *
 * <p>Which path here stands for which remote file is kept in the state ({@link StateStore#aliases}), with the file's
 * record: the scan's file at an alias's local path is the marked remote file's, whatever else shares its folded name
 * later (the other member deleted or renamed, say). A new pair is resolved once: the member whose name the server or
 * this folder already keeps under the shared key keeps it, else the first name in code point order (capitals first);
 * each other one gets the first marked name not taken, and the sync reports that once.
 *
 * <p>Only pairs of files (or links) in one folder, spelled alike, are resolved; names whose folders differ by case
 * ({@code Docs/a.txt} and {@code docs/a.txt}) or a file beside an empty folder of its folded name stay collisions.
 */
public final class CaseAliases {
    static final String CASE_MARK = "Case Conflict";
    static final String UNICODE_MARK = "Unicode Conflict";
    /** Marked names tried per file before the pair is left a collision. */
    private static final int MAX_TRIES = 100;

    /** A newly resolved member: stored on the server at {@code remotePath}, named {@code localPath} here. */
    record Marked(String localPath, String remotePath, String keptBy) {}

    private CaseAliases() {}

    /**
     * Applies the folder's aliases to {@code scan} and resolves the collisions it can, in place: each file that stands for
     * a marked remote file is listed under the marked file's key, its {@link LocalFile#path()} the remote path and its
     * {@link LocalFile#file()} the file here; the collisions resolved are taken out of {@link LocalScanner.Scan#collisions}.
     *
     * @param root    the sync root
     * @param aliases the folder's aliases (key → local path), added to with the new ones; an alias whose marked name is
     *                spelled by a file here is taken out
     * @param records the folder's records, by key (the remote path of an alias's file is its record's, else its remote
     *                head's)
     * @param remote  the remote heads known to this sync, by key (a partial view is enough: see the class comment)
     * @return the files newly stored under a marked name (to report, once)
     */
    static List<Marked> resolve(Path root, LocalScanner.Scan scan, Map<String, String> aliases,
                                Map<String, SyncRecord> records, Map<String, FileEntry> remote) {
        for (Map.Entry<String, String> a : new ArrayList<>(aliases.entrySet())) {
            if (scan.files().containsKey(a.getKey())) {
                // A file here spelled as the marked name itself is that file: the alias ends (nothing is hidden, and the
                // file it named is a member of a pair again, or a file of its own).
                aliases.remove(a.getKey());
                continue;
            }
            SyncRecord rec = records.get(a.getKey());
            FileEntry head = remote.get(a.getKey());
            String remotePath = rec != null ? (rec.folder() ? null : rec.path())
                    : head != null && !head.deleted() && !head.isFolder() ? head.path() : null;
            if (remotePath != null) {
                take(root, scan, a.getValue()).ifPresent(f -> scan.files().put(a.getKey(), aliased(a.getKey(), remotePath, f)));
            }
        }
        List<Marked> marked = new ArrayList<>();
        Set<String> taken = new HashSet<>(aliases.keySet());
        for (String key : new ArrayList<>(scan.clashes().keySet())) {
            List<LocalFile> members = scan.clashes().get(key);
            if (members == null || members.size() < 2 || !oneFolder(root, members)) {
                continue;
            }
            List<LocalFile> sorted = new ArrayList<>(members);
            sorted.sort(Comparator.comparing((LocalFile f) -> !isNfc(local(root, f))).thenComparing(f -> local(root, f)));
            LocalFile keeper = keeper(root, sorted, records.get(key), remote.get(key));
            List<LocalFile> others = new ArrayList<>(sorted);
            others.remove(keeper);
            Map<LocalFile, String> paths = new LinkedHashMap<>();
            for (LocalFile f : others) {
                String remotePath = known(root, f, remote, scan, taken);
                if (remotePath == null) {
                    remotePath = freeMarkedPath(root, f, keeper, scan, records, remote, taken);
                }
                if (remotePath == null) {
                    break;
                }
                paths.put(f, remotePath);
                taken.add(SyncPaths.foldKey(remotePath));
            }
            if (paths.size() != others.size()) {
                paths.keySet().forEach(f -> taken.remove(SyncPaths.foldKey(paths.get(f))));
                continue; // left a collision, as before
            }
            scan.clashes().remove(key);
            scan.collisions().remove(key);
            scan.files().put(key, keeper);
            for (Map.Entry<LocalFile, String> e : paths.entrySet()) {
                String k = SyncPaths.foldKey(e.getValue());
                String localPath = local(root, e.getKey());
                aliases.put(k, localPath);
                scan.files().put(k, aliased(k, e.getValue(), e.getKey()));
                marked.add(new Marked(localPath, e.getValue(), local(root, keeper)));
            }
        }
        return marked;
    }

    /**
     * Applies to {@code scan} the original names of the marked files in {@code remote} (by key), in place, as a sync
     * of a folder whose state knew them would: each file here named as a marked file's original name stands for it. For
     * a comparison of a folder with the server ({@code chunkvault verify}).
     */
    public static void applyRemote(Path root, LocalScanner.Scan scan, Map<String, FileEntry> remote) {
        Map<String, String> aliases = new LinkedHashMap<>();
        remote.forEach((key, e) -> {
            if (e.originalName() != null && !e.deleted() && e.originalName().indexOf('/') < 0) {
                aliases.put(key, parentOf(e.path()) + e.originalName());
            }
        });
        resolve(root, scan, aliases, Map.of(), remote);
    }

    /**
     * The collisions of {@code scan} that a sync cannot keep apart (see the class comment), in place: the others are
     * taken out. For {@code chunkvault conflicts}: a pair that a sync keeps, one under a marked name, is no conflict.
     */
    public static Map<String, List<String>> leftCollisions(Path root, LocalScanner.Scan scan) {
        resolve(root, scan, new LinkedHashMap<>(), Map.of(), Map.of());
        return scan.collisions();
    }

    /**
     * Where a file pulled for the first time, whose remote version names {@code originalName}, is written here: under that
     * name, in the marked file's folder, when this disk tells names apart by case and nothing has that exact name on disk
     * or on the server; else null (under the remote path).
     */
    static String localPathFor(Path root, FileEntry head, boolean caseSensitive, Map<String, FileEntry> remote,
                               Set<String> claimed) {
        String name = head.originalName();
        if (!caseSensitive || name == null || name.indexOf('/') >= 0 || name.indexOf('\\') >= 0) {
            return null; // one name, in the marked file's folder: never a path
        }
        String path = head.path();
        int slash = path.lastIndexOf('/');
        String candidate = (slash < 0 ? "" : path.substring(0, slash + 1)) + name;
        if (!isNfc(candidate)) {
            return null; // a name differing from its sibling's only by Unicode form: kept marked (written NFC, they clash)
        }
        try {
            FilePath parsed = LocalTargets.validate(candidate);
            if (FileNames.foldKey(parsed.name()).equals(FileNames.foldKey(FilePath.parse(path).name()))) {
                return null;
            }
            FileEntry same = remote.get(parsed.foldKey());
            if (same != null && !same.deleted() && same.path().equals(candidate)) {
                return null; // the server holds a file of exactly that name: it goes there
            }
        } catch (UnsafePathException | IllegalArgumentException e) {
            return null;
        }
        if (Files.exists(SyncPaths.toLocal(root, candidate), LinkOption.NOFOLLOW_LINKS) || !claimed.add(candidate)) {
            return null;
        }
        return candidate;
    }

    /** Whether {@code dir}'s file system tells names apart by case (tried with a file made and deleted in it). */
    static boolean caseSensitive(Path dir) {
        String name = ".cv-case-" + UUID.randomUUID() + ".probe";
        Path probe = dir.resolve(name);
        try {
            Files.createFile(probe);
            try {
                return !Files.exists(dir.resolve(name.toUpperCase(java.util.Locale.ROOT)), LinkOption.NOFOLLOW_LINKS);
            } finally {
                Files.deleteIfExists(probe);
            }
        } catch (IOException | UnsupportedOperationException e) {
            return false; // nothing is written under an original name, as on a case-insensitive disk
        }
    }

    /** Takes the scan's file at exactly {@code localPath} out of its listing (or its collision), if it is there. */
    private static java.util.Optional<LocalFile> take(Path root, LocalScanner.Scan scan, String localPath) {
        String key;
        try {
            key = SyncPaths.foldKey(localPath);
        } catch (IllegalArgumentException e) {
            return java.util.Optional.empty();
        }
        LocalFile single = scan.files().get(key);
        if (single != null && single.pathKey().equals(key) && local(root, single).equals(localPath)) {
            scan.files().remove(key);
            return java.util.Optional.of(single);
        }
        List<LocalFile> members = scan.clashes().get(key);
        if (members == null) {
            return java.util.Optional.empty();
        }
        for (LocalFile f : members) {
            if (local(root, f).equals(localPath)) {
                List<LocalFile> rest = new ArrayList<>(members);
                rest.remove(f);
                if (rest.size() == 1) {
                    scan.clashes().remove(key);
                    scan.collisions().remove(key);
                    scan.files().put(key, rest.get(0));
                } else {
                    scan.clashes().put(key, rest);
                    scan.collisions().put(key, rest.stream().map(m -> local(root, m)).toList());
                }
                return java.util.Optional.of(f);
            }
        }
        return java.util.Optional.empty();
    }

    /** The member that keeps the shared key: the one this folder or the server already keeps there, else the first. */
    private static LocalFile keeper(Path root, List<LocalFile> sorted, SyncRecord rec, FileEntry head) {
        for (String kept : new String[] {rec == null ? null : rec.path(), head == null || head.deleted() ? null : head.path()}) {
            if (kept == null) {
                continue;
            }
            for (LocalFile f : sorted) {
                if (local(root, f).equals(kept)) {
                    return f;
                }
            }
            for (LocalFile f : sorted) {
                if (LocalScanner.nfc(local(root, f)).equals(kept)) {
                    return f;
                }
            }
        }
        return sorted.get(0);
    }

    /** The remote path of a marked file the server already holds for {@code f} (its original name is f's), if free here. */
    private static String known(Path root, LocalFile f, Map<String, FileEntry> remote, LocalScanner.Scan scan,
                                Set<String> taken) {
        String localPath = local(root, f);
        String parent = parentOf(LocalScanner.nfc(localPath));
        String name = localPath.substring(localPath.lastIndexOf('/') + 1);
        for (Map.Entry<String, FileEntry> e : remote.entrySet()) {
            FileEntry re = e.getValue();
            // A record of it without an alias is this file's, its alias lost (a sync stopped between the two writes).
            if (!re.deleted() && name.equals(re.originalName()) && parentOf(re.path()).equals(parent)
                    && !taken.contains(e.getKey()) && !scan.files().containsKey(e.getKey())) {
                return re.path();
            }
        }
        return null;
    }

    /**
     * The first marked name for {@code f} whose key nothing here, in the state or on the server holds, or whose record
     * here is of a file gone from that name with no alias (f itself, its alias lost).
     */
    private static String freeMarkedPath(Path root, LocalFile f, LocalFile keeper, LocalScanner.Scan scan,
                                         Map<String, SyncRecord> records, Map<String, FileEntry> remote, Set<String> taken) {
        String nfcPath = f.path(); // the canonical (NFC) remote spelling of the file's own path
        String parent = parentOf(nfcPath);
        String name = nfcPath.substring(parent.length());
        boolean unicodeOnly = LocalScanner.nfc(local(root, keeper)).equals(LocalScanner.nfc(local(root, f)));
        String mark = unicodeOnly ? UNICODE_MARK : CASE_MARK;
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        String ext = dot > 0 ? name.substring(dot) : "";
        for (int n = 1; n <= MAX_TRIES; n++) {
            String candidate = parent + stem + " (" + mark + (n == 1 ? "" : " " + n) + ")" + ext;
            String key;
            try {
                key = FilePath.parse(candidate).foldKey();
            } catch (IllegalArgumentException e) {
                return null; // too long a name to mark
            }
            FileEntry re = remote.get(key);
            if (taken.contains(key) || scan.files().containsKey(key) || scan.collisions().containsKey(key)) {
                continue;
            }
            SyncRecord held = records.get(key);
            if (held != null && !held.folder() && held.path().equals(candidate)) {
                // This file's record, its alias lost (a sync stopped between the two writes) after the server's side of
                // it was listed: it stays the same file, not a deletion of it and a new one.
                return candidate;
            }
            if (held == null && (re == null || re.deleted())) {
                return candidate;
            }
        }
        return null;
    }

    private static boolean oneFolder(Path root, List<LocalFile> members) {
        String parent = parentOf(local(root, members.get(0)));
        return members.stream().allMatch(f -> parentOf(local(root, f)).equals(parent));
    }

    private static LocalFile aliased(String key, String remotePath, LocalFile f) {
        return new LocalFile(key, remotePath, f.file(), f.size(), f.mtimeMillis(), f.executable(), f.link());
    }

    /** The file's path relative to the root as spelled on disk. */
    static String local(Path root, LocalFile f) {
        return SyncPaths.relative(root, f.file());
    }

    private static String parentOf(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? "" : path.substring(0, slash + 1);
    }

    private static boolean isNfc(String s) {
        return LocalScanner.nfc(s).equals(s);
    }
}
