package dev.chunkvault.client.sync;

import dev.chunkvault.client.WithFakeVault;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** Two sync folders of one account ("laptop" and "desktop") through the fake API and one client. */
abstract class TwoFolders extends WithFakeVault {
    @TempDir
    Path tmp;
    Path a;
    Path b;

    @BeforeEach
    void folders() throws Exception {
        a = Files.createDirectories(tmp.resolve("laptop"));
        b = Files.createDirectories(tmp.resolve("desktop"));
    }

    /** A sync of {@code root} with the default options, as the folder's name for a device. */
    SyncReport sync(Path root) throws IOException {
        return sync(root, SyncEngine.Options.defaults(root.getFileName().toString()));
    }

    SyncReport sync(Path root, SyncEngine.Options options) throws IOException {
        try (StateStore st = StateStore.open(root)) {
            return new SyncEngine(client, st, options, null).run();
        }
    }
}
