package dev.chunkvault.service.vault;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.core.delta.BlockSignature;
import dev.chunkvault.core.delta.DeltaEncoder;
import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.service.error.ErrorKind;
import dev.chunkvault.service.error.ServiceException;
import dev.chunkvault.service.sim.FakeClient;
import dev.chunkvault.service.sim.FakeClient.Content;
import dev.chunkvault.service.sim.TestVault;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A chunk object whose bytes are not its chunk's (issue 14, item 6): no route answers 5xx for it, it is quarantined
 * (never a delta base; grants ask even its holders for a fresh upload), the audit's content check finds it (resumably)
 * and quarantines it, a re-upload heals it, and the audit then lifts the mark. Over HTTP: DamagedChunkIT.
 */
class DamagedChunksTest {
    private final Random random = new Random(61);
    private final TestVault v = new TestVault();
    private final DeltaService deltas = new DeltaService(v.itemPort, v.blobPort, v.blobs, v.clock, v.settings,
            Parallel.inline(), Retry.immediate(2));
    private final FakeClient alice = new FakeClient(v, "alice");

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    /** Junk written over the object, as a bad disk, a bug or an attacker with write access would leave it. */
    private void damage(ChunkId id) {
        v.blobs.put(ChunkRow.objectKey(id), bytes(5_000), Map.of());
    }

    private String download(String path) {
        return new StorageModel.Model(v, new Random(1), null).fetch(v.reads.download(alice.owner, path, null, null));
    }

    @Test
    void aDamagedChunkIsRefusedWith4xxQuarantinedFoundByTheAuditAndHealedByAReUpload() {
        byte[][] chunks = {bytes(100_000), bytes(80_000)};
        Content c = new Content(List.of(chunks));
        alice.upload(c);
        alice.commit("doc.bin", null, c, "damaged-commit-1");
        ChunkId id = ChunkId.sha256(chunks[0]);
        damage(id);

        ServiceException sig = assertThrows(ServiceException.class,
                () -> deltas.signatures(alice.owner, "doc.bin", null, null, List.of(id)));
        assertEquals(ErrorKind.UNPROCESSABLE, sig.kind());
        assertEquals(Quarantine.DAMAGED_CODE, sig.code());
        assertTrue(v.chunkRow(id).damaged(), "quarantined by the read that found it");

        byte[] edited = chunks[0].clone();
        edited[10] ^= 1;
        byte[] delta = DeltaEncoder.encode(BlockSignature.compute(chunks[0]), edited).encode();
        ServiceException del = assertThrows(ServiceException.class,
                () -> deltas.deltaUpload(alice.owner, id, ChunkId.sha256(edited), delta));
        assertEquals(Quarantine.DAMAGED_CODE, del.code(), "never used as a base");

        UploadService.Grant g = v.uploads.grant(alice.owner, List.of(new UploadService.ChunkRequest(id, chunks[0].length)));
        assertTrue(g.have().isEmpty(), "its holder is not told 'have'");
        assertEquals(1, g.uploads().size(), "but asked for a fresh upload");

        AuditService.AuditReport found = v.audit.audit(new AuditService.Options(false, false, true, null, 0, true), () -> true);
        assertTrue(found.drifts().stream().anyMatch(d -> d.kind() == AuditService.Kind.DAMAGED_OBJECT
                && d.chunk().equals(id.hex())), found.drifts().toString());
        assertEquals(1, found.content().quarantined());

        assertEquals(1, alice.upload(new Content(List.of(chunks[0]))), "a device that has the bytes sends them again");
        AuditService.AuditReport healed = v.audit.audit(new AuditService.Options(true, true, true, null, 0, true), () -> true);
        assertEquals(1, healed.content().healed(), healed.toString());
        assertEquals(0, healed.driftCount(), healed.drifts().toString());
        assertTrue(!v.chunkRow(id).damaged(), "the mark is lifted");
        assertEquals(c.sha256(), download("doc.bin"), "the file downloads whole again");
        assertNotNull(deltas.signatures(alice.owner, "doc.bin", null, null, List.of(id)));
    }

    @Test
    void theContentCheckQuarantinesAndGoesOnWhereItStopped() {
        List<ChunkId> ids = new ArrayList<>();
        for (int f = 0; f < 6; f++) {
            byte[] b = bytes(10_000);
            ids.add(ChunkId.sha256(b));
            Content c = new Content(List.of(b));
            alice.upload(c);
            alice.commit("f" + f + ".bin", null, c, "content-check-" + f);
        }
        ChunkId bad = ids.get(3);
        damage(bad);

        List<String> froms = new ArrayList<>();
        long checked = 0;
        String after = null;
        AuditService.AuditReport first = v.audit.audit(new AuditService.Options(true, false, true, null, 15_000, true),
                () -> true);
        assertTrue(first.edges() > 0, "the first call recounts");
        AuditService.AuditReport r = first;
        long damagedFound = 0;
        while (true) {
            froms.add(String.valueOf(r.content().from()));
            checked += r.content().checked();
            damagedFound += r.drifts().stream().filter(d -> d.kind() == AuditService.Kind.DAMAGED_OBJECT).count();
            after = r.content().next();
            if (after == null) {
                break;
            }
            assertTrue(froms.size() < 20, "each call gets further");
            r = v.audit.audit(new AuditService.Options(true, false, true, after, 15_000, false), () -> true);
        }
        assertTrue(froms.size() > 2, "the byte budget split the check into several calls: " + froms);
        assertEquals(ids.size(), checked, "every referenced object read once");
        assertEquals(1, damagedFound);
        assertTrue(v.chunkRow(bad).damaged(), "fixed by quarantine");
        assertNull(v.audit.audit(AuditService.Options.contentOnly(false, null), () -> true).content().next());
    }

    @Test
    void aCommitAddingAQuarantinedChunkWaitsForItsReUpload() {
        byte[] shared = bytes(50_000);
        Content first = new Content(List.of(shared));
        alice.upload(first);
        alice.commit("a.bin", null, first, "quarantine-commit-a");
        ChunkId id = ChunkId.sha256(shared);
        damage(id);
        new Quarantine(v.items, v.clock, Retry.immediate(1)).markDamaged(id, null, 0);

        Content second = new Content(List.of(shared, bytes(20_000)));
        v.uploads.grant(alice.owner, List.of(new UploadService.ChunkRequest(ChunkId.sha256(second.chunks().get(1)), 20_000)));
        alice.upload(new Content(List.of(second.chunks().get(1))));
        ServiceException missing = assertThrows(ServiceException.class,
                () -> alice.commit("b.bin", null, second, "quarantine-commit-b"));
        assertEquals("MISSING_CHUNKS", missing.code(), "not referenced again while damaged");

        alice.upload(second); // the grant asks for the damaged chunk: sent again
        alice.commit("b.bin", null, second, "quarantine-commit-b");
        assertTrue(!v.chunkRow(id).damaged(), "the commit saw it right again and lifted the mark");
        assertArrayEquals(shared, v.blobs.get(ChunkRow.objectKey(id)).orElseThrow());
    }
}
