package dev.chunkvault.bench.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/** File-tree helpers for the benchmarks: copies that keep modification times, version upgrades, sizes. */
final class Trees {
    private Trees() {}

    /** Regular files under {@code root} by relative path ('/'-separated), skipping the {@code skip} folders. */
    static TreeMap<String, Path> files(Path root, Set<String> skip) throws IOException {
        TreeMap<String, Path> out = new TreeMap<>();
        if (!Files.exists(root)) {
            return out;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Path rel = root.relativize(p);
                if (rel.getNameCount() > 0 && skip.contains(rel.getName(0).toString())) {
                    continue;
                }
                if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    out.put(rel.toString().replace('\\', '/'), p);
                }
            }
        }
        return out;
    }

    /** Copies {@code from} to a new tree {@code to}; every file gets modification time {@code mtime}. */
    static void copyWithTime(Path from, Path to, FileTime mtime) throws IOException {
        for (var e : files(from, Set.of()).entrySet()) {
            Path target = to.resolve(e.getKey());
            Files.createDirectories(target.getParent());
            Files.copy(e.getValue(), target, StandardCopyOption.REPLACE_EXISTING);
            Files.setLastModifiedTime(target, mtime);
        }
    }

    /** What changed between two trees. */
    record Change(int filesBefore, int filesAfter, int changed, int added, int removed, long bytesBefore,
                  long bytesAfter, long bytesChangedOrAdded) {}

    /**
     * Turns {@code into} (a copy of an older version) into {@code version}, as an upgrade in place would: files with
     * the same bytes are left alone (they keep their modification time), changed and new files are written with
     * modification time {@code mtime}, files that are gone are deleted, and so are folders left empty. Source
     * archives carry one fixed timestamp for every entry (reproducible builds), so without this step a changed
     * file of unchanged size would look unchanged to any tool that trusts size and time (rsync, restic, sync).
     */
    static Change upgrade(Path version, Path into, FileTime mtime) throws IOException {
        return upgrade(version, into, mtime, Set.of());
    }

    /** As {@link #upgrade(Path, Path, FileTime)}, leaving the folders named in {@code keep} at the top of {@code into} alone. */
    static Change upgrade(Path version, Path into, FileTime mtime, Set<String> keep) throws IOException {
        TreeMap<String, Path> want = files(version, Set.of());
        TreeMap<String, Path> have = files(into, keep);
        int changed = 0;
        int added = 0;
        int removed = 0;
        long bytesBefore = 0;
        long bytesAfter = 0;
        long bytesNew = 0;
        for (Path p : have.values()) {
            bytesBefore += Files.size(p);
        }
        for (var e : want.entrySet()) {
            Path target = into.resolve(e.getKey());
            long size = Files.size(e.getValue());
            bytesAfter += size;
            Path old = have.get(e.getKey());
            if (old != null && sameBytes(old, e.getValue())) {
                continue;
            }
            if (old == null) {
                added++;
            } else {
                changed++;
            }
            bytesNew += size;
            Files.createDirectories(target.getParent());
            Files.copy(e.getValue(), target, StandardCopyOption.REPLACE_EXISTING);
            Files.setLastModifiedTime(target, mtime);
        }
        for (var e : have.entrySet()) {
            if (!want.containsKey(e.getKey())) {
                Files.delete(e.getValue());
                removed++;
            }
        }
        deleteEmptyFolders(into);
        return new Change(have.size(), want.size(), changed, added, removed, bytesBefore, bytesAfter, bytesNew);
    }

    /**
     * Makes {@code into} hold exactly the files of {@code from} (like {@code rsync -a --delete}, locally): a file is
     * copied, with its modification time, when its size or time differs; extra files are deleted. Folders named in
     * {@code keep} at the top of {@code into} (a tool's own state) are left alone.
     */
    static void mirror(Path from, Path into, Set<String> keep) throws IOException {
        TreeMap<String, Path> want = files(from, Set.of());
        TreeMap<String, Path> have = files(into, keep);
        for (var e : want.entrySet()) {
            Path src = e.getValue();
            Path dst = into.resolve(e.getKey());
            Path old = have.get(e.getKey());
            if (old != null && Files.size(old) == Files.size(src)
                    && Files.getLastModifiedTime(old).equals(Files.getLastModifiedTime(src))) {
                continue;
            }
            Files.createDirectories(dst.getParent());
            Files.copy(src, dst, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
        }
        for (var e : have.entrySet()) {
            if (!want.containsKey(e.getKey())) {
                Files.delete(e.getValue());
            }
        }
        deleteEmptyFolders(into);
    }

    static void deleteEmptyFolders(Path root) throws IOException {
        List<Path> dirs = new ArrayList<>();
        try (Stream<Path> s = Files.walk(root)) {
            s.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) && !p.equals(root)).forEach(dirs::add);
        }
        dirs.sort(Comparator.comparingInt(Path::getNameCount).reversed());
        for (Path d : dirs) {
            try (Stream<Path> s = Files.list(d)) {
                if (s.findAny().isEmpty()) {
                    Files.delete(d);
                }
            }
        }
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** Bytes of the regular files under {@code root} (a repository's size on disk, as its files add up). */
    static long diskBytes(Path root) throws IOException {
        long sum = 0;
        for (Path p : files(root, Set.of()).values()) {
            sum += Files.size(p);
        }
        return sum;
    }

    static boolean sameBytes(Path a, Path b) throws IOException {
        if (Files.size(a) != Files.size(b)) {
            return false;
        }
        return Arrays.equals(Files.readAllBytes(a), Files.readAllBytes(b));
    }

    static String sha256(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
