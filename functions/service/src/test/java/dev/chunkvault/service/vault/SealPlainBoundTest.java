package dev.chunkvault.service.vault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.core.compress.ChunkCodec;
import dev.chunkvault.core.compress.Encoding;
import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.core.pack.PackFormat;
import dev.chunkvault.service.error.ErrorKind;
import dev.chunkvault.service.error.ServiceException;
import dev.chunkvault.service.sim.FakeClient;
import dev.chunkvault.service.sim.FakeClient.Content;
import dev.chunkvault.service.sim.TestVault;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The seal's bound on plain bytes (docs/compression.md, "The seal's bound on plain bytes"): the stored bytes of a pack
 * do not bound what its seal decodes, so a pack's declared plain bytes are bounded at its declaration (413
 * {@code PACK_PLAIN_TOO_LARGE}, nothing written), and the plain bytes one request decodes to seal packs are bounded by
 * deferring the packs past the budget (413 {@code SEAL_DEFERRED} for that pack, left PENDING and sealed by a later
 * request), never by failing the batch.
 */
class SealPlainBoundTest {
    private static final int MIB = 1 << 20;

    private final Random random = new Random(23);
    private final TestVault v = new TestVault();
    private final FakeClient alice = new FakeClient(v, "alice");

    /** A pack service on the same stores with lower bounds (4 MiB a pack, 5 MiB a request), for small tests. */
    private final PackService small = new PackService(v.itemPort, v.blobPort, v.backend.presigner(), v.clock, v.settings,
            Parallel.inline(), Retry.immediate(3), PackIds.seeded(7), new PackService.SealLimits(4L * MIB, 5L * MIB));
    private final CommitBatches smallBatches = new CommitBatches(small, v.commits);

    /** Text-like bytes that compress well (log lines with a counter), distinct per call. */
    private byte[] compressible(int size) {
        StringBuilder s = new StringBuilder(size + 100);
        long n = random.nextLong();
        while (s.length() < size) {
            s.append("2026-12-07T08:30:00Z INFO request ").append(n++).append(" served from cache in 3 ms\n");
        }
        return s.substring(0, size).getBytes(StandardCharsets.US_ASCII);
    }

