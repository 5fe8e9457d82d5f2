package dev.chunkvault.client.sync;

import dev.chunkvault.core.paths.FilePath;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/** Maps between remote paths ('/'-separated, relative to the account root) and files under a sync root. */
public final class SyncPaths {
    private SyncPaths() {}

    /** The local file for {@code path} (a valid remote path) under {@code root}. */
    public static Path toLocal(Path root, String path) {
        Path p = root;
        for (String name : path.split("/")) {
            p = p.resolve(name);
        }
        return p;
    }

    /** The path of {@code file} relative to {@code root}, '/'-separated as on disk (not yet validated). */
    public static String relative(Path root, Path file) {
        Path rel = root.relativize(file);
        StringBuilder b = new StringBuilder();
        for (Path part : rel) {
            if (b.length() > 0) {
                b.append('/');
            }
            b.append(part.toString());
        }
        return b.toString();
    }

    /** Whether Windows can hold every name of {@code path} (see core FileNames#isWindowsPortable). */
    public static boolean isWindowsPortable(String path) {
        for (String name : path.split("/")) {
            if (name.isEmpty() || !dev.chunkvault.core.paths.FileNames.isWindowsPortable(name)) {
                return false;
            }
        }
        return true;
    }

    public static String foldKey(String path) {
        return FilePath.parse(path).foldKey();
    }

    /** Deletes a folder and everything in it; symbolic links in it are deleted, never followed. */
    public static void deleteTree(Path dir) throws IOException {
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
                Files.delete(f);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                if (exc != null) {
                    throw exc;
                }
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
