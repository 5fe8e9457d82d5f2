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
import dev.chunkvault.service.vault.Tables;
import dev.chunkvault.service.vault.UploadService;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

/**
 * The service over in-memory fakes, with a test clock: what the fast tests drive. {@code wrapItems} and
 * {@code wrapBlobs} add simulation scheduling points or faults around the real fakes ({@link #items} and
 * {@link #blobs} stay the unwrapped fakes, for oracles that inspect state directly).
 */
public final class TestVault {
    public final TestClock clock = new TestClock();
    public final InMemoryItemStore items = new InMemoryItemStore(Tables.all());
    public final InMemoryBlobStore blobs;
    public final Settings settings;
    public final ItemStore itemPort;
    public final BlobStore blobPort;
    public final UploadService uploads;
    public final CommitService commits;
    public final ReadService reads;
    public final GcService gc;
    public final AuditService audit;
    public final ConflictService conflicts;
    /** The GC's monotonic clock: follows the test clock, so lease cut-offs are simulated too. */
    public final AtomicLong nanos = new AtomicLong();

    public TestVault(Settings settings, boolean versionedBlobs, UnaryOperator<ItemStore> wrapItems,
                     UnaryOperator<BlobStore> wrapBlobs, Retry retry) {
        this.settings = settings;
        this.blobs = new InMemoryBlobStore(clock, versionedBlobs);
        this.itemPort = wrapItems.apply(items);
        this.blobPort = wrapBlobs.apply(blobs);
        Parallel inline = Parallel.inline();
        this.uploads = new UploadService(itemPort, blobs, clock, settings, inline, retry);
        this.commits = new CommitService(itemPort, blobPort, clock, settings, inline, retry);
        this.reads = new ReadService(itemPort, blobPort, blobs, clock, settings, retry);
        this.gc = new GcService(itemPort, blobPort, clock, () -> clock.millis() * 1_000_000L, settings, inline, retry);
        this.audit = new AuditService(items, blobs, clock, settings, Retry.immediate(1));
        this.conflicts = new ConflictService(itemPort, blobPort, clock, settings, retry);
    }

    public TestVault(Settings settings) {
        this(settings, true, UnaryOperator.identity(), UnaryOperator.identity(), Retry.immediate(3));
    }

    public TestVault() {
        this(Settings.DEFAULTS.withParallelism(1));
    }
}
