package dev.chunkvault.client.sync;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Set;

/**
 * Where the state database's native library is loaded from. By itself, sqlite-jdbc copies its library out of the jar
 * into the temporary folder on every start, then compares the copy with the original a byte at a time: in a fresh JVM
 * that is about a quarter of a second of every command (13 of 130 CPU samples of a no-op sync of 50,728 files, in a
 * JFR profile). Here the library is copied once into a per-user cache folder (named after sqlite-jdbc's version and
 * the platform), checked against the jar's bytes in bulk on each start, and sqlite-jdbc is pointed at it.
 *
 * <p>The cache is {@code $XDG_CACHE_HOME/chunkvault/native} (or {@code ~/.cache/chunkvault/native}); a folder that is
 * not the user's own or that others may write to is not used (a library there is code this process would run). When
 * anything fails — no home, a read-only disk, an unknown platform — nothing is set and sqlite-jdbc does what it always
 * did. A library path the user set ({@code org.sqlite.lib.path}) is left alone.
 */
public final class SqliteNative {
    static final String PATH_PROPERTY = "org.sqlite.lib.path";
    static final String NAME_PROPERTY = "org.sqlite.lib.name";
    private static volatile boolean prepared;

    private SqliteNative() {
    }

    /** Points sqlite-jdbc at a cached copy of its library, once per process; before the first connection. */
    public static void prepare() {
        if (prepared) {
            return;
        }
        synchronized (SqliteNative.class) {
            if (prepared) {
                return;
            }
            prepared = true;
            if (System.getProperty(PATH_PROPERTY) != null) {
                return;
            }
            Path cache = cacheRoot();
            if (cache == null) {
                return;
            }
            try {
                String folder = org.sqlite.util.LibraryLoaderUtil.getNativeLibResourcePath();
                String name = org.sqlite.util.LibraryLoaderUtil.getNativeLibName();
                String version = org.sqlite.SQLiteJDBCLoader.getVersion();
                Path lib = install(SqliteNative.class.getResourceAsStream(folder + "/" + name), cache, version, folder, name);
                if (lib != null) {
                    System.setProperty(PATH_PROPERTY, lib.getParent().toString());
                    System.setProperty(NAME_PROPERTY, lib.getFileName().toString());
                }
            } catch (RuntimeException | LinkageError | IOException e) {
                // sqlite-jdbc extracts the library itself, as it always did
            }
        }
    }

    /** {@code $XDG_CACHE_HOME/chunkvault/native}, else {@code ~/.cache/chunkvault/native}; null without a home. */
    static Path cacheRoot() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) {
            return Path.of(xdg, "chunkvault", "native");
        }
        String home = System.getProperty("user.home");
        if (home == null || home.isBlank() || "?".equals(home)) {
            return null;
        }
        return Path.of(home, ".cache", "chunkvault", "native");
    }

    /**
     * Makes {@code cache/<version>/<platform folder>/<name>} hold exactly the bytes of {@code resource} (closed here)
     * and answers its path, or null when the resource is missing or the folder cannot be trusted.
     */
    static Path install(InputStream resource, Path cache, String version, String platformFolder, String name)
            throws IOException {
        if (resource == null) {
            return null;
        }
        byte[] wanted;
        try (InputStream in = resource) {
            wanted = in.readAllBytes();
        }
        String platform = platformFolder.replaceAll("^/+", "").replace('/', '-');
        Files.createDirectories(cache);
        if (!trusted(cache)) {
            return null;
        }
        Path dir = cache.resolve(safe(version)).resolve(safe(platform));
        Files.createDirectories(dir);
        if (!trusted(dir.getParent()) || !trusted(dir)) {
            return null;
        }
        Path lib = dir.resolve(name);
        if (Files.isRegularFile(lib, LinkOption.NOFOLLOW_LINKS) && Files.size(lib) == wanted.length
                && Arrays.equals(Files.readAllBytes(lib), wanted)) {
            return lib;
        }
        // Written aside and moved into place: another process starting now loads either the old file or the whole new one.
        Path tmp = Files.createTempFile(dir, name, ".tmp");
        try {
            Files.write(tmp, wanted);
            try {
                Files.move(tmp, lib, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, lib, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        return lib;
    }

    /** A folder only its owner, this user, may write to (where the file system has POSIX permissions). */
    private static boolean trusted(Path dir) throws IOException {
        if (Files.isSymbolicLink(dir) || !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        if (!Files.getFileStore(dir).supportsFileAttributeView("posix")) {
            return true;
        }
        if (!Files.getOwner(dir, LinkOption.NOFOLLOW_LINKS).getName().equals(System.getProperty("user.name"))) {
            return false;
        }
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS);
        if (perms.contains(PosixFilePermission.GROUP_WRITE) || perms.contains(PosixFilePermission.OTHERS_WRITE)) {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        }
        return true;
    }

    private static String safe(String part) {
        String s = part == null ? "unknown" : part.replaceAll("[^A-Za-z0-9._-]", "_");
        return s.isEmpty() || s.startsWith(".") ? "_" + s : s;
    }
}
