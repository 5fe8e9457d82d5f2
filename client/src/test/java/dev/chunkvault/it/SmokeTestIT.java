package dev.chunkvault.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.cli.Cli;
import dev.chunkvault.local.LocalCloud;
import dev.chunkvault.local.LocalCloudExtension;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code chunkvault smoke-test} against the local cloud, so that the deployed stack's smoke test never rots. */
@ExtendWith(LocalCloudExtension.class)
class SmokeTestIT {
    @TempDir
    Path tmp;

    private String out;

    private int smoke(LocalCloud cloud, String token) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        Map<String, String> env = Map.of("CHUNKVAULT_ENDPOINT", cloud.apiEndpoint().toString(), "CHUNKVAULT_TOKEN", token,
                "CHUNKVAULT_CONFIG_DIR", tmp.resolve("config").toString());
        int code = new Cli(env, new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8),
                false).withCwd(tmp).run("smoke-test");
        out = o.toString(StandardCharsets.UTF_8) + e.toString(StandardCharsets.UTF_8);
        return code;
    }

    @Test
    void everyStepPassesOnTheLocalCloudAndNothingIsLeftBehind(LocalCloud cloud) throws Exception {
        String user = CloudClients.newUser("smoke");
        assertEquals(0, smoke(cloud, cloud.mintToken(user)), out);
        for (String step : List.of("sign-in and usage", "upload and commit", "download and compare", "small edit sent as a delta",
                "stale commit refused", "history", "delete and restore", "change feed", "notification socket",
                "audit (read-only)", "clean up")) {
            assertTrue(out.lines().anyMatch(l -> l.startsWith("PASS") && l.contains(step)), step + "\n" + out);
        }
        try (var client = CloudClients.client(cloud, user, null)) {
            assertEquals(List.of(), client.listAll("", true, false).files(), "the smoke folder is gone");
        }
    }

    @Test
    void withoutTheAdminScopeTheAuditIsSkippedAndABadTokenFails(LocalCloud cloud) {
        String user = CloudClients.newUser("smoke-user");
        assertEquals(0, smoke(cloud, cloud.mintToken(user, List.of("chunkvault/read", "chunkvault/write"), Duration.ofHours(1))),
                out);
        assertTrue(out.lines().anyMatch(l -> l.startsWith("SKIP") && l.contains("audit")), out);
        assertEquals(1, smoke(cloud, "not-a-token"), out);
        assertTrue(out.lines().anyMatch(l -> l.startsWith("FAIL") && l.contains("sign-in")), out);
        assertFalse(out.contains("Smoke test passed."), out);
    }
}
