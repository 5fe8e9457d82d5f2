package dev.chunkvault.local;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chunkvault.core.chunking.Chunk;
import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.core.manifest.Manifest;
import dev.chunkvault.core.manifest.ManifestEntry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Conflict-check end to end (issue "Delta sync and conflicts"): every outcome over real HTTP, on real multi-chunk
 * files cut by core's FastCDC chunker, followed through to what the client is told to do — commit the merged
 * manifest and download it, keep both under a conflicted-copy name, push over a deletion, pull — and two writers
 * racing on one parent. Seeds are fixed; each test names its own.
 */
@ExtendWith(LocalCloudExtension.class)
class ConflictCheckIT {
    /** 1.2 MB: at least two chunks with the default profile (at most 1 MiB each). */
    static final int SIZE = 1_200_000;
    private final LocalCloud cloud;

    ConflictCheckIT(LocalCloud cloud) {
        this.cloud = cloud;
    }

    private static ObjectNode check(String path, String base) {
        ObjectNode c = Tenant.MAPPER.createObjectNode();
        c.put("path", path);
        if (base != null) {
            c.put("baseVersion", base);
        }
        return c;
    }

    private static ObjectNode modified(ObjectNode check, Tenant.Content local) {
        check.set("localManifest", Tenant.json(local.manifest()));
        return check;
    }

    private static JsonNode verdict(Tenant t, ObjectNode check) {
        return Tenant.expect(200, t.post("/v1/conflict-check", check));
    }

    private static void assertVerdict(JsonNode v, String outcome, String action) {
        assertEquals(outcome, v.path("outcome").asText(), v.toString());
        assertEquals(action, v.path("action").asText(), v.toString());
    }

    /** The file with an edit in its first chunk (at byte 10,000). */
    static Tenant.Content editFirst(Tenant.Content c, long seed) {
        return Tenant.Content.of(Tenant.edit(c.bytes(), 10_000, 200, seed));
    }

    /** The file with an edit in the middle of its last chunk. */
    static Tenant.Content editLast(Tenant.Content c, long seed) {
        Chunk last = c.chunks().get(c.chunks().size() - 1);
        return Tenant.Content.of(Tenant.edit(c.bytes(), (int) (last.offset() + last.size() / 2), 200, seed));
    }

    /** An ancestor of at least two chunks. */
    static Tenant.Content ancestor(long seed) {
        Tenant.Content a = Tenant.Content.of(Tenant.random(seed, SIZE));
        assertTrue(a.chunks().size() >= 2, "seed " + seed + " gives " + a.chunks().size() + " chunk(s)");
        return a;
    }

    /** Both edits applied to the ancestor's bytes directly (the regions are disjoint). */
    static byte[] bothEdits(Tenant.Content ancestor, Tenant.Content first, Tenant.Content last) {
        byte[] out = ancestor.bytes().clone();
        for (int i = 0; i < out.length; i++) {
            if (first.bytes()[i] != ancestor.bytes()[i]) {
                out[i] = first.bytes()[i];
            } else if (last.bytes()[i] != ancestor.bytes()[i]) {
                out[i] = last.bytes()[i];
            }
        }
        return out;
    }

    /**
     * What a client does with COMMIT_MERGED: applies {@code mergedFromLocal} to its local manifest, downloads the
     * chunks that adds (chunks of the head), writes the merged file, uploads its own new chunks and commits
     * {@code mergedManifestDelta} on the head. Returns the merged bytes; asserts the commit is a 201.
     */
    static byte[] commitMerged(Tenant t, String path, JsonNode v, Tenant.Content local) {
        Manifest merged = Tenant.manifestDelta(v.path("mergedFromLocal")).apply(local.manifest());
        assertEquals(Tenant.manifest(v.path("mergedManifest")), merged, "mergedFromLocal gives the merged manifest");
        assertEquals(merged, Tenant.manifestDelta(v.path("mergedManifestDelta"))
                .apply(Tenant.manifest(t.plan(path, null, null).path("manifest"))), "and so does mergedManifestDelta on the head");
        Map<ChunkId, byte[]> have = new HashMap<>(local.chunkBytes());
        List<ChunkId> need = merged.distinctIds().stream().filter(id -> !have.containsKey(id)).toList();
        if (!need.isEmpty()) {
            have.putAll(t.fetch(path, v.path("head").path("versionId").asText(), need));
        }
        byte[] bytes = Tenant.assemble(merged, have);
        assertEquals(v.path("mergedSize").asLong(), bytes.length);
        assertEquals(merged.chunkCount(), v.path("mergedChunkCount").asInt());
        Map<ChunkId, byte[]> mine = new LinkedHashMap<>();
        for (ManifestEntry e : merged.entries()) {
            if (local.chunkBytes().containsKey(e.id())) {
                mine.put(e.id(), local.chunkBytes().get(e.id()));
            }
        }
        t.upload(mine);
        ObjectNode commit = Tenant.MAPPER.createObjectNode();
        commit.put("path", path);
        commit.put("parentVersion", v.path("head").path("versionId").asText());
        commit.set("manifestDelta", v.path("mergedManifestDelta"));
        commit.put("size", bytes.length);
        commit.put("contentHash", ChunkId.sha256(bytes).hex());
        commit.put("idempotencyKey", Tenant.key());
        Tenant.expect(201, t.post("/v1/commits", commit));
        return bytes;
    }

