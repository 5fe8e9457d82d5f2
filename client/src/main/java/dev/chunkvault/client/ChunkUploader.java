package dev.chunkvault.client;

import dev.chunkvault.client.model.UploadGrant;
import dev.chunkvault.core.chunking.Chunk;
import dev.chunkvault.core.compress.ChunkCodec;
import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.core.pack.PackFormat;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/**
 * The grant and upload stage of a push: asks the service for upload grants a request at a time
 * ({@link GrantBatcher}) and sends each granted chunk by presigned PUT on the client's transfer pool, re-reading its
 * bytes from the file by offset within the transfers' memory budget (a chunk of a file too large for its signature to
 * be kept is streamed from the file instead). Every upload is journaled the moment it succeeds, with the chunk's
 * block signature when its bytes were in hand; chunks the service already holds are skipped, chunks it is collecting
 * are asked for again after the pause it names, and a PUT refused because its URL expired is granted and sent once
 * more.
 *
 * <p>Grants are asked for ahead of the uploads through a {@link Window} (at most {@link #BATCHES_IN_FLIGHT} requests
 * in flight), so the grant round trip overlaps the transfers while every URL is still used soon after it was issued.
 * A request's chunks may come from several files: each carries its {@link PushSource}. The chunk ids within one
 * request must be distinct.
 */
final class ChunkUploader {
    /**
     * Grant batches whose uploads may be submitted at once: while the oldest one's PUTs finish, the next one's are
     * queued and the one after is being granted, so a grant slower than a batch's PUTs still leaves no transfer idle.
     */
    static final int BATCHES_IN_FLIGHT = 3;
    /** The bytes of packed chunks one file's thread reads and hands to the packer at a time (about one pack). */
    static final long PACK_SLICE_BYTES = dev.chunkvault.core.pack.PackFormat.TARGET_PACK_BYTES;
    /** Grant requests for one batch while the service keeps deferring some of its chunks. */
    private static final int MAX_GRANT_ROUNDS = 10;

    /** A chunk to send and the file it is read from. */
    record ChunkToSend(PushSource from, Chunk chunk) {}

    private final ChunkvaultClient client;
    private final PushJournal journal;
    private final Granter granter;

    ChunkUploader(ChunkvaultClient client, PushJournal journal, Granter granter) {
        this.client = client;
        this.journal = journal;
        this.granter = granter;
    }

    /** Sends {@code chunks} of one file, reporting progress as its phase "upload"; waits until every one is sent. */
    void upload(PushSource from, Collection<Chunk> chunks) throws IOException {
        if (chunks.isEmpty()) {
            return;
        }
        long total = chunks.stream().mapToLong(Chunk::size).sum();
        from.listener().start("upload", from.file().getFileName().toString(), total);
        Window uploads = window();
        try {
            List<List<ChunkToSend>> batches = new ArrayList<>();
            GrantBatcher<ChunkToSend> batcher = new GrantBatcher<>(c -> c.chunk().size(), batches::add);
            chunks.forEach(c -> batcher.add(new ChunkToSend(from, c)));
            batcher.flush();
            for (List<ChunkToSend> batch : batches) {
                uploads.submit(batch);
            }
            uploads.drain();
        } catch (RuntimeException | IOException e) {
            uploads.cancel();
            throw e;
        } finally {
            from.listener().finish();
        }
    }

    /** A new window of uploads in flight. */
    Window window() {
        return new Window();
    }

    /**
     * The grant requests whose uploads are in flight, oldest first. Not thread-safe: one thread submits and drains.
     * On a failure, {@link #cancel} the uploads still in flight.
     */
    final class Window {
        private final ArrayDeque<InFlight> inflight = new ArrayDeque<>();

        /** Grants and submits one request's chunks, first waiting for the oldest requests while the window is full. */
        void submit(List<ChunkToSend> batch) throws IOException {
            while (inflight.size() >= BATCHES_IN_FLIGHT) {
                finish(inflight.removeFirst());
            }
            inflight.add(grantAndSubmit(batch));
        }

        /** Waits until every upload submitted is done. */
        void drain() throws IOException {
            while (!inflight.isEmpty()) {
                finish(inflight.removeFirst());
            }
        }

