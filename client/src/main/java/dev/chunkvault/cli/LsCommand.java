package dev.chunkvault.cli;

import dev.chunkvault.client.ChunkvaultClient;
import dev.chunkvault.client.model.FileEntry;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code chunkvault ls}: lists a remote folder. */
@Command(mixinStandardHelpOptions = true, name = "ls", description = "List a remote folder.")
final class LsCommand extends Subcommand {
    @Parameters(arity = "0..1", paramLabel = "FOLDER", description = "Remote folder (default: the root).")
    String folder;

    @Option(names = {"-r", "--recursive"}, description = "Every file below.")
    boolean recursive;

    @Option(names = "--deleted", description = "Include deleted files (restorable).")
    boolean deleted;

    @Option(names = {"-l", "--long"}, description = "Sizes, versions and times.")
    boolean longFormat;

    @Override
    public Integer call() {
        String f = folder == null || folder.equals("/") ? "" : canonical(folder);
        ChunkvaultClient.FullListing l = cli().client().listAll(f, recursive, deleted);
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("folder", f);
        j.put("folders", l.folders());
        j.put("files", l.files());
        cli().emit(j, o -> {
            l.folders().forEach(d -> o.println(d + "/"));
            for (FileEntry e : l.files()) {
                if (e.isFolder()) {
                    o.println(e.path() + "/"); // an empty folder (its marker)
                } else if (longFormat) {
                    o.printf("%10s  %s  %s  %s%s%n", Human.bytes(e.size()), Human.time(e.clientMtime()), e.version(),
                            e.path(), e.deleted() ? "  (deleted)" : "");
                } else {
                    o.println(e.path() + (e.deleted() ? "  (deleted)" : ""));
                }
            }
        });
        return ExitCodes.OK;
    }
}
