package dev.chunkvault.client.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.chunkvault.client.model.FileEntry;
import dev.chunkvault.client.sync.LocalScanner.LocalFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How names differing only by case are kept apart (issue 21.1): which keeps its name, which is marked, and stays so. */
class CaseAliasesTest {
    @TempDir
    Path root;

    @BeforeEach
    void caseSensitiveDisk() {
        assumeTrue(CaseAliases.caseSensitive(root), "this file system does not tell names apart by case");
    }

    private LocalScanner.Scan scan() throws IOException {
        return LocalScanner.scan(root, IgnoreRules.load(root));
    }

    private void write(String path, String content) throws IOException {
        Path p = root.resolve(path);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
    }

    private static SyncRecord record(String key, String path) {
        return new SyncRecord(key, path, "0000000001-0123456789abcdef", 1, 1, "00", null, 1, false, false);
    }

    private static FileEntry entry(String path, String originalName) {
        return new FileEntry(path, "0000000001-0123456789abcdef", 1, "00", false, Instant.EPOCH, Instant.EPOCH, false, false,
                false, originalName);
    }

    @Test
    void aNewPairKeepsTheFirstNameAndMarksTheOtherWithTheFirstFreeMarkedName() throws IOException {
        write("d/Readme.md", "1");
        write("d/README.md", "2");
        write("d/readme.md", "3");
        write("d/readme (Case Conflict).md", "taken already");
        LocalScanner.Scan scan = scan();
        assertEquals(1, scan.collisions().size());
        Map<String, String> aliases = new LinkedHashMap<>();

        List<CaseAliases.Marked> marked = CaseAliases.resolve(root, scan, aliases, Map.of(), Map.of());

        assertTrue(scan.collisions().isEmpty());
        assertEquals("d/README.md", scan.files().get("d/readme.md").path(), "capitals sort first");
        assertEquals(List.of("d/Readme.md -> d/Readme (Case Conflict 2).md", "d/readme.md -> d/readme (Case Conflict 3).md"),
                marked.stream().map(m -> m.localPath() + " -> " + m.remotePath()).toList());
        LocalFile second = scan.files().get("d/readme (case conflict 2).md");
        assertEquals("d/Readme (Case Conflict 2).md", second.path());
        assertEquals(root.resolve("d/Readme.md"), second.file());
        assertEquals(Map.of("d/readme (case conflict 2).md", "d/Readme.md", "d/readme (case conflict 3).md", "d/readme.md"),
                aliases);
    }

    @Test
    void theNameTheServerOrThisFolderKeepsStaysAndAStoredAliasOutlivesItsPair() throws IOException {
        write("Makefile", "upper");
        write("makefile", "lower");
        // The server already holds the lower-case spelling under the shared key: it keeps it.
        LocalScanner.Scan scan = scan();
        Map<String, String> aliases = new LinkedHashMap<>();
        CaseAliases.resolve(root, scan, aliases, Map.of(), Map.of("makefile", entry("makefile", null)));
        assertEquals("makefile", scan.files().get("makefile").path());
        assertEquals(Map.of("makefile (case conflict)", "Makefile"), aliases);

        // Synced: next time the alias decides, even with the other member gone.
        Files.delete(root.resolve("makefile"));
        LocalScanner.Scan later = scan();
        Map<String, SyncRecord> records = Map.of("makefile (case conflict)", record("makefile (case conflict)",
                "Makefile (Case Conflict)"), "makefile", record("makefile", "makefile"));
        assertTrue(CaseAliases.resolve(root, later, new LinkedHashMap<>(aliases), records, Map.of()).isEmpty());
        assertNull(later.files().get("makefile"), "the file here is the marked one, not the one that kept the name");
        LocalFile kept = later.files().get("makefile (case conflict)");
        assertEquals("Makefile (Case Conflict)", kept.path());
        assertEquals(root.resolve("Makefile"), kept.file());
    }

    @Test
    void aMarkedFileTheServerHoldsForThisNameIsReusedNotMarkedAgain() throws IOException {
        write("a/X.txt", "1");
        write("a/x.txt", "2");
        LocalScanner.Scan scan = scan();
        Map<String, String> aliases = new LinkedHashMap<>();
        CaseAliases.resolve(root, scan, aliases, Map.of(),
                Map.of("a/x (case conflict 7).txt", entry("a/x (Case Conflict 7).txt", "x.txt")));
        assertEquals("a/x (Case Conflict 7).txt", scan.files().get("a/x (case conflict 7).txt").path());
    }

    @Test
    void pairsAcrossFoldersSpelledApartAndFilesBesideFoldersStayCollisions() throws IOException {
        write("Docs/a.txt", "1");
        write("docs/a.txt", "2");
        write("top/Name", "file");
        Files.createDirectories(root.resolve("top/name"));
        LocalScanner.Scan scan = scan();
        Map<String, String> aliases = new LinkedHashMap<>();
        assertTrue(CaseAliases.resolve(root, scan, aliases, Map.of(), Map.of()).isEmpty());
        assertEquals(2, scan.collisions().size());
        assertTrue(aliases.isEmpty());
        assertFalse(scan.files().containsKey("docs/a.txt"));
    }

    @Test
    void aPulledFileGoesUnderItsOriginalNameOnlyWhereTheDiskCanHoldItAndNothingHasIt() throws IOException {
        FileEntry marked = entry("inc/xt_connmark (Case Conflict).h", "xt_connmark.h");
        Map<String, FileEntry> remote = new LinkedHashMap<>();
        remote.put("inc/xt_connmark.h", entry("inc/xt_CONNMARK.h", null));
        assertEquals("inc/xt_connmark.h", CaseAliases.localPathFor(root, marked, true, remote, new HashSet<>()));
        assertNull(CaseAliases.localPathFor(root, marked, false, remote, new HashSet<>()), "a case-insensitive disk");
        HashSet<String> claimed = new HashSet<>(List.of("inc/xt_connmark.h"));
        assertNull(CaseAliases.localPathFor(root, marked, true, remote, claimed), "another pull writes that name");
        remote.put("inc/xt_connmark.h", entry("inc/xt_connmark.h", null));
        assertNull(CaseAliases.localPathFor(root, marked, true, remote, new HashSet<>()), "the server has that very name");
        remote.clear();
        write("inc/xt_connmark.h", "here already");
        assertNull(CaseAliases.localPathFor(root, marked, true, remote, new HashSet<>()), "a file here has that name");
        for (String bad : new String[] {"../escape.h", "a/b.h", "..", "C:x", "a\\b.h"}) {
            assertNull(CaseAliases.localPathFor(root, entry("inc/m (Case Conflict).h", bad), true, remote, new HashSet<>()),
                    bad);
        }
        assertNull(CaseAliases.localPathFor(root, entry("f (Case Conflict)", null), true, remote, new HashSet<>()));
    }
}