    @Test
    void noChangeFastForwardAndIdenticalContent() {
        Tenant t = new Tenant(cloud, "conflict-ff");
        Tenant.Content a = Tenant.Content.of(Tenant.random(901, 200_000));
        String v1 = t.putId("ff/a.bin", null, a);

        JsonNode none = verdict(t, check("ff/a.bin", v1));
        assertVerdict(none, "NO_CHANGE", "NONE");
        assertEquals("RETAINED", none.path("baseStatus").asText());
        assertEquals(v1, none.path("ancestor").path("versionId").asText());
        assertEquals(v1, none.path("head").path("versionId").asText());
        assertVerdict(verdict(t, modified(check("ff/a.bin", v1), a)), "NO_CHANGE", "NONE");

        // Only local changed: push it on the head.
        Tenant.Content b = Tenant.Content.of(Tenant.random(902, 210_000));
        JsonNode push = verdict(t, modified(check("ff/a.bin", v1), b));
        assertVerdict(push, "FAST_FORWARD", "PUSH");
        assertEquals("PUSH", push.path("direction").asText());
        t.upload(b);
        String v2 = Tenant.expect(201, t.commit("ff/a.bin", push.path("head").path("versionId").asText(), b))
                .path("version").path("versionId").asText();

        // Only remote changed (for a client still on v1): pull the head.
        JsonNode pull = verdict(t, check("ff/a.bin", v1));
        assertVerdict(pull, "FAST_FORWARD", "PULL");
        assertEquals("PULL", pull.path("direction").asText());
        assertEquals(v2, pull.path("head").path("versionId").asText());
        t.assertContent("ff/a.bin", b.bytes());

        // Both changed to the same bytes: nothing to do.
        JsonNode same = verdict(t, modified(check("ff/a.bin", v1), b));
        assertVerdict(same, "IDENTICAL_CONTENT", "NONE");
        assertEquals(v2, same.path("head").path("versionId").asText());

        // A file new to the client and to the server: push, no base, no head.
        JsonNode fresh = verdict(t, modified(check("ff/new.bin", null), a));
        assertVerdict(fresh, "FAST_FORWARD", "PUSH");
        assertEquals("NONE", fresh.path("baseStatus").asText());
        assertTrue(fresh.path("head").isMissingNode(), fresh.toString());
    }

    @Test
    void modifyModifyOnDisjointChunksIsMergedCommittedAndDownloaded() {
        Tenant t = new Tenant(cloud, "conflict-merge");
        Tenant.Content a = ancestor(911);
        Tenant.Content remote = editFirst(a, 912);
        Tenant.Content local = editLast(a, 913);
        assertTrue(!remote.id(0).equals(a.id(0)) && local.id(0).equals(a.id(0)), "the edits land in different chunks");
        String v1 = t.putId("m/report.bin", null, a);
        String v2 = t.putId("m/report.bin", v1, remote);

        JsonNode v = verdict(t, modified(check("m/report.bin", v1), local).put("device", "laptop"));
        assertVerdict(v, "MODIFY_MODIFY", "COMMIT_MERGED");
        assertTrue(v.path("mergeable").asBoolean(), v.toString());
        assertEquals("RETAINED", v.path("baseStatus").asText());
        assertEquals(v1, v.path("ancestor").path("versionId").asText());
        assertEquals(v2, v.path("head").path("versionId").asText());
        assertTrue(v.path("conflictedCopyPath").isMissingNode(), "nothing to copy when the merge is clean");

        byte[] merged = commitMerged(t, "m/report.bin", v, local);
        byte[] expected = bothEdits(a, remote, local);
        assertArrayEquals(expected, merged, "the merged file is the ancestor with both edits");
        t.assertContent("m/report.bin", expected);
        JsonNode history = Tenant.expect(200, t.get("/v1/history?path=m/report.bin"));
        assertEquals(3, history.path("versions").size());
        assertEquals(v2, history.path("versions").get(0).path("parent").asText(), "the merge is committed on the head");

        // The client's new base is the merged head: nothing left to do.
        String v3 = history.path("versions").get(0).path("versionId").asText();
        ObjectNode after = check("m/report.bin", v3);
        after.set("localManifest", Tenant.json(Tenant.Content.of(expected).manifest()));
        assertVerdict(verdict(t, after), "NO_CHANGE", "NONE");
    }

