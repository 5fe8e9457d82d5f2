package dev.chunkvault.emulators;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;

/**
 * sqlite4java (DynamoDB Local's storage) loads a native library from {@code sqlite4java.library.path}. The
 * libraries are Maven artifacts (types so/dylib/dll) that a plain classpath cannot load, so the build copies
 * them into this jar (under {@code dev/chunkvault/emulators/native/}) and {@link #prepare} extracts them into
 * a directory, once per version, atomically (several JVMs may start at once).
 */
public final class NativeLibraries {
    /** The sqlite4java version whose libraries this jar carries. */
    public static final String SQLITE4JAVA_VERSION = "1.0.392";
    private static final String RESOURCE_DIR = "/dev/chunkvault/emulators/native/";
    private static final List<String> LIBRARIES = List.of("libsqlite4java-linux-amd64.so",
            "libsqlite4java-linux-i386.so", "libsqlite4java-osx.dylib", "sqlite4java-win32-x64.dll",
            "sqlite4java-win32-x86.dll");

    private NativeLibraries() {}

    /** The default directory: {@code <java.io.tmpdir>/chunkvault-sqlite4java-<version>-<user>}. */
    public static Path defaultDirectory() {
        String user = System.getProperty("user.name", "user").replaceAll("[^A-Za-z0-9_.-]", "_");
        return Path.of(System.getProperty("java.io.tmpdir"), "chunkvault-sqlite4java-" + SQLITE4JAVA_VERSION + "-" + user);
    }

    /**
     * Extracts the libraries for this platform (all of them, they are small) into {@code dir} unless already
     * there with the right size, and sets {@code sqlite4java.library.path} to it.
     *
     * @return the directory
     */
    public static synchronized Path prepare(Path dir) {
        try {
            Files.createDirectories(dir);
            for (String name : LIBRARIES) {
                extract(name, dir.resolve(name));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract sqlite4java native libraries into " + dir, e);
        }
        System.setProperty("sqlite4java.library.path", dir.toAbsolutePath().toString());
        return dir;
    }

    private static void extract(String name, Path target) throws IOException {
        try (InputStream in = NativeLibraries.class.getResourceAsStream(RESOURCE_DIR + name)) {
            if (in == null) {
                throw new IOException("native library " + name + " missing from the chunkvault-emulators jar "
                        + "(it is copied there by the build: run mvn install on infra/emulators)");
            }
            byte[] bytes = in.readAllBytes();
            if (Files.isRegularFile(target) && Files.size(target) == bytes.length) {
                return;
            }
            Path tmp = Files.createTempFile(target.getParent(), name, ".part");
            try {
                Files.write(tmp, bytes);
                try {
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /** The library sqlite4java will look for on this platform (for messages). */
    static String expectedLibrary() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (os.contains("mac")) {
            return "libsqlite4java-osx.dylib";
        }
        if (os.contains("win")) {
            return arch.contains("64") ? "sqlite4java-win32-x64.dll" : "sqlite4java-win32-x86.dll";
        }
        return arch.contains("64") ? "libsqlite4java-linux-amd64.so" : "libsqlite4java-linux-i386.so";
    }
}
