package dev.chunkvault.cli;

import dev.chunkvault.client.sync.IgnoreRules;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** {@code --exclude PATTERN}, repeatable: paths to leave out, in the syntax of {@code .chunkvaultignore}. */
final class ExcludeOption {
    @Option(names = "--exclude", paramLabel = "PATTERN", description = "Leave out paths that match (the syntax of"
            + " .chunkvaultignore, e.g. '*.log' or 'build/'; repeatable).")
    List<String> patterns = new ArrayList<>();

    private IgnoreRules rules;

    /** Whether {@code relPath} (slash-separated, relative to what the command works on) is left out. */
    boolean excludes(String relPath) {
        if (patterns.isEmpty()) {
            return false;
        }
        if (rules == null) {
            rules = IgnoreRules.only(patterns);
        }
        return rules.isIgnored(relPath, false);
    }
}