    @Test
    void modifyModifyOnTheSameChunkKeepsBothUnderOneConflictedCopyNameNeverNested() {
        Tenant t = new Tenant(cloud, "conflict-copy");
        Tenant.Content a = ancestor(921);
        Tenant.Content remote = editFirst(a, 922);
        Tenant.Content local = editFirst(a, 923);
        String v1 = t.putId("u/notes.txt", null, a);
        t.putId("u/notes.txt", v1, remote);

        ObjectNode req = modified(check("u/notes.txt", v1), local).put("device", "laptop").put("localTime", "2026-01-02T03:04:05");
        JsonNode v = verdict(t, req);
        assertVerdict(v, "MODIFY_MODIFY", "KEEP_BOTH");
        assertFalse(v.path("mergeable").asBoolean(), v.toString());
        assertEquals("CONFLICTING_EDITS", v.path("unmergeableReason").asText());
        assertTrue(v.path("mergedManifest").isMissingNode());
        JsonNode region = v.path("regions").get(0);
        assertEquals(0, region.path("ancestorChunkStart").asInt(), v.toString());
        assertTrue(region.path("ancestorByteStart").asLong() <= 10_000 && region.path("ancestorByteEnd").asLong() >= 10_200);
        assertEquals(v.path("regions").size(), v.path("regionCount").asInt());
        String copy = "u/notes (conflicted copy laptop 2026-01-02 030405).txt";
        assertEquals(copy, v.path("conflictedCopyPath").asText());
        assertEquals("notes (conflicted copy laptop 2026-01-02 030405).txt", v.path("conflictedCopyName").asText());

        // Keep both: the local copy goes to the copy's path as a new file, then the head is pulled.
        t.upload(local);
        Tenant.expect(201, t.commit(copy, null, local));
        t.assertContent(copy, local.bytes());
        t.assertContent("u/notes.txt", remote.bytes());
        JsonNode listing = Tenant.expect(200, t.get("/v1/files?folder=u"));
        assertEquals(2, listing.path("files").size(), listing.toString());

        // The same conflict again at the same second: that name is taken now, so the copy is numbered.
        assertEquals("u/notes (conflicted copy laptop 2026-01-02 030405 2).txt", verdict(t, req).path("conflictedCopyPath").asText());

        // A conflict on the copy itself replaces its marker: never "(conflicted copy ...) (conflicted copy ...)".
        String c1 = Tenant.expect(200, t.get("/v1/file?path=" + Tenant.encode(copy))).path("version").asText();
        t.putId(copy, c1, editFirst(local, 924));
        JsonNode again = verdict(t, modified(check(copy, c1), editFirst(local, 925)).put("device", "phone")
                .put("localTime", "2026-02-03T04:05:06"));
        assertVerdict(again, "MODIFY_MODIFY", "KEEP_BOTH");
        String nested = again.path("conflictedCopyPath").asText();
        assertEquals("u/notes (conflicted copy phone 2026-02-03 040506).txt", nested);
        assertEquals(1, nested.split("\\(conflicted copy", -1).length - 1, nested);
    }

