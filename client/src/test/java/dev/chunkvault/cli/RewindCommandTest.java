package dev.chunkvault.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chunkvault.client.ClientJson;
import dev.chunkvault.client.FakeVault;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code chunkvault rewind} against the fake API: the page loop, what it sends, what it prints, its exit codes. */
class RewindCommandTest {
    @TempDir
    Path tmp;
    FakeVault vault;
    Map<String, String> env;
    String out;
    String err;

    @BeforeEach
    void start() throws Exception {
        vault = new FakeVault();
        env = new HashMap<>();
        env.put("CHUNKVAULT_CONFIG_DIR", tmp.resolve("config").toString());
        env.put("CHUNKVAULT_ENDPOINT", vault.endpoint().toString());
        env.put("CHUNKVAULT_TOKEN", "test-token");
    }

    @AfterEach
    void stop() {
        vault.close();
    }

    int run(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int code = new Cli(env, new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true,
                StandardCharsets.UTF_8), false).withCwd(tmp).run(args);
        out = o.toString(StandardCharsets.UTF_8);
        err = e.toString(StandardCharsets.UTF_8);
        return code;
    }

    static String change(String path, String action, String status, String reason) {
        return "{\"path\":\"" + path + "\",\"action\":" + (action == null ? "null" : "\"" + action + "\"") + ",\"status\":\""
                + status + "\",\"toVersion\":\"0000000001-00000000000000aa\"" + (reason == null ? "" : ",\"reason\":\""
                + reason + "\",\"message\":\"m\"") + "}";
    }

    static String page(String cursor, int unchanged, String... changes) {
        return "{\"folder\":\"docs\",\"to\":\"2026-01-01T00:00:00Z\",\"changes\":[" + String.join(",", changes)
                + "],\"examined\":" + (changes.length + unchanged) + ",\"unchanged\":" + unchanged
                + (cursor == null ? "" : ",\"cursor\":\"" + cursor + "\"") + ",\"retainedSince\":\"2025-12-01T00:00:00Z\"}";
    }

    @Test
    void aDryRunLoopsOverThePagesAndChangesNothing() {
        vault.rewindPages.add(page("w.next", 10, change("docs/a.txt", "RESTORE", "PLANNED", null),
                change("docs/new.txt", "DELETE", "PLANNED", null)));
        vault.rewindPages.add(page(null, 5, change("docs/b.txt", "UNDELETE", "PLANNED", null)));
        Instant before = Instant.now();
        assertEquals(ExitCodes.OK, run("rewind", "docs/", "--to", "2h", "--dry-run"), err);
        assertEquals(2, vault.rewindRequests.size());
        JsonNode first = vault.rewindRequests.get(0);
        JsonNode second = vault.rewindRequests.get(1);
        assertEquals("docs", first.path("folder").asText());
        assertTrue(first.path("dryRun").asBoolean());
        assertFalse(first.has("idempotencyKey"), "a dry run names no rewind");
        assertFalse(first.has("cursor"));
        assertEquals("w.next", second.path("cursor").asText());
        assertEquals(first.path("to").asText(), second.path("to").asText(), "one instant for every page");
        Instant to = Instant.parse(first.path("to").asText());
        assertTrue(!to.isBefore(before.minus(Duration.ofHours(2))) && !to.isAfter(Instant.now().minus(Duration.ofHours(2))),
                to.toString());
        assertTrue(out.contains("would restore     docs/a.txt"), out);
        assertTrue(out.contains("would delete      docs/new.txt"), out);
        assertTrue(out.contains("would bring back  docs/b.txt"), out);
        assertTrue(out.contains("Dry run, nothing changed. Rewinding docs to " + to + " would restore 1, delete 1 and bring"
                + " back 1; 0 skipped, 15 unchanged."), out);
    }

    @Test
    void aRewindSendsOneKeyForAllItsPagesAndExits3WhenFilesAreSkipped() throws Exception {
        vault.rewindPages.add(page("w.next", 0, change("a.txt", "RESTORE", "DONE", null),
                change("b.txt", "RESTORE", "SKIPPED", "STALE_PARENT")));
        vault.rewindPages.add(page(null, 0, change("old.txt", null, "SKIPPED", "NOT_RETAINED")));
        assertEquals(ExitCodes.CONFLICTS, run("rewind", "/", "--to", "2026-01-01T00:00:00Z"), err);
        JsonNode first = vault.rewindRequests.get(0);
        assertEquals("", first.path("folder").asText(), "/ is the root");
        assertEquals("2026-01-01T00:00:00Z", first.path("to").asText());
        assertFalse(first.has("dryRun"));
        assertTrue(first.path("idempotencyKey").isTextual());
        assertEquals(first.path("idempotencyKey"), vault.rewindRequests.get(1).path("idempotencyKey"));
        assertTrue(out.contains("restored          a.txt"), out);
        assertTrue(out.contains("skipped       b.txt  (it changed while rewinding"), out);
        assertTrue(out.contains("skipped       old.txt  (its history at that time is no longer kept)"), out);
        assertTrue(out.contains("Rewound / to 2026-01-01T00:00:00Z: 1 restored, 0 deleted, 0 brought back, 2 skipped,"
                + " 0 unchanged."), out);
        assertTrue(out.contains("History is kept since 2025-12-01T00:00:00Z"), out);

        vault.rewindPages.add(page(null, 3, change("a.txt", "DELETE", "DONE", null)));
        assertEquals(ExitCodes.OK, run("rewind", "docs", "--to", "2026-01-01", "--json"), err);
        JsonNode j = ClientJson.MAPPER.readTree(out);
        assertEquals(1, j.path("summary").path("deleted").asInt());
        assertEquals(3, j.path("summary").path("unchanged").asInt());
        assertEquals("a.txt", j.path("changes").get(0).path("path").asText());
    }

    @Test
    void aBadOrFutureTimeIsAUsageErrorAndSendsNothing() {
        assertEquals(ExitCodes.USAGE, run("rewind", "docs", "--to", "yesterday-ish"));
        assertTrue(err.contains("is not a time"), err);
        assertEquals(ExitCodes.USAGE, run("rewind", "docs", "--to", Instant.now().plus(Duration.ofHours(1)).toString()));
        assertTrue(err.contains("in the future"), err);
        assertEquals(ExitCodes.USAGE, run("rewind", "docs"));
        assertTrue(vault.rewindRequests.isEmpty());
    }

    @Test
    void timesAreInstantsLocalTimesOrTimesAgo() {
        Instant now = Instant.parse("2026-12-07T12:00:00Z");
        ZoneId paris = ZoneId.of("Europe/Paris");
        assertEquals(Instant.parse("2026-12-01T10:00:00Z"), TimeArgument.parse("2026-12-01T10:00:00Z", now, paris));
        assertEquals(Instant.parse("2026-12-01T08:00:00Z"), TimeArgument.parse("2026-12-01T10:00:00+02:00", now, paris));
        assertEquals(Instant.parse("2026-12-01T09:00:00Z"), TimeArgument.parse("2026-12-01T10:00", now, paris));
        assertEquals(Instant.parse("2026-12-01T09:00:30Z"), TimeArgument.parse("2026-12-01 10:00:30", now, paris));
        assertEquals(Instant.parse("2026-11-30T23:00:00Z"), TimeArgument.parse("2026-12-01", now, paris));
        assertEquals(now.minus(Duration.ofHours(2)), TimeArgument.parse("2h", now, paris));
        assertEquals(now.minus(Duration.ofDays(3)), TimeArgument.parse("3d", now, paris));
        assertEquals(now.minus(Duration.ofDays(14)), TimeArgument.parse("2w ago", now, paris));
        assertEquals(now.minus(Duration.ofMinutes(90)), TimeArgument.parse("1h30m", now, paris));
        assertEquals(now.minus(Duration.ofSeconds(45)), TimeArgument.parse("45S", now, paris));
        for (String bad : new String[] {"", "2x", "h2", "2026-13-01", "99999999999999999999d", "soon"}) {
            assertThrows(CliException.class, () -> TimeArgument.parse(bad, now, paris), bad);
        }
    }
}
