package dev.chunkvault.service.vault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.service.TestClock;
import dev.chunkvault.service.blob.BlobStore;
import dev.chunkvault.service.error.ErrorKind;
import dev.chunkvault.service.error.ServiceException;
import dev.chunkvault.service.sim.Backend;
import dev.chunkvault.service.sim.FakeClient;
import dev.chunkvault.service.sim.FakeClient.Content;
import dev.chunkvault.service.sim.TestVault;
import dev.chunkvault.service.store.ItemStore;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Large commits that need more than one request (CommitService: verified and pinned a slice at a time, each
 * request stopping at its time budget), on any {@link Backend}: CommitServiceTest runs them on the in-memory fakes,
 * LargeCommitIT on DynamoDB Local and s3proxy. The budget is zero, so every request does exactly one slice.
 */
public final class LargeCommitScenarios {
    /** Three slices: two full ones and 36 chunks. */
    static final int CHUNKS = 2 * CommitService.COMMIT_SLICE_CHUNKS + 36;

    private final TestVault vault;
    private final FakeClient client;
    private final AtomicInteger transactions = new AtomicInteger();
    private final AtomicInteger heads = new AtomicInteger();
    private final Random random = new Random(20261202L);

    public LargeCommitScenarios(Backend backend, TestClock clock) {
        Settings settings = Settings.DEFAULTS.withParallelism(1).withCommitBudget(Duration.ZERO);
        this.vault = new TestVault(backend, clock, settings, items -> counting(ItemStore.class, items, "transact", transactions),
                blobs -> counting(BlobStore.class, blobs, "head", heads), Retry.immediate(3));
        this.client = new FakeClient(vault, "alice");
    }

    /**
     * Each request verifies (HEADs) and pins one slice and answers COMMIT_IN_PROGRESS, the file still invisible; the
     * next one neither verifies nor pins again what an earlier one did; the last publishes, and the counts match.
     */
    public void aSlicedCommitGoesOnWhereItStopped() {
        Content big = content(CHUNKS);
        client.upload(big);
        int[] slices = {CommitService.COMMIT_SLICE_CHUNKS, CommitService.COMMIT_SLICE_CHUNKS, 36};
        for (int call = 0; call < slices.length; call++) {
            int tx = transactions.get();
            int h = heads.get();
            if (call < slices.length - 1) {
                ServiceException e = assertThrows(ServiceException.class, () -> commit(big, "key-sliced-1"));
                assertEquals("COMMIT_IN_PROGRESS", e.code(), "call " + (call + 1));
                assertEquals(ErrorKind.UNAVAILABLE, e.kind());
                assertInvisible("big.bin");
            } else {
                assertEquals(CommitService.Outcome.CREATED, commit(big, "key-sliced-1").outcome());
            }
            assertEquals(slices[call], heads.get() - h, "call " + (call + 1) + ": HEADs of its own slice only");
            int pinTransactions = (slices[call] + RefOps.CHUNKS_PER_TRANSACTION - 1) / RefOps.CHUNKS_PER_TRANSACTION;
            int publish = call == slices.length - 1 ? 1 : 0;
            assertEquals(pinTransactions + publish, transactions.get() - tx, "call " + (call + 1) + ": nothing replayed");
        }
        assertEquals(big.sha256(), vault.reads.file(client.owner, "big.bin", false).contentHash());
        new Oracle(vault).referencedChunksIntact();
        new Oracle(vault).countsMatchRecount();
        assertEquals(CommitService.Outcome.REPLAYED, commit(big, "key-sliced-1").outcome());
    }

    /**
     * A chunk missing from a later slice: 422 listing exactly it, the file still invisible and the chunks of the
     * earlier slice still pinned; once it is uploaded the same request goes on from where the first one stopped.
     */
    public void aChunkMissingFromALaterSliceIsListedAndTheCommitGoesOnOnceUploaded() {
        Content big = content(CHUNKS);
        int gap = CommitService.COMMIT_SLICE_CHUNKS + 10;
        List<byte[]> withoutOne = new ArrayList<>(big.chunks());
        byte[] absent = withoutOne.remove(gap);
        client.upload(new Content(withoutOne));

        assertEquals("COMMIT_IN_PROGRESS", assertThrows(ServiceException.class, () -> commit(big, "key-gap-1")).code());
        ServiceException missing = assertThrows(ServiceException.class, () -> commit(big, "key-gap-1"));
        assertEquals("MISSING_CHUNKS", missing.code());
        assertEquals(List.of(ChunkId.sha256(absent).hex()), missing.details().get("missing"));
        assertInvisible("big.bin");
        new Oracle(vault).countsMatchRecount();

        client.upload(new Content(List.of(absent)));
        int tx = transactions.get();
        assertEquals("COMMIT_IN_PROGRESS", assertThrows(ServiceException.class, () -> commit(big, "key-gap-1")).code());
        assertEquals(4, transactions.get() - tx, "the second slice pinned, the first not again");
        assertEquals(CommitService.Outcome.CREATED, commit(big, "key-gap-1").outcome());
        assertEquals(big.sha256(), vault.reads.file(client.owner, "big.bin", false).contentHash());
        new Oracle(vault).referencedChunksIntact();
        new Oracle(vault).countsMatchRecount();
    }

    /** A chunk missing from the first slice: 422 and nothing written at all (no version, no reference). */
    public void aChunkMissingFromTheFirstSliceWritesNothing() {
        Content big = content(CHUNKS);
        List<byte[]> withoutOne = new ArrayList<>(big.chunks());
        byte[] absent = withoutOne.remove(3);
        client.upload(new Content(withoutOne));
        int tx = transactions.get();
        ServiceException missing = assertThrows(ServiceException.class, () -> commit(big, "key-first-1"));
        assertEquals("MISSING_CHUNKS", missing.code());
        assertEquals(List.of(ChunkId.sha256(absent).hex()), missing.details().get("missing"));
        assertEquals(tx, transactions.get(), "no pin");
        assertTrue(new Oracle(vault).referenced(true).isEmpty(), "no reference");
        assertInvisible("big.bin");
        client.upload(new Content(List.of(absent)));
        CommitService.CommitResult r = null;
        for (int calls = 0; r == null && calls < 5; calls++) {
            try {
                r = commit(big, "key-first-1");
            } catch (ServiceException e) {
                assertEquals("COMMIT_IN_PROGRESS", e.code());
            }
        }
        assertNotNull(r);
        new Oracle(vault).countsMatchRecount();
    }

    private CommitService.CommitResult commit(Content c, String key) {
        return client.commit("big.bin", null, c, key);
    }

    private void assertInvisible(String path) {
        ServiceException e = assertThrows(ServiceException.class, () -> vault.reads.file(client.owner, path, false));
        assertEquals(ErrorKind.NOT_FOUND, e.kind());
    }

    private Content content(int chunks) {
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < chunks; i++) {
            byte[] b = new byte[100 + random.nextInt(900)];
            random.nextBytes(b);
            out.add(b);
        }
        return new Content(out);
    }

    /** {@code target} with every call of {@code method} counted. */
    static <T> T counting(Class<T> type, T target, String method, AtomicInteger n) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, m, args) -> {
            if (m.getName().equals(method)) {
                n.incrementAndGet();
            }
            try {
                return m.invoke(target, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        }));
    }
}