    private Content compressibleContent(int chunks, int size) {
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < chunks; i++) {
            out.add(compressible(size));
        }
        return new Content(out);
    }

    /** Declares (with {@code service}) and PUTs a pack of {@code chunks}, each compressed. */
    private String declareAndPut(PackService service, List<byte[]> chunks) {
        PackFormat.Builder b = new PackFormat.Builder();
        for (byte[] c : chunks) {
            ChunkCodec.Stored stored = ChunkCodec.encode(c);
            assertEquals(Encoding.ZSTD, stored.encoding(), "the test's chunks compress");
            b.add(ChunkId.sha256(c), stored);
        }
        byte[] pack = b.finish();
        PackService.Declared d = service.declare(alice.owner, ChunkId.sha256(pack), pack.length, b.entries());
        assertEquals(200, v.backend.send("PUT", d.upload().url(), d.upload().headers(), pack).status());
        return d.packId();
    }

    private boolean hasRow(byte[] chunk) {
        return v.items.get(Tables.CHUNKS, ChunkRow.key(ChunkId.sha256(chunk))).isPresent();
    }

    /** Entries of {@code count} compressed chunks of {@code plain} bytes each, 64 stored bytes each (never read). */
    private static List<PackFormat.Entry> claimed(int count, int plain) {
        List<PackFormat.Entry> out = new ArrayList<>();
        Random r = new Random(count);
        for (int i = 0; i < count; i++) {
            byte[] id = new byte[32];
            r.nextBytes(id);
            out.add(new PackFormat.Entry(ChunkId.sha256(id), i * 64, 64, Encoding.ZSTD, plain));
        }
        return out;
    }

    @Test
    void aPackDeclaringMorePlainBytesThanTheLimitIsRefusedAtTheDeclarationWithNothingWritten() {
        int rows = v.items.items(Tables.CHUNKS).size();
        int objects = v.blobs.keys().size();
        // 4,096 entries of 64 stored bytes, each claiming 1 MiB plain: a 0.4 MiB pack that would decode 4 GiB.
        for (int count : new int[] {PackFormat.MAX_CHUNKS, (int) (PackFormat.MAX_PACK_PLAIN_BYTES / MIB) + 1}) {
            List<PackFormat.Entry> entries = claimed(count, MIB);
            long size = PackFormat.packSize(entries);
            ServiceException e = assertThrows(ServiceException.class, () -> v.packs.declare(alice.owner,
                    ChunkId.sha256(new byte[] {1}), size, entries, true));
            assertEquals("PACK_PLAIN_TOO_LARGE", e.code());
            assertEquals(ErrorKind.TOO_LARGE, e.kind());
        }
        assertEquals(rows, v.items.items(Tables.CHUNKS).size(), "no pack row, no chunk row");
        assertEquals(objects, v.blobs.keys().size());

        // Exactly the limit is declared.
        List<PackFormat.Entry> atLimit = claimed((int) (PackFormat.MAX_PACK_PLAIN_BYTES / MIB), MIB);
        PackService.Declared d = v.packs.declare(alice.owner, ChunkId.sha256(new byte[] {2}),
                PackFormat.packSize(atLimit), atLimit, true);
        assertTrue(d.declared());
        assertEquals(PackRow.State.PENDING, v.packRow(d.packId()).state());
    }

    @Test
    void anHonestPackOfCompressibleTextSealsAndCommitsInABatch() {
        // 6 MiB of log text in 24 chunks of 256 KiB: a few hundred KiB stored, far under every bound.
        Content a = compressibleContent(24, 256 * 1024);
        String packId = declareAndPut(v.packs, a.chunks());
        assertTrue(v.packRow(packId).size() < a.size() / 4, "stored compressed");
        CommitBatches.Answer answer = new CommitBatches(v.packs, v.commits).commit(alice.owner, List.of(packId),
                List.of(alice.request("log.txt", null, a, "honest-log")));
        assertNull(answer.seals().get(0).error());
        assertEquals(24, answer.seals().get(0).sealed().placed());
        assertNull(answer.commits().get(0).error(), () -> "committed: " + answer.commits().get(0).error());
        assertEquals(PackRow.State.SEALED, v.packRow(packId).state());
        assertEquals(a.size(), v.packRow(packId).liveBytes());
    }

    @Test
    void aBatchSealsPacksWhileTheirPlainBytesFitAndLeavesTheRestPendingForTheNextRequest() {
        // Three packs of 3 MiB plain each (well under 1 MiB stored together); the request may decode 5 MiB.
        Content a = compressibleContent(3, MIB);
        Content b = compressibleContent(3, MIB);
        Content c = compressibleContent(3, MIB);
        String pa = declareAndPut(small, a.chunks());
        String pb = declareAndPut(small, b.chunks());
        String pc = declareAndPut(small, c.chunks());
        CommitService.CommitRequest ca = alice.request("a.log", null, a, "bound-commit-a");
        CommitService.CommitRequest cb = alice.request("b.log", null, b, "bound-commit-b");
        CommitService.CommitRequest cc = alice.request("c.log", null, c, "bound-commit-c");

        CommitBatches.Answer first = smallBatches.commit(alice.owner, List.of(pa, pb, pc), List.of(ca, cb, cc));
        assertNull(first.seals().get(0).error());
        assertEquals(3, first.seals().get(0).sealed().placed());
        for (int i = 1; i < 3; i++) {
            ServiceException deferred = first.seals().get(i).error();
            assertEquals("SEAL_DEFERRED", deferred.code(), "3 + 3 MiB is past the request's 5 MiB");
            assertEquals(ErrorKind.TOO_LARGE, deferred.kind());
        }
        assertEquals(PackRow.State.SEALED, v.packRow(pa).state());
        assertEquals(PackRow.State.PENDING, v.packRow(pb).state(), "deferred: unread, unchanged");
        assertEquals(PackRow.State.PENDING, v.packRow(pc).state());
        c.chunks().forEach(ch -> assertTrue(!hasRow(ch), "a deferred pack places nothing"));
        assertNull(first.commits().get(0).error());
        assertEquals("MISSING_CHUNKS", first.commits().get(1).error().code(), "its pack is not sealed yet");
        assertEquals("MISSING_CHUNKS", first.commits().get(2).error().code());

        // The next request: the sealed pack costs nothing (not read again), b fits, c is deferred again.
        CommitBatches.Answer second = smallBatches.commit(alice.owner, List.of(pa, pb, pc), List.of(cb, cc));
        assertNull(second.seals().get(0).error());
        assertNull(second.seals().get(1).error());
        assertEquals(3, second.seals().get(1).sealed().placed());
        assertEquals("SEAL_DEFERRED", second.seals().get(2).error().code());
        assertNull(second.commits().get(0).error());
        assertEquals("MISSING_CHUNKS", second.commits().get(1).error().code());

        // c alone (the seal route, or a batch of its own): sealed, and its commit goes; nothing was lost.
        assertEquals(3, small.seal(alice.owner, pc).placed());
        assertNull(smallBatches.commit(alice.owner, List.of(pc), List.of(cc)).commits().get(0).error());
        for (String p : List.of(pa, pb, pc)) {
            assertEquals(PackRow.State.SEALED, v.packRow(p).state());
            assertEquals(3, v.packRow(p).liveChunks());
        }
        for (Content x : List.of(a, b, c)) {
            x.chunks().forEach(ch -> assertTrue(hasRow(ch)));
        }
    }

    @Test
    void aPackDeclaredBeforeTheBoundIsNotReadBySealsUnderIt() {
        // Declared by a service with a higher bound (as before this change): 5 MiB plain, over the 4 MiB bound.
        PackService before = new PackService(v.itemPort, v.blobPort, v.backend.presigner(), v.clock, v.settings,
                Parallel.inline(), Retry.immediate(3), PackIds.seeded(9), new PackService.SealLimits(8L * MIB, 8L * MIB));
        Content big = compressibleContent(5, MIB);
        String old = declareAndPut(before, big.chunks());
        ServiceException e = assertThrows(ServiceException.class, () -> small.seal(alice.owner, old));
        assertEquals("PACK_PLAIN_TOO_LARGE", e.code());
        assertEquals(PackRow.State.PENDING, v.packRow(old).state(), "unread; collected as a pack never sealed");
        big.chunks().forEach(ch -> assertTrue(!hasRow(ch)));

        // In a batch it is that pack's refusal, and it spends none of the request's budget.
        Content a = compressibleContent(3, MIB);
        Content b = compressibleContent(3, MIB);
        String pa = declareAndPut(small, a.chunks());
        String pb = declareAndPut(small, b.chunks());
        CommitBatches.Answer answer = smallBatches.commit(alice.owner, List.of(old, pa, pb),
                List.of(alice.request("a.log", null, a, "old-pack-a")));
        assertEquals("PACK_PLAIN_TOO_LARGE", answer.seals().get(0).error().code());
        assertNull(answer.seals().get(1).error());
        assertEquals("SEAL_DEFERRED", answer.seals().get(2).error().code());
        assertNull(answer.commits().get(0).error());
    }

    @Test
    void theBoundsMustLetAnyPackBeSealedByARequestOfItsOwn() {
        assertThrows(IllegalArgumentException.class, () -> new PackService.SealLimits(8L * MIB, 4L * MIB));
        assertThrows(IllegalArgumentException.class, () -> new PackService.SealLimits(0, 4L * MIB));
        assertTrue(PackService.SealLimits.DEFAULTS.maxPackPlainBytes()
                <= PackService.SealLimits.DEFAULTS.maxSealPlainBytesPerRequest());
    }
}
