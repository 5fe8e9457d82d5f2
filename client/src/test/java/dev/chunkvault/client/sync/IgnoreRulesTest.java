package dev.chunkvault.client.sync;

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
}
