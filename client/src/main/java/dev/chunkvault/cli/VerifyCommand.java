package dev.chunkvault.cli;

import dev.chunkvault.client.ChunkvaultClient;
import dev.chunkvault.client.FilePuller;
import dev.chunkvault.client.model.FileEntry;
import dev.chunkvault.client.sync.IgnoreRules;
import dev.chunkvault.client.sync.LocalScanner;
import dev.chunkvault.core.paths.FilePath;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code chunkvault verify}: checks local files against the server's content hashes. */
@Command(mixinStandardHelpOptions = true, name = "verify", description = "Check local files against the server's content hashes.")
final class VerifyCommand extends Subcommand {
    @Parameters(index = "0", arity = "0..1", paramLabel = "DIR", description = "The sync folder (default: here).")
    String dir;

    @Override
    public Integer call() throws IOException {
        Path root = local(dir == null ? "." : dir);
        ChunkvaultClient client = cli().client();
        // Links are listed as links (their targets, never followed) and compared as such, whether or not the folder syncs them.
        LocalScanner.Scan scan = LocalScanner.scan(root, IgnoreRules.load(root), false, true);
        Map<String, FileEntry> remote = new LinkedHashMap<>();
        for (FileEntry e : client.listAll("", true, false).files()) {
            remote.put(FilePath.parse(e.path()).foldKey(), e);
        }
        // A file here under the original name of a file the server holds under a marked name (issue 21) is that file.
        dev.chunkvault.client.sync.CaseAliases.applyRemote(root, scan, remote);
        List<Map<String, String>> problems = new ArrayList<>();
        int ok = 0;
        int folders = 0;
        for (LocalScanner.LocalFile f : scan.files().values()) {
            FileEntry e = remote.remove(f.pathKey());
            if (e == null) {
                problems.add(Map.of("path", f.path(), "problem", "not on the server"));
                continue;
            }
            String h = f.isLink() ? dev.chunkvault.client.SymLinks.contentHash(f.link()) : FilePuller.sha256(f.file());
            if (f.isLink() != e.isLink()) {
                problems.add(Map.of("path", f.path(), "problem", (f.isLink() ? "a symbolic link here, a file" : "a file"
                        + " here, a symbolic link") + " in the server's head " + e.version()));
            } else if (!h.equals(e.contentHash())) {
                problems.add(Map.of("path", f.path(), "problem", "content differs from the server's head " + e.version()));
            } else {
                ok++;
            }
        }
        for (LocalScanner.LocalFile f : scan.folders().values()) {
            FileEntry e = remote.remove(f.pathKey());
            if (e == null || !e.isFolder()) {
                problems.add(Map.of("path", f.path() + "/", "problem", "empty folder not on the server"));
            } else {
                folders++;
            }
        }
        for (FileEntry e : remote.values()) {
            if (e.isFolder() && java.nio.file.Files.isDirectory(dev.chunkvault.client.sync.SyncPaths.toLocal(root, e.path()),
                    java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                folders++; // an empty folder there, holding files here: the same folder
                continue;
            }
            problems.add(Map.of("path", e.path() + (e.isFolder() ? "/" : ""), "problem", "missing locally"));
        }
        int okCount = ok;
        int folderCount = folders;
        cli().emit(Map.of("verified", okCount, "folders", folderCount, "problems", problems), o -> {
            problems.forEach(p -> o.println(p.get("problem") + ": " + p.get("path")));
            o.println(Human.plural(okCount, "file") + (folderCount > 0 ? " and " + Human.plural(folderCount, "empty folder")
                    : "") + " match the server" + (problems.isEmpty() ? "." : "; " + Human.plural(problems.size(),
                    "difference") + "."));
        });
        return problems.isEmpty() ? ExitCodes.OK : ExitCodes.INTEGRITY;
    }
}
