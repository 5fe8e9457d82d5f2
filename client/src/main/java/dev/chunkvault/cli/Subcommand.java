package dev.chunkvault.cli;

import dev.chunkvault.client.sync.SyncPaths;
import dev.chunkvault.core.paths.FilePath;
import dev.chunkvault.core.paths.InvalidFilePathException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** The base of every subcommand: the invocation's context, and local and remote paths from arguments. */
abstract class Subcommand implements Callable<Integer> {
    /** Given by the command line when it makes the command. */
    CliContext context;

    CliContext cli() {
        return context;
    }

    Path local(String p) {
        return cli().cwd.resolve(p).toAbsolutePath().normalize();
    }

    /** A remote path from a CLI argument: a local file inside a sync folder maps to its place there. */
    String remotePath(String arg) {
        Path p = local(arg);
        Path folder = CliContext.syncFolderOf(Files.exists(p) ? p : p.getParent() == null ? p : p.getParent());
        if (folder != null && p.startsWith(folder) && !p.equals(folder)) {
            return canonical(SyncPaths.relative(folder, p));
        }
        return canonical(arg);
    }

    static String canonical(String path) {
        try {
            return FilePath.parse(path).toString();
        } catch (InvalidFilePathException e) {
            throw CliException.usage("'" + path + "' is not a valid path (" + e.reason() + ").");
        }
    }
}