        void cancel() {
            inflight.forEach(b -> b.futures().forEach(f -> f.cancel(true)));
        }
    }

    /** One grant request's submitted uploads. */
    private record InFlight(List<UploadGrant.Upload> granted, List<Future<?>> futures, Map<String, ChunkToSend> chunks) {}

    /** Asks for grants (waiting out chunks being collected) and submits a PUT for each granted chunk. */
    private InFlight grantAndSubmit(List<ChunkToSend> batch) throws IOException {
        Map<String, ChunkToSend> pending = new LinkedHashMap<>();
        batch.forEach(c -> pending.put(c.chunk().id().hex(), c));
        Map<String, ChunkToSend> chunks = new LinkedHashMap<>(pending);
        List<UploadGrant.Upload> granted = new ArrayList<>();
        List<Future<?>> futures = new ArrayList<>();
        // Large chunks offered to a pack once (compressible by their probe): one that comes back goes alone, by grant.
        Set<String> offeredLarge = new HashSet<>();
        for (int round = 0; !pending.isEmpty(); round++) {
            if (round >= MAX_GRANT_ROUNDS) {
                throw new TransportException("The service kept deferring " + pending.size() + " chunk upload(s).", null);
            }
            // Small chunks go straight to a pack when the service's declarations answer which ones it holds; the rest
            // (and all, with a service that cannot) are asked for grants first.
            List<ChunkToSend> toPack = new ArrayList<>();
            if (client.packsWithoutGrants()) {
                boolean compressLarge = client.compressLargeChunks();
                for (ChunkToSend c : pending.values()) {
                    if (c.chunk().size() <= PackFormat.MAX_CHUNK_BYTES) {
                        toPack.add(c);
                    } else if (compressLarge && c.chunk().size() <= PackFormat.MAX_LARGE_CHUNK_BYTES
                            && offeredLarge.add(c.chunk().id().hex()) && compressible(c)) {
                        toPack.add(c); // compressed, a one-entry pack of its own (Packer)
                    }
                }
            }
            toPack.forEach(c -> pending.remove(c.chunk().id().hex()));
            UploadGrant g = pending.isEmpty() ? UploadGrant.NONE : granter.request(pending.values().stream()
                    .map(c -> new ChunkvaultClient.ChunkRef(c.chunk().id().hex(), c.chunk().size())).toList());
            Set<String> answered = new HashSet<>();
            for (String have : g.have()) {
                ChunkToSend c = pending.remove(have);
                answered.add(have);
                if (c != null) {
                    c.from().counters().skipped.incrementAndGet();
                    c.from().listener().advance(c.chunk().size());
                }
            }
            // A grant's answer may be what shows that the service offers packs (a run's first files): a large chunk it
            // granted that compresses goes in a pack all the same (its seal places the grant's row there).
            boolean compressGranted = client.compressLargeChunks();
            for (UploadGrant.Upload u : g.uploads()) {
                ChunkToSend c = pending.remove(u.id());
                if (c == null) {
                    throw new BadResponseException("The upload grant names a chunk that was not asked for.", null);
                }
                answered.add(u.id());
                if (compressGranted && c.chunk().size() > PackFormat.MAX_CHUNK_BYTES
                        && c.chunk().size() <= PackFormat.MAX_LARGE_CHUNK_BYTES && offeredLarge.add(u.id()) && compressible(c)) {
                    toPack.add(c);
                    continue;
                }
                granted.add(u);
                futures.add(submit(u, c));
            }
            for (String id : g.packed()) {
                ChunkToSend c = pending.remove(id);
                if (c == null) {
                    throw new BadResponseException("The upload grant names a chunk that was not asked for.", null);
                }
                answered.add(id);
                toPack.add(c);
            }
            g.retry().forEach(l -> answered.add(l.id()));
            if (!answered.containsAll(pending.keySet())) {
                throw new BadResponseException("The upload grant left a chunk unanswered.", null);
            }
            long packWait = 0;
            List<Packer.Outcome> waits = pack(toPack, granted, futures, pending);
            for (Packer.Outcome later : waits) {
                packWait = Math.max(packWait, later.retryAfterSeconds());
            }
            // What is pending is asked for again: at once when a pack only said to ask for grants first, else after the
            // pause the service named.
            if (!pending.isEmpty() && (!waits.isEmpty() || !g.retry().isEmpty())) {
                long wait = Math.max(packWait, g.retry().stream().mapToLong(UploadGrant.Later::retryAfterSeconds).max().orElse(1));
                try {
                    client.options().sleeper().sleep(Duration.ofSeconds(Math.max(1, Math.min(60, wait))));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new ChunkvaultException("Interrupted.", e);
                }
            }
        }
        return new InFlight(granted, futures, chunks);
    }

