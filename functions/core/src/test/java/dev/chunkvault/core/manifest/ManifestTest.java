package dev.chunkvault.core.manifest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.chunkvault.core.hash.ChunkId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class ManifestTest {
    static final String PROFILE = "fastcdc-v1-64k-256k-1m";
    static final ObjectMapper JSON = JsonMapper.builder().addModule(ManifestJson.module())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

    static ChunkId id(int n) {
        return ChunkId.sha256(Integer.toString(n).getBytes());
    }

    static Manifest manifest(Random r, int n, int distinct) {
        List<ManifestEntry> entries = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int k = r.nextInt(distinct);
            entries.add(new ManifestEntry(id(k), 1 + k % 1_000_000));
        }
        return Manifest.of(PROFILE, entries);
    }

    @Test
    void derivedValues() {
        Manifest m = Manifest.of(PROFILE, List.of(new ManifestEntry(id(1), 10), new ManifestEntry(id(2), 5),
                new ManifestEntry(id(1), 10)));
        assertEquals(3, m.chunkCount());
        assertEquals(25, m.totalSize());
        assertEquals(15, m.offset(2));
        assertEquals(0, m.indexAt(0));
        assertEquals(0, m.indexAt(9));
        assertEquals(1, m.indexAt(10));
        assertEquals(2, m.indexAt(24));
        assertThrows(IndexOutOfBoundsException.class, () -> m.indexAt(25));
        assertEquals(List.of(id(1), id(2)), List.copyOf(m.distinctIds()));
        assertEquals(new ManifestEntry(id(2), 5), m.entries().get(1));
    }

    @Test
    void binaryRoundTripIsCanonical() {
        Random r = new Random(11);
        for (int n : new int[] {0, 1, 2, 100, 5000}) {
            Manifest m = n == 0 ? Manifest.empty(PROFILE) : manifest(r, n, Math.max(1, n / 2));
            byte[] enc = m.encode();
            Manifest back = Manifest.decode(enc);
            assertEquals(m, back);
            assertArrayEquals(enc, back.encode());
            assertEquals(m.hash(), ChunkId.sha256(enc));
        }
    }

    @Test
    void hashChangesWithAnyChange() {
        Manifest a = Manifest.of(PROFILE, List.of(new ManifestEntry(id(1), 10), new ManifestEntry(id(2), 5)));
        Manifest b = Manifest.of(PROFILE, List.of(new ManifestEntry(id(1), 10), new ManifestEntry(id(2), 6)));
        Manifest c = Manifest.of(PROFILE, List.of(new ManifestEntry(id(2), 5), new ManifestEntry(id(1), 10)));
        Manifest d = Manifest.of("other", List.of(new ManifestEntry(id(1), 10), new ManifestEntry(id(2), 5)));
        assertEquals(4, new HashSet<>(List.of(a.hash(), b.hash(), c.hash(), d.hash())).size());
    }

    @Test
    void decodingRejectsMalformedInput() {
        byte[] good = manifest(new Random(3), 20, 10).encode();
        for (int cut = 0; cut < good.length; cut++) {
            byte[] truncated = Arrays.copyOf(good, cut);
            assertThrows(ManifestFormatException.class, () -> Manifest.decode(truncated), "cut at " + cut);
        }
        byte[] trailing = Arrays.copyOf(good, good.length + 1);
        assertThrows(ManifestFormatException.class, () -> Manifest.decode(trailing));
        byte[] magic = good.clone();
        magic[0] = 'X';
        assertThrows(ManifestFormatException.class, () -> Manifest.decode(magic));
        // A huge claimed count with little data must not allocate.
        byte[] huge = {'C', 'V', 'M', '1', 1, 'p', (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x07};
        assertThrows(ManifestFormatException.class, () -> Manifest.decode(huge));
        // Size 0 and non-shortest varints.
        Manifest one = Manifest.of(PROFILE, List.of(new ManifestEntry(id(1), 1)));
        byte[] zero = one.encode();
        zero[zero.length - 1] = 0;
        assertThrows(ManifestFormatException.class, () -> Manifest.decode(zero));
        byte[] enc = one.encode();
        byte[] padded = Arrays.copyOf(enc, enc.length + 1);
        padded[enc.length - 1] = (byte) 0x81;
        padded[enc.length] = 0;
        assertThrows(ManifestFormatException.class, () -> Manifest.decode(padded));
    }

    @Test
    void jsonRoundTripAndStrictness() throws Exception {
        Manifest m = manifest(new Random(5), 50, 30);
        String json = JSON.writeValueAsString(m);
        assertEquals(m, JSON.readValue(json, Manifest.class));
        String id = id(1).hex();
        for (String bad : List.of(
                "{\"profile\":\"p\",\"chunks\":[{\"id\":\"" + id + "\",\"size\":0}]}",
                "{\"profile\":\"p\",\"chunks\":[{\"id\":\"" + id.toUpperCase() + "\",\"size\":1}]}",
                "{\"profile\":\"p\",\"chunks\":[{\"id\":\"" + id + "\",\"size\":\"1\"}]}",
                "{\"profile\":\"p\",\"chunks\":[{\"id\":\"" + id + "\",\"size\":1.5}]}",
                "{\"profile\":\"p\",\"chunks\":[{\"id\":\"" + id + "\",\"size\":1,\"x\":1}]}",
                "{\"profile\":\"p\",\"chunks\":[],\"extra\":1}",
                "{\"profile\":\"p\"}",
                "{\"profile\":\"p\",\"chunks\":[{\"id\":\"" + id + "\",\"size\":99999999999}]}",
                "[]")) {
            assertThrows(JsonMappingException.class, () -> JSON.readValue(bad, Manifest.class), bad);
        }
    }

    @Test
    void deltaRoundTripsOnRandomEdits() {
        long seed = 20261124L;
        Random r = new Random(seed);
        for (int round = 0; round < 300; round++) {
            Manifest parent = r.nextInt(10) == 0 ? Manifest.empty(PROFILE) : manifest(r, 1 + r.nextInt(300), 1 + r.nextInt(400));
            List<ManifestEntry> child = new ArrayList<>(parent.entries());
            int edits = r.nextInt(6);
            for (int e = 0; e < edits; e++) {
                int kind = r.nextInt(6);
                int at = child.isEmpty() ? 0 : r.nextInt(child.size() + 1);
                switch (kind) {
                    case 0 -> child.add(at, new ManifestEntry(id(100_000 + r.nextInt(1000)), 7));
                    case 1 -> {
                        if (!child.isEmpty() && at < child.size()) {
                            child.remove(at);
                        }
                    }
                    case 2 -> {
                        if (at < child.size()) {
                            child.set(at, new ManifestEntry(id(200_000 + r.nextInt(1000)), 9));
                        }
                    }
                    case 3 -> child.add(new ManifestEntry(id(r.nextInt(50)), 1 + r.nextInt(50) % 1_000_000));
                    case 4 -> child.add(0, new ManifestEntry(id(300_000 + r.nextInt(1000)), 3));
                    default -> { if (child.size() > 2) { ManifestEntry x = child.remove(0); child.add(x); } }
                }
            }
            Manifest c = Manifest.of(PROFILE, child);
            ManifestDelta d = ManifestDelta.compute(parent, c);
            assertEquals(c, d.apply(parent), "seed " + seed + " round " + round);
            assertEquals(d, ManifestDelta.decode(d.encode()), "seed " + seed + " round " + round);
        }
    }

    @Test
    void oneChunkEditOfAHugeFileIsATinyDelta() throws Exception {
        Random r = new Random(42);
        List<ManifestEntry> entries = new ArrayList<>();
        for (int i = 0; i < 40_000; i++) {
            entries.add(new ManifestEntry(ChunkId.sha256(new byte[] {(byte) i, (byte) (i >> 8), (byte) (i >> 16), 1}), 262_144));
        }
        Manifest parent = Manifest.of(PROFILE, entries);
        List<ManifestEntry> edited = new ArrayList<>(entries);
        edited.set(r.nextInt(40_000), new ManifestEntry(id(-1), 262_150));
        Manifest child = Manifest.of(PROFILE, edited);
        ManifestDelta d = ManifestDelta.compute(parent, child);
        assertTrue(d.ops().size() <= 3, d.toString());
        assertTrue(d.encode().length < 200, d.encode().length + " bytes");
        assertTrue(JSON.writeValueAsString(d).length() < 300);
        assertEquals(child, d.apply(parent));
    }

    @Test
    void duplicatedChunksStillGiveLongCopies() {
        List<ManifestEntry> entries = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            entries.add(new ManifestEntry(i % 10 == 0 ? id(7) : id(i), 100));
        }
        Manifest parent = Manifest.of(PROFILE, entries);
        List<ManifestEntry> edited = new ArrayList<>(entries);
        edited.add(500, new ManifestEntry(id(-2), 3));
        ManifestDelta d = ManifestDelta.compute(parent, Manifest.of(PROFILE, edited));
        assertTrue(d.ops().size() <= 3, d.toString());
    }

    @Test
    void deltaApplyRejectsCopiesOutsideTheParent() {
        Manifest parent = manifest(new Random(1), 10, 10);
        assertThrows(ManifestFormatException.class, () -> ManifestDelta.of(List.of(new ManifestDelta.Copy(5, 6))).apply(parent));
        assertThrows(ManifestFormatException.class, () -> new ManifestDelta.Copy(0, 0));
        assertThrows(ManifestFormatException.class, () -> new ManifestDelta.Add(List.of()));
        assertThrows(ManifestFormatException.class, () -> ManifestDelta.decode(new byte[] {'C', 'V', 'D', '1', 1, 9}));
        assertEquals(List.of(), ManifestDelta.of(List.of()).apply(parent).entries());
    }

    /**
     * The entries a delta makes are known before it is applied (a service refuses a delta past its limit without
     * building the manifest): a few bytes can repeat a run of the parent many times.
     */
    @Test
    void expandedEntryCountIsTheAppliedManifestsSize() {
        Manifest parent = manifest(new Random(2), 10, 10);
        ManifestDelta d = ManifestDelta.of(List.of(new ManifestDelta.Copy(0, 10), new ManifestDelta.Copy(2, 3),
                new ManifestDelta.Add(parent.entries().subList(0, 4)), new ManifestDelta.Copy(0, 10)));
        assertEquals(27, d.expandedEntryCount());
        assertEquals(27, d.apply(parent).chunkCount());
        assertEquals(4, d.addedEntryCount());
        ManifestDelta repeat = ManifestDelta.of(java.util.Collections.nCopies(1000, new ManifestDelta.Copy(0, 10)));
        assertEquals(10_000, repeat.expandedEntryCount());
        assertTrue(repeat.encode().length < 4_100, "about 4 bytes on the wire per 10 entries");
        ManifestDelta huge = ManifestDelta.of(java.util.Collections.nCopies(3, new ManifestDelta.Copy(0, Integer.MAX_VALUE)));
        assertEquals(3L * Integer.MAX_VALUE, huge.expandedEntryCount(), "no int overflow");
    }

    @Test
    void deltaJsonRoundTripAndStrictness() throws Exception {
        Random r = new Random(9);
        Manifest parent = manifest(r, 100, 80);
        List<ManifestEntry> child = new ArrayList<>(parent.entries());
        child.add(40, new ManifestEntry(id(123_456), 77));
        ManifestDelta d = ManifestDelta.compute(parent, Manifest.of(PROFILE, child));
        assertEquals(d, JSON.readValue(JSON.writeValueAsString(d), ManifestDelta.class));
        for (String bad : List.of("{\"ops\":[{\"copy\":[0]}]}", "{\"ops\":[{\"copy\":[0,0]}]}",
                "{\"ops\":[{\"copy\":[-1,2]}]}", "{\"ops\":[{\"move\":[0,1]}]}", "{\"ops\":[{\"add\":[]}]}",
                "{\"ops\":[{\"copy\":[0,1],\"add\":[]}]}", "{\"ops\":[],\"x\":1}", "{}")) {
            assertThrows(JsonMappingException.class, () -> JSON.readValue(bad, ManifestDelta.class), bad);
        }
    }

    @Test
    void diffMatchesNaiveSets() {
        long seed = 77;
        Random r = new Random(seed);
        for (int round = 0; round < 200; round++) {
            Manifest a = manifest(r, r.nextInt(200), 1 + r.nextInt(300));
            Manifest b = manifest(r, r.nextInt(200), 1 + r.nextInt(300));
            ManifestDiff diff = ManifestDiff.between(a, b);
            Set<ChunkId> sa = new HashSet<>(a.entries().stream().map(ManifestEntry::id).toList());
            Set<ChunkId> sb = new HashSet<>(b.entries().stream().map(ManifestEntry::id).toList());
            Set<ChunkId> added = new TreeSet<>(sb);
            added.removeAll(sa);
            Set<ChunkId> removed = new TreeSet<>(sa);
            removed.removeAll(sb);
            assertEquals(List.copyOf(added), diff.added(), "seed " + seed + " round " + round);
            assertEquals(List.copyOf(removed), diff.removed(), "seed " + seed + " round " + round);
        }
        Manifest m = manifest(r, 10, 5);
        assertEquals(new ManifestDiff(List.of(), List.of()), ManifestDiff.between(m, m));
        assertNotEquals(0, ManifestDiff.between(Manifest.empty(PROFILE), m).added().size());
    }
}
