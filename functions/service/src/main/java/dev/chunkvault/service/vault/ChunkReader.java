package dev.chunkvault.service.vault;

import dev.chunkvault.core.compress.ChunkCodec;
import dev.chunkvault.core.compress.Encoding;
import dev.chunkvault.core.compress.EncodingException;
import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.service.blob.BlobInfo;
import dev.chunkvault.service.blob.BlobStore;
import dev.chunkvault.service.store.ItemStore;
import dev.chunkvault.service.store.Item;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Reads a chunk's stored bytes wherever its row locates them: the object {@code chunks/<id>}, or a range of a pack.
 * Every reader of chunk bytes in the service (delta bases, signatures, the audit) goes through here, and gets plain
 * bytes: a compressed chunk's range is decoded (bounded by its plain size; bytes that do not decode read as wrong).
 */
final class ChunkReader {
    private final ItemStore store;
    private final BlobStore blobs;
    private final Retry retry;

    ChunkReader(ItemStore store, BlobStore blobs, Retry retry) {
        this.store = store;
        this.blobs = blobs;
        this.retry = retry;
    }

    /**
     * The chunk's bytes checked against its id, where its row locates them now: empty, with the location found wrong,
     * when they are missing or other bytes there. A row that moved while it was read (a repack) is followed once more.
     */
    Checked readChecked(ChunkId id) {
        return readChecked(id, row(id));
    }

    /**
     * As {@link #readChecked(ChunkId)}, starting from the chunk's row as the caller read it ({@code first}; null: it had
     * none), say in one batch with other chunks' rows ({@link #rows}): the row is read again only if the bytes where it
     * pointed are not the chunk's.
     */
    Checked readChecked(ChunkId id, ChunkRow first) {
        ChunkRow row = null;
        ChunkRow now = first;
        for (int attempt = 0; attempt < 2; attempt++) {
            if (attempt > 0) {
                now = row(id);
            }
            if (now == null) {
                return new Checked(Optional.empty(), null, 0);
            }
            if (row != null && Objects.equals(row.pack(), now.pack()) && row.packOffset() == now.packOffset()) {
                break; // the same location, read once already
            }
            row = now;
            Optional<byte[]> bytes = read(id, Location.of(row));
            if (bytes.isPresent() && ChunkId.sha256(bytes.get()).equals(id)) {
                return new Checked(bytes, row.pack(), row.packOffset());
            }
        }
        return new Checked(Optional.empty(), row.pack(), row.packOffset());
    }

    /** The rows of {@code ids} that exist, read in batches (strongly consistent), by id. */
    Map<ChunkId, ChunkRow> rows(Collection<ChunkId> ids, Parallel parallel) {
        Map<ChunkId, ChunkRow> out = new HashMap<>();
        if (ids.isEmpty()) {
            return out;
        }
        for (Item i : BatchReads.getAll(store, parallel, retry, Tables.CHUNKS,
                new LinkedHashSet<>(ids).stream().map(ChunkRow::key).toList())) {
            ChunkRow r = ChunkRow.from(i);
            out.put(r.id(), r);
        }
        return out;
    }

    private ChunkRow row(ChunkId id) {
        return retry.call(() -> store.get(Tables.CHUNKS, ChunkRow.key(id))).map(ChunkRow::from).orElse(null);
    }

    /** {@link #readChecked}'s answer: the bytes, or the location where they were found wrong ({@code pack} null: the object). */
    record Checked(Optional<byte[]> bytes, String pack, long packOffset) {}

    /**
     * Where a chunk's stored bytes are and how they encode it.
     *
     * @param pack       the pack holding them, or null for the chunk's own object
     * @param offset     their offset in the pack
     * @param size       the chunk's plain size (-1: not known, a grant's row)
     * @param encoding   how the stored bytes encode the plain bytes
     * @param storedSize the stored bytes' length
     */
    record Location(String pack, long offset, long size, Encoding encoding, long storedSize) {
        static Location of(ChunkRow row) {
            return new Location(row.pack(), row.packOffset(), row.size(), row.encoding(), row.storedLength());
        }
    }

    /**
     * The plain bytes at a location: the chunk's own object when {@code pack} is null, else its range of the pack,
     * decoded if compressed; empty when they are missing or (compressed) do not decode to the chunk's size.
     */
    Optional<byte[]> read(ChunkId id, Location at) {
        if (at.pack() == null) {
            return retry.call(() -> blobs.get(ChunkRow.objectKey(id)));
        }
        long stored = at.storedSize();
        if (stored <= 0) {
            return Optional.empty();
        }
        Optional<byte[]> got = retry.call(() -> blobs.getRange(PackRow.objectKey(at.pack()), at.offset(), (int) stored))
                .filter(b -> b.length == stored);
        if (got.isEmpty() || at.encoding() == Encoding.RAW) {
            return got;
        }
        try {
            return Optional.of(ChunkCodec.decode(at.encoding(), got.get(), 0, got.get().length, (int) at.size()));
        } catch (EncodingException notItsBytes) {
            return Optional.empty();
        }
    }

    /**
     * Whether the stored copy looks right without reading it: a chunk object's size and S3 checksum, or, for a packed
     * chunk, that its pack object is there and long enough (its ranges were hashed when it was sealed).
     */
    boolean looksIntact(ChunkId id, Location at) {
        if (at.pack() == null) {
            return Quarantine.intact(id, at.size(), retry.call(() -> blobs.head(ChunkRow.objectKey(id))));
        }
        Optional<BlobInfo> info = retry.call(() -> blobs.head(PackRow.objectKey(at.pack())));
        return info.isPresent() && info.get().size() >= at.offset() + Math.max(0, at.storedSize());
    }
}