    /**
     * Whether a large chunk is worth sending compressed: {@link ChunkCodec#probeSaves its first 8 KiB}, read from its
     * file, compress by at least 5 %. Incompressible data (media, archives, random) is found here, for a read of 8 KiB
     * and about 0.01 CPU s per GB, and goes alone, raw, as before.
     */
    private static boolean compressible(ChunkToSend c) throws IOException {
        int head = (int) Math.min(c.chunk().size(), ChunkCodec.PROBE_BYTES);
        return ChunkCodec.probeSaves(FileRegions.readFully(c.from().channel(), c.chunk().offset(), head));
    }

    /**
     * Sends chunks the grant said go in a pack, in slices of about a pack's size: each slice's bytes are read and held
     * within the transfers' memory budget while the shared {@link Packer} sends them with other files' chunks; the
     * slices of a large file go side by side ({@link ChunkvaultClient#packSenders}), a small file's one slice on this
     * thread. Stored chunks are journaled like uploads; chunks the seal says to send alone are submitted as PUTs;
     * chunks to ask for later go back to {@code pending}.
     *
     * @return the outcomes that asked to wait (their chunks are back in {@code pending})
     */
    private List<Packer.Outcome> pack(List<ChunkToSend> toPack, List<UploadGrant.Upload> granted, List<Future<?>> futures,
                                      Map<String, ChunkToSend> pending) throws IOException {
        List<List<ChunkToSend>> slices = Slices.of(toPack, c -> c.chunk().size(), PACK_SLICE_BYTES);
        List<Map<ChunkToSend, Packer.Outcome>> results = new ArrayList<>();
        try {
            if (slices.size() == 1) {
                results.add(packSlice(slices.get(0)));
            } else {
                List<Future<Map<ChunkToSend, Packer.Outcome>>> sent = new ArrayList<>();
                for (List<ChunkToSend> slice : slices) {
                    sent.add(client.packSenders().submit(() -> packSlice(slice)));
                }
                for (Future<Map<ChunkToSend, Packer.Outcome>> f : sent) {
                    try {
                        results.add(f.get());
                    } catch (ExecutionException e) {
                        sent.forEach(other -> other.cancel(true));
                        if (e.getCause() instanceof IOException io) {
                            throw io;
                        }
                        if (e.getCause() instanceof RuntimeException re) {
                            throw re;
                        }
                        throw new ChunkvaultException("Upload failed.", e.getCause());
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChunkvaultException("Interrupted.", e);
        }
        List<Packer.Outcome> waits = new ArrayList<>();
        for (Map<ChunkToSend, Packer.Outcome> r : results) {
            for (Map.Entry<ChunkToSend, Packer.Outcome> e : r.entrySet()) {
                ChunkToSend c = e.getKey();
                Packer.Outcome o = e.getValue();
                switch (o.kind()) {
                    case STORED, HELD -> { }
                    case ALONE -> {
                        granted.add(o.upload());
                        futures.add(submit(o.upload(), c));
                    }
                    case LATER -> {
                        pending.put(c.chunk().id().hex(), c);
                        waits.add(o);
                    }
                    case GRANT_FIRST -> pending.put(c.chunk().id().hex(), c); // asked for at once, by a grant
                    case UNSEALED -> c.from().unsealed().add(c.chunk().id().hex(), o.seal()); // sealed by its commit
                    case CHANGED -> throw new LocalFileChangedException(c.from().file(), "changed while it was being uploaded");
                }
            }
        }
        return waits;
    }

    /** Files this large have their packs sealed at once, not by their commit batch (see {@link Packer.Item#sealNow}). */
    static final long SEAL_NOW_FILE_BYTES = 2L * dev.chunkvault.core.pack.PackFormat.TARGET_PACK_BYTES;

    /** Reads one slice's chunks and stores them through the packer; journals and counts the stored ones. */
    private Map<ChunkToSend, Packer.Outcome> packSlice(List<ChunkToSend> slice) throws IOException, InterruptedException {
        // Twice the slice: its chunks, and the pack they are copied into to be sent; with compression, up to three times
        // (a chunk that compresses by only 5 % is held plain, compressed, and in the pack).
        long bytes = (client.compressPacks() ? 3 : 2) * Slices.total(slice, c -> c.chunk().size());
        try (TransferMemory.Lease held = client.transferMemory().acquire((int) Math.min(Integer.MAX_VALUE, bytes))) {
            List<Packer.Item> items = new ArrayList<>(slice.size());
            for (ChunkToSend c : slice) {
                // A file of several packs commits only once it is all sent: its packs are sealed at once (journaled, so
                // that a push killed halfway resumes past them); a small file's wait for its commit batch.
                boolean sealNow = c.from().channel().size() >= SEAL_NOW_FILE_BYTES;
                items.add(new Packer.Item(c.chunk().id().hex(),
                        FileRegions.readFully(c.from().channel(), c.chunk().offset(), c.chunk().size()), null, sealNow));
            }
            Map<String, Packer.Outcome> out = client.packer().store(items);
            Map<ChunkToSend, Packer.Outcome> mine = new java.util.LinkedHashMap<>();
            for (int i = 0; i < slice.size(); i++) {
                ChunkToSend c = slice.get(i);
                Packer.Outcome o = out.get(items.get(i).id());
                if (o == null) {
                    throw new BadResponseException("A pack left a chunk unanswered.", null);
                }
                if (o.kind() == Packer.Kind.STORED || o.kind() == Packer.Kind.UNSEALED) {
                    // A chunk of a pack its commit will seal is not journaled as uploaded: the seal travels with the
                    // commit, so a re-run after a crash before it finds nothing to skip. Its signature is kept (a wrong
                    // one, of bytes that changed, can only cost a refused delta: SignatureCache).
                    if (o.kind() == Packer.Kind.STORED) {
                        journal.recordUploaded(items.get(i).id(), c.chunk().size(), client.options().clock().instant());
                    }
                    journal.remember(items.get(i).id(), items.get(i).bytes(), c.from().channel().size());
                    c.from().counters().uploaded.incrementAndGet();
                    c.from().counters().bytes.addAndGet(c.chunk().size());
                    c.from().listener().advance(c.chunk().size());
                } else if (o.kind() == Packer.Kind.HELD) {
                    c.from().counters().skipped.incrementAndGet();
                    c.from().listener().advance(c.chunk().size());
                }
                mine.put(c, o);
            }
            return mine;
        }
    }

    /**
     * Sends again chunks of {@code from} that its commit said are missing. A chunk that went in a pack its commit
     * carried to be sealed is sent as that seal answered: alone by the presigned PUT the seal gave (its verified bytes
     * are stored elsewhere: the usual proof), or — the pack refused — after checking that the file still holds it
     * (else the file changed while it was sent: {@link LocalFileChangedException}); the others, and those, are sent
     * again as by {@link #upload}.
     */
    void resend(PushSource from, Collection<Chunk> missing) throws IOException {
        List<Chunk> again = new ArrayList<>();
        List<Future<?>> alone = new ArrayList<>();
        long wait = 0;
        for (Chunk c : missing) {
            String id = c.id().hex();
            PackSeal seal = from.unsealed().of(id).orElse(null);
            from.unsealed().forget(id);
            if (seal == null) {
                again.add(c);
                continue;
            }
            UploadGrant.Upload put = seal.result().flatMap(s -> s.uploads().stream().filter(u -> u.id().equals(id)).findFirst())
                    .orElse(null);
            if (put != null) {
                alone.add(submit(put, new ChunkToSend(from, c)));
                continue;
            }
            if (seal.refusal().isPresent() && !FileRegions.regionId(from.channel(), c).equals(c.id())) {
                throw new LocalFileChangedException(from.file(), "changed while it was being uploaded");
            }
            // Being collected when the pack was sealed: asked for again after the pause the seal named.
            wait = Math.max(wait, seal.result().flatMap(s -> s.retry().stream().filter(l -> l.id().equals(id)).findFirst())
                    .map(UploadGrant.Later::retryAfterSeconds).orElse(0L));
            again.add(c);
        }
        for (Future<?> f : alone) {
            try {
                f.get();
            } catch (ExecutionException e) {
                if (e.getCause() instanceof ApiException a && a.status() == 403) {
                    continue; // its URL expired: the next commit round finds it missing, and it is sent as any other
                }
                if (e.getCause() instanceof IOException io) {
                    throw io;
                }
                if (e.getCause() instanceof RuntimeException re) {
                    throw re;
                }
                throw new ChunkvaultException("Upload failed.", e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ChunkvaultException("Interrupted.", e);
            }
        }
        if (wait > 0) {
            try {
                client.options().sleeper().sleep(Duration.ofSeconds(Math.min(60, wait)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ChunkvaultException("Interrupted.", e);
            }
        }
        upload(from, again);
    }

    private Future<?> submit(UploadGrant.Upload u, ChunkToSend send) {
        PushSource from = send.from();
        Chunk c = send.chunk();
        return client.transferPool().submit(() -> {
            // A chunk of a file too large for its signature to be kept need not be in memory: the PUT streams it from
            // the file (large-file chunks are up to 8 MiB, and several transfers run at once). Otherwise the chunk is
            // read whole, within the transfers' memory budget, and its signature kept.
            FileChannel ch = from.channel();
            boolean streamed = ch.size() > SignatureCache.MAX_FILE_BYTES;
            try (TransferMemory.Lease held = streamed ? null : client.transferMemory().acquire(c.size())) {
                byte[] bytes = streamed ? null : FileRegions.readFully(ch, c.offset(), c.size());
                try {
                    if (streamed) {
                        client.putObject(u.url(), u.headers(), c.size(),
                                () -> new FileRegions.RegionInputStream(ch, c.offset(), c.size()));
                    } else {
                        client.putObject(u.url(), u.headers(), bytes);
                    }
                } catch (ApiException refused) {
                    // Not hashed before the PUT: it signs the chunk's SHA-256, so the storage refuses bytes that changed
                    // since the scan; only then is it worth finding out whether the file did.
                    ChunkId sent = streamed ? FileRegions.regionId(ch, c) : ChunkId.sha256(bytes);
                    if (refused.status() >= 400 && refused.status() < 500 && !sent.equals(c.id())) {
                        throw new LocalFileChangedException(from.file(), "changed while it was being uploaded");
                    }
                    throw refused;
                }
                journal.recordUploaded(u.id(), c.size(), client.options().clock().instant());
                if (bytes != null) {
                    journal.remember(u.id(), bytes, ch.size());
                }
                from.counters().uploaded.incrementAndGet();
                from.counters().bytes.addAndGet(c.size());
                from.listener().advance(c.size());
                return null;
            }
        });
    }

    /** Waits for a batch; uploads refused because their URL expired (a slow link) are granted and sent once more. */
    private void finish(InFlight b) throws IOException {
        List<ChunkToSend> expired = new ArrayList<>();
        for (int i = 0; i < b.futures().size(); i++) {
            try {
                b.futures().get(i).get();
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof ApiException a && a.status() == 403) {
                    expired.add(b.chunks().get(b.granted().get(i).id()));
                    continue;
                }
                if (cause instanceof IOException io) {
                    throw io;
                }
                if (cause instanceof RuntimeException re) {
                    throw re;
                }
                throw new ChunkvaultException("Upload failed.", cause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ChunkvaultException("Interrupted.", e);
            }
        }
        if (!expired.isEmpty()) {
            InFlight again = grantAndSubmit(expired);
            for (Future<?> f : again.futures()) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (cause instanceof RuntimeException re) {
                        throw re;
                    }
                    throw cause instanceof IOException io ? io : new IOException("upload failed", cause);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new ChunkvaultException("Interrupted.", e);
                }
            }
        }
    }
}
