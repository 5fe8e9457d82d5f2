package dev.chunkvault.cli;

import dev.chunkvault.client.ChunkvaultClient;
import dev.chunkvault.client.model.CommitResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code chunkvault restore}: makes an earlier version the current one. */
@Command(mixinStandardHelpOptions = true, name = "restore", description = "Make an earlier version the current one (a new version; nothing is lost).")
final class RestoreCommand extends Subcommand {
    @Parameters(paramLabel = "FILE", description = "Remote path, or a file in a sync folder.")
    String file;

    @Option(names = "--version", required = true, paramLabel = "V", description = "The version id (see history).")
    String version;

    @Override
    public Integer call() {
        String path = remotePath(file);
        CommitResult r = cli().client().restore(path, version, null, ChunkvaultClient.newIdempotencyKey());
        cli().emit(r, o -> o.println("Restored " + path + " to " + version + " as new version "
                + r.version().versionId() + ". Run `chunkvault sync` to update local copies."));
        return ExitCodes.OK;
    }
}
