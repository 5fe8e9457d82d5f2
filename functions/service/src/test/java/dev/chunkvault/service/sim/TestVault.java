package dev.chunkvault.service.sim;

import dev.chunkvault.service.TestClock;
import dev.chunkvault.service.blob.BlobStore;
import dev.chunkvault.service.blob.InMemoryBlobStore;
import dev.chunkvault.service.store.InMemoryItemStore;
import dev.chunkvault.service.store.ItemStore;
import dev.chunkvault.service.vault.AuditService;
import dev.chunkvault.service.vault.CommitService;
import dev.chunkvault.service.vault.ConflictService;
import dev.chunkvault.service.vault.GcService;
import dev.chunkvault.service.vault.Parallel;
import dev.chunkvault.service.vault.ReadService;
import dev.chunkvault.service.vault.Retry;
import dev.chunkvault.service.vault.Settings;
import dev.chunkvault.service.vault.PackService;
import dev.chunkvault.service.vault.UploadService;
import dev.chunkvault.service.vault.UsageService;
import java.util.function.UnaryOperator;

/**
 * The service over a {@link Backend}, with a test clock: what the model and guarantee tests drive.
 * {@code wrapItems} and {@code wrapBlobs} add simulation scheduling points or faults around the backend's stores;
 * the backend's own stores stay unwrapped, for oracles that inspect state directly. {@link #items} and
 * {@link #blobs} are the in-memory fakes when the backend is in memory (null otherwise).
 */
public final class TestVault {
    public final TestClock clock;
    public final Backend backend;
    public final InMemoryItemStore items;
    public final InMemoryBlobStore blobs;
    public final Settings settings;
    public final ItemStore itemPort;
    public final BlobStore blobPort;
    public final UploadService uploads;
    public final PackService packs;
    public final CommitService commits;
    /** Commits from a function whose clock is behind the others' (the change feed must allow for it). */
    public final CommitService skewedCommits;
    /** How far behind: within the 30 s the service's time margins allow two functions' clocks to differ. */
    public static final java.time.Duration SKEW = java.time.Duration.ofSeconds(-25);
    public final ReadService reads;
    public final GcService gc;
    /** The audit on the backend's own stores: an oracle's recount, outside the simulation's interleavings. */
    public final AuditService audit;
    /** The audit as an operator runs it: through the wrapped stores, interleaved with (and faulted like) everyone. */
    public final AuditService liveAudit;
    public final ConflictService conflicts;
    public final UsageService usage;

    public TestVault(Backend backend, TestClock clock, Settings settings, UnaryOperator<ItemStore> wrapItems,
                     UnaryOperator<BlobStore> wrapBlobs, Retry retry) {
        this.clock = clock;
        this.backend = backend;
        this.items = backend instanceof Backend.InMemory m ? m.items() : null;
        this.blobs = backend instanceof Backend.InMemory m ? m.blobs() : null;
        this.settings = settings;
        this.itemPort = wrapItems.apply(backend.serviceItems());
        this.blobPort = wrapBlobs.apply(backend.serviceBlobs());
        Parallel inline = Parallel.inline();
        this.uploads = new UploadService(itemPort, backend.presigner(), clock, settings, inline, retry);
        // One seeded source of pack ids for the declarations and the repacks: a seeded model run replays exactly.
        dev.chunkvault.service.vault.PackIds packIds = dev.chunkvault.service.vault.PackIds.seeded(0x9AC5);
        this.packs = new PackService(itemPort, blobPort, backend.presigner(), clock, settings, inline, retry, packIds);
        this.commits = new CommitService(itemPort, blobPort, clock, settings, inline, retry);
        this.skewedCommits = new CommitService(itemPort, blobPort, java.time.Clock.offset(clock, SKEW), settings, inline,
                retry);
        this.reads = new ReadService(itemPort, blobPort, backend.presigner(), clock, settings, retry);
        this.gc = new GcService(itemPort, blobPort, clock, () -> clock.millis() * 1_000_000L, settings, inline, retry,
                packIds);
        this.audit = new AuditService(backend.items(), backend.blobs(), clock, settings, Retry.immediate(1));
        this.liveAudit = new AuditService(itemPort, blobPort, clock, settings, retry);
        this.conflicts = new ConflictService(itemPort, blobPort, clock, settings, retry);
        this.usage = new UsageService(itemPort, settings, retry);
    }

    private TestVault(TestClock clock, Settings settings, boolean versioned, UnaryOperator<ItemStore> wrapItems,
                      UnaryOperator<BlobStore> wrapBlobs, Retry retry) {
        this(Backend.inMemory(clock, versioned), clock, settings, wrapItems, wrapBlobs, retry);
    }

    public TestVault(Settings settings, boolean versionedBlobs, UnaryOperator<ItemStore> wrapItems,
                     UnaryOperator<BlobStore> wrapBlobs, Retry retry) {
        this(new TestClock(), settings, versionedBlobs, wrapItems, wrapBlobs, retry);
    }

    public TestVault(Settings settings) {
        this(settings, true, UnaryOperator.identity(), UnaryOperator.identity(), Retry.immediate(3));
    }

    public TestVault() {
        this(Settings.DEFAULTS.withParallelism(1));
    }

    /** A chunk's row as stored now. */
    public dev.chunkvault.service.vault.ChunkRow chunkRow(dev.chunkvault.core.hash.ChunkId id) {
        return dev.chunkvault.service.vault.ChunkRow.from(items.get(dev.chunkvault.service.vault.Tables.CHUNKS,
                dev.chunkvault.service.vault.ChunkRow.key(id)).orElseThrow());
    }

    /** A pack's row as stored now. */
    public dev.chunkvault.service.vault.PackRow packRow(String id) {
        return dev.chunkvault.service.vault.PackRow.from(items.get(dev.chunkvault.service.vault.Tables.CHUNKS,
                dev.chunkvault.service.vault.PackRow.key(id)).orElseThrow());
    }
}
