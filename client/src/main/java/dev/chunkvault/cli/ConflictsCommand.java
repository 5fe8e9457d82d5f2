package dev.chunkvault.cli;

import dev.chunkvault.client.sync.CaseAliases;
import dev.chunkvault.client.sync.IgnoreRules;
import dev.chunkvault.client.sync.LocalScanner;
import dev.chunkvault.core.paths.ConflictedCopies;
import dev.chunkvault.core.paths.FilePath;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code chunkvault conflicts}: lists conflicted copies and colliding names in a sync folder. */
@Command(mixinStandardHelpOptions = true, name = "conflicts", description = "List conflicted copies and colliding names in a sync folder.")
final class ConflictsCommand extends Subcommand {
    @Mixin
    FolderArgument folder;

    @Override
    public Integer call() throws IOException {
        Path root = local(folder.dir == null ? "." : folder.dir);
        LocalScanner.Scan scan = LocalScanner.scan(root, IgnoreRules.load(root));
        List<String> copies = new ArrayList<>();
        for (LocalScanner.LocalFile f : scan.files().values()) {
            if (ConflictedCopies.isConflictedCopy(FilePath.parse(f.path()).name())) {
                copies.add(f.path());
            }
        }
        List<List<String>> collisions = new ArrayList<>(CaseAliases.leftCollisions(root, scan).values());
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("conflictedCopies", copies);
        j.put("collisions", collisions);
        cli().emit(j, o -> {
            if (copies.isEmpty() && collisions.isEmpty()) {
                o.println("No conflicts.");
            }
            copies.forEach(c -> o.println("conflicted copy: " + c + "  (of " + originalOf(c) + ")"));
            collisions.forEach(c -> o.println("name collision: " + String.join(" | ", c)));
        });
        return copies.isEmpty() && collisions.isEmpty() ? ExitCodes.OK : ExitCodes.CONFLICTS;
    }

    private static String originalOf(String path) {
        FilePath p = FilePath.parse(path);
        return p.withName(ConflictedCopies.originalName(p.name())).toString();
    }
}