    @Test
    void deletionsOnEitherOrBothSides() {
        Tenant t = new Tenant(cloud, "conflict-delete");
        Tenant.Content a = Tenant.Content.of(Tenant.random(931, 150_000));
        Tenant.Content edited = Tenant.Content.of(Tenant.random(932, 160_000));

        // MODIFY_DELETE: edited here, deleted there. Push re-creates the file over the deletion.
        String d1 = t.putId("d/md.bin", null, a);
        String tomb = t.delete("d/md.bin", d1).path("versionId").asText();
        JsonNode md = verdict(t, modified(check("d/md.bin", d1), edited).put("device", "laptop").put("localTime", "2026-01-02T03:04:05"));
        assertVerdict(md, "MODIFY_DELETE", "PUSH");
        assertTrue(md.path("head").path("deleted").asBoolean(), md.toString());
        assertEquals(tomb, md.path("head").path("versionId").asText());
        assertEquals("d/md (conflicted copy laptop 2026-01-02 030405).bin", md.path("conflictedCopyPath").asText(),
                "for clients that honour the remote deletion instead");
        t.upload(edited);
        Tenant.expect(201, t.commit("d/md.bin", tomb, edited));
        t.assertContent("d/md.bin", edited.bytes());
        JsonNode history = Tenant.expect(200, t.get("/v1/history?path=d/md.bin")).path("versions");
        assertEquals(List.of(false, true, false), List.of(history.get(0).path("deleted").asBoolean(),
                history.get(1).path("deleted").asBoolean(), history.get(2).path("deleted").asBoolean()), "the deletion stays in the history");

        // DELETE_MODIFY: deleted here, edited there. Pull brings the edit back.
        String m1 = t.putId("d/dm.bin", null, a);
        t.putId("d/dm.bin", m1, edited);
        JsonNode dm = verdict(t, check("d/dm.bin", m1).put("localDeleted", true));
        assertVerdict(dm, "DELETE_MODIFY", "PULL");
        assertFalse(dm.path("head").path("deleted").asBoolean());
        t.assertContent("d/dm.bin", edited.bytes());

        // DELETE_DELETE: deleted on both sides.
        String x1 = t.putId("d/dd.bin", null, a);
        t.delete("d/dd.bin", x1);
        JsonNode dd = verdict(t, check("d/dd.bin", x1).put("localDeleted", true));
        assertVerdict(dd, "DELETE_DELETE", "NONE");
        assertTrue(dd.path("head").path("deleted").asBoolean());

        // Deleted here only: a fast-forward push of the deletion.
        String y1 = t.putId("d/only-local.bin", null, a);
        JsonNode del = verdict(t, check("d/only-local.bin", y1).put("localDeleted", true));
        assertVerdict(del, "FAST_FORWARD", "PUSH");
        t.delete("d/only-local.bin", del.path("head").path("versionId").asText());
    }

