package dev.chunkvault.client.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class IgnoreRulesTest {
    private static IgnoreRules rules(String... lines) {
        return IgnoreRules.parse(List.of(lines));
    }

    @Test
    void theStateFolderIsAlwaysIgnored() {
        IgnoreRules r = rules("!.chunkvault/");
        assertTrue(r.isIgnored(".chunkvault", true));
        assertTrue(r.isIgnored(".chunkvault/state.db", false));
        assertFalse(r.isIgnored("a/.chunkvault-notes", false));
    }

    @Test
    void theStateFolderIsIgnoredInAnyCase() {
        IgnoreRules r = rules("!.Chunkvault/", "!.CHUNKVAULT/**");
        assertTrue(r.isIgnored(".Chunkvault", true), "one folder on macOS and Windows");
        assertTrue(r.isIgnored(".CHUNKVAULT/state.db", false));
        assertTrue(r.isIgnored(".chun\u212Avault/x", false), "KELVIN SIGN folds to k");
        assertFalse(r.isIgnored("a/.Chunkvault/x", false), "only at the root");
        assertFalse(r.isIgnored(".chunkvaultignore", false));
    }

    @Test
    void theStateFolderIsIgnoredHoweverLongItsSpelling() {
        // U+200C ZERO WIDTH NON-JOINER is a format character: names fold without it, as on the server (and HFS+
        // ignores it in names), so this is the state folder; 60 of them make a first name of 71 characters.
        String padded = ".chunk" + "\u200C".repeat(60) + "vault";
        assertTrue(padded.length() > 64);
        assertTrue(rules().isIgnored(padded + "/state.db", false));
        assertTrue(rules().isIgnored(padded, true));
        assertFalse(rules().isIgnored(padded + "-notes", false));
    }

    @Test
    void namePatternsMatchAtAnyDepth() {
        IgnoreRules r = rules("*.log", "# comment", "", "tmp?");
        assertTrue(r.isIgnored("a.log", false));
        assertTrue(r.isIgnored("x/y/a.log", false));
        assertFalse(r.isIgnored("a.log.txt", false));
        assertTrue(r.isIgnored("d/tmp1", false));
        assertFalse(r.isIgnored("d/tmp12", false));
    }

    @Test
    void anchoredAndFolderPatterns() {
        IgnoreRules r = rules("/build", "cache/", "docs/*.pdf");
        assertTrue(r.isIgnored("build", true));
        assertTrue(r.isIgnored("build/a.o", false));
        assertFalse(r.isIgnored("src/build", true), "anchored to the root");
        assertTrue(r.isIgnored("x/cache/f", false));
        assertFalse(r.isIgnored("cache", false), "a file named cache is not a folder");
        assertTrue(r.isIgnored("docs/a.pdf", false));
        assertFalse(r.isIgnored("docs/sub/a.pdf", false));
    }

    @Test
    void doubleStarAndNegation() {
        IgnoreRules r = rules("**/node_modules/", "logs/**", "*.txt", "!keep.txt", "a/**/z");
        assertTrue(r.isIgnored("web/app/node_modules/x.js", false));
        assertTrue(r.isIgnored("logs/2024/01.gz", false));
        assertTrue(r.isIgnored("n.txt", false));
        assertFalse(r.isIgnored("keep.txt", false));
        assertTrue(r.isIgnored("a/z", false));
        assertTrue(r.isIgnored("a/b/c/z", false));
    }

    @Test
    void classesAndEscapes() {
        IgnoreRules r = rules("[abc].md", "[!x]y", "\\#hash", "\\!bang");
        assertTrue(r.isIgnored("b.md", false));
        assertFalse(r.isIgnored("d.md", false));
        assertTrue(r.isIgnored("zy", false));
        assertFalse(r.isIgnored("xy", false));
        assertTrue(r.isIgnored("#hash", false));
        assertTrue(r.isIgnored("!bang", false));
    }

    @Test
    void defaultsCoverOsLitter() {
        IgnoreRules r = IgnoreRules.defaults();
        assertTrue(r.isIgnored("photos/.DS_Store", false));
        assertTrue(r.isIgnored("~$report.docx", false));
        assertFalse(r.isIgnored("report.docx", false));
        assertFalse(rules("!.DS_Store").isIgnored(".DS_Store", false), "defaults can be re-included");
    }

    /** The rules as first written: every pattern's regex matched against the whole path, every folder above it asked. */
    private static boolean reference(List<String> lines, String relPath, boolean isDirectory) {
        if (IgnoreRules.isStateFolder(relPath)) {
            return true;
        }
        String[] parts = relPath.split("/");
        StringBuilder prefix = new StringBuilder();
        for (int i = 0; i < parts.length - 1; i++) {
            prefix.append(i > 0 ? "/" : "").append(parts[i]);
            if (referenceMatches(lines, prefix.toString(), true)) {
                return true;
            }
        }
        return referenceMatches(lines, relPath, isDirectory);
    }

    private static boolean referenceMatches(List<String> lines, String path, boolean isDirectory) {
        boolean ignored = false;
        List<String> all = new java.util.ArrayList<>(IgnoreRules.DEFAULTS);
        all.addAll(lines);
        for (String raw : all) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            boolean negated = line.startsWith("!");
            line = negated ? line.substring(1) : line;
            boolean dirOnly = line.endsWith("/");
            line = dirOnly ? line.substring(0, line.length() - 1) : line;
            boolean anchored = line.indexOf('/') >= 0;
            line = line.startsWith("/") ? line.substring(1) : line;
            String body = IgnoreRules.globToRegex(line);
            java.util.regex.Pattern p = java.util.regex.Pattern.compile(anchored ? "^" + body + "$" : "^(?:.*/)?" + body + "$");
            if ((!dirOnly || isDirectory) && p.matcher(path).matches()) {
                ignored = !negated;
            }
        }
        return ignored;
    }

    @Test
    void decidesEveryPathOfATreeAsMatchingTheWholePathWould() {
        // Names matched by their last name only and folders decided once (issue 15: a scan of 50,000 files spent most
        // of its time in these regexes) decide exactly as before, in any order of asking.
        List<String> lines = List.of("*.log", "build/", "/dist", "docs/**/*.pdf", "**/node_modules/", "!keep.log",
                "tmp?", "[ab]*.bak", "x/**", "!x/y/", "cache", "*~");
        IgnoreRules r = rules(lines.toArray(String[]::new));
        String[] names = {"a.log", "keep.log", "build", "dist", "docs", "node_modules", "tmp1", "tmpx", "a1.bak",
            "c.bak", "x", "y", "cache", "f.txt~", "f.txt", "sub", ".DS_Store", "~$doc.docx", "z.pdf"};
        java.util.Random random = new java.util.Random(15);
        for (int i = 0; i < 5_000; i++) {
            int depth = 1 + random.nextInt(5);
            StringBuilder path = new StringBuilder();
            for (int d = 0; d < depth; d++) {
                path.append(d > 0 ? "/" : "").append(names[random.nextInt(names.length)]);
            }
            boolean dir = random.nextBoolean();
            assertEquals(reference(lines, path.toString(), dir), r.isIgnored(path.toString(), dir), path + (dir ? "/" : ""));
        }
    }
}
