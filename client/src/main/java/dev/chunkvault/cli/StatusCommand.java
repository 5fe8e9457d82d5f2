package dev.chunkvault.cli;

import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code chunkvault status}: what sync would do, without changing anything. */
@Command(mixinStandardHelpOptions = true, name = "status", description = "Show what sync would do, without changing anything.")
final class StatusCommand extends Subcommand {
    @Mixin
    FolderArgument folder;

    @Option(names = "--full", description = "Compare against a full remote listing.")
    boolean full;

    @Override
    public Integer call() throws IOException {
        Path f = CliContext.syncFolderOf(folder.dir == null ? cli().cwd : local(folder.dir));
        if (f == null || folder.dir != null && !f.equals(local(folder.dir))) {
            throw new CliException(ExitCodes.ERROR, (folder.dir == null ? "This folder" : local(folder.dir).toString())
                    + " is not a sync folder; run `chunkvault sync DIR` first.");
        }
        String d = f.toString();
        int code = SyncRunner.run(this, d, true, false, full, 50, false);
        return code == ExitCodes.REFUSED ? ExitCodes.OK : code;
    }
}
