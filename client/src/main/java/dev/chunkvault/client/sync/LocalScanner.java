package dev.chunkvault.client.sync;

import dev.chunkvault.core.paths.FilePath;
import dev.chunkvault.core.paths.InvalidFilePathException;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Walks a sync folder and lists its regular files by fold key.
 *
 * <p>Symbolic links are never followed. By default they are not synced either: each is reported as a warning and
 * skipped (a link could point out of the tree, or make a loop; Dropbox, by contrast, follows some). With
 * {@code links} ({@code --links}, like {@code rsync -l}) each is listed as a link ({@link LocalFile#link}: its target,
 * read with readlink, is its content), a link to a folder too, whose contents are not walked. Other special files (FIFOs,
 * sockets, devices) are skipped with a warning too. Names the service cannot hold (see core FileNames) are
 * reported and skipped. Two names that fold to the same key (case or Unicode normalisation: {@code Report.txt}
 * and {@code report.txt}) would be one file on the server and on case-insensitive disks: both are reported as a
 * collision and neither is synced until one is renamed.
 *
 * <p>Everything that is on disk but not listed (links, special files, names not allowed, what could not be read)
 * is also reported in {@link Scan#skipped()}, so that a tracked file missing from the listing is not taken for a
 * deletion when it is only out of sight. A sync folder that cannot be read at all fails the scan.
 *
 * <p>Empty folders (issue 21) are listed apart ({@link Scan#folders}): a folder below the root holding nothing that is
 * synced — no file, link or folder listed, after the ignore rules — so one that holds only ignored entries counts as
 * empty (the folder is there on every device); one holding something skipped (a link without --links, a special file,
 * a name not allowed, something unreadable) does not. Only the innermost such folder is listed: its parents exist through it. A folder that could not be
 * read whole is not listed.
 */
public final class LocalScanner {
    /**
     * A regular file found on disk; {@code path} is the canonical (NFC) remote path.
     *
     * <p>A sync holds one per file of the tree until the file is done, so it is kept small (issue 15): the fold key is
     * the path's own string when the two are spelled alike, and the file's {@link Path} is not kept when it is the sync
     * root's {@code path} (it is made again when asked for); only a file whose name on disk is spelled otherwise (not
     * NFC) keeps its own.
     *
     * @param executable its executable bit, or null where the folder's file system does not keep modes (unknown: never
     *                   taken for a change); false for a link
     * @param link       for a symbolic link kept as a link, its target (never followed): {@code size} is then the
     *                   target's UTF-8 length and {@code mtimeMillis} the link's own; null for a regular file
     */
    public static final class LocalFile {
        private final String pathKey;
        private final String path;
        /** The file itself, or (when {@link #rooted}) the sync root it lies under at {@link #path}. */
        private final Path at;
        private final boolean rooted;
        private final long size;
        private final long mtimeMillis;
        private final Boolean executable;
        private final String link;

        private LocalFile(String pathKey, String path, Path at, boolean rooted, long size, long mtimeMillis,
                          Boolean executable, String link) {
            this.pathKey = pathKey.equals(path) ? path : pathKey;
            this.path = path;
            this.at = at;
            this.rooted = rooted;
            this.size = size;
            this.mtimeMillis = mtimeMillis;
            this.executable = executable;
            this.link = link;
        }

        public LocalFile(String pathKey, String path, Path file, long size, long mtimeMillis, Boolean executable,
                         String link) {
            this(pathKey, path, file, false, size, mtimeMillis, executable, link);
        }

        /** A file whose executable bit is not known. */
        public LocalFile(String pathKey, String path, Path file, long size, long mtimeMillis) {
            this(pathKey, path, file, size, mtimeMillis, null, null);
        }

        /** A regular file. */
        public LocalFile(String pathKey, String path, Path file, long size, long mtimeMillis, Boolean executable) {
            this(pathKey, path, file, size, mtimeMillis, executable, null);
        }

        /**
         * A file the scan found at {@code file} under {@code root}: the root is kept instead of the file's own path
         * when {@code path} names it there.
         */
        static LocalFile found(Path root, String rel, String pathKey, String path, Path file, long size, long mtimeMillis,
                               Boolean executable, String link) {
            boolean rooted = rel.equals(path); // rel is file's path under root, name by name
            return new LocalFile(pathKey, path, rooted ? root : file, rooted, size, mtimeMillis, executable, link);
        }

        public String pathKey() {
            return pathKey;
        }

        public String path() {
            return path;
        }

        /** The file on disk (made again from the root and the path for most files: see the class comment). */
        public Path file() {
            return rooted ? SyncPaths.toLocal(at, path) : at;
        }

        public long size() {
            return size;
        }

        public long mtimeMillis() {
            return mtimeMillis;
        }

        public Boolean executable() {
            return executable;
        }

        public String link() {
            return link;
        }

        /** Whether this is a symbolic link kept as a link. */
        public boolean isLink() {
            return link != null;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof LocalFile f && pathKey.equals(f.pathKey) && path.equals(f.path) && file().equals(f.file())
                    && size == f.size && mtimeMillis == f.mtimeMillis && java.util.Objects.equals(executable, f.executable)
                    && java.util.Objects.equals(link, f.link);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(pathKey, path, size, mtimeMillis);
        }

        @Override
        public String toString() {
            return "LocalFile[pathKey=" + pathKey + ", path=" + path + ", file=" + file() + ", size=" + size
                    + ", mtimeMillis=" + mtimeMillis + ", executable=" + executable + ", link=" + link + "]";
        }
    }

    /** Why something on disk was not listed. */
    public enum Skip { LINK, SPECIAL, INVALID_NAME, UNREADABLE }

    /** Something on disk that is not listed; {@code directory} when it is (or may be) a folder. */
    public record Skipped(Skip kind, boolean directory) {}

    /**
     * What a scan found.
     *
     * @param skipped what is on disk but not listed, by its path relative to the root ('/'-separated, NFC);
     *                ignored paths are not in it (the ignore rules say which they are)
     * @param links   the links listed as links (with {@code links}), by the same relative path: nothing below one was
     *                walked, so a file recorded there is out of sight, not deleted
     * @param clashes the files (and links) behind each collision between files only, by the key they share (a collision
     *                that involves an empty folder is not in it): what {@link CaseAliases} may resolve
     */
    public record Scan(Map<String, LocalFile> files, Map<String, List<String>> collisions, List<String> warnings,
                       int ignored, Map<String, Skipped> skipped, java.util.Set<String> links,
                       Map<String, LocalFile> folders, Map<String, List<LocalFile>> clashes) {
        public Scan(Map<String, LocalFile> files, Map<String, List<String>> collisions, List<String> warnings, int ignored,
                    Map<String, Skipped> skipped) {
            this(files, collisions, warnings, ignored, skipped, java.util.Set.of(), Map.of());
        }

        public Scan(Map<String, LocalFile> files, Map<String, List<String>> collisions, List<String> warnings, int ignored,
                    Map<String, Skipped> skipped, java.util.Set<String> links, Map<String, LocalFile> folders) {
            this(files, collisions, warnings, ignored, skipped, links, folders, new LinkedHashMap<>());
        }

        public Scan(Map<String, LocalFile> files, Map<String, List<String>> collisions, List<String> warnings, int ignored,
                    Map<String, Skipped> skipped, java.util.Set<String> links) {
            this(files, collisions, warnings, ignored, skipped, links, Map.of());
        }
    }

    private LocalScanner() {}

    public static Scan scan(Path root, IgnoreRules ignore) throws IOException {
        return scan(root, ignore, false);
    }

    /**
     * @param modes whether the folder's file system keeps the executable bit ({@link dev.chunkvault.client.FileModes#kept}):
     *              then each file's bit is read, else it is unknown
     */
    public static Scan scan(Path root, IgnoreRules ignore, boolean modes) throws IOException {
        return scan(root, ignore, modes, false);
    }

    /** @param links list symbolic links as links (their targets read, never followed), instead of skipping them */
    public static Scan scan(Path root, IgnoreRules ignore, boolean modes, boolean links) throws IOException {
        // Each file by its fold key (this map is the scan's listing, once the keys two names share are taken out), and
        // those keys apart: no list per file (a sync holds the listing while it plans, issue 15).
        TreeMap<String, LocalFile> byKey = new TreeMap<>();
        Map<String, List<LocalFile>> clashing = new TreeMap<>();
        java.util.Set<String> linkPaths = new java.util.TreeSet<>();
        List<String> warnings = new ArrayList<>();
        Map<String, Skipped> skipped = new TreeMap<>();
        int[] ignored = {0};
        // Per folder being walked (the root first): how many synced entries it holds so far.
        java.util.ArrayDeque<int[]> listed = new java.util.ArrayDeque<>();
        Map<String, List<LocalFile>> emptyByKey = new TreeMap<>();
        // Per folder being walked: its path relative to the root ('/'-separated, as on disk), its entries' prefix.
        java.util.ArrayDeque<String> rels = new java.util.ArrayDeque<>();
        Files.walkFileTree(root, EnumSet.noneOf(java.nio.file.FileVisitOption.class), Integer.MAX_VALUE,
                new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                        if (dir.equals(root)) {
                            listed.push(new int[1]);
                            rels.push("");
                            return FileVisitResult.CONTINUE;
                        }
                        String rel = child(rels.peek(), dir);
                        if (ignore.isIgnored(rel, true)) {
                            ignored[0]++;
                            return FileVisitResult.SKIP_SUBTREE;
                        }
                        try {
                            FilePath.parse(rel);
                        } catch (InvalidFilePathException e) {
                            warnings.add("skipped folder '" + printable(rel) + "': its name is not allowed ("
                                    + e.reason() + ")");
                            skipped.put(nfc(rel), new Skipped(Skip.INVALID_NAME, true));
                            listed.peek()[0]++; // something here, not synced: the folder is not empty
                            return FileVisitResult.SKIP_SUBTREE;
                        }
                        listed.push(new int[1]);
                        rels.push(rel);
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                        String rel = child(rels.peek(), file);
                        if (ignore.isIgnored(rel, attrs.isDirectory())) {
                            ignored[0]++;
                            return FileVisitResult.CONTINUE;
                        }
                        if (attrs.isSymbolicLink() && !links) {
                            warnings.add("skipped symbolic link '" + printable(rel) + "' (links are synced only with"
                                    + " --links)");
                            skipped.put(nfc(rel), new Skipped(Skip.LINK, true));
                            listed.peek()[0]++; // something here, not synced: the folder is not empty
                            return FileVisitResult.CONTINUE;
                        }
                        if (attrs.isSymbolicLink()) {
                            return link(file, rel, attrs);
                        }
                        if (!attrs.isRegularFile()) {
                            warnings.add("skipped special file '" + printable(rel) + "'");
                            skipped.put(nfc(rel), new Skipped(Skip.SPECIAL, attrs.isDirectory()));
                            listed.peek()[0]++; // something here, not synced: the folder is not empty
                            return FileVisitResult.CONTINUE;
                        }
                        FilePath p;
                        try {
                            p = FilePath.parse(rel);
                        } catch (InvalidFilePathException e) {
                            warnings.add("skipped '" + printable(rel) + "': its name is not allowed (" + e.reason() + ")");
                            skipped.put(nfc(rel), new Skipped(Skip.INVALID_NAME, false));
                            listed.peek()[0]++; // something here, not synced: the folder is not empty
                            return FileVisitResult.CONTINUE;
                        }
                        Boolean executable = null;
                        if (modes) {
                            try {
                                executable = dev.chunkvault.client.FileModes.executable(file, attrs);
                            } catch (IOException e) {
                                executable = null; // gone or unreadable meanwhile: its bit is unknown this time
                            }
                        }
                        LocalFile f = LocalFile.found(root, rel, p.foldKey(), p.toString(), file, attrs.size(),
                                attrs.lastModifiedTime().toMillis(), executable, null);
                        add(byKey, clashing, f);
                        listed.peek()[0]++;
                        return FileVisitResult.CONTINUE;
                    }

                    /** A link kept as a link: its target is its content; it is never followed (nor walked into). */
                    private FileVisitResult link(Path file, String rel, BasicFileAttributes attrs) {
                        FilePath p;
                        try {
                            p = FilePath.parse(rel);
                        } catch (InvalidFilePathException e) {
                            warnings.add("skipped '" + printable(rel) + "': its name is not allowed (" + e.reason() + ")");
                            skipped.put(nfc(rel), new Skipped(Skip.INVALID_NAME, true));
                            listed.peek()[0]++; // something here, not synced: the folder is not empty
                            return FileVisitResult.CONTINUE;
                        }
                        String target;
                        try {
                            target = dev.chunkvault.client.SymLinks.target(file);
                        } catch (IOException | UnsupportedOperationException e) {
                            warnings.add("could not read symbolic link '" + printable(rel) + "' ("
                                    + e.getClass().getSimpleName() + ")");
                            skipped.put(nfc(rel), new Skipped(Skip.UNREADABLE, true));
                            listed.peek()[0]++; // something here, not synced: the folder is not empty
                            return FileVisitResult.CONTINUE;
                        }
                        int bytes = dev.chunkvault.client.SymLinks.bytes(target).length;
                        if (bytes == 0 || bytes > dev.chunkvault.client.SymLinks.MAX_TARGET_BYTES) {
                            warnings.add("skipped symbolic link '" + printable(rel) + "': its target is longer than "
                                    + dev.chunkvault.client.SymLinks.MAX_TARGET_BYTES + " bytes");
                            skipped.put(nfc(rel), new Skipped(Skip.LINK, true));
                            listed.peek()[0]++; // something here, not synced: the folder is not empty
                            return FileVisitResult.CONTINUE;
                        }
                        LocalFile f = LocalFile.found(root, rel, p.foldKey(), p.toString(), file, bytes,
                                attrs.lastModifiedTime().toMillis(), Boolean.FALSE, target);
                        add(byKey, clashing, f);
                        linkPaths.add(nfc(rel));
                        listed.peek()[0]++;
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFileFailed(Path file, IOException exc) throws IOException {
                        if (file.equals(root)) {
                            throw exc; // nothing can be said about any file
                        }
                        String rel = SyncPaths.relative(root, file);
                        if (ignore.isIgnored(rel, false) || ignore.isIgnored(rel, true)) {
                            ignored[0]++;
                            return FileVisitResult.CONTINUE;
                        }
                        warnings.add("could not read '" + printable(rel) + "' (" + exc.getClass().getSimpleName() + ")");
                        skipped.put(nfc(rel), new Skipped(Skip.UNREADABLE, true));
                        listed.peek()[0]++; // something here, not synced: the folder is not empty
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                        int held = listed.pop()[0];
                        String dirRel = rels.pop();
                        if (!dir.equals(root)) {
                            if (held == 0 && exc == null) {
                                String rel = dirRel;
                                FilePath p = FilePath.parse(rel); // checked on the way in
                                LocalFile f = new LocalFile(p.foldKey(), p.toString(), dir, 0, 0, Boolean.FALSE);
                                emptyByKey.computeIfAbsent(f.pathKey(), k -> new ArrayList<>(1)).add(f);
                            }
                            listed.peek()[0]++; // it holds something synced, or is itself an empty folder's marker
                        }
                        if (exc != null) {
                            if (dir.equals(root)) {
                                throw exc;
                            }
                            String rel = SyncPaths.relative(root, dir);
                            warnings.add("could not read all of folder '" + printable(rel) + "' ("
                                    + exc.getClass().getSimpleName() + ")");
                            skipped.put(nfc(rel), new Skipped(Skip.UNREADABLE, true));
                        }
                        return FileVisitResult.CONTINUE;
                    }
                });
        Map<String, List<String>> collisions = new LinkedHashMap<>();
        for (Map.Entry<String, List<LocalFile>> e : clashing.entrySet()) {
            byKey.remove(e.getKey());
            collisions.put(e.getKey(), e.getValue().stream().map(f -> SyncPaths.relative(root, f.file())).toList());
        }
        Map<String, LocalFile> files = byKey;
        Map<String, LocalFile> folders = new LinkedHashMap<>();
        for (Map.Entry<String, List<LocalFile>> e : emptyByKey.entrySet()) {
            LocalFile file = files.get(e.getKey());
            List<LocalFile> clash = clashing.get(e.getKey());
            if (e.getValue().size() == 1 && file == null && clash == null) {
                folders.put(e.getKey(), e.getValue().get(0));
            } else {
                List<String> names = new ArrayList<>();
                e.getValue().forEach(f -> names.add(SyncPaths.relative(root, f.file())));
                (clash != null ? clash : file != null ? List.of(file) : List.<LocalFile>of())
                        .forEach(f -> names.add(SyncPaths.relative(root, f.file())));
                collisions.put(e.getKey(), names);
                files.remove(e.getKey());
            }
        }
        Map<String, List<LocalFile>> clashes = new LinkedHashMap<>();
        clashing.forEach((key, members) -> {
            if (!emptyByKey.containsKey(key)) {
                clashes.put(key, members);
            }
        });
        return new Scan(files, collisions, warnings, ignored[0], skipped, linkPaths, folders, clashes);
    }

    /** The relative path of {@code entry} in the folder whose relative path is {@code parent} ("" for the root). */
    private static String child(String parent, Path entry) {
        String name = entry.getFileName().toString();
        return parent.isEmpty() ? name : parent + "/" + name;
    }

    /** Lists {@code f} by its fold key, or with the other names of that key when one has it already. */
    private static void add(TreeMap<String, LocalFile> byKey, Map<String, List<LocalFile>> clashing, LocalFile f) {
        List<LocalFile> clash = clashing.get(f.pathKey());
        if (clash != null) {
            clash.add(f);
            return;
        }
        LocalFile before = byKey.putIfAbsent(f.pathKey(), f);
        if (before != null) {
            clashing.put(f.pathKey(), new ArrayList<>(List.of(before, f)));
        }
    }

    /** The NFC spelling of a relative path as on disk (any name, valid or not), to compare with recorded paths. */
    static String nfc(String rel) {
        return java.text.Normalizer.normalize(rel, java.text.Normalizer.Form.NFC);
    }

    /** A name safe to print: control characters replaced (see {@link dev.chunkvault.client.LocalTargets#printable}). */
    static String printable(String s) {
        return dev.chunkvault.client.LocalTargets.printable(s);
    }
}
