package dev.chunkvault.cli;

import dev.chunkvault.client.model.History;
import dev.chunkvault.client.model.VersionInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code chunkvault history}: the retained versions of a file, newest first. */
@Command(mixinStandardHelpOptions = true, name = "history", description = "The retained versions of a file, newest first.")
final class HistoryCommand extends Subcommand {
    @Parameters(paramLabel = "FILE", description = "Remote path, or a file in a sync folder.")
    String file;

    @Override
    public Integer call() {
        String path = remotePath(file);
        List<VersionInfo> all = new ArrayList<>();
        String cursor = null;
        do {
            History h = cli().client().history(path, cursor, 100);
            all.addAll(h.versions());
            cursor = h.cursor();
        } while (cursor != null);
        cli().emit(Map.of("path", path, "versions", all), o -> {
            for (VersionInfo v : all) {
                o.printf("%s  %s  %10s  %s%n", v.versionId(), Human.time(v.createdAt()),
                        v.deleted() ? "deleted" : Human.bytes(v.size()),
                        v.deleted() ? "" : v.contentHash() == null ? "" : v.contentHash().substring(0, 12));
            }
        });
        return ExitCodes.OK;
    }
}
