package dev.chunkvault.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.cli.Cli;
import dev.chunkvault.cli.ExitCodes;
import dev.chunkvault.local.LocalCloud;
import dev.chunkvault.local.LocalCloudExtension;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 20 item 1 over the real local cloud: a second device's first {@code chunkvault sync NEWFOLDER} makes the
 * folder (its parent exists), says so, and receives the first device's files; a folder whose parent is missing too is
 * refused and nothing is made.
 */
@ExtendWith(LocalCloudExtension.class)
class NewSyncFolderIT {
    @TempDir
    Path tmp;
    String out;
    String err;

    int run(Map<String, String> env, Path cwd, String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int code = new Cli(env, new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true,
                StandardCharsets.UTF_8), false).withCwd(cwd).run(args);
        out = o.toString(StandardCharsets.UTF_8);
        err = e.toString(StandardCharsets.UTF_8);
        return code;
    }

    Map<String, String> device(LocalCloud cloud, String user, String name) {
        Map<String, String> env = new HashMap<>();
        env.put("CHUNKVAULT_CONFIG_DIR", tmp.resolve("config-" + name).toString());
        env.put("CHUNKVAULT_ENDPOINT", cloud.apiEndpoint().toString());
        env.put("CHUNKVAULT_TOKEN", cloud.mintToken(user));
        env.put("CHUNKVAULT_DEVICE", name);
        return env;
    }

    @Test
    void aMissingFolderWhoseParentExistsIsMadeAndFilledFromAnotherDevice(LocalCloud cloud) throws Exception {
        String user = CloudClients.newUser("newfolder");
        Map<String, String> first = device(cloud, user, "first");
        Map<String, String> second = device(cloud, user, "second");
        Path a = Files.createDirectories(tmp.resolve("a"));
        Files.createDirectories(a.resolve("docs"));
        Files.writeString(a.resolve("docs/plan.txt"), "from the first device");
        Files.writeString(a.resolve("top.txt"), "top");
        assertEquals(ExitCodes.OK, run(first, a, "sync"), out + err);

        Path home = Files.createDirectories(tmp.resolve("home"));
        Path fresh = home.resolve("Chunkvault");
        assertFalse(Files.exists(fresh));
        assertEquals(ExitCodes.OK, run(second, home, "sync", "Chunkvault"), out + err);
        assertTrue(err.contains("Created " + fresh), err);
        assertTrue(Files.isDirectory(fresh));
        assertEquals("from the first device", Files.readString(fresh.resolve("docs/plan.txt")));
        assertEquals("top", Files.readString(fresh.resolve("top.txt")));

        // and it is an ordinary sync folder from then on: a change there reaches the first device
        Files.writeString(fresh.resolve("reply.txt"), "from the second device");
        assertEquals(ExitCodes.OK, run(second, fresh, "sync"), out + err);
        assertFalse(err.contains("Created"), err);
        assertEquals(ExitCodes.OK, run(first, a, "sync"), out + err);
        assertEquals("from the second device", Files.readString(a.resolve("reply.txt")));
    }

    @Test
    void aMissingFolderWhoseParentIsMissingTooIsRefused(LocalCloud cloud) throws Exception {
        Map<String, String> env = device(cloud, CloudClients.newUser("noparent"), "lost");
        Path nowhere = tmp.resolve("no-such-parent").resolve("Chunkvault");
        int code = run(env, tmp, "sync", nowhere.toString());
        assertNotEquals(ExitCodes.OK, code, out + err);
        assertTrue(err.contains("nor does the folder it would be made in"), err);
        assertFalse(Files.exists(nowhere.getParent()));
        assertEquals(ExitCodes.OK, run(env, tmp, "--json", "ls"), out + err);
        assertFalse(out.contains("Chunkvault"), "nothing was synced: " + out);
    }
}