    @Test
    void twoWritersRacingOnOneParentOneWinsAndTheOtherMergesOnIt() throws Exception {
        Tenant t = new Tenant(cloud, "conflict-race");
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 3; round++) {
                String path = "race/file-" + round + ".bin";
                Tenant.Content a = ancestor(941 + round);
                Tenant.Content first = editFirst(a, 951 + round);
                Tenant.Content last = editLast(a, 961 + round);
                String v1 = t.putId(path, null, a);
                t.upload(first);
                t.upload(last);

                CyclicBarrier start = new CyclicBarrier(2);
                List<Tenant.Content> writers = List.of(first, last);
                List<Future<Http.Response>> sent = new ArrayList<>();
                for (Tenant.Content c : writers) {
                    ObjectNode body = Tenant.commitBody(path, v1, c, Tenant.key());
                    sent.add(pool.submit(() -> {
                        start.await(10, TimeUnit.SECONDS);
                        return t.post("/v1/commits", body);
                    }));
                }
                Http.Response r0 = sent.get(0).get(30, TimeUnit.SECONDS);
                Http.Response r1 = sent.get(1).get(30, TimeUnit.SECONDS);
                assertEquals(Set.of(201, 409), Set.of(r0.status(), r1.status()),
                        "round " + round + ": exactly one wins: " + r0.text() + " / " + r1.text());
                Http.Response won = r0.status() == 201 ? r0 : r1;
                Http.Response lost = r0.status() == 201 ? r1 : r0;
                Tenant.Content loser = r0.status() == 201 ? last : first;
                Tenant.Content winner = r0.status() == 201 ? first : last;
                assertEquals("STALE_PARENT", lost.json().path("error").asText());
                String head = won.json().path("version").path("versionId").asText();
                assertEquals(head, lost.json().path("details").path("head").path("versionId").asText(),
                        "the 409 carries the winner's head");

                // The loser checks, merges on the winner's head and commits.
                JsonNode v = verdict(t, modified(check(path, v1), loser));
                assertVerdict(v, "MODIFY_MODIFY", "COMMIT_MERGED");
                assertEquals(head, v.path("head").path("versionId").asText());
                byte[] merged = commitMerged(t, path, v, loser);
                byte[] expected = bothEdits(a, first, last);
                assertArrayEquals(expected, merged);
                t.assertContent(path, expected);
                assertFalse(java.util.Arrays.equals(expected, winner.bytes()), "the loser's edit is not lost");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void caseOnlyAndNormalisationCollisionsAreTheSameFileAndNamed() {
        Tenant t = new Tenant(cloud, "conflict-names");
        Tenant.Content c = Tenant.Content.of(Tenant.random(971, 4000));
        String v1 = t.putId("Docs/Report.txt", null, c);

        JsonNode caseOnly = verdict(t, check("docs/report.txt", v1));
        assertVerdict(caseOnly, "NO_CHANGE", "NONE");
        assertEquals("Docs/Report.txt", caseOnly.path("head").path("path").asText(), "one file, as the server spells it");
        assertEquals(List.of("CASE Docs docs", "CASE Docs/Report.txt docs/report.txt"), collisions(caseOnly));
        assertEquals(List.of("CASE Docs/Report.txt Docs/REPORT.txt"),
                collisions(verdict(t, check("Docs/Report.txt", v1).put("localName", "REPORT.txt"))));
        // A new file in a differently-cased folder: the folder is named.
        JsonNode sibling = verdict(t, modified(check("docs/other.txt", null), c));
        assertVerdict(sibling, "FAST_FORWARD", "PUSH");
        assertEquals(List.of("CASE Docs docs"), collisions(sibling));

        String nfc = "caf\u00e9.txt";
        String nfd = "cafe\u0301.txt";
        String n1 = t.putId(nfc, null, c);
        JsonNode norm = verdict(t, check(nfd, n1));
        assertVerdict(norm, "NO_CHANGE", "NONE");
        assertEquals(nfc, norm.path("head").path("path").asText());
        assertEquals(List.of("NORMALIZATION " + nfc + " " + nfd), collisions(norm));
        assertEquals(List.of("NORMALIZATION " + nfc + " " + nfd), collisions(verdict(t, check(nfc, n1).put("localName", nfd))));

        // Writing the other spelling meets the existing file: a create is stale, a commit on its head updates it.
        Tenant.Content c2 = Tenant.Content.of(Tenant.random(972, 4100));
        t.upload(c2);
        Http.Response create = t.commit(nfd, null, c2);
        assertEquals(409, create.status(), create.text());
        assertEquals(nfc, create.json().path("details").path("head").path("path").asText());
        Http.Response createCase = t.commit("DOCS/REPORT.TXT", null, c2);
        assertEquals(409, createCase.status(), createCase.text());
        Tenant.expect(201, t.commit("DOCS/REPORT.TXT", v1, c2));
        assertEquals(2, Tenant.expect(200, t.get("/v1/history?path=docs/report.txt")).path("versions").size());
        JsonNode all = Tenant.expect(200, t.get("/v1/files?recursive=true"));
        assertEquals(2, all.path("files").size(), "still two files: " + all);
    }

    private static List<String> collisions(JsonNode v) {
        List<String> out = new ArrayList<>();
        v.path("collisions").forEach(c -> out.add(c.path("kind").asText() + " " + c.path("existingPath").asText() + " "
                + c.path("localPath").asText()));
        return out;
    }

    @Test
    void anotherTenantsFileIsNoFileAtAll() {
        Tenant alice = new Tenant(cloud, "conflict-alice");
        Tenant bob = new Tenant(cloud, "conflict-bob");
        Tenant.Content c = Tenant.Content.of(Tenant.random(981, 5000));
        String bobs = bob.putId("shared/name.bin", null, c);
        String alices = alice.putId("mine.bin", null, c);

        JsonNode onTheirs = verdict(alice, modified(check("shared/name.bin", null), c));
        JsonNode onNothing = verdict(alice, modified(check("shared/none.bin", null), c));
        assertVerdict(onTheirs, "FAST_FORWARD", "PUSH");
        assertTrue(onTheirs.path("head").isMissingNode(), onTheirs.toString());
        assertEquals(onNothing, onTheirs, "another tenant's file answers like no file");

        JsonNode theirBase = verdict(alice, modified(check("mine.bin", bobs), c));
        JsonNode noBase = verdict(alice, modified(check("mine.bin", "0000000001-0123456789abcdef"), c));
        assertEquals("NOT_RETAINED", theirBase.path("baseStatus").asText());
        assertEquals(noBase, theirBase, "another tenant's version is no version of this file");
        assertEquals(alices, theirBase.path("head").path("versionId").asText());
    }
}
