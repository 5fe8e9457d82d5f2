package dev.chunkvault.cli;

import dev.chunkvault.client.ChunkvaultClient;
import dev.chunkvault.client.StaleParentException;
import dev.chunkvault.client.model.CommitResult;
import dev.chunkvault.client.sync.StateStore;
import dev.chunkvault.client.sync.SyncBinding;
import dev.chunkvault.client.sync.SyncRecord;
import dev.chunkvault.core.paths.FilePath;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code chunkvault rm}: deletes remote files (restorable during the retention period). */
@Command(mixinStandardHelpOptions = true, name = "rm", description = "Delete remote files (restorable during the retention period).")
final class RmCommand extends Subcommand {
    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Remote paths, or files in a sync folder.")
    List<String> files;

    @picocli.CommandLine.Option(names = "--dry-run", description = "Show what would be deleted (and whether it exists), change"
            + " nothing.")
    boolean dryRun;

    @picocli.CommandLine.Mixin
    ExcludeOption exclude;

    @Override
    public Integer call() throws IOException {
        List<Object> done = new ArrayList<>();
        for (String f : files) {
            String path = remotePath(f);
            if (exclude.excludes(path)) {
                continue;
            }
            if (dryRun) {
                boolean exists = cli().client().file(path, false).isPresent();
                done.add(Map.of("path", path, "exists", exists));
                if (!cli().json) {
                    cli().out.println((exists ? "would delete  " : "not on the server  ") + path);
                }
                continue;
            }
            Path lp = local(f);
            Path folder = CliContext.syncFolderOf(Files.exists(lp) ? lp : lp.getParent());
            String parent = null;
            if (folder != null && lp.startsWith(folder)) {
                try (StateStore st = StateStore.open(folder)) {
                    SyncBinding.require(st, SyncBinding.Identity.of(cli().client()));
                    String key = FilePath.parse(path).foldKey();
                    SyncRecord rec = st.get(key).orElse(null);
                    parent = rec == null ? null : rec.version();
                    CommitResult r = delete(path, parent);
                    if (rec != null && Files.isRegularFile(lp, LinkOption.NOFOLLOW_LINKS)) {
                        BasicFileAttributes a = Files.readAttributes(lp, BasicFileAttributes.class);
                        if (a.size() == rec.size() && a.lastModifiedTime().toMillis() == rec.mtimeMillis()) {
                            Files.delete(lp);
                        }
                    }
                    st.remove(key);
                    done.add(r.version());
                }
            } else {
                done.add(delete(path, null).version());
            }
            cli().progress().event("delete-remote", path, "");
        }
        if (dryRun) {
            cli().emit(Map.of("dryRun", true, "wouldDelete", done), o -> o.println("Dry run: nothing was deleted."));
            return ExitCodes.OK;
        }
        cli().emit(Map.of("deleted", done), o -> o.println(Human.plural(done.size(), "file") + " deleted."));
        return ExitCodes.OK;
    }

    private CommitResult delete(String path, String parent) {
        try {
            return cli().client().delete(path, parent, ChunkvaultClient.newIdempotencyKey());
        } catch (StaleParentException e) {
            throw new CliException(ExitCodes.CONFLICTS, "'" + path + "' changed on the server since it was synced;"
                    + " not deleted. Run `chunkvault sync` first.");
        }
    }
}
