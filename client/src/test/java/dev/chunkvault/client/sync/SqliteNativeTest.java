package dev.chunkvault.client.sync;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteNativeTest {
    private static final byte[] LIB = "\u007fELF pretend library bytes".getBytes(java.nio.charset.StandardCharsets.UTF_8);

    @Test
    void theLibraryIsCopiedOnceAndReusedWhileItsBytesMatch(@TempDir Path cache) throws Exception {
        Path lib = SqliteNative.install(new ByteArrayInputStream(LIB), cache, "3.53.4.0", "/org/sqlite/native/Linux/x86_64",
                "libsqlitejdbc.so");
        assertNotNull(lib);
        assertEquals(cache.resolve("3.53.4.0").resolve("org-sqlite-native-Linux-x86_64").resolve("libsqlitejdbc.so"), lib);
        assertArrayEquals(LIB, Files.readAllBytes(lib));
        FileTime written = FileTime.fromMillis(1_000_000_000_000L);
        Files.setLastModifiedTime(lib, written);
        assertEquals(lib, SqliteNative.install(new ByteArrayInputStream(LIB), cache, "3.53.4.0",
                "/org/sqlite/native/Linux/x86_64", "libsqlitejdbc.so"));
        assertEquals(written, Files.getLastModifiedTime(lib), "a matching copy is used as it is, not written again");
        try (var leftovers = Files.list(lib.getParent())) {
            assertEquals(1, leftovers.count(), "no temporary file is left behind");
        }
    }

    @Test
    void aDamagedOrTruncatedCopyIsReplacedByTheJarsBytes(@TempDir Path cache) throws Exception {
        Path lib = SqliteNative.install(new ByteArrayInputStream(LIB), cache, "v", "/p", "lib.so");
        Files.write(lib, "junk of another length".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        SqliteNative.install(new ByteArrayInputStream(LIB), cache, "v", "/p", "lib.so");
        assertArrayEquals(LIB, Files.readAllBytes(lib));
        byte[] sameLength = LIB.clone();
        sameLength[3] ^= 1;
        Files.write(lib, sameLength);
        SqliteNative.install(new ByteArrayInputStream(LIB), cache, "v", "/p", "lib.so");
        assertArrayEquals(LIB, Files.readAllBytes(lib), "same length, other bytes: replaced too");
    }

    @Test
    void aFolderOthersMayWriteToIsMadePrivateAndASymlinkedOneIsNotUsed(@TempDir Path tmp) throws Exception {
        Path cache = tmp.resolve("cache");
        Files.createDirectories(cache.resolve("v").resolve("p"));
        boolean posix = Files.getFileStore(tmp).supportsFileAttributeView("posix");
        if (posix) {
            Files.setPosixFilePermissions(cache.resolve("v").resolve("p"), PosixFilePermissions.fromString("rwxrwxrwx"));
        }
        Path lib = SqliteNative.install(new ByteArrayInputStream(LIB), cache, "v", "/p", "lib.so");
        assertNotNull(lib);
        if (posix) {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(lib.getParent());
            assertFalse(perms.contains(PosixFilePermission.OTHERS_WRITE) || perms.contains(PosixFilePermission.GROUP_WRITE), perms.toString());
        }

        Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
        Path linked = tmp.resolve("linked");
        Files.createSymbolicLink(linked, elsewhere);
        assertNull(SqliteNative.install(new ByteArrayInputStream(LIB), linked, "v", "/p", "lib.so"),
                "a cache folder that is a symbolic link is not trusted");
        assertFalse(Files.exists(elsewhere.resolve("v").resolve("p").resolve("lib.so")));
    }

    @Test
    void nothingIsInstalledWithoutTheResource(@TempDir Path cache) throws Exception {
        assertNull(SqliteNative.install(null, cache, "v", "/p", "lib.so"));
        try (var files = Files.list(cache)) {
            assertTrue(files.findAny().isEmpty());
        }
    }
}
